package rbac

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/tenants"
)

// Options tune propagation.
type Options struct {
	Channel  string        // Redis pub/sub channel for change notices
	Poll     time.Duration // how often the policy version is checked (backstop)
	CacheTTL time.Duration // decision cache lifetime
}

// Enforcer wraps one SyncedCachedEnforcer, built once per process.
type Enforcer struct {
	e       *casbin.SyncedCachedEnforcer
	reg     *tenants.Registry
	rdb     redis.UniversalClient
	opt     Options
	log     *slog.Logger
	broken  atomic.Bool
	version atomic.Int64
	mu      sync.Mutex // serializes reloads and incremental applies
}

// ErrBadGrant is a grant that names an unknown role or a role in the wrong domain.
var ErrBadGrant = app.E(app.KindInvalid, "bad_grant", "this role cannot be granted in this domain")

// New builds the enforcer over the HQ schema's casbin_rule table (created by
// our migrations; the adapter's auto-migration is off). It denies everything
// until Reload has loaded the policy once.
func New(reg *tenants.Registry, rdb redis.UniversalClient, opt Options, log *slog.Logger) (*Enforcer, error) {
	if opt.Channel == "" {
		opt.Channel = reg.Prefix() + "rbac"
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.CacheTTL <= 0 {
		opt.CacheTTL = time.Minute
	}
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("rbac model: %w", err)
	}
	db := reg.HQ(context.Background()).Session(&gorm.Session{NewDB: true})
	gormadapter.TurnOffAutoMigrate(db)
	a, err := gormadapter.NewAdapterByDBWithCustomTable(db, &gormadapter.CasbinRule{}, reg.HQTable("casbin_rule"))
	if err != nil {
		return nil, fmt.Errorf("rbac adapter: %w", err)
	}
	// Built without the adapter so a missing table (before the first
	// migration) is a denying enforcer, not a start-up failure.
	ce, err := casbin.NewSyncedCachedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("rbac enforcer: %w", err)
	}
	ce.SetAdapter(a)
	ce.AddFunction("domKind", func(args ...interface{}) (interface{}, error) {
		s, _ := args[0].(string)
		return DomainKind(s), nil
	})
	ce.EnableAutoSave(false) // we write casbin_rule ourselves, inside the caller's transaction
	ce.SetExpireTime(opt.CacheTTL)
	en := &Enforcer{e: ce, reg: reg, rdb: rdb, opt: opt, log: log}
	en.broken.Store(true) // deny until the first Reload (after migrations) works
	return en, nil
}

// Allow answers one authorization question. Any error, and any state after
// a failed policy load, is a denial.
func (en *Enforcer) Allow(sub, dom, obj, act string) bool {
	if en.broken.Load() {
		return false
	}
	ok, err := en.e.Enforce(sub, dom, obj, act)
	if err != nil {
		en.log.Warn("rbac: enforce error", "err", err)
		return false
	}
	return ok
}

// Healthy reports whether the last policy load worked.
func (en *Enforcer) Healthy() bool { return !en.broken.Load() }

// Version is the policy version this copy has applied.
func (en *Enforcer) Version() int64 { return en.version.Load() }

// Reload reads the whole policy again.
func (en *Enforcer) Reload(ctx context.Context) error {
	en.mu.Lock()
	defer en.mu.Unlock()
	return en.reloadLocked(ctx)
}

func (en *Enforcer) reloadLocked(ctx context.Context) error {
	v, verr := en.dbVersion(ctx)
	if err := errors.Join(verr, en.e.LoadPolicy()); err != nil {
		en.broken.Store(true)
		return fmt.Errorf("rbac reload: %w", err)
	}
	_ = en.e.InvalidateCache()
	en.version.Store(v)
	en.broken.Store(false)
	return nil
}

func (en *Enforcer) dbVersion(ctx context.Context) (int64, error) {
	var v int64
	err := en.reg.HQ(ctx).Table(en.reg.HQTable("rbac_version")).Select("version").Where("id = 1").Scan(&v).Error
	return v, err
}

// bump increments the policy version inside the caller's HQ transaction.
func (en *Enforcer) bump(ctx context.Context) (int64, error) {
	db := en.reg.HQ(ctx)
	if err := db.Exec("UPDATE " + en.reg.HQTable("rbac_version") + " SET version = version + 1 WHERE id = 1").Error; err != nil {
		return 0, fmt.Errorf("bump policy version: %w", err)
	}
	var v int64
	if err := db.Raw("SELECT version FROM " + en.reg.HQTable("rbac_version") + " WHERE id = 1").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read policy version: %w", err)
	}
	return v, nil
}

// change is a notice other copies receive.
type change struct {
	Version int64    `json:"v"`
	Op      string   `json:"op"` // add_g | remove_g | reload
	Rule    []string `json:"rule,omitempty"`
}

// apply makes a committed change visible in this copy, incrementally when it
// is the next version, with a full reload otherwise.
func (en *Enforcer) apply(ctx context.Context, c change) {
	en.mu.Lock()
	defer en.mu.Unlock()
	cur := en.version.Load()
	if c.Version <= cur {
		return
	}
	if c.Version == cur+1 && !en.broken.Load() {
		var err error
		switch c.Op {
		case "add_g":
			_, err = en.e.AddGroupingPolicy(c.Rule)
		case "remove_g":
			_, err = en.e.RemoveGroupingPolicy(c.Rule)
		default:
			err = errors.New("full reload asked")
		}
		if err == nil {
			_ = en.e.InvalidateCache()
			en.version.Store(c.Version)
			return
		}
	}
	if err := en.reloadLocked(ctx); err != nil {
		en.log.Error("rbac: reload failed; denying", "err", err)
	}
}

// committed runs after the transaction that made c commits: apply here, tell
// the other copies.
func (en *Enforcer) committed(c change) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	en.apply(ctx, c)
	if en.rdb == nil {
		return
	}
	b, _ := json.Marshal(c)
	if err := en.rdb.Publish(ctx, en.opt.Channel, b).Err(); err != nil {
		en.log.Warn("rbac: publish change failed; other copies catch up by polling", "err", err)
	}
}

// Run keeps this copy in step until ctx ends: change notices from Redis
// apply at once; the version poll catches anything missed (Redis down, a
// notice lost) within opt.Poll.
func (en *Enforcer) Run(ctx context.Context) {
	if en.rdb != nil {
		sub := en.rdb.Subscribe(ctx, en.opt.Channel)
		defer sub.Close()
		ch := sub.Channel()
		go func() {
			for msg := range ch {
				var c change
				if json.Unmarshal([]byte(msg.Payload), &c) == nil {
					en.apply(ctx, c)
				}
			}
		}()
	}
	t := time.NewTicker(en.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			v, err := en.dbVersion(ctx)
			if err != nil {
				if ctx.Err() == nil {
					en.log.Warn("rbac: version poll", "err", err)
				}
				continue
			}
			if v != en.version.Load() || en.broken.Load() {
				if err := en.Reload(ctx); err != nil && ctx.Err() == nil {
					en.log.Error("rbac: reload failed; denying", "err", err)
				}
			}
		}
	}
}

// casbinRule is a row of the casbin_rule table as our writes see it.
type casbinRule struct {
	ID    uint64 `gorm:"primaryKey"`
	Ptype string
	V0    string
	V1    string
	V2    string
	V3    string
	V4    string
	V5    string
}

// SyncPolicies makes the p rules in the HQ schema equal the matrix
// (idempotent; run by migrate, city provisioning and at start-up).
func (en *Enforcer) SyncPolicies(ctx context.Context) (changed bool, err error) {
	cells, err := Matrix()
	if err != nil {
		return false, err
	}
	want := map[string][]string{}
	for _, p := range Policies(cells) {
		want[strings.Join(p, ",")] = p
	}
	var v int64
	err = en.reg.HQTx(ctx, func(ctx context.Context) error {
		db := en.reg.HQ(ctx).Table(en.reg.HQTable("casbin_rule"))
		var have []casbinRule
		if err := db.Where("ptype = ?", "p").Find(&have).Error; err != nil {
			return err
		}
		var stale []uint64
		for _, r := range have {
			k := strings.Join([]string{r.V0, r.V1, r.V2, r.V3}, ",")
			if _, ok := want[k]; ok && r.V4 == "" && r.V5 == "" {
				delete(want, k)
			} else {
				stale = append(stale, r.ID)
			}
		}
		if len(stale) == 0 && len(want) == 0 {
			return nil
		}
		if len(stale) > 0 {
			if err := en.reg.HQ(ctx).Table(en.reg.HQTable("casbin_rule")).Where("id IN ?", stale).Delete(&casbinRule{}).Error; err != nil {
				return err
			}
		}
		var rows []casbinRule
		for _, p := range want {
			rows = append(rows, casbinRule{Ptype: "p", V0: p[0], V1: p[1], V2: p[2], V3: p[3]})
		}
		if len(rows) > 0 {
			if err := en.reg.HQ(ctx).Table(en.reg.HQTable("casbin_rule")).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
				return err
			}
		}
		changed = true
		v, err = en.bump(ctx)
		if err != nil {
			return err
		}
		tenants.AfterCommit(ctx, func() { en.committed(change{Version: v, Op: "reload"}) })
		return nil
	})
	return changed, err
}

// Grant gives a person a role in a domain; MerchantID and StaffID say which
// merchant or staff profile the role acts for.
type Grant struct {
	ID         int64     `json:"id"`
	AccountID  int64     `json:"account_id"`
	Domain     string    `json:"domain"`
	Role       string    `json:"role"`
	MerchantID int64     `json:"merchant_id,omitempty"`
	StaffID    int64     `json:"staff_id,omitempty"`
	GrantedBy  int64     `json:"granted_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func (en *Enforcer) grants(ctx context.Context) *gorm.DB {
	return en.reg.HQ(ctx).Table(en.reg.HQTable("grants"))
}

// ValidGrant checks role and domain go together.
func ValidGrant(domain, role string) error {
	switch {
	case domain == "hq" && slices.Contains(HQRoles, role):
		return nil
	case DomainKind(domain) == "city" && SafeName(domain) && slices.Contains(CityRoles, role):
		return nil
	}
	return ErrBadGrant.WithMessage("role %q cannot be granted in domain %q", role, domain)
}

// AddGrant records a grant and its Casbin g rule in one HQ transaction (the
// caller's, when one is open). Granting what is already held returns it.
func (en *Enforcer) AddGrant(ctx context.Context, g Grant) (Grant, error) {
	if err := ValidGrant(g.Domain, g.Role); err != nil {
		return Grant{}, err
	}
	err := en.reg.HQTx(ctx, func(ctx context.Context) error {
		var existing Grant
		err := en.grants(ctx).Where("account_id = ? AND domain = ? AND role = ? AND merchant_id = ?", g.AccountID, g.Domain, g.Role, g.MerchantID).Take(&existing).Error
		if err == nil {
			if existing.StaffID != g.StaffID && g.StaffID != 0 {
				if err := en.grants(ctx).Where("id = ?", existing.ID).Update("staff_id", g.StaffID).Error; err != nil {
					return err
				}
				existing.StaffID = g.StaffID
			}
			g = existing
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		g.CreatedAt = time.Now().UTC()
		if err := en.grants(ctx).Create(&g).Error; err != nil {
			return fmt.Errorf("add grant: %w", err)
		}
		rule := []string{Subject(g.AccountID), g.Role, g.Domain}
		res := en.reg.HQ(ctx).Table(en.reg.HQTable("casbin_rule")).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&casbinRule{Ptype: "g", V0: rule[0], V1: rule[1], V2: rule[2]})
		if res.Error != nil {
			return fmt.Errorf("add g rule: %w", res.Error)
		}
		v, err := en.bump(ctx)
		if err != nil {
			return err
		}
		tenants.AfterCommit(ctx, func() { en.committed(change{Version: v, Op: "add_g", Rule: rule}) })
		return nil
	})
	return g, err
}

// RemoveGrant takes a grant away; the g rule goes when no other grant of the
// same role in the same domain remains for that person.
func (en *Enforcer) RemoveGrant(ctx context.Context, accountID int64, domain, role string, merchantID int64) error {
	return en.reg.HQTx(ctx, func(ctx context.Context) error {
		res := en.grants(ctx).Where("account_id = ? AND domain = ? AND role = ? AND merchant_id = ?", accountID, domain, role, merchantID).Delete(&Grant{})
		if res.Error != nil {
			return fmt.Errorf("remove grant: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return app.NotFound("grant")
		}
		var left int64
		if err := en.grants(ctx).Where("account_id = ? AND domain = ? AND role = ?", accountID, domain, role).Count(&left).Error; err != nil {
			return err
		}
		if left > 0 {
			return nil
		}
		rule := []string{Subject(accountID), role, domain}
		if err := en.reg.HQ(ctx).Table(en.reg.HQTable("casbin_rule")).
			Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?", rule[0], rule[1], rule[2]).Delete(&casbinRule{}).Error; err != nil {
			return fmt.Errorf("remove g rule: %w", err)
		}
		v, err := en.bump(ctx)
		if err != nil {
			return err
		}
		tenants.AfterCommit(ctx, func() { en.committed(change{Version: v, Op: "remove_g", Rule: rule}) })
		return nil
	})
}

// GrantsOf lists a person's grants.
func (en *Enforcer) GrantsOf(ctx context.Context, accountID int64) ([]Grant, error) {
	var out []Grant
	err := en.grants(ctx).Where("account_id = ?", accountID).Order("id").Find(&out).Error
	return out, err
}

// GrantsIn lists grants of a domain, optionally of one role, optionally of one merchant.
func (en *Enforcer) GrantsIn(ctx context.Context, domain, role string, merchantID int64) ([]Grant, error) {
	q := en.grants(ctx).Where("domain = ?", domain)
	if role != "" {
		q = q.Where("role = ?", role)
	}
	if merchantID != 0 {
		q = q.Where("merchant_id = ?", merchantID)
	}
	var out []Grant
	err := q.Order("id").Find(&out).Error
	return out, err
}

// FindGrant returns one grant of a person.
func (en *Enforcer) FindGrant(ctx context.Context, accountID, grantID int64) (Grant, error) {
	var g Grant
	err := en.grants(ctx).Where("id = ? AND account_id = ?", grantID, accountID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return g, app.NotFound("grant")
	}
	return g, err
}

// HasRole tells whether the person holds role in domain right now (as this
// copy's policy knows it).
func (en *Enforcer) HasRole(accountID int64, role, domain string) bool {
	if en.broken.Load() {
		return false
	}
	ok, err := en.e.HasRoleForUser(Subject(accountID), role, domain)
	return err == nil && ok
}
