// Package tenants is the only door to MySQL. It knows the cities, the MySQL
// servers they are placed on (placements), and hands out a *gorm.DB bound to
// one city's schema, or the transaction open in the context. App code never
// writes a schema name.
//
// One connection pool per placement serves every city placed on it: each
// city gets a cached *gorm.DB over the placement's shared *sql.DB whose
// naming strategy qualifies every table with the city's schema. No `USE` is
// ever run on a pooled connection.
//
// It imports gorm and the MySQL driver only.
package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// PlacementConfig is one named MySQL server (or cluster endpoint).
type PlacementConfig struct {
	DSN             string        // user:pass@tcp(host:port)/ ; the database part is ignored
	MaxOpen         int           // pool size shared by every city on this placement
	MaxIdle         int           //
	ConnMaxLifetime time.Duration //
}

// Config says where the HQ schema and the cities live.
type Config struct {
	Prefix           string // schema name prefix, e.g. "doorstep_"
	HQPlacement      string
	DefaultPlacement string
	Placements       map[string]PlacementConfig
	Refresh          time.Duration // how often the city list is re-read (backstop to Reload)
	// SingleConn marks engines that need one connection and no savepoints
	// (the in-memory demo engine).
	SingleConn bool
	SlowQuery  time.Duration
}

// City is one city sub-site as the registry knows it.
type City struct {
	ID             int64
	Code           string
	Name           string
	NameEN         string
	Zone           string
	Currency       string
	Status         string // active | suspended
	BookingsPaused bool   // set while the city moves between placements
	Placement      string
	Schema         string
	CommissionBPS  int64
	CreatedAt      time.Time
	Loc            *time.Location

	db *gorm.DB
}

// Open reports whether the city takes customers.
func (c *City) Open() bool { return c.Status == StatusActive }

// Domain is the Casbin domain of the city.
func (c *City) Domain() string { return "city:" + c.Code }

const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// ErrUnknownCity is returned for a code the registry does not hold.
var ErrUnknownCity = errors.New("unknown city")

// Registry holds the placements' pools, the HQ handle and the city list.
type Registry struct {
	cfg    Config
	log    *slog.Logger
	pools  map[string]*sql.DB
	dsns   map[string]*mysql.Config
	hq     *gorm.DB
	cities atomic.Pointer[map[string]*City]

	mu      sync.Mutex
	handles map[string]*gorm.DB // placement|schema -> handle
}

// Open connects every placement (lazily: sql.Open does not dial) and builds
// the HQ handle. Call Load before serving.
func Open(cfg Config, log *slog.Logger) (*Registry, error) {
	if cfg.Prefix == "" {
		return nil, errors.New("tenants: empty schema prefix")
	}
	if !validIdent(cfg.Prefix) {
		return nil, fmt.Errorf("tenants: schema prefix %q: only a-z, 0-9 and _", cfg.Prefix)
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 5 * time.Second
	}
	r := &Registry{cfg: cfg, log: log, pools: map[string]*sql.DB{}, dsns: map[string]*mysql.Config{}, handles: map[string]*gorm.DB{}}
	for name, p := range cfg.Placements {
		mc, err := mysql.ParseDSN(p.DSN)
		if err != nil {
			return nil, fmt.Errorf("tenants: placement %s: %w", name, err)
		}
		normalize(mc)
		mc.DBName = ""
		db, err := sql.Open("mysql", mc.FormatDSN())
		if err != nil {
			return nil, fmt.Errorf("tenants: placement %s: %w", name, err)
		}
		open := p.MaxOpen
		if open <= 0 {
			open = 20
		}
		if cfg.SingleConn {
			open = 1
		}
		idle := p.MaxIdle
		if idle <= 0 || idle > open {
			idle = open
		}
		db.SetMaxOpenConns(open)
		db.SetMaxIdleConns(idle)
		if p.ConnMaxLifetime > 0 {
			db.SetConnMaxLifetime(p.ConnMaxLifetime)
		}
		r.pools[name] = db
		r.dsns[name] = mc
	}
	if _, ok := r.pools[cfg.HQPlacement]; !ok {
		return nil, fmt.Errorf("tenants: hq placement %q is not configured", cfg.HQPlacement)
	}
	if _, ok := r.pools[cfg.DefaultPlacement]; !ok {
		return nil, fmt.Errorf("tenants: default placement %q is not configured", cfg.DefaultPlacement)
	}
	hq, err := r.handle(cfg.HQPlacement, r.HQSchema())
	if err != nil {
		return nil, err
	}
	r.hq = hq
	empty := map[string]*City{}
	r.cities.Store(&empty)
	return r, nil
}

// normalize forces the driver settings every pool needs: UTC times,
// interpolated parameters (one round trip per statement; reads run at half
// speed without it) and utf8mb4.
func normalize(mc *mysql.Config) {
	mc.ParseTime = true
	mc.InterpolateParams = true
	mc.Loc = time.UTC
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Collation = "utf8mb4_unicode_ci"
	mc.Params["time_zone"] = "'+00:00'"
}

// Close closes every pool.
func (r *Registry) Close() error {
	var errs []error
	for _, p := range r.pools {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// Prefix is the schema prefix of this deployment (or test run).
func (r *Registry) Prefix() string { return r.cfg.Prefix }

// HQSchema is the name of the HQ schema.
func (r *Registry) HQSchema() string { return r.cfg.Prefix + "hq" }

// CitySchema is the schema name a city code gets.
func (r *Registry) CitySchema(code string) string { return r.cfg.Prefix + "city_" + code }

// DefaultPlacement names the placement new cities go to unless told.
func (r *Registry) DefaultPlacement() string { return r.cfg.DefaultPlacement }

// HasPlacement tells whether a placement is configured.
func (r *Registry) HasPlacement(name string) bool { _, ok := r.pools[name]; return ok }

// Placements lists the configured placement names, sorted.
func (r *Registry) Placements() []string {
	out := make([]string, 0, len(r.pools))
	for n := range r.pools {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Pool returns a placement's shared pool (for health checks and stats).
func (r *Registry) Pool(placement string) *sql.DB { return r.pools[placement] }

// SingleConn reports whether the engine allows one connection only.
func (r *Registry) SingleConn() bool { return r.cfg.SingleConn }

// handle returns the cached *gorm.DB for a schema on a placement.
func (r *Registry) handle(placement, schemaName string) (*gorm.DB, error) {
	key := placement + "|" + schemaName
	r.mu.Lock()
	defer r.mu.Unlock()
	if h, ok := r.handles[key]; ok {
		return h, nil
	}
	pool, ok := r.pools[placement]
	if !ok {
		return nil, fmt.Errorf("tenants: unknown placement %q", placement)
	}
	h, err := gorm.Open(gmysql.New(gmysql.Config{Conn: pool, SkipInitializeWithVersion: true, DefaultStringSize: 191}), &gorm.Config{
		NamingStrategy:           schema.NamingStrategy{TablePrefix: schemaName + "."},
		TranslateError:           true,
		SkipDefaultTransaction:   true,
		DisableAutomaticPing:     true, // lazily, like the pools: one slow or down placement must not hold up loading the others' cities
		DisableNestedTransaction: r.cfg.SingleConn,
		NowFunc:                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Logger:                   newGormLogger(r.log, r.cfg.SlowQuery),
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: open %s on %s: %w", schemaName, placement, err)
	}
	r.handles[key] = h
	return h, nil
}

// forget drops cached handles of a schema (after a move or a drop).
func (r *Registry) forget(schemaName string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.handles {
		if strings.HasSuffix(k, "|"+schemaName) {
			delete(r.handles, k)
		}
	}
}

// SchemaDSN is a DSN whose default database is the schema: used only by the
// migrator, which runs unqualified DDL on a short-lived single connection.
func (r *Registry) SchemaDSN(placement, schemaName string) (string, error) {
	mc, ok := r.dsns[placement]
	if !ok {
		return "", fmt.Errorf("tenants: unknown placement %q", placement)
	}
	c := mc.Clone()
	c.DBName = schemaName
	return c.FormatDSN(), nil
}

// CreateSchema creates a schema on a placement (idempotent).
func (r *Registry) CreateSchema(ctx context.Context, placement, schemaName string) error {
	pool, ok := r.pools[placement]
	if !ok {
		return fmt.Errorf("tenants: unknown placement %q", placement)
	}
	if !validIdent(schemaName) {
		return fmt.Errorf("tenants: bad schema name %q", schemaName)
	}
	q := "CREATE DATABASE IF NOT EXISTS " + quoteIdent(schemaName) + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
	if _, err := pool.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create schema %s: %w", schemaName, err)
	}
	return nil
}

// DropSchema drops a schema (tests and failed provisioning only).
func (r *Registry) DropSchema(ctx context.Context, placement, schemaName string) error {
	pool, ok := r.pools[placement]
	if !ok {
		return fmt.Errorf("tenants: unknown placement %q", placement)
	}
	if !validIdent(schemaName) || !strings.HasPrefix(schemaName, r.cfg.Prefix) {
		return fmt.Errorf("tenants: refusing to drop %q", schemaName)
	}
	r.forget(schemaName)
	if _, err := pool.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(schemaName)); err != nil {
		return fmt.Errorf("drop schema %s: %w", schemaName, err)
	}
	return nil
}

// SchemasWithPrefix lists schemas on a placement that start with prefix.
func (r *Registry) SchemasWithPrefix(ctx context.Context, placement, prefix string) ([]string, error) {
	pool, ok := r.pools[placement]
	if !ok {
		return nil, fmt.Errorf("tenants: unknown placement %q", placement)
	}
	rows, err := pool.QueryContext(ctx, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?", strings.ReplaceAll(prefix, "_", `\_`)+"%")
	if err != nil {
		return nil, fmt.Errorf("list schemas: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func validIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// ValidCode tells whether a city code is acceptable: 2-16 of a-z and 0-9,
// starting with a letter. Codes become schema names and Casbin domains, so
// nothing else (no "::", "*" or regex characters) may pass.
func ValidCode(code string) bool {
	if len(code) < 2 || len(code) > 16 || code[0] < 'a' || code[0] > 'z' {
		return false
	}
	for _, c := range code {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// HQPlacement names the placement of the HQ schema.
func (r *Registry) HQPlacement() string { return r.cfg.HQPlacement }
