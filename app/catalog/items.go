package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"doorstep/app"
	"doorstep/app/geo"
	"doorstep/tenants"
)

// shop is the catalog's read-only view of a merchant row (same city
// schema): what browse shows and what shelving checks. The merchant
// package owns the table and every write to it.
type shop struct {
	ID          int64
	Name        string
	LogoURL     string
	Status      string
	Categories  string // JSON list of category codes
	Area        string // JSON geo.Area
	RatingAvg   int
	RatingCount int64
}

func (shop) TableName(n schema.Namer) string { return tenants.TableName(n, "merchants") }

const shopActive = "active" // merchant.StatusActive; merchant imports catalog, not the reverse

func (s *Service) shop(ctx context.Context, id int64, lock bool) (shop, error) {
	var m shop
	q := tenants.DB(ctx).Select("id, name, logo_url, status, categories, area, rating_avg, rating_count")
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, app.NotFound("merchant")
	}
	return m, err
}

// ItemInput describes a service item.
type ItemInput struct {
	CategoryCode string    `json:"category_code" validate:"required" doc:"HQ category code, e.g. deep_cleaning"`
	Title        string    `json:"title" validate:"required"`
	Description  string    `json:"description"`
	Photos       []string  `json:"photos" doc:"up to 9 http(s) URLs; the first is the cover"`
	PriceModel   string    `json:"price_model" validate:"required,oneof=fixed deposit"`
	PriceFen     int64     `json:"price_fen" doc:"fixed: the price; deposit: the lower bound of the price range"`
	PriceMaxFen  int64     `json:"price_max_fen" doc:"deposit: the upper bound of the price range"`
	DepositFen   int64     `json:"deposit_fen" doc:"deposit: paid to confirm the booking"`
	Unit         string    `json:"unit" doc:"次, 小时, 平方米 ...; default 次"`
	DurationMin  int       `json:"duration_min" validate:"required" doc:"30 to 600, a multiple of 30"`
	Skills       []string  `json:"skills" doc:"skill codes staff need (GET /v1/skills)"`
	Area         *geo.Area `json:"area" doc:"where this service is offered; absent: the shop's area"`
}

// ItemUpdate changes a service item; absent fields stay.
type ItemUpdate struct {
	CategoryCode *string   `json:"category_code"`
	Title        *string   `json:"title"`
	Description  *string   `json:"description"`
	Photos       *[]string `json:"photos"`
	PriceModel   *string   `json:"price_model" validate:"omitempty,oneof=fixed deposit"`
	PriceFen     *int64    `json:"price_fen"`
	PriceMaxFen  *int64    `json:"price_max_fen"`
	DepositFen   *int64    `json:"deposit_fen"`
	Unit         *string   `json:"unit"`
	DurationMin  *int      `json:"duration_min"`
	Skills       *[]string `json:"skills"`
	Area         *geo.Area `json:"area"`
	ClearArea    bool      `json:"clear_area" doc:"true: use the shop's area again"`
}

const (
	maxPhotos   = 9
	maxPriceFen = 100_000_000 // 1,000,000 yuan
)

// CheckPhotos validates photo URLs: at most max, each http(s).
func CheckPhotos(field string, photos []string, max int) ([]string, error) {
	out := make([]string, 0, len(photos))
	for _, p := range photos {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !HTTPURL(p) {
			return nil, app.Invalid(field, "each photo must be an http(s) URL of at most 512 characters")
		}
		out = append(out, p)
	}
	if len(out) > max {
		return nil, app.Invalid(field, fmt.Sprintf("at most %d photos", max))
	}
	return out, nil
}

// HTTPURL tells whether s is an absolute http(s) URL of at most 512 bytes.
func HTTPURL(s string) bool {
	if len(s) > 512 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// CheckArea validates an optional service area as a 400 on field.
func CheckArea(field string, a *geo.Area) error {
	if a == nil {
		return nil
	}
	if err := a.Validate(); err != nil {
		return app.Invalid(field, strings.TrimPrefix(err.Error(), geo.ErrInvalidArea.Error()+": "))
	}
	return nil
}

// checkItem validates an item in full and fills what derives from the rest.
func (s *Service) checkItem(ctx context.Context, t *Tree, it *ServiceItem, m shop) error {
	it.Title = strings.TrimSpace(it.Title)
	if n := utf8.RuneCountInString(it.Title); n < 2 || n > 64 {
		return app.Invalid("title", "2 to 64 characters")
	}
	it.Description = strings.TrimSpace(it.Description)
	if utf8.RuneCountInString(it.Description) > 2000 {
		return app.Invalid("description", "at most 2000 characters")
	}
	photos, err := CheckPhotos("photos", it.Photos, maxPhotos)
	if err != nil {
		return err
	}
	it.Photos = photos
	it.CategoryCode = strings.ToLower(strings.TrimSpace(it.CategoryCode))
	cat, ok := t.byCode[it.CategoryCode]
	if !ok {
		return ErrUnknownCategory.WithMessage("category %q does not exist; see GET /v1/categories", it.CategoryCode)
	}
	if !t.Active(cat.Code) {
		return ErrCategoryInactive
	}
	if allowed := decodeCodes(m.Categories); len(allowed) > 0 {
		ok := false
		for _, a := range t.ancestors(cat.Code) {
			for _, code := range allowed {
				ok = ok || a.Code == code
			}
		}
		if !ok {
			return ErrCategoryNotAllowed
		}
	}
	it.CategoryID = cat.ID
	switch it.PriceModel {
	case PriceFixed:
		if it.PriceFen <= 0 || it.PriceFen > maxPriceFen {
			return app.Invalid("price_fen", "a fixed price must be more than 0")
		}
		if it.DepositFen != 0 {
			return app.Invalid("deposit_fen", "a fixed-price service takes no deposit; use price_model deposit")
		}
		if it.PriceMaxFen != 0 && it.PriceMaxFen != it.PriceFen {
			return app.Invalid("price_max_fen", "a fixed-price service has one price")
		}
		it.PriceMaxFen = it.PriceFen
	case PriceDeposit:
		if it.DepositFen <= 0 {
			return app.Invalid("deposit_fen", "a deposit service needs a deposit of more than 0")
		}
		if it.PriceFen <= 0 || it.PriceFen > maxPriceFen {
			return app.Invalid("price_fen", "the lowest price of the range must be more than 0")
		}
		if it.PriceMaxFen < it.PriceFen || it.PriceMaxFen > maxPriceFen {
			return app.Invalid("price_max_fen", "the highest price must be at least price_fen")
		}
		if it.DepositFen > it.PriceFen {
			return app.Invalid("deposit_fen", "the deposit cannot be more than the lowest price")
		}
	default:
		return app.Invalid("price_model", "fixed or deposit")
	}
	it.Unit = strings.TrimSpace(it.Unit)
	if it.Unit == "" {
		it.Unit = "次"
	}
	if utf8.RuneCountInString(it.Unit) > 8 {
		return app.Invalid("unit", "at most 8 characters")
	}
	if it.DurationMin < 30 || it.DurationMin > 600 || it.DurationMin%30 != 0 {
		return app.Invalid("duration_min", "30 to 600 minutes, in steps of 30")
	}
	it.Skills = NormalizeSkills(it.Skills)
	if len(it.Skills) == 0 {
		return app.Invalid("skills", "name at least one skill staff need (GET /v1/skills)")
	}
	if len(it.Skills) > 16 {
		return app.Invalid("skills", "at most 16 skills")
	}
	mask, err := s.SkillMask(ctx, it.Skills)
	if err != nil {
		return err
	}
	it.SkillMask = mask
	if err := CheckArea("area", it.Area); err != nil {
		return err
	}
	it.SearchText = searchText(t, it)
	return nil
}

// searchText is what keyword search matches: title, description and the
// names of the category and its ancestors, lowercased.
func searchText(t *Tree, it *ServiceItem) string {
	parts := []string{it.Title, it.Description}
	for _, c := range t.ancestors(it.CategoryCode) {
		parts = append(parts, c.Name, c.NameEN)
	}
	return strings.ToLower(strings.Join(parts, " "))
}

func decodeCodes(s string) []string {
	var out []string
	if s != "" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	return out
}

// CreateItem adds a service item to the signed-in merchant's shop, off
// shelf.
func (s *Service) CreateItem(ctx context.Context, in ItemInput) (ServiceItem, error) {
	a, err := merchantOf(ctx)
	if err != nil {
		return ServiceItem{}, err
	}
	t, err := s.Tree(ctx) // HQ read: before any city transaction
	if err != nil {
		return ServiceItem{}, err
	}
	m, err := s.shop(ctx, a.MerchantID, false)
	if err != nil {
		return ServiceItem{}, err
	}
	now := time.Now().UTC()
	it := ServiceItem{MerchantID: a.MerchantID, CategoryCode: in.CategoryCode, Title: in.Title, Description: in.Description, Photos: in.Photos,
		PriceModel: in.PriceModel, PriceFen: in.PriceFen, PriceMaxFen: in.PriceMaxFen, DepositFen: in.DepositFen, Unit: in.Unit,
		DurationMin: in.DurationMin, Skills: in.Skills, Area: in.Area, Status: ItemOff, CreatedAt: now, UpdatedAt: now}
	if err := s.checkItem(ctx, t, &it, m); err != nil {
		return ServiceItem{}, err
	}
	if err := tenants.DB(ctx).Create(&it).Error; err != nil {
		return ServiceItem{}, fmt.Errorf("create service item: %w", err)
	}
	return it, nil
}

// ownItem loads an item of the signed-in merchant (404 for anyone else's).
func (s *Service) ownItem(ctx context.Context, merchantID, id int64, lock bool) (ServiceItem, error) {
	var it ServiceItem
	q := tenants.DB(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ? AND merchant_id = ? AND status <> ?", id, merchantID, ItemDeleted).Take(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return it, ErrItemNotFound
	}
	return it, err
}

// MerchantItem returns one of the signed-in merchant's items.
func (s *Service) MerchantItem(ctx context.Context, id int64) (ServiceItem, error) {
	a, err := merchantOf(ctx)
	if err != nil {
		return ServiceItem{}, err
	}
	return s.ownItem(ctx, a.MerchantID, id, false)
}

// ItemFilter selects a merchant's items.
type ItemFilter struct {
	Status string `query:"status" validate:"omitempty,oneof=on off"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// MerchantItems lists the signed-in merchant's items, newest first.
func (s *Service) MerchantItems(ctx context.Context, f ItemFilter) (app.List[ServiceItem], error) {
	a, err := merchantOf(ctx)
	if err != nil {
		return app.List[ServiceItem]{}, err
	}
	var cur struct {
		ID int64 `json:"id"`
	}
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[ServiceItem]{}, err
	}
	q := tenants.DB(ctx).Where("merchant_id = ? AND status <> ?", a.MerchantID, ItemDeleted)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []ServiceItem
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[ServiceItem]{}, err
	}
	out := app.List[ServiceItem]{Items: rows}
	if len(rows) > n {
		out.Items = rows[:n]
		cur.ID = rows[n-1].ID
		out.NextCursor = app.EncodeCursor(cur)
	}
	if out.Items == nil {
		out.Items = []ServiceItem{}
	}
	return out, nil
}

// UpdateItem changes one of the signed-in merchant's items. An item on
// shelf stays there and customers see the change within the cache TTL at
// most (at once on this copy).
func (s *Service) UpdateItem(ctx context.Context, id int64, u ItemUpdate) (ServiceItem, error) {
	a, err := merchantOf(ctx)
	if err != nil {
		return ServiceItem{}, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return ServiceItem{}, err
	}
	var it ServiceItem
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if it, err = s.ownItem(ctx, a.MerchantID, id, true); err != nil {
			return err
		}
		m, err := s.shop(ctx, a.MerchantID, false)
		if err != nil {
			return err
		}
		applyItemUpdate(&it, u)
		if err := s.checkItem(ctx, t, &it, m); err != nil {
			return err
		}
		it.UpdatedAt = time.Now().UTC()
		if err := tenants.DB(ctx).Select(itemColumns).Updates(&it).Error; err != nil {
			return fmt.Errorf("update service item %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return ServiceItem{}, err
	}
	if it.Status == ItemOn {
		s.Invalidate(ctx)
	}
	return it, nil
}

// itemColumns are the columns a merchant's edit writes.
var itemColumns = []string{"category_id", "category_code", "title", "description", "photos", "price_model", "price_fen", "price_max_fen",
	"deposit_fen", "unit", "duration_min", "skills", "skill_mask", "area", "search_text", "updated_at"}

func applyItemUpdate(it *ServiceItem, u ItemUpdate) {
	if u.CategoryCode != nil {
		it.CategoryCode = *u.CategoryCode
	}
	if u.Title != nil {
		it.Title = *u.Title
	}
	if u.Description != nil {
		it.Description = *u.Description
	}
	if u.Photos != nil {
		it.Photos = *u.Photos
	}
	if u.PriceModel != nil {
		it.PriceModel = *u.PriceModel
	}
	if u.PriceFen != nil {
		it.PriceFen = *u.PriceFen
	}
	if u.PriceMaxFen != nil {
		it.PriceMaxFen = *u.PriceMaxFen
	} else if u.PriceModel != nil || u.PriceFen != nil {
		if it.PriceModel == PriceFixed {
			it.PriceMaxFen = 0 // recomputed from the price
		}
	}
	if u.DepositFen != nil {
		it.DepositFen = *u.DepositFen
	} else if it.PriceModel == PriceFixed {
		it.DepositFen = 0
	}
	if u.Unit != nil {
		it.Unit = *u.Unit
	}
	if u.DurationMin != nil {
		it.DurationMin = *u.DurationMin
	}
	if u.Skills != nil {
		it.Skills = *u.Skills
	}
	if u.ClearArea {
		it.Area = nil
	} else if u.Area != nil {
		it.Area = u.Area
	}
}

// SetShelf puts one of the signed-in merchant's items on or off shelf.
// Only an active shop's items in an active category go on shelf.
func (s *Service) SetShelf(ctx context.Context, id int64, on bool) (ServiceItem, error) {
	a, err := merchantOf(ctx)
	if err != nil {
		return ServiceItem{}, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return ServiceItem{}, err
	}
	var it ServiceItem
	changed := false
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if it, err = s.ownItem(ctx, a.MerchantID, id, true); err != nil {
			return err
		}
		want := ItemOff
		if on {
			want = ItemOn
			m, err := s.shop(ctx, a.MerchantID, true)
			if err != nil {
				return err
			}
			if m.Status != shopActive {
				return ErrMerchantNotActive
			}
			if !t.Active(it.CategoryCode) {
				return ErrCategoryInactive
			}
		}
		if it.Status == want {
			return nil
		}
		it.Status, it.UpdatedAt = want, time.Now().UTC()
		changed = true
		return tenants.DB(ctx).Model(&ServiceItem{}).Where("id = ?", it.ID).Updates(map[string]any{"status": want, "updated_at": it.UpdatedAt}).Error
	})
	if err != nil {
		return ServiceItem{}, err
	}
	if changed {
		s.Invalidate(ctx)
	}
	return it, nil
}

// DeleteItem removes one of the signed-in merchant's items from the shop.
// The row stays (orders name it) with status deleted.
func (s *Service) DeleteItem(ctx context.Context, id int64) error {
	a, err := merchantOf(ctx)
	if err != nil {
		return err
	}
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		it, err := s.ownItem(ctx, a.MerchantID, id, true)
		if err != nil {
			return err
		}
		return tenants.DB(ctx).Model(&ServiceItem{}).Where("id = ?", it.ID).
			Updates(map[string]any{"status": ItemDeleted, "updated_at": time.Now().UTC()}).Error
	})
	if err != nil {
		return err
	}
	s.Invalidate(ctx)
	return nil
}

// Item returns an item of ctx's city in any status (booking, reviews and
// dispatch read it; they check what they need).
func (s *Service) Item(ctx context.Context, id int64) (ServiceItem, error) {
	var it ServiceItem
	err := tenants.DB(ctx).Where("id = ?", id).Take(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return it, ErrItemNotFound
	}
	return it, err
}

// Bookable returns an item customers may book now: on shelf, of an active
// shop, in an active category. Anything else is 409
// service_item_unavailable (404 when the item does not exist).
func (s *Service) Bookable(ctx context.Context, id int64) (ServiceItem, error) {
	t, err := s.Tree(ctx)
	if err != nil {
		return ServiceItem{}, err
	}
	it, err := s.Item(ctx, id)
	if err != nil {
		return it, err
	}
	if it.Status == ItemDeleted {
		return ServiceItem{}, ErrItemNotFound
	}
	if it.Status != ItemOn || !t.Active(it.CategoryCode) {
		return ServiceItem{}, ErrItemUnavailable
	}
	m, err := s.shop(ctx, it.MerchantID, false)
	if err != nil {
		return ServiceItem{}, err
	}
	if m.Status != shopActive {
		return ServiceItem{}, ErrItemUnavailable
	}
	return it, nil
}

// CountOnShelf counts a merchant's items on shelf.
func (s *Service) CountOnShelf(ctx context.Context, merchantID int64) (int64, error) {
	var n int64
	err := tenants.DB(ctx).Model(&ServiceItem{}).Where("merchant_id = ? AND status = ?", merchantID, ItemOn).Count(&n).Error
	return n, err
}

// AddRating adds one review's stars (1-5) to an item, in the caller's
// transaction. The cached browse catches up within the cache TTL.
func (s *Service) AddRating(ctx context.Context, itemID int64, stars int) error {
	return rate(ctx, "service_items", itemID, stars, 1, ErrItemNotFound)
}

// RemoveRating takes one review's stars out of an item again (a review
// hidden by moderation), in the caller's transaction.
func (s *Service) RemoveRating(ctx context.Context, itemID int64, stars int) error {
	return rate(ctx, "service_items", itemID, stars, -1, ErrItemNotFound)
}

func rate(ctx context.Context, table string, id int64, stars, dir int, notFound error) error {
	n, err := ApplyRating(ctx, table, id, stars, dir)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// ApplyRating puts one review's stars (1-5) into (dir 1) or out of (dir -1)
// the rating_sum, rating_count and rating_avg (stars x 100, rounded) of a
// row of a city table (service_items, merchants, staff), in the caller's
// transaction. It reports the rows changed: 0 when the row is missing, or
// when taking out of a row that holds no rating.
func ApplyRating(ctx context.Context, table string, id int64, stars, dir int) (int64, error) {
	if stars < 1 || stars > 5 {
		return 0, app.Invalid("stars", "1 to 5")
	}
	if dir != 1 && dir != -1 {
		return 0, fmt.Errorf("rating direction %d", dir)
	}
	sum := stars * dir
	// rating_avg comes first and spells out the new sums, so it is right
	// whether the engine assigns left to right or all at once.
	q := "UPDATE " + tenants.Table(ctx, table) +
		" SET rating_avg = IF(rating_count + ? > 0, ROUND((rating_sum + ?) * 100 / (rating_count + ?)), 0)," +
		" rating_sum = rating_sum + ?, rating_count = rating_count + ? WHERE id = ?"
	if dir < 0 {
		q += " AND rating_count > 0"
	}
	res := tenants.DB(ctx).Exec(q, dir, sum, dir, sum, dir, id)
	if res.Error != nil {
		return 0, fmt.Errorf("rating of %s %d: %w", table, id, res.Error)
	}
	return res.RowsAffected, nil
}

// AddSale counts one sale of an item, in the caller's transaction.
func (s *Service) AddSale(ctx context.Context, itemID int64) error {
	res := tenants.DB(ctx).Model(&ServiceItem{}).Where("id = ?", itemID).UpdateColumn("sales_count", gorm.Expr("sales_count + 1"))
	if res.Error != nil {
		return fmt.Errorf("count sale of service item %d: %w", itemID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrItemNotFound
	}
	return nil
}
