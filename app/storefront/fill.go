package storefront

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/catalog"
	"doorstep/app/marketing"
	"doorstep/app/merchant"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// Page is a page with its data filled in, as customers (and the editor's
// preview) see it. References that went off shelf, inactive, sold out or
// suspended are left out, and a data block left empty is dropped.
type Page struct {
	Kind        string                 `json:"kind" doc:"shop, home or category"`
	Key         string                 `json:"key"`
	Title       string                 `json:"title"`
	Template    string                 `json:"template"`
	Version     int64                  `json:"version" doc:"the published version; 0 for the default page"`
	Default     bool                   `json:"default" doc:"nothing is published yet: this is the default template with live data"`
	PublishedAt *time.Time             `json:"published_at,omitempty"`
	Shop        *merchant.PublicShop   `json:"shop,omitempty" doc:"shop pages: the shop"`
	Category    *catalog.CategoryBrief `json:"category,omitempty" doc:"category pages: the category"`
	Components  []Block                `json:"components"`
}

// Block is one filled component.
type Block struct {
	Type     string                 `json:"type"`
	Title    string                 `json:"title,omitempty"`
	Images   []Image                `json:"images,omitempty"`
	Items    []catalog.BrowseItem   `json:"items,omitempty"`
	Staff    []staff.PublicProfile  `json:"staff,omitempty"`
	Coupons  []marketing.CouponCard `json:"coupons,omitempty"`
	HTML     string                 `json:"html,omitempty"`
	Text     string                 `json:"text,omitempty"`
	Level    string                 `json:"level,omitempty"`
	Category *catalog.CategoryBrief `json:"category,omitempty"`
}

// Preview returns the editor's draft filled with live data.
func (s *Service) Preview(ctx context.Context, owner, key string) (Page, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return Page{}, err
	}
	r, found, err := s.row(ctx, ref, false)
	if err != nil {
		return Page{}, err
	}
	doc, tpl := defaultDoc(ref), DefaultTemplate
	if found {
		if doc, err = decode(r.Draft); err != nil {
			return Page{}, err
		}
		tpl = r.Template
	}
	p := Page{Template: tpl, Version: r.PublishedVersion, PublishedAt: r.PublishedAt, Default: !found}
	return s.fill(ctx, ref, doc, p)
}

// PublicRef names a customer-facing page.
type PublicRef struct {
	Kind       string // shop | home | category
	MerchantID int64  // shop pages
	Category   string // category pages
}

// public resolves a customer's page: an active shop's, the city's home, or
// an active category's.
func (s *Service) public(ctx context.Context, pr PublicRef) (pageRef, error) {
	switch pr.Kind {
	case KindShop:
		if pr.MerchantID <= 0 {
			return pageRef{}, ErrPageNotFound
		}
		return pageRef{OwnerType: OwnerMerchant, OwnerID: pr.MerchantID, Key: KindShop, Kind: KindShop}, nil
	case KindHome:
		return pageRef{OwnerType: OwnerCity, Key: KindHome, Kind: KindHome}, nil
	case KindCategory:
		ref, err := s.cityRef(ctx, KindCategory+":"+strings.ToLower(strings.TrimSpace(pr.Category)))
		if err != nil {
			return ref, err
		}
		t, err := s.cat.Tree(ctx)
		if err != nil {
			return ref, err
		}
		if !t.Active(ref.Category) {
			return pageRef{}, ErrPageNotFound
		}
		return ref, nil
	}
	return pageRef{}, ErrPageNotFound
}

// Public returns a published page filled with live data, or, before
// anything is published, the default template filled the same way, so a
// customer's page is never empty.
func (s *Service) Public(ctx context.Context, pr PublicRef) (Page, error) {
	ref, err := s.public(ctx, pr)
	if err != nil {
		return Page{}, err
	}
	r, found, err := s.row(ctx, ref, false)
	if err != nil {
		return Page{}, err
	}
	if !found || r.Published == nil {
		return s.fill(ctx, ref, defaultDoc(ref), Page{Template: DefaultTemplate, Default: true})
	}
	doc, err := decode(*r.Published)
	if err != nil {
		return Page{}, err
	}
	tpl := r.Template
	var h historyRow
	if tenants.DB(ctx).Select("template").Where("page_id = ? AND version = ?", r.ID, r.PublishedVersion).Take(&h).Error == nil {
		tpl = h.Template // the draft's template may have moved on since
	}
	return s.fill(ctx, ref, doc, Page{Template: tpl, Version: r.PublishedVersion, PublishedAt: r.PublishedAt})
}

// PublicJSON is Public marshalled (and gzipped when large), through a short
// cache that a publish invalidates.
func (s *Service) PublicJSON(ctx context.Context, pr PublicRef) (catalog.Answer, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return catalog.Answer{}, err
	}
	key := fmt.Sprintf("%s|%s|%d|%s", c.Code, pr.Kind, pr.MerchantID, strings.ToLower(strings.TrimSpace(pr.Category)))
	return s.cache.Get(c.Code, key, func() ([]byte, error) {
		p, err := s.Public(context.WithoutCancel(ctx), pr)
		if err != nil {
			return nil, err
		}
		return json.Marshal(p)
	})
}

// fill puts live data into doc's components.
func (s *Service) fill(ctx context.Context, ref pageRef, doc Document, p Page) (Page, error) {
	p.Kind, p.Key, p.Title, p.Components = ref.Kind, ref.Key, doc.Title, []Block{}
	t, err := s.cat.Tree(ctx)
	if err != nil {
		return Page{}, err
	}
	var merchantID int64
	switch ref.Kind {
	case KindShop:
		merchantID = ref.OwnerID
		shop, err := s.mer.Public(ctx, merchantID)
		if err != nil {
			if app.KindOf(err) == app.KindNotFound {
				return Page{}, ErrPageNotFound
			}
			return Page{}, err
		}
		p.Shop = &shop
		if p.Title == "" {
			p.Title = shop.Name
		}
	case KindCategory:
		b := t.Brief(ref.Category)
		p.Category = &b
		if p.Title == "" {
			p.Title = b.Name
		}
	case KindHome:
		if p.Title == "" {
			if c, ok := tenants.CityFrom(ctx); ok {
				p.Title = c.Name
			}
		}
	}
	visible := t.Visible()
	for _, c := range doc.Components {
		b := Block{Type: c.Type, Title: c.Title}
		switch c.Type {
		case TypeBanner:
			b.Images = c.Images
		case TypeServiceGrid:
			q := itemQuery{IDs: c.ItemIDs, MerchantID: merchantID, Limit: c.Count, Visible: visible}
			if len(c.ItemIDs) == 0 && c.Category != "" {
				q.Categories = t.Subtree(c.Category)
				cb := t.Brief(c.Category)
				b.Category = &cb
				if len(q.Categories) == 0 {
					continue
				}
			}
			if b.Items, err = s.items(ctx, t, q); err != nil {
				return Page{}, err
			}
			if len(b.Items) == 0 {
				continue
			}
		case TypeStaffShowcase:
			ids := c.StaffIDs
			if len(ids) == 0 {
				if ids, err = s.topStaff(ctx, merchantID, c.Count); err != nil {
					return Page{}, err
				}
			}
			for _, id := range ids {
				pp, err := s.staff.Profile(ctx, id)
				if err != nil {
					if app.KindOf(err) == app.KindNotFound {
						continue // left or suspended
					}
					return Page{}, err
				}
				b.Staff = append(b.Staff, pp.PublicProfile)
			}
			if len(b.Staff) == 0 {
				continue
			}
		case TypeCouponStrip:
			if len(c.CouponIDs) > 0 {
				b.Coupons, err = s.cps.Cards(ctx, c.CouponIDs)
			} else {
				b.Coupons, err = s.cps.AutoCards(ctx, merchantID, ref.Category, c.Count)
			}
			if err != nil {
				return Page{}, err
			}
			if len(b.Coupons) == 0 {
				continue
			}
		case TypeRichText:
			b.HTML = SanitizeHTML(c.HTML)
		case TypeNotice:
			b.Text, b.Level = c.Text, c.Level
		default:
			continue
		}
		p.Components = append(p.Components, b)
	}
	return p, nil
}

// itemQuery selects the services a grid shows.
type itemQuery struct {
	IDs        []int64  // these, in this order; else the best selling
	MerchantID int64    // shop pages: only the shop's
	Categories []string // only these categories
	Visible    []string // only these categories (catalog.Tree.Visible)
	Limit      int
}

type itemRow struct {
	ID           int64
	MerchantID   int64
	CategoryCode string
	Title        string
	Photos       string
	PriceModel   string
	PriceFen     int64
	PriceMaxFen  int64
	DepositFen   int64
	Unit         string
	DurationMin  int
	RatingCount  int64
	RatingAvg    int
	SalesCount   int64
	MerchantName string
}

// items reads bookable services (on shelf, active shop, visible category)
// for a grid.
func (s *Service) items(ctx context.Context, t *catalog.Tree, q itemQuery) ([]catalog.BrowseItem, error) {
	where := []string{"i.status = ?", "m.status = ?"}
	args := []any{catalog.ItemOn, merchant.StatusActive}
	if len(q.IDs) > 0 {
		where, args = append(where, "i.id IN ?"), append(args, q.IDs)
		q.Limit = len(q.IDs)
	}
	if q.MerchantID > 0 {
		where, args = append(where, "i.merchant_id = ?"), append(args, q.MerchantID)
	}
	if len(q.Categories) > 0 {
		where, args = append(where, "i.category_code IN ?"), append(args, q.Categories)
	}
	where, args = append(where, "i.category_code IN ?"), append(args, q.Visible) // none: IN (NULL), nothing
	if q.Limit <= 0 || q.Limit > maxGridItems {
		q.Limit = maxGridItems
	}
	sql := "SELECT i.id, i.merchant_id, i.category_code, i.title, i.photos, i.price_model, i.price_fen, i.price_max_fen, i.deposit_fen, i.unit, " +
		"i.duration_min, i.rating_count, i.rating_avg, i.sales_count, m.name AS merchant_name FROM " + tenants.Table(ctx, "service_items") +
		" AS i JOIN " + tenants.Table(ctx, "merchants") + " AS m ON m.id = i.merchant_id WHERE " + strings.Join(where, " AND ") +
		" ORDER BY i.sales_count DESC, i.rating_avg DESC, i.id DESC LIMIT " + strconv.Itoa(q.Limit)
	var rows []itemRow
	if err := tenants.DB(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("page services: %w", err)
	}
	byID := map[int64]catalog.BrowseItem{}
	out := make([]catalog.BrowseItem, 0, len(rows))
	for _, r := range rows {
		b := catalog.BrowseItem{ID: r.ID, Title: r.Title, Category: t.Brief(r.CategoryCode), PriceModel: r.PriceModel, PriceFen: r.PriceFen,
			PriceMaxFen: r.PriceMaxFen, DepositFen: r.DepositFen, Unit: r.Unit, DurationMin: r.DurationMin, RatingAvg: r.RatingAvg,
			RatingCount: r.RatingCount, SalesCount: r.SalesCount, Merchant: catalog.MerchantBrief{ID: r.MerchantID, Name: r.MerchantName}}
		var photos []string
		if json.Unmarshal([]byte(r.Photos), &photos) == nil && len(photos) > 0 {
			b.Photo = photos[0]
		}
		byID[r.ID] = b
		out = append(out, b)
	}
	if len(q.IDs) == 0 {
		return out, nil
	}
	out = out[:0]
	for _, id := range q.IDs {
		if b, ok := byID[id]; ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// topStaff lists the best rated active staff of active shops (one shop's
// when merchantID > 0).
func (s *Service) topStaff(ctx context.Context, merchantID int64, n int) ([]int64, error) {
	if n <= 0 || n > maxStaff {
		n = maxStaff
	}
	q := tenants.DB(ctx).Table(tenants.Table(ctx, "staff")+" AS s").
		Joins("JOIN "+tenants.Table(ctx, "merchants")+" AS m ON m.id = s.merchant_id").
		Where("s.status = ? AND m.status = ?", staff.StatusActive, merchant.StatusActive)
	if merchantID > 0 {
		q = q.Where("s.merchant_id = ?", merchantID)
	}
	var ids []int64
	err := q.Order("s.rating_avg DESC, s.rating_count DESC, s.completed_jobs DESC, s.id").Limit(n).Pluck("s.id", &ids).Error
	return ids, err
}
