package catalog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/tenants"
)

// Publisher tells other running copies that a city's catalog changed, so
// their browse caches drop what they hold for it ("*" means every city).
type Publisher interface {
	Publish(ctx context.Context, topic, msg string)
}

// ReviewBrief is one customer review as browse and profiles show it.
type ReviewBrief struct {
	ID        int64     `json:"id"`
	Reviewer  string    `json:"reviewer"` // display name, or a placeholder for anonymous reviews
	Overall   int       `json:"overall"`  // stars 1-5
	Content   string    `json:"content"`
	Photos    []string  `json:"photos"`
	CreatedAt time.Time `json:"created_at"`
}

// ReviewSource gives the newest visible reviews of an item (the review
// service; wired after it exists).
type ReviewSource interface {
	RecentReviews(ctx context.Context, itemID int64, n int) ([]ReviewBrief, error)
}

type noReviews struct{}

func (noReviews) RecentReviews(context.Context, int64, int) ([]ReviewBrief, error) {
	return []ReviewBrief{}, nil
}

// Config tunes the catalog.
type Config struct {
	// CacheTTL bounds how stale a cached browse or detail answer may be.
	// Writes in this copy invalidate at once; writes in other copies reach
	// it through the Publisher, and a lost notice costs at most CacheTTL.
	CacheTTL time.Duration
	// CacheEntries caps the number of cached answers per copy.
	CacheEntries int
	// CategoryTTL is how long the HQ category tree is kept in memory.
	CategoryTTL time.Duration
}

// Service runs the catalog: the HQ category tree, each city's skills, the
// merchants' service items and the customers' browse and search.
type Service struct {
	reg   *tenants.Registry
	audit *audit.Log
	pub   Publisher
	cfg   Config
	log   *slog.Logger

	reviews atomic.Pointer[ReviewSource]
	cache   *Cache

	cats   atomic.Pointer[Tree]
	catGen atomic.Int64
	catSF  singleflight.Group

	skillsMu sync.Mutex
	skills   map[string]skillSet // schema -> skills
}

// New builds the catalog service.
func New(reg *tenants.Registry, al *audit.Log, pub Publisher, cfg Config, log *slog.Logger) *Service {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 3 * time.Second
	}
	if cfg.CacheEntries <= 0 {
		cfg.CacheEntries = 4096
	}
	if cfg.CategoryTTL <= 0 {
		cfg.CategoryTTL = 30 * time.Second
	}
	s := &Service{reg: reg, audit: al, pub: pub, cfg: cfg, log: log, cache: NewCache(cfg.CacheTTL, cfg.CacheEntries), skills: map[string]skillSet{}}
	var none ReviewSource = noReviews{}
	s.reviews.Store(&none)
	return s
}

// UseReviews sets where item details take their recent reviews from.
func (s *Service) UseReviews(r ReviewSource) {
	if r != nil {
		s.reviews.Store(&r)
	}
}

func (s *Service) reviewSource() ReviewSource { return *s.reviews.Load() }

// Errors clients see.
var (
	ErrCategoryNotFound    = app.NotFound("category")
	ErrUnknownCategory     = app.E(app.KindInvalid, "unknown_category", "no such category; see GET /v1/categories")
	ErrCategoryExists      = app.E(app.KindConflict, "category_exists", "a category with this code exists already")
	ErrCategoryInactive    = app.E(app.KindInvalid, "category_inactive", "this category is hidden and takes no new services")
	ErrCategoryNotAllowed  = app.E(app.KindInvalid, "category_not_allowed", "your shop is not approved for this category; add it to your shop's categories first")
	ErrCategoryHasChildren = app.E(app.KindConflict, "category_has_children", "this category has sub-categories; move or remove them first")
	ErrCategoryCycle       = app.E(app.KindInvalid, "category_cycle", "a category cannot be moved under itself or its own sub-category")
	ErrUnknownSkill        = app.E(app.KindInvalid, "unknown_skill", "no such skill in this city")
	ErrItemNotFound        = app.NotFound("service_item")
	ErrMerchantNotActive   = app.E(app.KindConflict, "merchant_not_active", "the shop is suspended; its services cannot go on shelf")
	ErrItemUnavailable     = app.E(app.KindConflict, "service_item_unavailable", "this service is not on offer at the moment")
	ErrNotMerchant         = app.E(app.KindForbidden, "merchant_required", "this is the merchant back office: act as a merchant first")
)

// Invalidate drops every cached browse and detail answer of ctx's city, in
// this copy at once (after the open transaction commits) and in the others
// through the Publisher. Call it after any write that changes what
// customers see: an item or a merchant's name, area or status.
func (s *Service) Invalidate(ctx context.Context) { s.cache.Drop(ctx, s.pub, "catalog") }

// Invalidated handles a notice from another copy: msg is a city code, or
// "*" when the HQ category tree changed.
func (s *Service) Invalidated(msg string) {
	if msg == "*" || msg == "" {
		s.catGen.Add(1)
	}
	s.cache.Dropped(msg)
}

func merchantOf(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.MerchantID == 0 || (a.Role != app.RoleMerchantOwner && a.Role != app.RoleMerchantDispatcher) {
		return a, ErrNotMerchant
	}
	return a, nil
}
