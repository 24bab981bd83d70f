package marketing

import (
	"context"
	"log/slog"
	"time"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/catalog"
	"doorstep/app/notify"
	"doorstep/app/outbox"
	"doorstep/tenants"
)

// TaskReferral asks for the referral reward of an invitee's first
// completed order; written by OrderCompleted in the completion transaction.
const TaskReferral = "marketing:referral"

// ReferralPayload is the payload of TaskReferral.
type ReferralPayload struct {
	OrderID int64 `json:"order_id"`
}

// Accounts is what marketing needs of the account service (HQ rows).
type Accounts interface {
	ReferralCode(ctx context.Context, id int64) (string, error)
	InvitedCount(ctx context.Context, id int64) (int64, error)
	SetReferrer(ctx context.Context, id int64, code string) (int64, error)
	ReferrerOf(ctx context.Context, id int64) (int64, error)
	AccountIDByPhone(ctx context.Context, phone string) (int64, error)
}

// Categories gives the global category tree (the catalog service).
type Categories interface {
	Tree(ctx context.Context) (*catalog.Tree, error)
}

// Deps are what the marketing service is built from.
type Deps struct {
	Reg        *tenants.Registry
	Outbox     *outbox.Outbox
	Notify     *notify.Service
	Audit      *audit.Log
	Categories Categories
	Accounts   Accounts
	Log        *slog.Logger
	Now        func() time.Time // nil: time.Now
}

// Service runs coupons and referrals.
type Service struct {
	reg      *tenants.Registry
	out      *outbox.Outbox
	notify   *notify.Service
	audit    *audit.Log
	cats     Categories
	accounts Accounts
	log      *slog.Logger
	now      func() time.Time
}

// New builds the marketing service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{reg: d.Reg, out: d.Outbox, notify: d.Notify, audit: d.Audit, cats: d.Categories, accounts: d.Accounts, log: d.Log,
		now: func() time.Time { return d.Now().UTC() }}
}

// Errors clients see.
var (
	ErrCouponNotFound      = app.NotFound("coupon")
	ErrNotClaimable        = app.E(app.KindConflict, "coupon_not_claimable", "this coupon cannot be claimed now")
	ErrSoldOut             = app.E(app.KindConflict, "coupon_sold_out", "all of this coupon have been claimed")
	ErrClaimLimit          = app.E(app.KindConflict, "coupon_limit_reached", "you have claimed this coupon as many times as allowed")
	ErrNewCustomersOnly    = app.E(app.KindConflict, "coupon_new_customers_only", "this offer is for customers before their first completed order in this city")
	ErrCouponUnavailable   = app.E(app.KindConflict, "coupon_unavailable", "this coupon is used, expired or held by another order")
	ErrCouponNotApplicable = app.E(app.KindUnprocessable, "coupon_not_applicable", "this coupon does not apply to this service")
	ErrCouponStopped       = app.E(app.KindConflict, "coupon_stopped", "this coupon has been stopped for good")
	ErrNotGrantable        = app.E(app.KindConflict, "coupon_not_grantable", "this coupon cannot be granted now")
	ErrReferralTooLate     = app.E(app.KindConflict, "referral_too_late", "a referral code can only be entered before your first order")
	ErrNotMerchant         = app.E(app.KindForbidden, "merchant_required", "this is the merchant back office: act as a merchant first")
	ErrNotCityOps          = app.E(app.KindForbidden, "city_operator_required", "act as a city admin or operator")
	ErrNotCustomer         = app.E(app.KindForbidden, "customer_required", "act as a customer")
)

// issuer is who issues coupons in a request: a merchant or the city.
type issuer struct {
	Kind       string
	MerchantID int64
	Actor      app.Actor
}

func merchantActor(ctx context.Context) (issuer, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return issuer{}, err
	}
	if a.MerchantID == 0 || (a.Role != app.RoleMerchantOwner && a.Role != app.RoleMerchantDispatcher) {
		return issuer{}, ErrNotMerchant
	}
	return issuer{Kind: IssuerMerchant, MerchantID: a.MerchantID, Actor: a}, nil
}

func cityActor(ctx context.Context) (issuer, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return issuer{}, err
	}
	switch a.Role {
	case app.RoleCityAdmin, app.RoleCityOperator, app.RoleHQAdmin, app.RoleHQOperator:
		return issuer{Kind: IssuerCity, Actor: a}, nil
	}
	return issuer{}, ErrNotCityOps
}

func customerActor(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != app.RoleCustomer {
		return a, ErrNotCustomer
	}
	return a, nil
}

// bg detaches ctx from its deadline for after-commit work (audit).
func bg(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
