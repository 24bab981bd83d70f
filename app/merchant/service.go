package merchant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/audit"
	"doorstep/app/catalog"
	"doorstep/app/notify"
	"doorstep/app/outbox"
	"doorstep/app/pii"
	"doorstep/rbac"
	"doorstep/tenants"
)

// Service runs merchants: applications and their review, shops, dispatchers
// and the city's oversight.
type Service struct {
	reg      *tenants.Registry
	en       *rbac.Enforcer
	box      *pii.Box
	audit    *audit.Log
	notify   *notify.Service
	accounts *account.Service
	catalog  *catalog.Service
	out      *outbox.Outbox
	log      *slog.Logger
}

// New builds the merchant service.
func New(reg *tenants.Registry, en *rbac.Enforcer, box *pii.Box, al *audit.Log, n *notify.Service, accounts *account.Service,
	cat *catalog.Service, out *outbox.Outbox, log *slog.Logger) *Service {
	return &Service{reg: reg, en: en, box: box, audit: al, notify: n, accounts: accounts, catalog: cat, out: out, log: log}
}

// Errors clients see.
var (
	ErrApplicationNotFound = app.NotFound("merchant_application")
	ErrMerchantNotFound    = app.NotFound("merchant")
	ErrDispatcherNotFound  = app.NotFound("dispatcher")
	ErrApplicationOpen     = app.E(app.KindConflict, "application_open", "you have an application in this city under review already; edit that one")
	ErrApplicationState    = app.E(app.KindConflict, "application_wrong_status", "the application is not in a status that allows this")
	ErrLicenceRegistered   = app.E(app.KindConflict, "licence_registered", "a shop with this business licence is open in this city already")
	ErrNotMerchant         = app.E(app.KindForbidden, "merchant_required", "this is the merchant back office: act as a merchant first")
	ErrNotCityOps          = app.E(app.KindForbidden, "city_operator_required", "only the city's operators may do this")
	ErrSelf                = app.E(app.KindConflict, "cannot_remove_self", "you cannot remove yourself")
)

// TaskProvision makes sure an approved merchant's owner holds the
// merchant_owner role and the HQ directory row matches the merchant. It is
// idempotent and backs up the same work done inline after approval and
// status changes.
const TaskProvision = "merchant:provision"

// ProvisionPayload is the payload of TaskProvision.
type ProvisionPayload struct {
	MerchantID int64 `json:"merchant_id"`
}

func merchantActor(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.MerchantID == 0 || (a.Role != app.RoleMerchantOwner && a.Role != app.RoleMerchantDispatcher) {
		return a, ErrNotMerchant
	}
	return a, nil
}

// IsCityOps tells whether the actor runs ctx's city: HQ or the city's own
// admins and operators (merchant and staff roles are not).
func IsCityOps(a app.Actor) bool {
	return a.IsHQ() || a.Role == app.RoleCityAdmin || a.Role == app.RoleCityOperator
}

func cityOps(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !IsCityOps(a) {
		return a, ErrNotCityOps
	}
	return a, nil
}

// Get returns a merchant of ctx's city in any status.
func (s *Service) Get(ctx context.Context, id int64) (Merchant, error) {
	var m Merchant
	err := tenants.DB(ctx).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, ErrMerchantNotFound
	}
	return m, err
}

func (s *Service) lockMerchant(ctx context.Context, id int64) (Merchant, error) {
	var m Merchant
	err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, ErrMerchantNotFound
	}
	return m, err
}

// AddRating adds one review's stars (1-5) to a merchant, in the caller's
// transaction.
func (s *Service) AddRating(ctx context.Context, merchantID int64, stars int) error {
	return s.rate(ctx, merchantID, stars, 1)
}

// RemoveRating takes one review's stars out of a merchant again, in the
// caller's transaction.
func (s *Service) RemoveRating(ctx context.Context, merchantID int64, stars int) error {
	return s.rate(ctx, merchantID, stars, -1)
}

func (s *Service) rate(ctx context.Context, id int64, stars, dir int) error {
	n, err := catalog.ApplyRating(ctx, "merchants", id, stars, dir)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrMerchantNotFound
	}
	return nil
}

// directoryRow is the HQ merchant directory: merchant id -> city, for
// routing and platform-wide views.
type directoryRow struct {
	ID         int64 `gorm:"primaryKey"`
	City       string
	MerchantID int64
	Name       string
	Status     string
	OwnerID    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// provision grants the owner role and writes the directory row. Both are
// idempotent; it runs outside any city transaction (it touches HQ).
func (s *Service) provision(ctx context.Context, m Merchant) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	if m.OwnerID != 0 {
		g := rbac.Grant{AccountID: m.OwnerID, Domain: c.Domain(), Role: app.RoleMerchantOwner, MerchantID: m.ID, GrantedBy: actorID(ctx)}
		if _, err := s.en.AddGrant(ctx, g); err != nil {
			if !tenants.IsDuplicate(err) { // a concurrent provision got there first
				return fmt.Errorf("grant merchant_owner of merchant %d: %w", m.ID, err)
			}
		}
	}
	now := time.Now().UTC()
	row := directoryRow{City: c.Code, MerchantID: m.ID, Name: m.Name, Status: m.Status, OwnerID: m.OwnerID, CreatedAt: now, UpdatedAt: now}
	err = s.reg.HQ(ctx).Table(s.reg.HQTable("merchant_directory")).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "city"}, {Name: "merchant_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "status", "owner_id", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("merchant directory %s/%d: %w", c.Code, m.ID, err)
	}
	return nil
}

// HandleProvision is the TaskProvision handler.
func (s *Service) HandleProvision(ctx context.Context, data []byte) error {
	var p ProvisionPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("provision payload: %w", err)
	}
	m, err := s.Get(ctx, p.MerchantID)
	if err != nil {
		if errors.Is(err, ErrMerchantNotFound) {
			return nil
		}
		return err
	}
	return s.provision(ctx, m)
}

// queueProvision adds the backstop task in the open transaction.
func (s *Service) queueProvision(ctx context.Context, id int64) error {
	return s.out.Add(ctx, TaskProvision, ProvisionPayload{MerchantID: id}, outbox.At(time.Now().Add(30*time.Second)))
}

// jsonText marshals a value for a JSON column written through a map
// update (which skips GORM's serializers).
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func actorID(ctx context.Context) int64 {
	a, _ := app.ActorFrom(ctx)
	return a.AccountID
}
