// Package stats keeps the daily figures of every city and of the whole
// platform: a scheduled rollup per city turns each city-local day's orders,
// payments, refunds, reviews, after-sales cases and dispatch offers into one
// row per (day, merchant, measure) of the city's figures table (merchant 0
// is the whole city), with a few set-based SQL queries per day; a second job
// copies every city's rows into the HQ figures table and adds them up as
// city "all". Reads only ever read those tables: a figure never depends on
// which running copy answers, and nothing is computed on read except the
// totals of a range.
//
// The measures and their definitions are in measures.go (also served at
// GET /v1/admin/figures/measures).
//
// Imports app and tenants; HQ is reached through the registry, never inside
// a city transaction.
package stats

import (
	"context"
	"log/slog"
	"time"

	"doorstep/app"
	"doorstep/tenants"
)

// Task types of this package. Their payloads are empty: each run works out
// its days from the clock.
const (
	// TaskRollup is periodic, per city: recompute the city's today and
	// yesterday (city time).
	TaskRollup = "stats:rollup"
	// TaskPlatform is periodic, for HQ: copy every city's today and
	// yesterday into the HQ figures and add them up as "all".
	TaskPlatform = "stats:platform"
)

// All is the city code of the platform-wide sum in the HQ figures.
const All = "all"

// Auditor records who recomputed what (*audit.Log). It writes to HQ, so it
// is only called outside a city transaction.
type Auditor interface {
	Record(ctx context.Context, action, targetType, targetID, outcome string, detail any)
}

// Deps are what the service is built from.
type Deps struct {
	Reg   *tenants.Registry
	Audit Auditor
	Log   *slog.Logger
	Now   func() time.Time // nil: time.Now
}

// Service computes and reads figures.
type Service struct {
	reg   *tenants.Registry
	audit Auditor
	log   *slog.Logger
	now   func() time.Time
}

// New builds the service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{reg: d.Reg, audit: d.Audit, log: d.Log, now: func() time.Time { return d.Now().UTC() }}
}

// Errors clients see.
var (
	ErrUnknownMeasure = app.E(app.KindInvalid, "unknown_measure", "no such measure; see GET /v1/admin/figures/measures")
	ErrFutureDay      = app.E(app.KindInvalid, "day_in_future", "this day has not begun in the city yet")
	ErrCityNotFound   = app.NotFound("city")
)
