// Command doorstep runs the Doorstep platform: the API, the job worker, the
// scheduler, migrations, city onboarding and a zero-setup demo. This file
// reads the configuration (the only place viper is used) and wires
// constructors; nothing imports it.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // city time zones must load on machines without zoneinfo

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"doorstep/app/city"
	"doorstep/app/demo"
	"doorstep/app/loaddriver"
	"doorstep/app/platform"
)

//go:embed config.yaml
var defaultConfig []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "doorstep:", err)
		os.Exit(1)
	}
}

const usage = `usage: doorstep [--config file] <command> [flags]

commands:
  serve     HTTP API with in-process worker and scheduler (--no-api, --no-worker, --no-scheduler)
  worker    job worker only (--scheduler to also run the scheduler)
  migrate   migrate the HQ schema, then every city schema
  city      create | list | suspend <code> | resume <code> | move <code> <placement> [--drop-source]
  demo      run the whole product with demo data (embedded MySQL and Redis when none is reachable)
  load      drive a running server with simulated customers; print req/s, p50, p99 and baselines
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	global := flag.NewFlagSet("doorstep", flag.ContinueOnError)
	global.SetOutput(stdout)
	cfgPath := global.String("config", "", "config file merged over the built-in defaults (default: ./config.yaml when present)")
	global.Usage = func() { fmt.Fprint(stdout, usage) }
	if err := global.Parse(args); err != nil {
		return err
	}
	args = global.Args()
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command")
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, os.Stderr)
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve", "worker":
		return serve(ctx, cmd, rest, cfg, log, stdout)
	case "migrate":
		p, err := platform.New(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer p.Close()
		return p.Migrate(ctx, func(line string) { fmt.Fprintln(stdout, line) })
	case "city":
		return cityCmd(ctx, rest, cfg, log, stdout)
	case "demo":
		return demo.Run(ctx, demo.Options{Config: cfg, Log: log, Out: stdout, Args: rest})
	case "load":
		fs := flag.NewFlagSet("load", flag.ContinueOnError)
		fs.SetOutput(stdout)
		o := loaddriver.Options{Out: stdout}
		fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "server to drive")
		fs.StringVar(&o.City, "city", "sz", "city code")
		fs.IntVar(&o.Customers, "customers", 32, "concurrent simulated customers")
		fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each scenario")
		fs.StringVar(&o.DSN, "dsn", cfg.MySQL.Placements[cfg.MySQL.HQPlacement].DSN, "MySQL for the database baseline (empty to skip)")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		return loaddriver.Run(ctx, o)
	}
	fmt.Fprint(stdout, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func serve(ctx context.Context, cmd string, args []string, cfg platform.Config, log *slog.Logger, stdout io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stdout)
	noAPI := fs.Bool("no-api", cmd == "worker", "do not serve HTTP")
	noWorker := fs.Bool("no-worker", false, "do not process jobs")
	sched := fs.Bool("scheduler", cmd == "serve", "run the periodic scheduler")
	noSched := fs.Bool("no-scheduler", false, "do not run the periodic scheduler")
	addr := fs.String("addr", cfg.HTTP.Addr, "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := platform.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer p.Close()
	return p.Run(ctx, platform.RunOptions{API: !*noAPI, Worker: !*noWorker, Scheduler: *sched && !*noSched, Addr: *addr,
		Ready: func(a string) { log.Info("listening", "addr", a, "env", cfg.Env, "version", platform.Version) }})
}

func cityCmd(ctx context.Context, args []string, cfg platform.Config, log *slog.Logger, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("city: create | list | suspend <code> | resume <code> | move <code> <placement> [--drop-source]")
	}
	p, err := platform.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.Start(ctx); err != nil {
		return fmt.Errorf("%w (run `doorstep migrate` first?)", err)
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("city create", flag.ContinueOnError)
		fs.SetOutput(stdout)
		var in city.CreateInput
		fs.StringVar(&in.Code, "code", "", "city code, e.g. sz (becomes the schema and the subdomain)")
		fs.StringVar(&in.Name, "name", "", "city name, e.g. 深圳")
		fs.StringVar(&in.NameEN, "name-en", "", "English name")
		fs.StringVar(&in.Zone, "zone", "Asia/Shanghai", "IANA time zone")
		fs.StringVar(&in.Currency, "currency", "CNY", "currency")
		fs.StringVar(&in.Placement, "placement", "", "MySQL placement (default: mysql.default_placement)")
		fs.StringVar(&in.AdminPhone, "admin-phone", "", "phone of the first city admin (invited)")
		commission := fs.Int64("commission-bps", 0, "commission in basis points, 1000 = 10% (default: HQ's platform policy, else 1000)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "commission-bps" {
				in.CommissionBPS = commission
			}
		})
		out, err := p.Cities.Create(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created city %s (%s) on placement %s in %s\n", out.City.Code, out.City.Name, out.City.Placement, out.Took.Round(1e6))
		return nil
	case "list":
		cs, err := p.Cities.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CODE\tNAME\tZONE\tSTATUS\tPLACEMENT\tCOMMISSION")
		for _, c := range cs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%.1f%%\n", c.Code, c.Name, c.Zone, c.Status, c.Placement, float64(c.CommissionBPS)/100)
		}
		return w.Flush()
	case "suspend", "resume":
		if len(args) != 2 {
			return fmt.Errorf("city %s <code>", args[0])
		}
		status := "suspended"
		if args[0] == "resume" {
			status = "active"
		}
		c, err := p.Cities.SetStatus(ctx, args[1], status)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "city %s is now %s\n", c.Code, c.Status)
		return nil
	case "move":
		var pos []string
		in := city.MoveInput{}
		for _, a := range args[1:] {
			switch a {
			case "--drop-source", "-drop-source":
				in.DropSource = true
			default:
				pos = append(pos, a)
			}
		}
		if len(pos) != 2 {
			return errors.New("city move <code> <placement> [--drop-source]")
		}
		in.Placement = pos[1]
		out, err := p.HQ.Move(ctx, pos[0], in, func(step, detail string) { fmt.Fprintf(stdout, "%-10s %s\n", step, detail) })
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "moved city %s from %s to %s: %d tables, %d rows, bookings paused %d ms, old schema %s\n", out.City, out.From, out.To,
			len(out.Tables), out.Rows, out.PausedMillisec, map[bool]string{true: "dropped", false: "kept"}[out.SourceDropped])
		return nil
	}
	return fmt.Errorf("city: unknown subcommand %q", args[0])
}

// loadConfig reads the built-in defaults, merges the config file, then
// applies DOORSTEP_* environment variables to every known key.
func loadConfig(path string, getenv func(string) string) (platform.Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(defaultConfig)); err != nil {
		return platform.Config{}, fmt.Errorf("built-in config: %w", err)
	}
	if path == "" {
		if _, err := os.Stat("config.yaml"); err == nil {
			path = "config.yaml"
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return platform.Config{}, err
		}
		if err := v.MergeConfig(bytes.NewReader(b)); err != nil {
			return platform.Config{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	// Viper's AutomaticEnv reads os.Getenv; applying getenv key by key keeps
	// run testable and covers every key the file defines.
	for _, k := range v.AllKeys() {
		if val := getenv("DOORSTEP_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(k))); val != "" {
			v.Set(k, val)
		}
	}
	var cfg platform.Config
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = false
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(mapstructure.StringToTimeDurationHookFunc(), mapstructure.StringToSliceHookFunc(","))
	})
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

func newLogger(c platform.LogConfig, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
