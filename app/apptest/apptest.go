// Package apptest builds the real product for tests: a throwaway schema
// prefix on the local MariaDB, a Redis database claimed for this process on
// the local Redis, the platform assembled exactly as main does it, and the
// HTTP server on a loopback port. Everything it creates is dropped at the
// end. A missing MariaDB or Redis fails the test; it never skips.
package apptest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"doorstep/app/platform"
)

// MySQLDSN and RedisAddr name the servers tests use.
func MySQLDSN() string {
	if v := os.Getenv("DOORSTEP_TEST_MYSQL_DSN"); v != "" {
		return v
	}
	return "root@tcp(127.0.0.1:3306)/"
}

func RedisAddr() string {
	if v := os.Getenv("DOORSTEP_TEST_REDIS_ADDR"); v != "" {
		return v
	}
	return "127.0.0.1:6379"
}

// Env is one running product.
type Env struct {
	P      *platform.Platform
	Prefix string
	Base   string // http://127.0.0.1:port
	RDB    int

	cancel context.CancelFunc
	done   chan error
	closed sync.Once
}

// Option tunes an Env.
type Option func(*platform.Config, *envOpts)

type envOpts struct {
	noServe bool
	cities  []string
	logTo   io.Writer
}

// LogTo sends every log line of the product, at debug level and as JSON, to
// w instead of stderr (tests of what the logs may never contain).
func LogTo(w io.Writer) Option { return func(_ *platform.Config, o *envOpts) { o.logTo = w } }

// NoServe builds and migrates the platform without running it.
func NoServe() Option { return func(_ *platform.Config, o *envOpts) { o.noServe = true } }

// Cities creates these cities (sz, bj, ...) before the tests start.
func Cities(codes ...string) Option {
	return func(_ *platform.Config, o *envOpts) { o.cities = append(o.cities, codes...) }
}

// Configure changes the config before the platform is built.
func Configure(f func(*platform.Config)) Option { return func(c *platform.Config, _ *envOpts) { f(c) } }

// Prefix returns a fresh throwaway schema prefix: "dt<unix>x<rand>_".
func Prefix() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("dt%dx%s_", time.Now().Unix(), hex.EncodeToString(b[:]))
}

// Config is the test configuration over prefix and a Redis database.
func Config(prefix string, redisDB int) platform.Config {
	return platform.Config{
		Env:  "development",
		HTTP: platform.HTTPConfig{Addr: "127.0.0.1:0", BaseDomain: "doorstep.test", PublicURL: "http://127.0.0.1", RequestTimeout: 30 * time.Second},
		MySQL: platform.MySQLConfig{Prefix: prefix, HQPlacement: "main", DefaultPlacement: "main", Refresh: 2 * time.Second, MigrateParallel: 4,
			Placements: map[string]platform.PlacementConfig{"main": {DSN: MySQLDSN(), MaxOpen: 20, MaxIdle: 20}}},
		Redis: platform.RedisConfig{Addr: RedisAddr(), DB: redisDB},
		Auth: platform.AuthConfig{JWTKeys: map[string]string{"k1": "test-jwt-key-0123456789abcdef0123456789"}, JWTActiveKey: "k1",
			Issuer: "doorstep", Audience: "doorstep-api", AccessTTL: 15 * time.Minute, RefreshTTL: 24 * time.Hour, StateKey: "test-state-key-0123456789abcdef0123",
			CodesPerIPHour: 100000, CodesPerDay: 100000, CodeCooldown: time.Millisecond, LoginFailures: 10},
		PII: platform.PIIConfig{Keys: map[string]string{"1": "dGVzdC1waWkta2V5LTEtMDAwMDAwMDAwMDAwMDAwMDA="}, ActiveKey: "1",
			HashKey: "dGVzdC1waWktaGFzaC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMA=="},
		SMS:     platform.SMSConfig{Provider: "sandbox"},
		Push:    platform.PushConfig{Provider: "sandbox"},
		Payment: platform.PaymentConfig{Enabled: []string{"sandbox"}, Sandbox: platform.SandboxPayConfig{Key: "test-sandbox-pay-key-0123456789"}},
		OAuth:   platform.OAuthConfig{Sandbox: true, SandboxKey: "test-oauth-sandbox-key"},
		Jobs:    platform.JobsConfig{Concurrency: 10, RelaySweep: 500 * time.Millisecond},
		RBAC:    platform.RBACConfig{Poll: 500 * time.Millisecond, CacheTTL: time.Minute},
		Log:     platform.LogConfig{Level: "warn"},
	}
}

// New builds, migrates and (unless NoServe) runs the product for one test or
// one package; Close (registered on t) removes everything it made.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	e, err := Start(opts...)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// Logger is where the product logs during tests: warnings and errors to
// stderr, so a failing test shows why.
func Logger() *slog.Logger {
	lvl := slog.LevelWarn
	if os.Getenv("DOORSTEP_TEST_DEBUG") != "" {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// Start is New without a testing.TB (TestMain).
func Start(opts ...Option) (*Env, error) {
	if err := dropStale(); err != nil {
		return nil, err
	}
	db, err := claimRedisDB()
	if err != nil {
		return nil, err
	}
	prefix := Prefix()
	cfg := Config(prefix, db)
	var o envOpts
	for _, f := range opts {
		f(&cfg, &o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Env{Prefix: prefix, RDB: db, cancel: cancel, done: make(chan error, 1)}
	log := Logger()
	if o.logTo != nil {
		log = slog.New(slog.NewJSONHandler(o.logTo, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := platform.New(ctx, cfg, log)
	if err != nil {
		cancel()
		releaseRedisDB(db)
		return nil, err
	}
	e.P = p
	if err := p.Migrate(ctx, func(string) {}); err != nil {
		e.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, code := range o.cities {
		if _, err := p.Cities.Create(ctx, CityInput(code)); err != nil {
			e.Close()
			return nil, fmt.Errorf("create city %s: %w", code, err)
		}
	}
	if o.noServe {
		e.done <- nil
		return e, nil
	}
	ready := make(chan string, 1)
	go func() {
		e.done <- p.Run(ctx, platform.RunOptions{API: true, Worker: true, Scheduler: true, Addr: "127.0.0.1:0", Ready: func(a string) { ready <- a }})
	}()
	select {
	case a := <-ready:
		e.Base = "http://" + a
	case err := <-e.done:
		e.Close()
		return nil, fmt.Errorf("run: %v", err)
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, fmt.Errorf("server did not start")
	}
	return e, nil
}

// Close stops the product and drops every schema and key it made.
func (e *Env) Close() {
	e.closed.Do(func() {
		e.cancel()
		select {
		case <-e.done:
		case <-time.After(20 * time.Second):
		}
		if e.P != nil {
			_ = e.P.Close()
		}
		if err := dropPrefix(e.Prefix); err != nil {
			fmt.Fprintln(os.Stderr, "apptest: cleanup:", err)
		}
		releaseRedisDB(e.RDB)
	})
}

func rootDB() (*sql.DB, error) {
	db, err := sql.Open("mysql", MySQLDSN())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("MariaDB at %s is not reachable (tests need it; start it, see .ci/run): %w", MySQLDSN(), err)
	}
	return db, nil
}

func schemasLike(db *sql.DB, like string) ([]string, error) {
	rows, err := db.Query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?", like)
	if err != nil {
		return nil, err
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

func dropPrefix(prefix string) error {
	db, err := rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	names, err := schemasLike(db, strings.ReplaceAll(prefix, "_", `\_`)+"%")
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := db.Exec("DROP DATABASE IF EXISTS `" + n + "`"); err != nil {
			return err
		}
	}
	return nil
}

// dropStale removes schemas of test runs that died more than two hours ago.
func dropStale() error {
	db, err := rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	names, err := schemasLike(db, `dt%x%\_%`)
	if err != nil {
		return err
	}
	cutoff := time.Now().Add(-2 * time.Hour).Unix()
	for _, n := range names {
		ts, _, ok := strings.Cut(strings.TrimPrefix(n, "dt"), "x")
		sec, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil || sec > cutoff {
			continue
		}
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + n + "`")
	}
	return nil
}

// Redis databases 1-15 are handed out to test processes through claim keys
// in database 0, so parallel test binaries never share Asynq's queues.
func claimRedisDB() (int, error) {
	c := redis.NewClient(&redis.Options{Addr: RedisAddr()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return 0, fmt.Errorf("Redis at %s is not reachable (tests need it; start it, see .ci/run): %w", RedisAddr(), err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("doorstep:test:redisdb:%d", n)
			if owner, err := c.Get(ctx, key).Int(); err == nil && !alive(owner) {
				c.Del(ctx, key) // its test process died without releasing it
			}
			ok, err := c.SetNX(ctx, key, os.Getpid(), time.Hour).Result()
			if err != nil {
				return 0, err
			}
			if ok {
				d := redis.NewClient(&redis.Options{Addr: RedisAddr(), DB: n})
				err := d.FlushDB(ctx).Err()
				d.Close()
				return n, err
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return 0, fmt.Errorf("no free Redis test database")
}

func releaseRedisDB(n int) {
	if n <= 0 {
		return
	}
	ctx := context.Background()
	d := redis.NewClient(&redis.Options{Addr: RedisAddr(), DB: n})
	_ = d.FlushDB(ctx).Err()
	d.Close()
	c := redis.NewClient(&redis.Options{Addr: RedisAddr()})
	_ = c.Del(ctx, fmt.Sprintf("doorstep:test:redisdb:%d", n)).Err()
	c.Close()
}

// alive tells whether a process of this machine still runs.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}
