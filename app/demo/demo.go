// Package demo runs the whole product with demo data on a machine that has
// nothing but Go: it uses the configured MySQL and Redis when they answer,
// and otherwise starts an in-memory MySQL-compatible engine
// (go-mysql-server) and an in-memory Redis (miniredis). Demo data is seeded
// once and is idempotent.
package demo

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/go-sql-driver/mysql"

	"doorstep/app/platform"
)

// Options for Run.
type Options struct {
	Config platform.Config
	Log    *slog.Logger
	Out    io.Writer
	Args   []string
}

// Run starts the demo and serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(o.Out)
	addr := fs.String("addr", o.Config.HTTP.Addr, "listen address")
	embedded := fs.Bool("embedded", false, "always use the in-memory engines, even when MySQL and Redis answer")
	reset := fs.Bool("reset", false, "drop the demo schemas (prefix + demo_) on MySQL first and seed again")
	if err := fs.Parse(o.Args); err != nil {
		return err
	}
	cfg := o.Config
	cfg.MySQL.Prefix += "demo_"
	inMemory := *embedded || !servicesUp(cfg)
	if inMemory {
		myAddr, stopMy, err := embeddedMySQL()
		if err != nil {
			return err
		}
		defer stopMy()
		rAddr, stopR, err := embeddedRedis(ctx)
		if err != nil {
			return err
		}
		defer stopR()
		for name, pc := range cfg.MySQL.Placements {
			pc.DSN = "root@tcp(" + myAddr + ")/"
			cfg.MySQL.Placements[name] = pc
		}
		cfg.MySQL.SingleConn = true
		cfg.Redis.Addr, cfg.Redis.Password, cfg.Redis.DB = rAddr, "", 0
	}
	cfg.HTTP.PublicURL = publicURL(*addr, cfg.HTTP.PublicURL)
	p, err := platform.New(ctx, cfg, o.Log)
	if err != nil {
		return err
	}
	defer p.Close()
	if *reset && !inMemory {
		for _, pl := range p.Reg.Placements() {
			names, err := p.Reg.SchemasWithPrefix(ctx, pl, cfg.MySQL.Prefix)
			if err != nil {
				return err
			}
			for _, n := range names {
				if err := p.Reg.DropSchema(ctx, pl, n); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(o.Out, "dropped the demo schemas %s*\n", cfg.MySQL.Prefix)
	}
	fmt.Fprintln(o.Out, "Doorstep demo: preparing schemas and demo data…")
	if err := p.Migrate(ctx, func(string) {}); err != nil {
		return fmt.Errorf("demo migrate: %w", err)
	}
	logins, err := Seed(ctx, p)
	if err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	return p.Run(ctx, platform.RunOptions{API: true, Worker: true, Scheduler: true, Addr: *addr, Ready: func(a string) {
		banner(o.Out, cfg, a, inMemory, logins)
	}})
}

func servicesUp(cfg platform.Config) bool {
	pc, ok := cfg.MySQL.Placements[cfg.MySQL.HQPlacement]
	if !ok {
		return false
	}
	mc, err := mysql.ParseDSN(pc.DSN)
	if err != nil {
		return false
	}
	return reachable(mc.Addr) && reachable(cfg.Redis.Addr)
}

func publicURL(addr, configured string) string {
	if !strings.Contains(configured, "localhost:8080") {
		return configured
	}
	host, port, ok := strings.Cut(addr, ":")
	if !ok || port == "" {
		return configured
	}
	if host == "" || host == "0.0.0.0" {
		host = "localhost"
	}
	return "http://" + host + ":" + port
}

func banner(w io.Writer, cfg platform.Config, addr string, inMemory bool, logins []Login) {
	fmt.Fprintln(w, strings.Repeat("=", 72))
	fmt.Fprintf(w, "Doorstep demo is running at %s\n", cfg.HTTP.PublicURL)
	fmt.Fprintf(w, "  Customer H5:  %s/            (phone-first; pick a city, sign in by SMS code)\n", cfg.HTTP.PublicURL)
	fmt.Fprintf(w, "  Staff app:    %s/staff/\n", cfg.HTTP.PublicURL)
	fmt.Fprintf(w, "  Back offices: %s/admin/      (HQ 总后台, city 城市分站, merchant 商家后台: sign in below)\n", cfg.HTTP.PublicURL)
	fmt.Fprintf(w, "  API docs:     %s/docs   (OpenAPI: %s/openapi.json)\n", cfg.HTTP.PublicURL, cfg.HTTP.PublicURL)
	fmt.Fprintf(w, "  Health:       %s/readyz\n", cfg.HTTP.PublicURL)
	if inMemory {
		fmt.Fprintln(w, "  Data:         IN MEMORY ONLY (embedded MySQL-compatible engine and Redis): everything is lost when you stop it.")
	} else {
		fmt.Fprintf(w, "  Data:         MySQL schemas %shq and %scity_* and your Redis (kept after you stop).\n", cfg.MySQL.Prefix, cfg.MySQL.Prefix)
	}
	fmt.Fprintln(w, "  Cities:       send X-City: sz (深圳) or X-City: bj (北京) with city requests")
	fmt.Fprintln(w, "Demo sign-ins (password for all: Demo1234; or ask an SMS code and read it at /v1/sandbox/sms?phone=...):")
	for _, l := range logins {
		fmt.Fprintf(w, "  %-24s %-13s %s\n", l.Who, l.Phone, l.Note)
	}
	fmt.Fprintln(w, strings.Repeat("=", 72))
	_ = addr
}

// Login is one demo person.
type Login struct {
	Who   string
	Phone string
	Note  string
}
