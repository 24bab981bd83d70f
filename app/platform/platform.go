package platform

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"doorstep/app/account"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/city"
	"doorstep/app/dispatch"
	"doorstep/app/marketing"
	"doorstep/app/merchant"
	"doorstep/app/notify"
	"doorstep/app/outbox"
	"doorstep/app/payment"
	"doorstep/app/payment/sandboxpay"
	"doorstep/app/pii"
	"doorstep/app/privacy"
	"doorstep/app/ratelimit"
	"doorstep/app/review"
	"doorstep/app/settlement"
	"doorstep/app/sms"
	"doorstep/app/staff"
	"doorstep/app/stats"
	"doorstep/app/storefront"
	"doorstep/app/web"
	"doorstep/jobs"
	"doorstep/rbac"
	"doorstep/tenants"
)

// Platform is the assembled product.
type Platform struct {
	Cfg      Config
	Log      *slog.Logger
	Reg      *tenants.Registry
	Redis    redis.UniversalClient
	RBAC     *rbac.Enforcer
	Box      *pii.Box
	Outbox   *outbox.Outbox
	Relay    *jobs.Relay
	Queue    *jobs.Enqueuer
	Bus      *jobs.Bus
	Audit    *audit.Log
	Accounts *account.Service
	Cities   *city.Service
	Notify   *notify.Service
	SMSBox   *sms.Sandbox
	HTTP     *web.Server

	// Capabilities, each assembled in its own wire_<area>.go.
	Catalog   *catalog.Service
	Merchants *merchant.Service
	Staff     *staff.Service
	Booking   *booking.Service
	Dispatch  *dispatch.Service // smart and manual dispatch, staff offers
	Payments  *payment.Service
	Reviews   *review.Service
	Stats     *stats.Service
	// Settlement is the ledger, balances, payouts and reconciliation.
	Settlement *settlement.Service
	// HQ is headquarters' work across cities; Privacy re-seals and reveals
	// personal data (wire_hq.go).
	HQ         *city.HQ
	Privacy    *privacy.Service
	Marketing  *marketing.Service  // coupons and referrals
	Storefront *storefront.Service // shop decoration

	tasks    map[string]jobs.Handler // task type -> handler, filled by the wire functions
	schedule []jobs.Periodic         // periodic jobs, filled by the wire functions
	seeds    []city.Seeder           // new-city defaults, filled by the wire functions
	onListen []func(addr string)     // told the listener's address before serving, filled by the wire functions

	paySandbox *sandboxpay.Gateway // nil unless the sandbox payment gateway is enabled

	asynqClient *asynq.Client
	redisOpt    asynq.RedisConnOpt
}

// New assembles the product. It connects lazily: nothing here needs MySQL
// or Redis to be up except the policy load, which denies until it works.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Platform, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	p := &Platform{Cfg: cfg, Log: log}
	places := map[string]tenants.PlacementConfig{}
	for n, pc := range cfg.MySQL.Placements {
		places[n] = tenants.PlacementConfig{DSN: pc.DSN, MaxOpen: pc.MaxOpen, MaxIdle: pc.MaxIdle, ConnMaxLifetime: pc.ConnMaxLifetime}
	}
	reg, err := tenants.Open(tenants.Config{Prefix: cfg.MySQL.Prefix, HQPlacement: cfg.MySQL.HQPlacement, DefaultPlacement: cfg.MySQL.DefaultPlacement,
		Placements: places, Refresh: cfg.MySQL.Refresh, SingleConn: cfg.MySQL.SingleConn, SlowQuery: cfg.MySQL.SlowQuery}, log)
	if err != nil {
		return nil, err
	}
	p.Reg = reg
	p.Redis = redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
	p.redisOpt = asynq.RedisClientOpt{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB}
	p.asynqClient = asynq.NewClientFromRedisClient(p.Redis)
	p.Queue = jobs.NewEnqueuer(p.asynqClient)
	p.Relay = jobs.NewRelay(reg, p.Queue, cfg.Jobs.RelaySweep, log)
	p.Outbox = outbox.New(reg, p.Relay.Nudge)
	p.Bus = jobs.NewBus(p.Redis, cfg.MySQL.Prefix, log)

	if p.Box, err = pii.New(cfg.PII.Keys, cfg.PII.ActiveKey, cfg.PII.HashKey); err != nil {
		return nil, err
	}
	tokens, err := account.NewTokens(account.TokenConfig{Keys: cfg.Auth.JWTKeys, ActiveKey: cfg.Auth.JWTActiveKey, Issuer: cfg.Auth.Issuer,
		Audience: cfg.Auth.Audience, AccessTTL: cfg.Auth.AccessTTL, RefreshTTL: cfg.Auth.RefreshTTL})
	if err != nil {
		return nil, err
	}
	p.RBAC, err = rbac.New(reg, p.Redis, rbac.Options{Channel: cfg.MySQL.Prefix + "rbac", Poll: cfg.RBAC.Poll, CacheTTL: cfg.RBAC.CacheTTL}, log)
	if err != nil {
		return nil, err
	}
	p.Audit = audit.New(reg, log)

	smsSender, pushSender, err := p.senders()
	if err != nil {
		return nil, err
	}
	p.Notify = notify.New(reg, p.Box, p.Outbox, smsSender, pushSender, log)

	providers, sbx, err := p.oauthProviders()
	if err != nil {
		return nil, err
	}
	lim := ratelimit.New(p.Redis, cfg.MySQL.Prefix)
	a := cfg.Auth
	p.Accounts = account.New(reg, p.RBAC, p.Box, tokens, lim, p.Notify, p.Audit, providers, account.Config{
		CodeTTL: a.CodeTTL, CodeMaxAttempts: a.CodeMaxAttempts, CodeCooldown: a.CodeCooldown, CodesPerDay: a.CodesPerDay,
		CodesPerIPHour: a.CodesPerIPHour, LoginFailures: a.LoginFailures, LoginWindow: a.LoginWindow, StateKey: a.StateKey}, log)
	p.Notify.UseContacts(p.Accounts)
	p.tasks = map[string]jobs.Handler{notify.TaskSMS: p.Notify.HandleSMS, notify.TaskDeliver: p.Notify.HandleDeliver, notify.TaskPush: p.Notify.HandlePush}
	for _, wire := range []func() error{p.wireSupply, p.wireBooking, p.wireDispatch, p.wireMarketing, p.wirePayment, p.wireReview, p.wireStats, p.wireSettlement, p.wireHQ} {
		if err := wire(); err != nil {
			return nil, err
		}
	}
	p.Cities = city.New(reg, p.RBAC, p.Audit, p.Accounts, citiesNotifier{p.Bus}, p.seeds, log)

	p.HTTP = web.New(web.Config{BaseDomain: cfg.HTTP.BaseDomain, PublicURL: cfg.HTTP.PublicURL, Production: cfg.Production(),
		RequestTimeout: cfg.HTTP.RequestTimeout, TrustProxy: cfg.HTTP.TrustProxy, Version: Version},
		web.Deps{Reg: reg, RBAC: p.RBAC, Accounts: p.Accounts, Cities: p.Cities, Audit: p.Audit, SMSBox: p.SMSBox, OAuthSbx: sbx,
			Catalog: p.Catalog, Merchants: p.Merchants, Staff: p.Staff, Booking: p.Booking, Dispatch: p.Dispatch, Payments: p.Payments, PaySandbox: p.paySandbox, Reviews: p.Reviews, Notify: p.Notify, Stats: p.Stats, Settlement: p.Settlement, HQ: p.HQ, Privacy: p.Privacy, Marketing: p.Marketing, Storefront: p.Storefront,
			Ready: p.Ready, Metrics: web.NewMetrics(p.pools()), Log: log})
	return p, nil
}

// Version is set at build time (-ldflags "-X doorstep/app/platform.Version=...").
var Version = "dev"

func (p *Platform) pools() map[string]*sql.DB {
	out := map[string]*sql.DB{}
	for _, n := range p.Reg.Placements() {
		out[n] = p.Reg.Pool(n)
	}
	return out
}

type citiesNotifier struct{ bus *jobs.Bus }

func (n citiesNotifier) CitiesChanged(ctx context.Context) { n.bus.Publish(ctx, "cities", "changed") }

// Ready checks that MySQL (every placement) and Redis answer.
func (p *Platform) Ready(ctx context.Context) error {
	var errs []error
	for _, n := range p.Reg.Placements() {
		if err := p.Reg.Pool(n).PingContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("mysql placement %s: %w", n, err))
		}
	}
	if err := p.Redis.Ping(ctx).Err(); err != nil {
		errs = append(errs, fmt.Errorf("redis: %w", err))
	}
	if !p.RBAC.Healthy() {
		errs = append(errs, errors.New("rbac: policy not loaded"))
	}
	return errors.Join(errs...)
}

// Start loads what serving needs: the policy matrix and the city list.
func (p *Platform) Start(ctx context.Context) error {
	if _, err := p.RBAC.SyncPolicies(ctx); err != nil {
		return fmt.Errorf("sync policies: %w", err)
	}
	if err := p.RBAC.Reload(ctx); err != nil {
		return err
	}
	return p.Reg.Load(ctx)
}

// Migrate brings HQ and every city schema up to date and the policy matrix
// in line, reporting one line per schema.
func (p *Platform) Migrate(ctx context.Context, report func(string)) error {
	start := time.Now()
	n, err := p.Cities.MigrateHQ(ctx)
	if err != nil {
		report(fmt.Sprintf("%-28s FAILED %v", p.Reg.HQSchema(), err))
		return err
	}
	report(fmt.Sprintf("%-28s ok  %3d applied  %s", p.Reg.HQSchema(), n, time.Since(start).Round(time.Millisecond)))
	if err := p.Start(ctx); err != nil {
		return err
	}
	par := p.Cfg.MySQL.MigrateParallel
	return p.Cities.MigrateCities(ctx, par, report)
}

// RunOptions picks what a process runs.
type RunOptions struct {
	API       bool
	Worker    bool
	Scheduler bool
	Addr      string
	Ready     func(addr string) // called once the listener is up (tests, demo banner)
}

// Run runs the chosen parts until ctx ends.
func (p *Platform) Run(ctx context.Context, o RunOptions) error {
	if err := p.Start(ctx); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { p.Reg.Run(ctx); return nil })
	g.Go(func() error { p.RBAC.Run(ctx); return nil })
	p.Bus.Subscribe(ctx, "cities", func(string) {
		if err := p.Reg.Load(ctx); err != nil {
			p.Log.Warn("reload cities", "err", err)
		}
	})
	// Every process that writes also relays, so a write's jobs go out even
	// when this copy runs no worker.
	g.Go(func() error { p.Relay.Run(ctx); return nil })
	if o.Worker {
		srv := jobs.NewServer(p.redisOpt, p.Reg, jobs.ServerConfig{Concurrency: p.Cfg.Jobs.Concurrency}, p.Log)
		p.register(srv)
		g.Go(func() error { return srv.Run(ctx) })
	}
	if o.Scheduler {
		s := jobs.NewScheduler(p.Reg, p.Queue, p.periodic(), p.Log)
		g.Go(func() error { s.Run(ctx); return nil })
	}
	if p.Cfg.HTTP.DebugAddr != "" {
		if err := p.serveDebug(ctx, g); err != nil {
			return err
		}
	}
	if o.API {
		ln, err := listen(o.Addr)
		if err != nil {
			return err
		}
		for _, f := range p.onListen {
			f(ln.Addr().String())
		}
		if o.Ready != nil {
			o.Ready(ln.Addr().String())
		}
		g.Go(func() error {
			errc := make(chan error, 1)
			go func() { errc <- p.HTTP.App().Listener(ln) }()
			select {
			case err := <-errc:
				if errors.Is(err, http.ErrServerClosed) {
					return nil
				}
				return err
			case <-ctx.Done():
				sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				return p.HTTP.Shutdown(sctx)
			}
		})
	}
	return g.Wait()
}

// register maps task types to the services that do the work.
func (p *Platform) register(srv *jobs.Server) {
	for t, h := range p.tasks {
		srv.Handle(t, h)
	}
}

// periodic lists the scheduled jobs.
func (p *Platform) periodic() []jobs.Periodic { return p.schedule }

// Close releases pools and connections.
func (p *Platform) Close() error {
	var once sync.Once
	var err error
	once.Do(func() {
		err = errors.Join(p.asynqClient.Close(), p.Redis.Close(), p.Reg.Close())
	})
	return err
}

// SandboxPay is the sandbox payment gateway (nil when it is not enabled);
// the demo seed pays its historical orders through it.
func (p *Platform) SandboxPay() *sandboxpay.Gateway { return p.paySandbox }
