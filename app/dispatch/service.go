// Package dispatch finds the staff member for a paid order nobody was
// chosen for. Each city has an in-memory grid of its located staff (built
// from the staff table on first use, rebuilt every few minutes as a
// backstop, kept current by the staff service's LocationSink in this copy
// and by Redis notices from the others). A decision asks the grid for the
// merchant's nearest staff, reads a few facts about them from the city's
// database in one query each (reservations, days off, certifications, jobs
// that day, past service to the customer, earlier refusals), applies the
// hard filters, scores who passes by the merchant's policy and records the
// whole explanation. Smart dispatch offers the job to the best candidate
// for a while; a refusal or timeout moves to the next round, and after the
// policy's rounds (or when nobody qualifies) the merchant's dispatchers are
// asked to assign by hand. Manual assignments reach dispatch through
// booking's StaffHook and are recorded the same way.
//
// It imports app, tenants, gorm and the services it reads (booking, staff,
// merchant, catalog, review, notify, outbox, audit, geo). Other copies are
// reached through Bus; who dispatches for a merchant through People.
package dispatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/merchant"
	"doorstep/app/notify"
	"doorstep/app/outbox"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// Task types dispatch handles, with their payloads.
const (
	// TaskOrder runs one round of smart dispatch for an order (booking
	// writes it when a paid order has no staff member; dispatch writes it
	// after a refusal or timeout). Payload booking.OrderPayload.
	TaskOrder = booking.TaskDispatch
	// TaskOfferTimeout closes an unanswered offer at its deadline and moves
	// to the next round. Payload OfferPayload.
	TaskOfferTimeout = "dispatch:offer_timeout"
)

// OfferPayload names one offer (TaskOfferTimeout).
type OfferPayload struct {
	OfferID int64 `json:"offer_id"`
}

// Bus carries small notices between running copies (jobs.Bus).
type Bus interface {
	Publish(ctx context.Context, topic, msg string)
	Subscribe(ctx context.Context, topic string, fn func(msg string))
}

// People names who to ask when smart dispatch gives up.
type People interface {
	// Dispatchers lists the account ids of a merchant's dispatchers in ctx's
	// city. It reads HQ: never call it inside a city transaction.
	Dispatchers(ctx context.Context, merchantID int64) ([]int64, error)
}

// Deps are what the dispatch service is built from.
type Deps struct {
	Booking   *booking.Service
	Staff     *staff.Service
	Merchants *merchant.Service
	Catalog   *catalog.Service
	Notify    *notify.Service
	Outbox    *outbox.Outbox
	Audit     *audit.Log
	Bus       Bus    // nil: this copy is alone
	People    People // nil: only the merchant's owner hears of escalations
	Log       *slog.Logger
	Now       func() time.Time // nil: time.Now
	// CellM is the grid cell size (geo.DefaultCellM when 0); RebuildEvery
	// how old an index may grow before a decision rebuilds it in the
	// background (5 minutes when 0).
	CellM        float64
	RebuildEvery time.Duration
}

// Service runs dispatch.
type Service struct {
	booking   *booking.Service
	staff     *staff.Service
	merchants *merchant.Service
	catalog   *catalog.Service
	notify    *notify.Service
	out       *outbox.Outbox
	audit     *audit.Log
	bus       Bus
	people    People
	log       *slog.Logger
	now       func() time.Time

	cellM        float64
	rebuildEvery time.Duration
	origin       string // tells this copy's notices from the others'

	mu     sync.Mutex
	cities map[string]*cityIndex
}

// New builds the dispatch service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.RebuildEvery <= 0 {
		d.RebuildEvery = 5 * time.Minute
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Service{booking: d.Booking, staff: d.Staff, merchants: d.Merchants, catalog: d.Catalog, notify: d.Notify, out: d.Outbox,
		audit: d.Audit, bus: d.Bus, people: d.People, log: d.Log, now: func() time.Time { return d.Now().UTC() },
		cellM: d.CellM, rebuildEvery: d.RebuildEvery, origin: hex.EncodeToString(b[:]), cities: map[string]*cityIndex{}}
}

// Errors clients see.
var (
	ErrOfferNotFound = app.NotFound("offer")
	ErrOrderNotFound = app.NotFound("order")
	ErrOfferClosed   = app.E(app.KindConflict, "offer_closed", "this offer is no longer open: it was answered or withdrawn, or the order was taken")
	ErrOfferExpired  = app.E(app.KindConflict, "offer_expired", "the time to accept this offer has passed")
	ErrNotStaff      = app.E(app.KindForbidden, "staff_required", "this is the staff app: act as staff first")
	ErrNotMerchant   = app.E(app.KindForbidden, "merchant_required", "this is the merchant back office: act as a merchant first")
	ErrNotCityOps    = app.E(app.KindForbidden, "city_operator_required", "only the city's operators may do this")
	ErrOwnerOnly     = app.E(app.KindForbidden, "owner_required", "only the merchant's owner may change its dispatch policy")
)

func staffActor(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != app.RoleStaff || a.StaffID == 0 {
		return a, ErrNotStaff
	}
	return a, nil
}

// detached is ctx's city and actor without its transaction or deadline:
// for work after commit and in the background (a context that still names
// a committed transaction would send queries to it).
func detached(ctx context.Context) context.Context {
	out := context.Background()
	if a, ok := app.ActorFrom(ctx); ok {
		out = app.WithActor(out, a)
	}
	if c, ok := tenants.CityFrom(ctx); ok {
		out = tenants.WithCity(out, c)
	}
	return out
}
