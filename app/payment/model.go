package payment

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Payment statuses. A payment is pending from creation until the provider
// says it is paid (paid) or will never be (closed); failed means the
// provider refused to create it. Money moved is never undone here: a paid
// payment stays paid and refunds are separate rows.
const (
	StatusPending = "pending"
	StatusPaid    = "paid"
	StatusClosed  = "closed"
	StatusFailed  = "failed"
)

// Payment kinds, as booking.PayableNow names them.
const (
	KindDeposit = "deposit"
	KindFull    = "full"
	KindBalance = "balance"
)

// Payment is one attempt to collect money for an order through one gateway.
type Payment struct {
	ID            int64      `json:"id" gorm:"primaryKey"`
	PaymentNo     string     `json:"payment_no"`
	OrderID       int64      `json:"order_id"`
	CustomerID    int64      `json:"-"`
	Kind          string     `json:"kind"`
	Method        string     `json:"method"`
	AmountFen     int64      `json:"amount_fen"`
	Status        string     `json:"status"`
	ProviderTxnID string     `json:"-" gorm:"column:provider_txn_id"`
	RefundedFen   int64      `json:"refunded_fen"`
	PayURL        string     `json:"pay_url,omitempty" gorm:"column:pay_url"`
	QRCode        string     `json:"qr_code,omitempty" gorm:"column:qr_code"`
	PaidAt        *time.Time `json:"paid_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// TableName is "payments".
func (Payment) TableName(n schema.Namer) string { return tenants.TableName(n, "payments") }

// Refund statuses.
const (
	RefundStatusProcessing = "processing"
	RefundStatusSucceeded  = "succeeded"
	RefundStatusFailed     = "failed"
)

// Refund sources this package writes itself; booking passes its own
// ("cancel", "aftersale", ...).
const (
	SourceLatePayment      = "late_payment"      // paid after the order was cancelled or expired
	SourceUnmatchedPayment = "unmatched_payment" // paid an amount the order no longer asks for
)

// Refund gives (part of) one payment back. Attempts counts the follow-up
// steps taken (a task carrying another step number is stale); Failures
// counts provider calls that failed.
type Refund struct {
	ID               int64      `json:"id" gorm:"primaryKey"`
	RefundNo         string     `json:"refund_no"`
	PaymentID        int64      `json:"payment_id"`
	OrderID          int64      `json:"order_id"`
	AmountFen        int64      `json:"amount_fen"`
	Reason           string     `json:"reason"`
	Source           string     `json:"source"`
	Status           string     `json:"status"`
	ProviderRefundID string     `json:"-"`
	Attempts         int        `json:"-"`
	Failures         int        `json:"-"`
	LastError        string     `json:"-"`
	NextCheckAt      *time.Time `json:"-"`
	CreatedAt        time.Time  `json:"created_at"`
	CompletedAt      *time.Time `json:"completed_at"`
}

// TableName is "refunds".
func (Refund) TableName(n schema.Namer) string { return tenants.TableName(n, "refunds") }

// Notice records one accepted gateway notification (or query result) that
// changed something; the unique (method, event_key) recognises a repeat.
type Notice struct {
	ID         int64 `gorm:"primaryKey"`
	Method     string
	EventKey   string
	PaymentNo  string
	Kind       string
	AmountFen  int64
	Outcome    string
	ReceivedAt time.Time
}

// TableName is "payment_notices".
func (Notice) TableName(n schema.Namer) string { return tenants.TableName(n, "payment_notices") }

// Notice outcomes.
const (
	OutcomeApplied    = "applied"     // the order took the payment
	OutcomeLateRefund = "late_refund" // the order was closed: refunded automatically
	OutcomeRefunded   = "refunded"    // a refund completed
	OutcomeClosed     = "closed"      // the provider closed an unpaid payment
)

// Task types of this package and their payload.
const (
	TaskRefund      = "payment:refund"       // ask the provider to refund
	TaskRefundPoll  = "payment:refund_poll"  // ask the provider how a processing refund is doing
	TaskRefundSweep = "payment:refund_sweep" // periodic, per city: restart follow-ups long overdue
)

// RefundTask is the payload of TaskRefund and TaskRefundPoll. Step must
// equal the refund's attempts, so a task delivered twice acts once.
type RefundTask struct {
	RefundID int64 `json:"refund_id"`
	Step     int   `json:"step"`
}
