package storefront

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/catalog"
	"doorstep/app/marketing"
	"doorstep/app/merchant"
	"doorstep/app/staff"
)

// Catalog gives the global category tree.
type Catalog interface {
	Tree(ctx context.Context) (*catalog.Tree, error)
}

// Staff gives public staff profiles (404 kinds for inactive staff).
type Staff interface {
	Profile(ctx context.Context, id int64) (staff.ProfilePage, error)
}

// Merchants gives a shop's public summary (404 kinds for inactive shops).
type Merchants interface {
	Public(ctx context.Context, id int64) (merchant.PublicShop, error)
}

// Coupons gives coupon cards (the marketing service).
type Coupons interface {
	Cards(ctx context.Context, ids []int64) ([]marketing.CouponCard, error)
	AutoCards(ctx context.Context, merchantID int64, category string, n int) ([]marketing.CouponCard, error)
	Owners(ctx context.Context, ids []int64) (map[int64]marketing.CouponOwner, error)
}

// Publisher tells other running copies that a city's pages changed.
type Publisher interface {
	Publish(ctx context.Context, topic, msg string)
}

// Deps are what the storefront service is built from.
type Deps struct {
	Catalog   Catalog
	Staff     Staff
	Merchants Merchants
	Coupons   Coupons
	Pub       Publisher // nil: other copies see a publish within CacheTTL
	Audit     *audit.Log
	Log       *slog.Logger
	CacheTTL  time.Duration    // how stale a public page may be; default 5 s
	Now       func() time.Time // nil: time.Now
}

// Service runs shop decoration.
type Service struct {
	cat   Catalog
	staff Staff
	mer   Merchants
	cps   Coupons
	pub   Publisher
	audit *audit.Log
	log   *slog.Logger
	now   func() time.Time
	cache *catalog.Cache
}

// New builds the storefront service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.CacheTTL <= 0 {
		d.CacheTTL = 5 * time.Second
	}
	return &Service{cat: d.Catalog, staff: d.Staff, mer: d.Merchants, cps: d.Coupons, pub: d.Pub, audit: d.Audit, log: d.Log,
		now: func() time.Time { return d.Now().UTC() }, cache: catalog.NewCache(d.CacheTTL, 2048)}
}

// Errors clients see.
var (
	ErrPageNotFound    = app.NotFound("page")
	ErrVersionNotFound = app.NotFound("page_version")
	ErrStaleDraft      = app.E(app.KindConflict, "stale_draft", "the draft was changed by someone else meanwhile; reload it and apply your changes again")
	ErrNoDraft         = app.E(app.KindConflict, "no_draft", "there is no draft to publish; save one or apply a template first")
	ErrUnknownTemplate = app.E(app.KindInvalid, "unknown_template", "no such template for this page; see the templates list")
	ErrNotMerchant     = app.E(app.KindForbidden, "merchant_owner_required", "act as the owner of a shop to decorate it")
	ErrNotCityOps      = app.E(app.KindForbidden, "city_operator_required", "act as a city admin or operator")
)

// pageRef is one page of one owner, as a request names it.
type pageRef struct {
	OwnerType string
	OwnerID   int64
	Key       string // shop | home | category:<code>
	Kind      string // shop | home | category
	Category  string // category pages: the code
	Actor     app.Actor
}

// edit resolves the page an editor names: a merchant owner's own shop
// page ("shop"), or a city page ("home", "category:<code>") for city
// operators. Nobody names another owner's page: the owner comes from the
// signed-in person.
func (s *Service) edit(ctx context.Context, owner, key string) (pageRef, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return pageRef{}, err
	}
	switch owner {
	case OwnerMerchant:
		if a.Role != app.RoleMerchantOwner || a.MerchantID == 0 {
			return pageRef{}, ErrNotMerchant
		}
		if key != KindShop {
			return pageRef{}, ErrPageNotFound
		}
		return pageRef{OwnerType: OwnerMerchant, OwnerID: a.MerchantID, Key: KindShop, Kind: KindShop, Actor: a}, nil
	case OwnerCity:
		switch a.Role {
		case app.RoleCityAdmin, app.RoleCityOperator, app.RoleHQAdmin, app.RoleHQOperator:
		default:
			return pageRef{}, ErrNotCityOps
		}
		r, err := s.cityRef(ctx, key)
		r.Actor = a
		return r, err
	}
	return pageRef{}, ErrPageNotFound
}

// cityRef reads a city page key: "home" or "category:<code>" of an
// existing category.
func (s *Service) cityRef(ctx context.Context, key string) (pageRef, error) {
	key = strings.TrimSpace(key)
	if key == KindHome {
		return pageRef{OwnerType: OwnerCity, Key: KindHome, Kind: KindHome}, nil
	}
	code, ok := strings.CutPrefix(key, KindCategory+":")
	if !ok {
		return pageRef{}, ErrPageNotFound
	}
	code = strings.ToLower(code)
	t, err := s.cat.Tree(ctx)
	if err != nil {
		return pageRef{}, err
	}
	if !t.Has(code) {
		return pageRef{}, ErrPageNotFound
	}
	return pageRef{OwnerType: OwnerCity, Key: KindCategory + ":" + code, Kind: KindCategory, Category: code}, nil
}

// invalidate drops the cached public pages of ctx's city here (after the
// open transaction commits) and in the other copies.
func (s *Service) invalidate(ctx context.Context) { s.cache.Drop(ctx, s.pub, "storefront") }

// Invalidated handles a notice from another copy: msg is a city code.
func (s *Service) Invalidated(msg string) { s.cache.Dropped(msg) }
