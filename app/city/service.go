// Package city onboards and runs city sub-sites from HQ: creating a city
// creates its schema on a placement, migrates and seeds it; suspending stops
// its bookings without deleting anything; migrate brings HQ and every city
// schema up to date.
package city

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/migrations"
	"doorstep/rbac"
	"doorstep/tenants"
)

// City is the HQ record of a city sub-site.
type City struct {
	ID             int64     `json:"id" gorm:"primaryKey"`
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	NameEN         string    `json:"name_en" gorm:"column:name_en"`
	Zone           string    `json:"zone"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"`
	BookingsPaused bool      `json:"bookings_paused"`
	Placement      string    `json:"placement"`
	SchemaName     string    `json:"-"`
	CommissionBPS  int64     `json:"commission_bps" gorm:"column:commission_bps"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

const statusProvisioning = "provisioning"

// Seeder fills a new city's schema with its defaults (settings, dispatch
// policy, page templates); ctx is bound to the new city.
type Seeder func(ctx context.Context) error

// Inviter finds or creates the account of a phone number.
type Inviter interface {
	FindOrInviteByPhone(ctx context.Context, phone, name string) (int64, bool, error)
}

// Notifier tells other running copies the city list changed.
type Notifier interface{ CitiesChanged(ctx context.Context) }

// Service manages cities.
type Service struct {
	reg     *tenants.Registry
	en      *rbac.Enforcer
	audit   *audit.Log
	inviter Inviter
	notify  Notifier
	seeders []Seeder
	log     *slog.Logger
}

// New builds the city service.
func New(reg *tenants.Registry, en *rbac.Enforcer, al *audit.Log, inviter Inviter, notify Notifier, seeders []Seeder, log *slog.Logger) *Service {
	return &Service{reg: reg, en: en, audit: al, inviter: inviter, notify: notify, seeders: seeders, log: log}
}

// Errors.
var (
	ErrCityExists   = app.E(app.KindConflict, "city_exists", "a city with this code exists already")
	ErrBadCode      = app.E(app.KindInvalid, "invalid_city_code", "city code: 2-16 lowercase letters or digits, starting with a letter")
	ErrBadZone      = app.E(app.KindInvalid, "invalid_time_zone", "unknown IANA time zone, e.g. Asia/Shanghai")
	ErrBadPlacement = app.E(app.KindInvalid, "unknown_placement", "no MySQL placement of that name is configured")
	ErrCityNotFound = app.NotFound("city")
)

// reserved codes would collide with routes or domain names.
var reserved = map[string]bool{"hq": true, "www": true, "api": true, "admin": true, "static": true, "sandbox": true}

// CreateInput describes a new city.
type CreateInput struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	NameEN        string `json:"name_en"`
	Zone          string `json:"zone"`
	Currency      string `json:"currency"`
	Placement     string `json:"placement"`
	CommissionBPS *int64 `json:"commission_bps"`
	AdminPhone    string `json:"admin_phone"`
	AdminName     string `json:"admin_name"`
}

// Created is the answer to Create.
type Created struct {
	City         City          `json:"city"`
	AdminID      int64         `json:"admin_account_id,omitempty"`
	Took         time.Duration `json:"-"`
	TookMillisec int64         `json:"took_ms"`
}

func (s *Service) validate(in *CreateInput) error {
	in.Code = strings.ToLower(strings.TrimSpace(in.Code))
	if !tenants.ValidCode(in.Code) || reserved[in.Code] {
		return ErrBadCode
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 32 {
		return app.Invalid("name", "1 to 32 characters")
	}
	if in.Zone == "" {
		in.Zone = "Asia/Shanghai"
	}
	if _, err := time.LoadLocation(in.Zone); err != nil || !strings.Contains(in.Zone, "/") {
		return ErrBadZone
	}
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	in.Currency = strings.ToUpper(in.Currency)
	if len(in.Currency) != 3 {
		return app.Invalid("currency", "ISO 4217 code, e.g. CNY")
	}
	if in.Placement == "" {
		in.Placement = s.reg.DefaultPlacement()
	}
	if !s.reg.HasPlacement(in.Placement) {
		return ErrBadPlacement
	}
	if in.CommissionBPS != nil && (*in.CommissionBPS < 0 || *in.CommissionBPS > 5000) {
		return app.Invalid("commission_bps", "between 0 and 5000 (50%)")
	}
	return nil
}

// Create onboards a city: claims the code, creates and migrates the schema,
// seeds it, opens it, and invites its first admin. On any failure the
// schema and the claim are removed again.
func (s *Service) Create(ctx context.Context, in CreateInput) (Created, error) {
	start := time.Now()
	if err := s.validate(&in); err != nil {
		return Created{}, err
	}
	commission := s.defaultCommission(ctx) // HQ's platform policy, else 10%
	if in.CommissionBPS != nil {
		commission = *in.CommissionBPS
	}
	now := time.Now().UTC()
	c := City{Code: in.Code, Name: in.Name, NameEN: in.NameEN, Zone: in.Zone, Currency: in.Currency, Status: statusProvisioning,
		Placement: in.Placement, SchemaName: s.reg.CitySchema(in.Code), CommissionBPS: commission, CreatedAt: now, UpdatedAt: now}
	if err := s.reg.HQ(ctx).Create(&c).Error; err != nil {
		if tenants.IsDuplicate(err) {
			return Created{}, ErrCityExists
		}
		return Created{}, fmt.Errorf("claim city %s: %w", in.Code, err)
	}
	fail := func(err error) (Created, error) {
		cctx := context.WithoutCancel(ctx)
		if derr := s.reg.DropSchema(cctx, c.Placement, c.SchemaName); derr != nil {
			s.log.Error("provisioning cleanup: drop schema", "city", c.Code, "err", derr)
		}
		if derr := s.reg.HQ(cctx).Delete(&City{}, c.ID).Error; derr != nil {
			s.log.Error("provisioning cleanup: release code", "city", c.Code, "err", derr)
		}
		return Created{}, err
	}
	if err := s.reg.CreateSchema(ctx, c.Placement, c.SchemaName); err != nil {
		return fail(err)
	}
	if _, err := s.MigrateSchema(ctx, c.Placement, c.SchemaName, migrations.City); err != nil {
		return fail(err)
	}
	if err := s.reg.HQ(ctx).Model(&City{}).Where("id = ?", c.ID).Updates(map[string]any{"status": tenants.StatusActive, "updated_at": time.Now().UTC()}).Error; err != nil {
		return fail(err)
	}
	c.Status = tenants.StatusActive
	if err := s.reg.Load(ctx); err != nil {
		return fail(err)
	}
	tc, err := s.reg.Lookup(c.Code)
	if err != nil {
		return fail(err)
	}
	cctx := tenants.WithCity(ctx, tc)
	for _, seed := range s.seeders {
		if err := seed(cctx); err != nil {
			return fail(fmt.Errorf("seed city %s: %w", c.Code, err))
		}
	}
	out := Created{City: c}
	if in.AdminPhone != "" {
		id, _, err := s.inviter.FindOrInviteByPhone(ctx, in.AdminPhone, in.AdminName)
		if err != nil {
			return fail(err)
		}
		if _, err := s.en.AddGrant(ctx, rbac.Grant{AccountID: id, Domain: tc.Domain(), Role: app.RoleCityAdmin, GrantedBy: actorID(ctx)}); err != nil {
			return fail(err)
		}
		out.AdminID = id
	}
	if s.notify != nil {
		s.notify.CitiesChanged(ctx)
	}
	out.Took = time.Since(start)
	out.TookMillisec = out.Took.Milliseconds()
	s.audit.Record(cctx, "city.create", "city", c.Code, "ok", map[string]any{"placement": c.Placement, "took_ms": out.TookMillisec, "admin": out.AdminID})
	return out, nil
}

func actorID(ctx context.Context) int64 {
	a, _ := app.ActorFrom(ctx)
	return a.AccountID
}

// MigrateSchema applies pending migrations of a kind to one schema over a
// short-lived single connection whose default database is that schema.
func (s *Service) MigrateSchema(ctx context.Context, placement, schema string, kind migrations.Kind) (int, error) {
	dsn, err := s.reg.SchemaDSN(placement, schema)
	if err != nil {
		return 0, err
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	n, err := migrations.Up(ctx, db, kind, migrations.Options{NoTriggers: s.reg.SingleConn()})
	if err != nil {
		return n, fmt.Errorf("migrate %s: %w", schema, err)
	}
	return n, nil
}

// MigrateHQ creates the HQ schema when missing and migrates it.
func (s *Service) MigrateHQ(ctx context.Context) (int, error) {
	p := s.reg.HQPlacement()
	if err := s.reg.CreateSchema(ctx, p, s.reg.HQSchema()); err != nil {
		return 0, err
	}
	return s.MigrateSchema(ctx, p, s.reg.HQSchema(), migrations.HQ)
}

// MigrateCities migrates every city schema, at most parallel at once, and
// reports one line per schema. It returns the first error after trying all.
func (s *Service) MigrateCities(ctx context.Context, parallel int, report func(string)) error {
	var rows []City
	if err := s.reg.HQ(ctx).Where("status <> ?", statusProvisioning).Order("code").Find(&rows).Error; err != nil {
		return fmt.Errorf("list cities: %w", err)
	}
	cities := make([]*tenants.City, len(rows))
	for i, r := range rows {
		cities[i] = &tenants.City{Code: r.Code, Schema: r.SchemaName, Placement: r.Placement}
	}
	errs := s.reg.ForEachCity(ctx, cities, parallel, func(ctx context.Context, c *tenants.City) error {
		start := time.Now()
		n, err := s.MigrateSchema(ctx, c.Placement, c.Schema, migrations.City)
		if err != nil {
			report(fmt.Sprintf("%-28s FAILED %v", c.Schema, err))
			return err
		}
		report(fmt.Sprintf("%-28s ok  %3d applied  %s", c.Schema, n, time.Since(start).Round(time.Millisecond)))
		return nil
	})
	for _, err := range errs {
		return err
	}
	return nil
}

// List returns every city (HQ view).
func (s *Service) List(ctx context.Context) ([]City, error) {
	var out []City
	err := s.reg.HQ(ctx).Where("status <> ?", statusProvisioning).Order("code").Find(&out).Error
	return out, err
}

// Placement is a configured MySQL server cities can live on.
type Placement struct {
	Name    string `json:"name"`
	Default bool   `json:"default" doc:"new cities go here unless told otherwise"`
	HQ      bool   `json:"hq" doc:"holds the HQ schema"`
	Cities  int    `json:"cities" doc:"cities placed on it now"`
}

// Placements lists the placements this copy is configured with (moving a
// city needs the target in every copy's config) and how many cities each
// holds.
func (s *Service) Placements(ctx context.Context) ([]Placement, error) {
	var counts []struct {
		Placement string
		N         int
	}
	if err := s.reg.HQ(ctx).Model(&City{}).Select("placement, COUNT(*) AS n").Where("status <> ?", statusProvisioning).
		Group("placement").Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count cities per placement: %w", err)
	}
	n := map[string]int{}
	for _, c := range counts {
		n[c.Placement] = c.N
	}
	out := []Placement{}
	for _, name := range s.reg.Placements() {
		out = append(out, Placement{Name: name, Default: name == s.reg.DefaultPlacement(), HQ: name == s.reg.HQPlacement(), Cities: n[name]})
	}
	return out, nil
}

// Get returns one city.
func (s *Service) Get(ctx context.Context, code string) (City, error) {
	var c City
	err := s.reg.HQ(ctx).Where("code = ? AND status <> ?", code, statusProvisioning).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, ErrCityNotFound
	}
	return c, err
}

// SetStatus suspends or resumes a city. Nothing is deleted.
func (s *Service) SetStatus(ctx context.Context, code, status string) (City, error) {
	if status != tenants.StatusActive && status != tenants.StatusSuspended {
		return City{}, app.Invalid("status", "active or suspended")
	}
	res := s.reg.HQ(ctx).Model(&City{}).Where("code = ? AND status <> ?", code, statusProvisioning).
		Updates(map[string]any{"status": status, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return City{}, res.Error
	}
	if res.RowsAffected == 0 {
		return City{}, ErrCityNotFound
	}
	if err := s.reg.Load(ctx); err != nil {
		return City{}, err
	}
	if s.notify != nil {
		s.notify.CitiesChanged(ctx)
	}
	action := "city.suspend"
	if status == tenants.StatusActive {
		action = "city.resume"
	}
	s.audit.Record(ctx, action, "city", code, "ok", nil)
	return s.Get(ctx, code)
}

// Update changes a city's names and commission default.
type Update struct {
	Name          *string `json:"name"`
	NameEN        *string `json:"name_en"`
	CommissionBPS *int64  `json:"commission_bps"`
}

// Edit applies an Update.
func (s *Service) Edit(ctx context.Context, code string, u Update) (City, error) {
	set := map[string]any{"updated_at": time.Now().UTC()}
	if u.Name != nil {
		n := strings.TrimSpace(*u.Name)
		if n == "" || len([]rune(n)) > 32 {
			return City{}, app.Invalid("name", "1 to 32 characters")
		}
		set["name"] = n
	}
	if u.NameEN != nil {
		set["name_en"] = strings.TrimSpace(*u.NameEN)
	}
	if u.CommissionBPS != nil {
		if *u.CommissionBPS < 0 || *u.CommissionBPS > 5000 {
			return City{}, app.Invalid("commission_bps", "between 0 and 5000")
		}
		set["commission_bps"] = *u.CommissionBPS
	}
	res := s.reg.HQ(ctx).Model(&City{}).Where("code = ? AND status <> ?", code, statusProvisioning).Updates(set)
	if res.Error != nil {
		return City{}, res.Error
	}
	if res.RowsAffected == 0 {
		return City{}, ErrCityNotFound
	}
	if err := s.reg.Load(ctx); err != nil {
		return City{}, err
	}
	if s.notify != nil {
		s.notify.CitiesChanged(ctx)
	}
	s.audit.Record(ctx, "city.update", "city", code, "ok", u)
	return s.Get(ctx, code)
}
