package settlement

import (
	"context"
	"log/slog"
	"time"

	"doorstep/app"
	"doorstep/app/payment"
)

// Gateways is how reconciliation reaches the providers' bills
// (*payment.Service).
type Gateways interface {
	Methods() []string
	Gateway(method string) (payment.Gateway, bool)
}

// Teller queues a notification to a person inside the caller's transaction
// (*notify.Service).
type Teller interface {
	Tell(ctx context.Context, accountID int64, template string, params, data map[string]string, dedupe string) error
}

// Auditor records money decisions (*audit.Log). It writes to HQ, so it is
// only ever called outside a city transaction.
type Auditor interface {
	Record(ctx context.Context, action, targetType, targetID, outcome string, detail any)
}

// Deps are what the settlement service is built from.
type Deps struct {
	Gateways Gateways
	Notify   Teller
	Audit    Auditor
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
}

// Service keeps the ledger, balances, settlements, payouts and
// reconciliations of every city.
type Service struct {
	gw    Gateways
	tell  Teller
	audit Auditor
	log   *slog.Logger
	now   func() time.Time
}

// New builds the settlement service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{gw: d.Gateways, tell: d.Notify, audit: d.Audit, log: d.Log, now: func() time.Time { return d.Now().UTC() }}
}

// Task types of this package (periodic, per city; empty payload).
const (
	TaskRun       = "settlement:run"       // settle the closed periods
	TaskReconcile = "settlement:reconcile" // reconcile the previous day with the providers' bills
)

// Errors clients see.
var (
	ErrInsufficient      = app.E(app.KindConflict, "insufficient_balance", "the amount is more than your available balance")
	ErrPayoutNotFound    = app.NotFound("payout")
	ErrPayoutState       = app.E(app.KindConflict, "payout_already_decided", "this payout has been decided already")
	ErrOrderNotFound     = app.NotFound("order")
	ErrNotPayee          = app.E(app.KindForbidden, "not_a_payee", "act as a merchant owner or a staff member to see or move your balance")
	ErrMethodUnavailable = app.E(app.KindInvalid, "payment_method_unavailable", "this payment method is not enabled")
	ErrBadDay            = app.E(app.KindInvalid, "invalid_day", "day must be a date like 2006-01-02, not in the future")
)

// bg detaches ctx from its deadline for work after commit (auditing).
func bg(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
