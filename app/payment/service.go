package payment

import (
	"context"
	"crypto/rand"
	"log/slog"
	"math/big"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"doorstep/app"
	"doorstep/app/outbox"
	"doorstep/tenants"
)

// Orders is what payment needs from booking (*booking.Service). PayableNow
// says what is due now; ApplyPayment runs inside the caller's transaction
// and answers false when the order no longer takes the money (cancelled,
// expired), in which case the payment is refunded automatically. The few
// order columns payment reads itself (customer, number, title, deadline)
// it reads directly, so this package does not import booking.
type Orders interface {
	PayableNow(ctx context.Context, orderID int64) (kind string, amountFen int64, err error)
	ApplyPayment(ctx context.Context, orderID, paymentID int64, kind string, amountFen int64) (accepted bool, err error)
}

// Teller queues a notification to a person inside the caller's transaction
// (*notify.Service).
type Teller interface {
	Tell(ctx context.Context, accountID int64, template string, params, data map[string]string, dedupe string) error
}

// Auditor records money and rejected notifications (*audit.Log). It writes
// to HQ, so it is only ever called outside a city transaction.
type Auditor interface {
	Record(ctx context.Context, action, targetType, targetID, outcome string, detail any)
}

// Ledger books the money a payment moves (the settlement service), INSIDE
// the transaction that records it; a repeat of the same event posts
// nothing. PaymentReceived: the provider holds the money for the order.
// PaymentReturned: a payment the order could not take (late, unmatched) is
// going back whole through refund r. RefundCompleted: the provider has given
// refund r back.
type Ledger interface {
	PaymentReceived(ctx context.Context, p Payment) error
	PaymentReturned(ctx context.Context, p Payment, r Refund) error
	RefundCompleted(ctx context.Context, r Refund) error
}

type noLedger struct{}

func (noLedger) PaymentReceived(context.Context, Payment) error         { return nil }
func (noLedger) PaymentReturned(context.Context, Payment, Refund) error { return nil }
func (noLedger) RefundCompleted(context.Context, Refund) error          { return nil }

// Config tunes payments and refunds.
type Config struct {
	Timeout time.Duration // how long a payment stays payable; 15 min
	// PublicURL is our base URL as providers reach it; notification URLs
	// are PublicURL/v1/payments/notify/<method>/<city>. NotifyBase
	// overrides it per method (WeChat Pay insists on https).
	PublicURL  string
	NotifyBase map[string]string
	// ReturnOrigins are the origins besides PublicURL's that a payer's
	// browser may be sent back to after paying ("https://m.example.com").
	ReturnOrigins []string
	// Refund follow-up: the first check of a processing refund (and the
	// first retry of a failed call) waits RefundPoll, doubling up to
	// RefundPollMax; RefundMaxFailures failed calls or RefundMaxPolls
	// checks still processing mark the refund failed for a person to see.
	RefundPoll        time.Duration
	RefundPollMax     time.Duration
	RefundMaxFailures int
	RefundMaxPolls    int
}

// Service runs the payment capability.
type Service struct {
	gateways map[string]Gateway
	out      *outbox.Outbox
	tell     Teller
	audit    Auditor
	cfg      Config
	log      *slog.Logger

	orders atomic.Pointer[Orders]
	base   atomic.Pointer[string]
	ledger atomic.Pointer[Ledger]
}

// New builds the payment service over the enabled gateways.
func New(gateways []Gateway, out *outbox.Outbox, tell Teller, audit Auditor, cfg Config, log *slog.Logger) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Minute
	}
	if cfg.RefundPoll <= 0 {
		cfg.RefundPoll = time.Minute
	}
	if cfg.RefundPollMax < cfg.RefundPoll {
		cfg.RefundPollMax = max(time.Hour, cfg.RefundPoll)
	}
	if cfg.RefundMaxFailures <= 0 {
		cfg.RefundMaxFailures = 8
	}
	if cfg.RefundMaxPolls <= 0 {
		cfg.RefundMaxPolls = 200
	}
	s := &Service{gateways: map[string]Gateway{}, out: out, tell: tell, audit: audit, cfg: cfg, log: log}
	for _, g := range gateways {
		s.gateways[g.Name()] = g
	}
	s.UseBaseURL(cfg.PublicURL)
	return s
}

// UseOrders sets the order side (booking). Until it is set, paying answers
// 503 and notifications fail so providers retry.
func (s *Service) UseOrders(o Orders) { s.orders.Store(&o) }

// UseLedger sets who books the money of payments and refunds (settlement).
func (s *Service) UseLedger(l Ledger) { s.ledger.Store(&l) }

func (s *Service) book() Ledger {
	if l := s.ledger.Load(); l != nil && *l != nil {
		return *l
	}
	return noLedger{}
}

// IsCityNumber tells whether a payment ("P") or refund ("R") number is one
// newNumber made for the city code: the prefix, the code, then exactly as
// many digits as it writes. Provider bills list every trade of the provider
// account; reconciliation keeps a city's own with it. (The digit count tells
// "sz" from "sz1"; it could not tell a code of 11 characters or more from
// a longer one that begins with it.)
func IsCityNumber(no, prefix, code string) bool {
	head := prefix + code
	rest, ok := strings.CutPrefix(no, head)
	if !ok || len(rest) != 12+min(8, 32-len(head)-12) {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}

// UseBaseURL changes the base URL providers post notifications to (the
// platform sets the listener's address when the configured one is a
// loopback URL, so the sandbox reaches this very process).
func (s *Service) UseBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	s.base.Store(&u)
}

// Methods lists the enabled payment methods, sorted.
func (s *Service) Methods() []string {
	out := make([]string, 0, len(s.gateways))
	for m := range s.gateways {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Gateway returns an enabled gateway by method name.
func (s *Service) Gateway(method string) (Gateway, bool) {
	g, ok := s.gateways[method]
	return g, ok
}

func (s *Service) ordersSide() (Orders, error) {
	o := s.orders.Load()
	if o == nil || *o == nil {
		return nil, ErrOrdersUnavailable
	}
	return *o, nil
}

// NotifyURL is where a method's provider posts notifications for a city.
func (s *Service) NotifyURL(method, city string) string {
	base := *s.base.Load()
	if b := s.cfg.NotifyBase[method]; b != "" {
		base = strings.TrimRight(b, "/")
	}
	return base + "/v1/payments/notify/" + method + "/" + city
}

// newNumber makes a payment ("P") or refund ("R") number: prefix, city,
// city-local time to the second, random digits. At most 32 characters of
// [A-Za-z0-9], which every provider accepts as its out_trade_no.
func newNumber(prefix string, c *tenants.City, now time.Time) string {
	head := prefix + c.Code + now.In(c.Loc).Format("060102150405")
	n := min(8, 32-len(head))
	var b strings.Builder
	b.WriteString(head)
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic(err)
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// systemCtx makes ctx act for the system (gateway callbacks and jobs) while
// keeping the request's IP and id for the audit trail.
func systemCtx(ctx context.Context) context.Context {
	a := app.System
	if cur, ok := app.ActorFrom(ctx); ok {
		a.IP, a.RequestID = cur.IP, cur.RequestID
	}
	return app.WithActor(ctx, a)
}

// truncate cuts s to at most n bytes on a rune boundary, to fit a column.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func fmtYuan(fen int64) string { return app.FormatYuan(fen) }
