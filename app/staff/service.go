package staff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/audit"
	"doorstep/app/catalog"
	"doorstep/app/merchant"
	"doorstep/app/notify"
	"doorstep/rbac"
	"doorstep/tenants"
)

// LocationSink hears about every change of a staff member that matters to
// dispatch: duty, location, status, skills, area. It is called after the
// change committed, on the request's goroutine, so it must be quick (the
// dispatch engine updates its in-memory index). s is the row as it now is.
type LocationSink interface {
	StaffMoved(ctx context.Context, city string, s Staff)
}

type noSink struct{}

func (noSink) StaffMoved(context.Context, string, Staff) {}

// ReviewSource gives the newest visible reviews of a staff member's jobs
// (the review service; wired after it exists).
type ReviewSource interface {
	RecentStaffReviews(ctx context.Context, staffID int64, n int) ([]catalog.ReviewBrief, error)
}

type noReviews struct{}

func (noReviews) RecentStaffReviews(context.Context, int64, int) ([]catalog.ReviewBrief, error) {
	return []catalog.ReviewBrief{}, nil
}

// Service runs the staff capability.
type Service struct {
	reg       *tenants.Registry
	en        *rbac.Enforcer
	audit     *audit.Log
	notify    *notify.Service
	accounts  *account.Service
	catalog   *catalog.Service
	merchants *merchant.Service
	log       *slog.Logger

	sink    atomic.Pointer[LocationSink]
	reviews atomic.Pointer[ReviewSource]
}

// New builds the staff service.
func New(reg *tenants.Registry, en *rbac.Enforcer, al *audit.Log, n *notify.Service, accounts *account.Service,
	cat *catalog.Service, merchants *merchant.Service, log *slog.Logger) *Service {
	s := &Service{reg: reg, en: en, audit: al, notify: n, accounts: accounts, catalog: cat, merchants: merchants, log: log}
	var sink LocationSink = noSink{}
	var reviews ReviewSource = noReviews{}
	s.sink.Store(&sink)
	s.reviews.Store(&reviews)
	return s
}

// UseLocationSink sets who hears about duty and location changes.
func (s *Service) UseLocationSink(l LocationSink) {
	if l != nil {
		s.sink.Store(&l)
	}
}

// UseReviews sets where public profiles take their recent reviews from.
func (s *Service) UseReviews(r ReviewSource) {
	if r != nil {
		s.reviews.Store(&r)
	}
}

// moved tells the sink about st once the open transaction commits.
func (s *Service) moved(ctx context.Context, st Staff) {
	c, ok := tenants.CityFrom(ctx)
	if !ok {
		return
	}
	bg := context.WithoutCancel(ctx)
	tenants.AfterCommit(ctx, func() { (*s.sink.Load()).StaffMoved(bg, c.Code, st) })
}

// Errors clients see.
var (
	ErrStaffNotFound    = app.NotFound("staff")
	ErrCertNotFound     = app.NotFound("certification")
	ErrStaffExists      = app.E(app.KindConflict, "staff_exists", "this person is on your staff already")
	ErrStaffInactive    = app.E(app.KindForbidden, "staff_inactive", "your staff profile is inactive; ask your merchant")
	ErrMerchantInactive = app.E(app.KindConflict, "merchant_not_active", "your shop is suspended; you cannot go on duty")
	ErrCertExpired      = app.E(app.KindConflict, "certification_expired", "this certification has expired; it cannot be verified")
	ErrCertReviewed     = app.E(app.KindConflict, "certification_reviewed", "this certification was rejected; add it again with a new document")
	ErrNotMerchant      = app.E(app.KindForbidden, "merchant_required", "this is the merchant back office: act as a merchant first")
	ErrNotCityOps       = app.E(app.KindForbidden, "city_operator_required", "only the city's operators may do this")
	ErrNotStaff         = app.E(app.KindForbidden, "staff_required", "this is the staff app: act as staff first")
)

func merchantActor(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.MerchantID == 0 || (a.Role != app.RoleMerchantOwner && a.Role != app.RoleMerchantDispatcher) {
		return a, ErrNotMerchant
	}
	return a, nil
}

func cityOps(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !merchant.IsCityOps(a) {
		return a, ErrNotCityOps
	}
	return a, nil
}

// Get returns a staff member of ctx's city in any status.
func (s *Service) Get(ctx context.Context, id int64) (Staff, error) {
	var st Staff
	err := tenants.DB(ctx).Where("id = ?", id).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return st, ErrStaffNotFound
	}
	return st, err
}

// DaysOff lists a staff member's days off between two calendar dates,
// inclusive. from and to are read by their year, month and day as given
// (callers pass local dates at midnight UTC); the days come back the same
// way.
func (s *Service) DaysOff(ctx context.Context, staffID int64, from, to time.Time) ([]time.Time, error) {
	var rows []DayOff
	err := tenants.DB(ctx).Where("staff_id = ? AND day >= ? AND day <= ?", staffID, from.Format(time.DateOnly), to.Format(time.DateOnly)).
		Order("day").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("days off of staff %d: %w", staffID, err)
	}
	out := make([]time.Time, len(rows))
	for i, r := range rows {
		y, m, d := r.Day.Date()
		out[i] = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return out, nil
}

// Qualified lists a merchant's active staff whose skills cover mask.
func (s *Service) Qualified(ctx context.Context, merchantID int64, mask uint64) ([]Staff, error) {
	out := []Staff{}
	err := tenants.DB(ctx).Where("merchant_id = ? AND status = ? AND (skill_mask & ?) = ?", merchantID, StatusActive, mask, mask).
		Order("id").Find(&out).Error
	return out, err
}

// ListOnDuty lists every active staff member of ctx's city, of an active
// shop, who has reported a location: what the dispatch engine builds its
// index from. OnDuty tells who is taking jobs right now.
func (s *Service) ListOnDuty(ctx context.Context) ([]Staff, error) {
	out := []Staff{}
	st, m := tenants.Table(ctx, "staff"), tenants.Table(ctx, "merchants")
	err := tenants.DB(ctx).Raw("SELECT s.* FROM "+st+" AS s JOIN "+m+" AS m ON m.id = s.merchant_id"+
		" WHERE s.status = ? AND m.status = ? AND s.located_at IS NOT NULL ORDER BY s.id", StatusActive, merchant.StatusActive).Scan(&out).Error
	return out, err
}

// AddRating adds one review's stars (1-5) to a staff member, in the
// caller's transaction.
func (s *Service) AddRating(ctx context.Context, staffID int64, stars int) error {
	return s.rate(ctx, staffID, stars, 1)
}

// RemoveRating takes one review's stars out again, in the caller's
// transaction.
func (s *Service) RemoveRating(ctx context.Context, staffID int64, stars int) error {
	return s.rate(ctx, staffID, stars, -1)
}

func (s *Service) rate(ctx context.Context, id int64, stars, dir int) error {
	n, err := catalog.ApplyRating(ctx, "staff", id, stars, dir)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrStaffNotFound
	}
	return nil
}

// AddCompleted counts one finished job, in the caller's transaction.
func (s *Service) AddCompleted(ctx context.Context, staffID int64) error {
	res := tenants.DB(ctx).Model(&Staff{}).Where("id = ?", staffID).UpdateColumn("completed_jobs", gorm.Expr("completed_jobs + 1"))
	if res.Error != nil {
		return fmt.Errorf("count job of staff %d: %w", staffID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStaffNotFound
	}
	return nil
}

// ValidCertifications lists a staff member's certifications that count at
// time at: verified and not expired on that day (city time).
func (s *Service) ValidCertifications(ctx context.Context, staffID int64, at time.Time) ([]Certification, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	out := []Certification{}
	err = tenants.DB(ctx).Where("staff_id = ? AND status = ? AND (expires_on IS NULL OR expires_on >= ?)", staffID, CertVerified,
		at.In(c.Loc).Format(time.DateOnly)).Order("id").Find(&out).Error
	return out, err
}
