package tenants

import (
	"context"
	"fmt"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// cityRow is how the HQ schema stores a city; the app/city service owns the
// writes, the registry only reads.
type cityRow struct {
	ID             int64
	Code           string
	Name           string
	NameEN         string
	Zone           string
	Currency       string
	Status         string
	BookingsPaused bool
	Placement      string
	SchemaName     string
	CommissionBPS  int64
	CreatedAt      time.Time
}

// Load re-reads the city list from the HQ schema and swaps it in atomically.
func (r *Registry) Load(ctx context.Context) error {
	var rows []cityRow
	err := r.hq.WithContext(ctx).Table(r.HQTable("cities")).
		Select("id, code, name, name_en, zone, currency, status, bookings_paused, placement, schema_name, commission_bps, created_at").
		Order("code").Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("load cities: %w", err)
	}
	next := make(map[string]*City, len(rows))
	for _, row := range rows {
		loc, err := time.LoadLocation(row.Zone)
		if err != nil {
			r.log.Error("city has a bad time zone; using UTC", "city", row.Code, "zone", row.Zone)
			loc = time.UTC
		}
		c := &City{ID: row.ID, Code: row.Code, Name: row.Name, NameEN: row.NameEN, Zone: row.Zone, Currency: row.Currency,
			Status: row.Status, BookingsPaused: row.BookingsPaused, Placement: row.Placement, Schema: row.SchemaName,
			CommissionBPS: row.CommissionBPS, CreatedAt: row.CreatedAt, Loc: loc}
		if !r.HasPlacement(c.Placement) {
			r.log.Error("city is placed on an unknown placement; it stays unreachable", "city", c.Code, "placement", c.Placement)
			continue
		}
		h, err := r.handle(c.Placement, c.Schema)
		if err != nil {
			return err
		}
		c.db = h
		next[c.Code] = c
	}
	r.cities.Store(&next)
	return nil
}

// Run re-reads the city list every Refresh until ctx ends: the backstop for
// copies that missed a change notification.
func (r *Registry) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Load(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("reload cities", "err", err)
			}
		}
	}
}

// Lookup returns a city by code.
func (r *Registry) Lookup(code string) (*City, error) {
	c, ok := (*r.cities.Load())[code]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownCity, code)
	}
	return c, nil
}

// Cities lists every known city, ordered by code.
func (r *Registry) Cities() []*City {
	m := *r.cities.Load()
	out := make([]*City, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// ForEachCity runs fn for each city with at most parallel running at once,
// each with the city in its context. Errors are collected per city; one
// city's failure does not stop the others.
func (r *Registry) ForEachCity(ctx context.Context, cities []*City, parallel int, fn func(ctx context.Context, c *City) error) map[string]error {
	if parallel <= 0 {
		parallel = 8
	}
	if r.cfg.SingleConn {
		parallel = 1
	}
	errs := make([]error, len(cities))
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, c := range cities {
		g.Go(func() error {
			errs[i] = fn(WithCity(ctx, c), c)
			return nil
		})
	}
	_ = g.Wait()
	out := map[string]error{}
	for i, err := range errs {
		if err != nil {
			out[cities[i].Code] = err
		}
	}
	return out
}

// HQ returns the HQ handle, or the HQ transaction open in ctx.
func (r *Registry) HQ(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(hqTxKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return r.hq.WithContext(ctx)
}

// HQTx runs fn in one HQ transaction (reusing an outer one), retrying the
// whole of fn on deadlock.
func (r *Registry) HQTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(hqTxKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	actx, after, owner := withAfter(ctx)
	err := retry(ctx, func() error {
		after.fns = after.fns[:0]
		return r.hq.WithContext(actx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(actx, hqTxKey{}, tx))
		})
	})
	if err == nil && owner {
		for _, f := range after.fns {
			f()
		}
	}
	return err
}

// HQTable qualifies an HQ table name for raw SQL.
func (r *Registry) HQTable(name string) string { return r.HQSchema() + "." + name }

// CityHandle returns a city's root handle for work outside a request (the
// migrator, the outbox relay and cross-city readers take a city explicitly).
func (c *City) handle() *gorm.DB { return c.db }
