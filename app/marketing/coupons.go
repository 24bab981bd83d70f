package marketing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/tenants"
)

// CouponInput describes a new coupon. A merchant's coupon applies to its
// own services only; the city's to any service of the city. Category codes
// include their sub-categories; with both categories and items, a service
// qualifies when it is in either.
type CouponInput struct {
	Title            string   `json:"title" validate:"required,max=64"`
	Kind             string   `json:"kind" validate:"required,oneof=amount percent"`
	AmountFen        int64    `json:"amount_fen" validate:"gte=0" doc:"amount kind: fen off"`
	PercentBPS       int64    `json:"percent_bps" validate:"gte=0" doc:"percent kind: how much comes off in basis points (1500 = 15% off, 八五折), 1 to 9999"`
	CapFen           int64    `json:"cap_fen" validate:"gte=0" doc:"percent kind: the most it takes off (0: no cap)"`
	MinSpendFen      int64    `json:"min_spend_fen" validate:"gte=0" doc:"the service's price must be at least this"`
	CategoryCodes    []string `json:"category_codes" validate:"max=20" doc:"only services in these categories (a parent includes its children)"`
	ItemIDs          []int64  `json:"item_ids" validate:"max=50" doc:"only these services"`
	ValidFrom        string   `json:"valid_from" doc:"RFC 3339, or 2006-01-02 / 2006-01-02T15:04 in the city's time; empty: now"`
	ValidTo          string   `json:"valid_to" validate:"required" doc:"RFC 3339, or 2006-01-02 (through the end of that day) / 2006-01-02T15:04 in the city's time"`
	TotalLimit       int64    `json:"total_limit" validate:"gte=0" doc:"how many may be claimed or granted in all; 0: no limit"`
	PerCustomerLimit int      `json:"per_customer_limit" validate:"gte=0,lte=100" doc:"claims per customer; default 1"`
	Audience         string   `json:"audience" validate:"omitempty,oneof=all new_customer" doc:"all (default) or new_customer: before the first completed order in this city"`
	Claimable        *bool    `json:"claimable" doc:"default true; false: customers cannot claim it (the city grants it, or it is the referral reward)"`
}

// CouponUpdate changes a coupon; absent fields stay. Terms that customers
// relied on when they claimed (amounts, minimum spend, scope, start) do not
// change; issue a new coupon instead.
type CouponUpdate struct {
	Title            *string `json:"title" validate:"omitempty,max=64"`
	ValidTo          *string `json:"valid_to" doc:"a new end (coupons claimed before keep the expiry they were given)"`
	TotalLimit       *int64  `json:"total_limit" validate:"omitempty,gte=0" doc:"not below what was issued already; 0: no limit"`
	PerCustomerLimit *int    `json:"per_customer_limit" validate:"omitempty,gte=1,lte=100"`
	Claimable        *bool   `json:"claimable"`
	Status           *string `json:"status" validate:"omitempty,oneof=active paused stopped" doc:"paused: no claims for now; stopped: no claims ever again; claimed coupons stay usable"`
}

// CouponFilter selects coupons of the back office.
type CouponFilter struct {
	Status     string `query:"status" doc:"active, paused or stopped; empty: all"`
	Issuer     string `query:"issuer" doc:"city back office: city or merchant; empty: both"`
	MerchantID int64  `query:"merchant_id" doc:"city back office: one merchant's coupons"`
	Cursor     string `query:"cursor"`
	Limit      int    `query:"limit"`
}

// issuerOf says who issues coupons for the actor in ctx: a merchant's
// people issue their shop's, city operators (and HQ) the city's.
func issuerOf(ctx context.Context) (issuer, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return issuer{}, err
	}
	switch a.Role {
	case app.RoleMerchantOwner, app.RoleMerchantDispatcher:
		return merchantActor(ctx)
	case app.RoleCityAdmin, app.RoleCityOperator, app.RoleHQAdmin, app.RoleHQOperator:
		return cityActor(ctx)
	}
	return issuer{}, app.ErrForbidden.WithMessage("act as a merchant or a city operator to manage coupons")
}

// parseTime reads an instant a person typed: RFC 3339, or a wall clock in
// the city's time; a bare date is its start, or with end its end (the next
// midnight).
func parseTime(s string, loc *time.Location, end bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// itemRef is what coupon and page rules read of a service item.
type itemRef struct {
	ID           int64
	MerchantID   int64
	CategoryCode string
	DepositFen   int64
	Status       string
}

func itemRefs(ctx context.Context, ids []int64) (map[int64]itemRef, error) {
	out := map[int64]itemRef{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []itemRef
	if err := tenants.DB(ctx).Table(tenants.Table(ctx, "service_items")).Select("id, merchant_id, category_code, deposit_fen, status").
		Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read service items: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// checkScope validates categories and items of a coupon for its issuer and
// fills the category scope.
func (s *Service) checkScope(ctx context.Context, is issuer, c *Coupon, codes []string, items []int64) error {
	c.CategoryCodes, c.CategoryScope, c.ItemIDs = []string{}, []string{}, []int64{}
	if len(codes) > 0 {
		t, err := s.cats.Tree(ctx)
		if err != nil {
			return err
		}
		for _, code := range codes {
			code = strings.ToLower(strings.TrimSpace(code))
			if code == "" || slices.Contains(c.CategoryCodes, code) {
				continue
			}
			sub := t.Subtree(code)
			if len(sub) == 0 {
				return app.Invalid("category_codes", fmt.Sprintf("category %q does not exist; see GET /v1/categories", code))
			}
			c.CategoryCodes = append(c.CategoryCodes, code)
			for _, x := range sub {
				if !slices.Contains(c.CategoryScope, x) {
					c.CategoryScope = append(c.CategoryScope, x)
				}
			}
		}
	}
	if len(items) > 0 {
		refs, err := itemRefs(ctx, items)
		if err != nil {
			return err
		}
		for _, id := range items {
			r, ok := refs[id]
			if !ok || r.Status == "deleted" || (is.Kind == IssuerMerchant && r.MerchantID != is.MerchantID) {
				if is.Kind == IssuerMerchant {
					return app.Invalid("item_ids", fmt.Sprintf("service %d is not one of your services", id))
				}
				return app.Invalid("item_ids", fmt.Sprintf("service %d does not exist in this city", id))
			}
			if !slices.Contains(c.ItemIDs, id) {
				c.ItemIDs = append(c.ItemIDs, id)
			}
		}
	}
	return nil
}

func checkTerms(c *Coupon) error {
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" || utf8.RuneCountInString(c.Title) > 64 {
		return app.Invalid("title", "1 to 64 characters")
	}
	switch c.Kind {
	case KindAmount:
		if c.AmountFen <= 0 || c.AmountFen > 10_000_000 {
			return app.Invalid("amount_fen", "an amount coupon takes 1 to 10000000 fen off")
		}
		c.PercentBPS, c.CapFen = 0, 0
	case KindPercent:
		if c.PercentBPS <= 0 || c.PercentBPS >= 10000 {
			return app.Invalid("percent_bps", "a percent coupon takes 1 to 9999 basis points off")
		}
		if c.CapFen < 0 {
			return app.Invalid("cap_fen", "must be >= 0")
		}
		c.AmountFen = 0
	default:
		return app.Invalid("kind", "amount or percent")
	}
	if c.MinSpendFen < 0 {
		return app.Invalid("min_spend_fen", "must be >= 0")
	}
	if c.Audience == "" {
		c.Audience = AudienceAll
	}
	if c.Audience != AudienceAll && c.Audience != AudienceNew {
		return app.Invalid("audience", "all or new_customer")
	}
	if c.PerCustomerLimit == 0 {
		c.PerCustomerLimit = 1
	}
	if c.PerCustomerLimit < 1 || c.PerCustomerLimit > 100 {
		return app.Invalid("per_customer_limit", "1 to 100")
	}
	if c.TotalLimit < 0 {
		return app.Invalid("total_limit", "must be >= 0 (0: no limit)")
	}
	return nil
}

// CreateCoupon issues a coupon: the merchant's own (merchant roles) or the
// city's (city operators).
func (s *Service) CreateCoupon(ctx context.Context, in CouponInput) (Coupon, error) {
	is, err := issuerOf(ctx)
	if err != nil {
		return Coupon{}, err
	}
	city, err := tenants.MustCity(ctx)
	if err != nil {
		return Coupon{}, err
	}
	now := s.now()
	c := Coupon{Issuer: is.Kind, MerchantID: is.MerchantID, Title: in.Title, Kind: in.Kind, AmountFen: in.AmountFen, PercentBPS: in.PercentBPS,
		CapFen: in.CapFen, MinSpendFen: in.MinSpendFen, TotalLimit: in.TotalLimit, PerCustomerLimit: in.PerCustomerLimit, Audience: in.Audience,
		Claimable: in.Claimable == nil || *in.Claimable, Status: StatusActive, CreatedBy: is.Actor.AccountID, CreatedAt: now, UpdatedAt: now}
	if err := checkTerms(&c); err != nil {
		return Coupon{}, err
	}
	c.ValidFrom = now
	if strings.TrimSpace(in.ValidFrom) != "" {
		t, ok := parseTime(in.ValidFrom, city.Loc, false)
		if !ok {
			return Coupon{}, app.Invalid("valid_from", "RFC 3339, or 2006-01-02 / 2006-01-02T15:04 in the city's time")
		}
		c.ValidFrom = t
	}
	t, ok := parseTime(in.ValidTo, city.Loc, true)
	if !ok {
		return Coupon{}, app.Invalid("valid_to", "RFC 3339, or 2006-01-02 / 2006-01-02T15:04 in the city's time")
	}
	c.ValidTo = t
	if !c.ValidTo.After(c.ValidFrom) || !c.ValidTo.After(now) {
		return Coupon{}, app.Invalid("valid_to", "must be after valid_from and in the future")
	}
	if c.ValidTo.Sub(c.ValidFrom) > 366*24*time.Hour {
		return Coupon{}, app.Invalid("valid_to", "a coupon runs for at most a year")
	}
	if err := s.checkScope(ctx, is, &c, in.CategoryCodes, in.ItemIDs); err != nil {
		return Coupon{}, err
	}
	if err := tenants.DB(ctx).Create(&c).Error; err != nil {
		return Coupon{}, fmt.Errorf("create coupon: %w", err)
	}
	s.audit.Record(ctx, "coupon.create", "coupon", fmt.Sprint(c.ID), "ok", map[string]any{"issuer": c.Issuer, "merchant_id": c.MerchantID,
		"kind": c.Kind, "amount_fen": c.AmountFen, "percent_bps": c.PercentBPS, "total_limit": c.TotalLimit})
	return c, nil
}

// visible tells whether the issuer in a request may see c.
func (is issuer) visible(c Coupon) bool {
	return is.Kind == IssuerCity || (c.Issuer == IssuerMerchant && c.MerchantID == is.MerchantID)
}

func (s *Service) coupon(ctx context.Context, id int64, lock bool) (Coupon, error) {
	var c Coupon
	q := tenants.DB(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, ErrCouponNotFound
	}
	return c, err
}

// Coupon returns one coupon of the back office: a merchant's own, or any
// of the city for city operators.
func (s *Service) Coupon(ctx context.Context, id int64) (Coupon, error) {
	is, err := issuerOf(ctx)
	if err != nil {
		return Coupon{}, err
	}
	c, err := s.coupon(ctx, id, false)
	if err != nil {
		return Coupon{}, err
	}
	if !is.visible(c) {
		return Coupon{}, ErrCouponNotFound
	}
	return c, nil
}

type idCursor struct {
	ID int64 `json:"id"`
}

// Coupons lists the back office's coupons, newest first: a merchant's own,
// or the city's and its merchants' for city operators.
func (s *Service) Coupons(ctx context.Context, f CouponFilter) (app.List[Coupon], error) {
	out := app.List[Coupon]{Items: []Coupon{}}
	is, err := issuerOf(ctx)
	if err != nil {
		return out, err
	}
	var cur idCursor
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return out, err
	}
	q := tenants.DB(ctx).Model(&Coupon{})
	if is.Kind == IssuerMerchant {
		q = q.Where("issuer = ? AND merchant_id = ?", IssuerMerchant, is.MerchantID)
	} else {
		switch f.Issuer {
		case "":
		case IssuerCity, IssuerMerchant:
			q = q.Where("issuer = ?", f.Issuer)
		default:
			return out, app.Invalid("issuer", "city or merchant")
		}
		if f.MerchantID > 0 {
			q = q.Where("merchant_id = ?", f.MerchantID)
		}
	}
	switch f.Status {
	case "":
	case StatusActive, StatusPaused, StatusStopped:
		q = q.Where("status = ?", f.Status)
	default:
		return out, app.Invalid("status", "active, paused or stopped")
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []Coupon
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return out, err
	}
	if len(rows) > n {
		rows = rows[:n]
		out.NextCursor = app.EncodeCursor(idCursor{ID: rows[n-1].ID})
	}
	out.Items = append(out.Items, rows...)
	return out, nil
}

// UpdateCoupon changes a coupon. Merchants change their own; city
// operators change the city's, and may pause or stop a merchant's (only
// the status: the terms are the merchant's).
func (s *Service) UpdateCoupon(ctx context.Context, id int64, u CouponUpdate) (Coupon, error) {
	is, err := issuerOf(ctx)
	if err != nil {
		return Coupon{}, err
	}
	city, err := tenants.MustCity(ctx)
	if err != nil {
		return Coupon{}, err
	}
	var validTo time.Time
	if u.ValidTo != nil {
		t, ok := parseTime(*u.ValidTo, city.Loc, true)
		if !ok {
			return Coupon{}, app.Invalid("valid_to", "RFC 3339, or 2006-01-02 / 2006-01-02T15:04 in the city's time")
		}
		validTo = t
	}
	var c Coupon
	var changed map[string]any
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		c, err = s.coupon(ctx, id, true)
		if err != nil {
			return err
		}
		if !is.visible(c) {
			return ErrCouponNotFound
		}
		termsOnly := is.Kind == IssuerCity && c.Issuer == IssuerMerchant
		if termsOnly && (u.Title != nil || u.ValidTo != nil || u.TotalLimit != nil || u.PerCustomerLimit != nil || u.Claimable != nil) {
			return app.ErrForbidden.WithMessage("a merchant's coupon terms are the merchant's; the city may only pause or stop it")
		}
		changed = map[string]any{}
		if c.Status == StatusStopped && (u.Status == nil || *u.Status != StatusStopped) {
			return ErrCouponStopped
		}
		if u.Title != nil {
			t := strings.TrimSpace(*u.Title)
			if t == "" || utf8.RuneCountInString(t) > 64 {
				return app.Invalid("title", "1 to 64 characters")
			}
			c.Title, changed["title"] = t, t
		}
		if u.ValidTo != nil {
			if !validTo.After(c.ValidFrom) || !validTo.After(s.now()) || validTo.Sub(c.ValidFrom) > 366*24*time.Hour {
				return app.Invalid("valid_to", "after valid_from, in the future, and at most a year after valid_from")
			}
			c.ValidTo, changed["valid_to"] = validTo, validTo
		}
		if u.TotalLimit != nil {
			if *u.TotalLimit != 0 && *u.TotalLimit < c.IssuedCount {
				return app.Invalid("total_limit", fmt.Sprintf("%d are issued already; the limit cannot go below that", c.IssuedCount))
			}
			c.TotalLimit, changed["total_limit"] = *u.TotalLimit, *u.TotalLimit
		}
		if u.PerCustomerLimit != nil {
			c.PerCustomerLimit, changed["per_customer_limit"] = *u.PerCustomerLimit, *u.PerCustomerLimit
		}
		if u.Claimable != nil {
			c.Claimable, changed["claimable"] = *u.Claimable, *u.Claimable
		}
		if u.Status != nil && *u.Status != c.Status {
			c.Status, changed["status"] = *u.Status, *u.Status
		}
		if len(changed) == 0 {
			return nil
		}
		c.UpdatedAt = s.now()
		changed["updated_at"] = c.UpdatedAt
		return tenants.DB(ctx).Model(&Coupon{}).Where("id = ?", c.ID).Updates(changed).Error
	})
	if err != nil {
		return Coupon{}, err
	}
	if len(changed) > 0 {
		delete(changed, "updated_at")
		s.audit.Record(ctx, "coupon.update", "coupon", fmt.Sprint(c.ID), "ok", changed)
	}
	return c, nil
}
