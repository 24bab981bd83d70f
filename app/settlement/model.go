package settlement

import (
	"database/sql/driver"
	"fmt"
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Accounts of the chart (see the package doc).
const (
	AccGateway       = "gateway_clearing"
	AccEscrow        = "order_escrow"
	AccRefundPayable = "refund_payable"
	AccPlatform      = "platform_commission"
	AccCity          = "city_commission"
	AccMerchant      = "merchant_payable"
	AccStaff         = "staff_payable"
	AccPayouts       = "payouts_paid"
)

// Accounts lists the chart.
var Accounts = []string{AccGateway, AccEscrow, AccRefundPayable, AccPlatform, AccCity, AccMerchant, AccStaff, AccPayouts}

// Transaction kinds.
const (
	KindPayment      = "payment"
	KindLateRefund   = "late_refund"
	KindRefund       = "refund"
	KindCompletion   = "completion"
	KindCancellation = "cancellation"
	KindAfterSale    = "aftersale"
	KindPayout       = "payout"
)

// LedgerEntry is one line of the ledger.
type LedgerEntry struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	TxnID     string    `json:"txn_id"`
	TxnKind   string    `json:"txn_kind"`
	OrderID   int64     `json:"order_id"`
	Account   string    `json:"account"`
	OwnerID   int64     `json:"owner_id"`
	AmountFen int64     `json:"amount_fen" doc:"debit positive, credit negative"`
	Memo      string    `json:"memo"`
	At        time.Time `json:"at"`
}

// TableName is "ledger_entries".
func (LedgerEntry) TableName(n schema.Namer) string { return tenants.TableName(n, "ledger_entries") }

// txn is the claim of one ledger transaction.
type txn struct {
	TxnID     string `gorm:"primaryKey"`
	TxnKind   string
	OrderID   int64
	LineCount int
	At        time.Time
}

func (txn) TableName(n schema.Namer) string { return tenants.TableName(n, "ledger_txns") }

// Payee types.
const (
	PayeeMerchant = "merchant"
	PayeeStaff    = "staff"
)

// Payout statuses.
const (
	PayoutRequested = "requested"
	PayoutApproved  = "approved"
	PayoutRejected  = "rejected"
)

// Payout is a payee's request to be paid part of their available balance.
type Payout struct {
	ID                int64      `json:"id" gorm:"primaryKey"`
	PayeeType         string     `json:"payee_type" doc:"merchant or staff"`
	PayeeID           int64      `json:"payee_id" doc:"merchant id or staff id"`
	AmountFen         int64      `json:"amount_fen"`
	Status            string     `json:"status" doc:"requested, approved or rejected"`
	BankAccountMasked string     `json:"bank_account_masked"`
	RequestedBy       int64      `json:"requested_by"`
	DecidedBy         int64      `json:"decided_by,omitempty"`
	Note              string     `json:"note"`
	CreatedAt         time.Time  `json:"created_at"`
	DecidedAt         *time.Time `json:"decided_at"`
}

// TableName is "payouts".
func (Payout) TableName(n schema.Namer) string { return tenants.TableName(n, "payouts") }

// payee is the row a payout request locks.
type payee struct {
	PayeeType string `gorm:"primaryKey"`
	PayeeID   int64  `gorm:"primaryKey"`
	CreatedAt time.Time
}

func (payee) TableName(n schema.Namer) string { return tenants.TableName(n, "payees") }

// Settlement is what one payee earned in one closed period.
type Settlement struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	PeriodStart Day       `json:"period_start" doc:"first day, city time"`
	PeriodEnd   Day       `json:"period_end" doc:"last day (included), city time"`
	PayeeType   string    `json:"payee_type"`
	PayeeID     int64     `json:"payee_id"`
	GrossFen    int64     `json:"gross_fen" doc:"credited in the period"`
	NetFen      int64     `json:"net_fen" doc:"credited less debited (after-sales) in the period"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName is "settlements".
func (Settlement) TableName(n schema.Namer) string { return tenants.TableName(n, "settlements") }

// run is one settled period of the city.
type run struct {
	PeriodStart Day `gorm:"primaryKey"`
	PeriodEnd   Day
	PeriodKind  string
	Payees      int
	CreatedAt   time.Time
}

func (run) TableName(n schema.Namer) string { return tenants.TableName(n, "settlement_runs") }

// Reconciliation is the report of one day and one payment method.
type Reconciliation struct {
	ID          int64        `json:"id" gorm:"primaryKey"`
	Day         Day          `json:"day" doc:"the provider's day (Asia/Shanghai)"`
	Method      string       `json:"method"`
	Status      string       `json:"status" doc:"matched or differences"`
	OursCount   int          `json:"ours_count" doc:"our payments and refunds of the day"`
	TheirsCount int          `json:"theirs_count" doc:"the bill's lines of this city"`
	Differences []Difference `json:"differences" gorm:"serializer:json"`
	CreatedAt   time.Time    `json:"created_at"`
}

// TableName is "reconciliations".
func (Reconciliation) TableName(n schema.Namer) string {
	return tenants.TableName(n, "reconciliations")
}

// Reconciliation statuses.
const (
	ReconMatched     = "matched"
	ReconDifferences = "differences"
)

// Difference problems.
const (
	MissingOurs    = "missing_ours"    // the provider has it, we do not (as of that day)
	MissingTheirs  = "missing_theirs"  // we have it, the provider's bill does not
	AmountMismatch = "amount_mismatch" // both have it, for different amounts
)

// Difference is one line of a reconciliation report.
type Difference struct {
	Kind        string `json:"kind" doc:"payment or refund"`
	Problem     string `json:"problem" doc:"missing_ours, missing_theirs or amount_mismatch"`
	OutTradeNo  string `json:"out_trade_no,omitempty"`
	OutRefundNo string `json:"out_refund_no,omitempty"`
	OrderID     int64  `json:"order_id,omitempty"`
	OursFen     int64  `json:"ours_fen"`
	TheirsFen   int64  `json:"theirs_fen"`
	Note        string `json:"note,omitempty"`
}

// Day is a calendar date, "2006-01-02", stored in a DATE column.
type Day string

const dayLayout = "2006-01-02"

// DayOf is the date of t in loc.
func DayOf(t time.Time, loc *time.Location) Day { return Day(t.In(loc).Format(dayLayout)) }

// ParseDay reads "2006-01-02".
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(dayLayout, s)
	if err != nil {
		return "", err
	}
	return Day(t.Format(dayLayout)), nil
}

// Start is the first instant of the day in loc.
func (d Day) Start(loc *time.Location) time.Time {
	t, _ := time.Parse(dayLayout, string(d))
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// Add is the day n days later.
func (d Day) Add(n int) Day {
	t, _ := time.Parse(dayLayout, string(d))
	return Day(t.AddDate(0, 0, n).Format(dayLayout))
}

// Weekday is the day's weekday.
func (d Day) Weekday() time.Weekday {
	t, _ := time.Parse(dayLayout, string(d))
	return t.Weekday()
}

// Scan reads a DATE column.
func (d *Day) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*d = Day(x.Format(dayLayout))
	case []byte:
		return d.Scan(string(x))
	case string:
		if len(x) < len(dayLayout) {
			return fmt.Errorf("day %q", x)
		}
		*d = Day(x[:len(dayLayout)])
	case nil:
		*d = ""
	default:
		return fmt.Errorf("day: cannot scan %T", v)
	}
	return nil
}

// Value writes a DATE column.
func (d Day) Value() (driver.Value, error) { return string(d), nil }
