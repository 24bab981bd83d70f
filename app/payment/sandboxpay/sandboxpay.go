// Package sandboxpay is a payment gateway that needs no outside account, so
// the product runs end to end in development, demos and tests. It keeps its
// trades and refunds in the HQ schema (sandbox_trades, sandbox_refunds), has
// a pay page served by our own server (/sandbox/pay/{out_trade_no}, never in
// production), and completes a payment the way a real provider does: it
// POSTs a notification to the notify URL it was given, over HTTP, signed
// with HMAC-SHA256 under the sandbox key over "timestamp\nnonce\nbody"
// (X-Sandbox-Timestamp, X-Sandbox-Nonce, X-Sandbox-Signature). VerifyNotify
// checks the signature and a five-minute window exactly as the real
// adapters do, so the notification takes the very path a provider's would.
//
// It implements payment.Gateway and imports app, app/payment, tenants and
// gorm.
package sandboxpay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/payment"
	"doorstep/tenants"
)

// Name is the method name of the sandbox.
const Name = "sandbox"

// AppID is the account every sandbox notification is addressed to.
const AppID = "doorstep-sandbox"

// Window is how far a notification's timestamp may be from our clock.
const Window = 5 * time.Minute

// Headers of a signed notification.
const (
	HeaderTimestamp = "X-Sandbox-Timestamp"
	HeaderNonce     = "X-Sandbox-Nonce"
	HeaderSignature = "X-Sandbox-Signature"
)

// Trade statuses.
const (
	StatusPending = "pending"
	StatusPaid    = "paid"
	StatusClosed  = "closed"
)

// Config is the sandbox's account.
type Config struct {
	Key        string // signs notifications; dev-only
	PublicURL  string // base of pay page links; UseBaseURL may change it later
	HTTPClient *http.Client
	Now        func() time.Time // time.Now when nil
	Log        *slog.Logger
}

// Gateway is the sandbox payment.Gateway.
type Gateway struct {
	reg    *tenants.Registry
	key    []byte
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	base   atomic.Pointer[string]
}

var _ payment.Gateway = (*Gateway)(nil)

// New builds the sandbox over the HQ schema of reg.
func New(reg *tenants.Registry, cfg Config) (*Gateway, error) {
	if len(cfg.Key) < 16 {
		return nil, errors.New("sandboxpay: the key must be at least 16 characters")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	g := &Gateway{reg: reg, key: []byte(cfg.Key), client: cfg.HTTPClient, now: cfg.Now, log: cfg.Log}
	g.UseBaseURL(cfg.PublicURL)
	return g, nil
}

// UseBaseURL changes the base of pay page links.
func (g *Gateway) UseBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	g.base.Store(&u)
}

// PayURL is the pay page of a trade.
func (g *Gateway) PayURL(outTradeNo string) string {
	return *g.base.Load() + "/sandbox/pay/" + outTradeNo
}

// Name implements payment.Gateway.
func (g *Gateway) Name() string { return Name }

// Trade is one sandbox payment.
type Trade struct {
	ID         int64      `json:"-" gorm:"primaryKey"`
	OutTradeNo string     `json:"out_trade_no"`
	TradeNo    string     `json:"trade_no"`
	City       string     `json:"city"`
	Subject    string     `json:"subject"`
	AmountFen  int64      `json:"amount_fen"`
	NotifyURL  string     `json:"-"`
	ReturnURL  string     `json:"return_url,omitempty"`
	Status     string     `json:"status"`
	ExpiresAt  *time.Time `json:"expires_at"`
	CreatedAt  time.Time  `json:"created_at"`
	PaidAt     *time.Time `json:"paid_at"`
}

// Refund is one sandbox refund.
type Refund struct {
	ID          int64      `gorm:"primaryKey"`
	OutRefundNo string     //
	RefundID    string     //
	OutTradeNo  string     //
	AmountFen   int64      //
	Reason      string     //
	Status      string     // always succeeded: the sandbox refunds at once
	CreatedAt   time.Time  //
	CompletedAt *time.Time //
}

func (g *Gateway) trades(ctx context.Context) *gorm.DB {
	return g.reg.HQ(ctx).Table(g.reg.HQTable("sandbox_trades"))
}

func (g *Gateway) refunds(ctx context.Context) *gorm.DB {
	return g.reg.HQ(ctx).Table(g.reg.HQTable("sandbox_refunds"))
}

// Errors of the sandbox.
var (
	ErrNoTrade     = app.E(app.KindNotFound, "sandbox_trade_not_found", "no such sandbox trade")
	ErrTradeClosed = app.E(app.KindConflict, "sandbox_trade_closed", "this sandbox trade is closed or expired and cannot be paid")
)

// Create implements payment.Gateway: it records the trade and answers the
// pay page's URL. Asked again for the same out_trade_no and amount it
// answers the same trade, as the real providers do.
func (g *Gateway) Create(ctx context.Context, req payment.CreateRequest) (payment.CreateResult, error) {
	if req.OutTradeNo == "" || len(req.OutTradeNo) > 64 {
		return payment.CreateResult{}, app.Invalid("out_trade_no", "required, at most 64 characters")
	}
	if req.AmountFen <= 0 {
		return payment.CreateResult{}, app.Invalid("amount_fen", "must be positive")
	}
	if req.NotifyURL == "" {
		return payment.CreateResult{}, app.Invalid("notify_url", "required")
	}
	city := ""
	if c, ok := tenants.CityFrom(ctx); ok {
		city = c.Code
	}
	now := g.now().UTC()
	t := Trade{OutTradeNo: req.OutTradeNo, TradeNo: tradeNo(now), City: city, Subject: clip(req.Subject, 255), AmountFen: req.AmountFen,
		NotifyURL: req.NotifyURL, ReturnURL: req.ReturnURL, Status: StatusPending, CreatedAt: now}
	if !req.ExpireAt.IsZero() {
		e := req.ExpireAt.UTC()
		t.ExpiresAt = &e
	}
	if err := g.trades(ctx).Create(&t).Error; err != nil {
		if !tenants.IsDuplicate(err) {
			return payment.CreateResult{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox create: %w", err))
		}
		old, err := g.Trade(ctx, req.OutTradeNo)
		if err != nil {
			return payment.CreateResult{}, payment.ErrGateway.Wrap(err)
		}
		if old.AmountFen != req.AmountFen {
			return payment.CreateResult{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox: out_trade_no %s was created for %d fen", req.OutTradeNo, old.AmountFen))
		}
		// As Alipay's page pay does, the latest request says where the payer
		// goes back to.
		if req.ReturnURL != "" && req.ReturnURL != old.ReturnURL {
			if err := g.trades(ctx).Where("id = ?", old.ID).Update("return_url", req.ReturnURL).Error; err != nil {
				return payment.CreateResult{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox: return url of %s: %w", req.OutTradeNo, err))
			}
		}
	}
	return payment.CreateResult{PayURL: g.PayURL(req.OutTradeNo)}, nil
}

// Trade reads a trade; an unpaid one past its expiry reads as closed.
func (g *Gateway) Trade(ctx context.Context, outTradeNo string) (Trade, error) {
	var t Trade
	err := g.trades(ctx).Where("out_trade_no = ?", outTradeNo).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Trade{}, ErrNoTrade
	}
	if err != nil {
		return Trade{}, err
	}
	if t.Status == StatusPending && t.ExpiresAt != nil && !g.now().Before(*t.ExpiresAt) {
		t.Status = StatusClosed
	}
	return t, nil
}

// MarkPaid is the payer paying: the trade becomes paid (once; paying a paid
// trade again changes nothing). It sends no notification; Pay does.
func (g *Gateway) MarkPaid(ctx context.Context, outTradeNo string) (Trade, error) {
	t, err := g.Trade(ctx, outTradeNo)
	if err != nil {
		return Trade{}, err
	}
	switch t.Status {
	case StatusPaid:
		return t, nil
	case StatusClosed:
		return Trade{}, ErrTradeClosed
	}
	now := g.now().UTC()
	res := g.trades(ctx).Where("id = ? AND status = ?", t.ID, StatusPending).Updates(map[string]any{"status": StatusPaid, "paid_at": now})
	if res.Error != nil {
		return Trade{}, res.Error
	}
	return g.Trade(ctx, outTradeNo)
}

// Paid is what Pay did: the trade, and whether our server took the
// notification (its answer when it did not).
type Paid struct {
	Trade    Trade  `json:"trade"`
	Notified bool   `json:"notified"`
	Answer   string `json:"answer,omitempty"`
}

// notifyTries is how often Pay posts a notification before leaving the
// rest to the next Pay (a real provider keeps retrying for hours).
const notifyTries = 3

// Pay marks the trade paid and posts the signed notification to its notify
// URL, as the provider's servers would. Paying a paid trade again posts the
// notification again: that is how the sandbox retries.
func (g *Gateway) Pay(ctx context.Context, outTradeNo string) (Paid, error) {
	t, err := g.MarkPaid(ctx, outTradeNo)
	if err != nil {
		return Paid{}, err
	}
	h, body, err := g.Notification(ctx, outTradeNo)
	if err != nil {
		return Paid{}, err
	}
	out := Paid{Trade: t}
	for try := 1; try <= notifyTries; try++ {
		ok, answer, err := g.post(ctx, t.NotifyURL, h, body)
		if ok {
			out.Notified, out.Answer = true, ""
			return out, nil
		}
		out.Answer = answer
		if err != nil {
			out.Answer = err.Error()
		}
		g.log.WarnContext(ctx, "sandbox notification not taken", "out_trade_no", outTradeNo, "try", try, "answer", clip(out.Answer, 200))
		if try < notifyTries {
			select {
			case <-ctx.Done():
				return out, nil
			case <-time.After(time.Duration(try) * 200 * time.Millisecond):
			}
		}
	}
	return out, nil
}

func (g *Gateway) post(ctx context.Context, url string, h http.Header, body []byte) (bool, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, "", err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var a struct {
		Code string `json:"code"`
	}
	ok := resp.StatusCode == http.StatusOK && json.Unmarshal(b, &a) == nil && a.Code == "SUCCESS"
	return ok, fmt.Sprintf("HTTP %d %s", resp.StatusCode, b), nil
}

// Notice is the body of a sandbox notification.
type Notice struct {
	ID          string    `json:"id"`    // the same for every retry of one event
	Event       string    `json:"event"` // "trade.paid"
	AppID       string    `json:"app_id"`
	OutTradeNo  string    `json:"out_trade_no"`
	TradeNo     string    `json:"trade_no"`
	OutRefundNo string    `json:"out_refund_no,omitempty"`
	RefundID    string    `json:"refund_id,omitempty"`
	AmountFen   int64     `json:"amount_fen"`
	Status      string    `json:"status"`
	At          time.Time `json:"at"`
}

// EventPaid is the event of a paid trade.
const EventPaid = "trade.paid"

// Notification is the signed notification of a paid trade, as Pay posts it.
func (g *Gateway) Notification(ctx context.Context, outTradeNo string) (http.Header, []byte, error) {
	t, err := g.Trade(ctx, outTradeNo)
	if err != nil {
		return nil, nil, err
	}
	if t.Status != StatusPaid || t.PaidAt == nil {
		return nil, nil, fmt.Errorf("sandbox: trade %s is not paid", outTradeNo)
	}
	body, err := json.Marshal(Notice{ID: "EV" + t.TradeNo, Event: EventPaid, AppID: AppID, OutTradeNo: t.OutTradeNo, TradeNo: t.TradeNo,
		AmountFen: t.AmountFen, Status: StatusPaid, At: t.PaidAt.UTC()})
	if err != nil {
		return nil, nil, err
	}
	return SignedHeaders(g.key, g.now(), body), body, nil
}

// Sign is the notification signature: base64 HMAC-SHA256 under key over
// "timestamp\nnonce\nbody".
func Sign(key []byte, timestamp, nonce string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp + "\n" + nonce + "\n"))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignedHeaders are the headers of a notification signed at a time.
func SignedHeaders(key []byte, at time.Time, body []byte) http.Header {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		panic(err)
	}
	ts, nonce := strconv.FormatInt(at.Unix(), 10), hex.EncodeToString(n[:])
	return http.Header{
		"Content-Type":  {"application/json"},
		HeaderTimestamp: {ts},
		HeaderNonce:     {nonce},
		HeaderSignature: {Sign(key, ts, nonce, body)},
	}
}

// VerifyNotify implements payment.Gateway: the signature, the time window,
// then the account the notification is addressed to.
func (g *Gateway) VerifyNotify(ctx context.Context, h http.Header, body []byte) (payment.Notification, error) {
	ts, nonce, sig := h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature)
	if ts == "" || nonce == "" || sig == "" {
		return payment.Notification{}, payment.ErrBadSignature.Wrap(errors.New("sandbox notify: signature headers missing"))
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(g.key, ts, nonce, body))) {
		return payment.Notification{}, payment.ErrBadSignature.Wrap(errors.New("sandbox notify: signature does not verify"))
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return payment.Notification{}, payment.ErrBadSignature.Wrap(fmt.Errorf("sandbox notify: timestamp %q", ts))
	}
	if skew := g.now().Sub(time.Unix(sec, 0)); skew > Window || skew < -Window {
		return payment.Notification{}, payment.ErrStale.Wrap(fmt.Errorf("sandbox notify: signed %s from now", skew.Round(time.Second)))
	}
	var n Notice
	if err := json.Unmarshal(body, &n); err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox notify: %w", err))
	}
	if n.AppID != AppID {
		return payment.Notification{}, payment.ErrWrongAccount.Wrap(fmt.Errorf("sandbox notify: app_id %q", n.AppID))
	}
	if n.Event != EventPaid || n.Status != StatusPaid {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox notify: event %q status %q", n.Event, n.Status))
	}
	return payment.Notification{Kind: payment.NotifyPaid, OutTradeNo: n.OutTradeNo, ProviderID: n.TradeNo, AmountFen: n.AmountFen,
		AppID: n.AppID, PaidAt: n.At, Raw: n.Status, EventID: n.ID}, nil
}

// Ack implements payment.Gateway.
func (g *Gateway) Ack(ok bool) (int, string, []byte) {
	if ok {
		return http.StatusOK, "application/json", []byte(`{"code":"SUCCESS"}`)
	}
	return http.StatusBadRequest, "application/json", []byte(`{"code":"FAIL"}`)
}

// Query implements payment.Gateway.
func (g *Gateway) Query(ctx context.Context, outTradeNo string) (payment.Notification, error) {
	t, err := g.Trade(ctx, outTradeNo)
	if errors.Is(err, ErrNoTrade) {
		return payment.Notification{Kind: payment.NotifyNotFound, OutTradeNo: outTradeNo, AppID: AppID}, nil
	}
	if err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(err)
	}
	n := payment.Notification{OutTradeNo: t.OutTradeNo, ProviderID: t.TradeNo, AmountFen: t.AmountFen, AppID: AppID, Raw: t.Status}
	switch t.Status {
	case StatusPaid:
		n.Kind = payment.NotifyPaid
		if t.PaidAt != nil {
			n.PaidAt = *t.PaidAt
		}
	case StatusClosed:
		n.Kind = payment.NotifyClosed
	default:
		n.Kind = payment.NotifyPending
	}
	return n, nil
}

// Refund implements payment.Gateway: the sandbox refunds at once, once per
// out_refund_no, never more than the trade's amount in all.
func (g *Gateway) Refund(ctx context.Context, req payment.RefundRequest) (payment.RefundResult, error) {
	if req.OutRefundNo == "" {
		return payment.RefundResult{}, app.Invalid("out_refund_no", "required")
	}
	if req.RefundFen <= 0 {
		return payment.RefundResult{}, app.Invalid("refund_fen", "must be positive")
	}
	if old, err := g.refund(ctx, req.OutRefundNo); err == nil {
		if old.OutTradeNo != req.OutTradeNo || old.AmountFen != req.RefundFen {
			return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox: out_refund_no %s was used for another refund", req.OutRefundNo))
		}
		return refundResult(old), nil
	} else if !errors.Is(err, gorm.ErrRecordNotFound) {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(err)
	}
	var out Refund
	err := g.reg.HQTx(ctx, func(ctx context.Context) error {
		var t Trade
		if err := g.trades(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("out_trade_no = ?", req.OutTradeNo).Take(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("sandbox refund: no trade %s", req.OutTradeNo)
			}
			return err
		}
		if t.Status != StatusPaid {
			return fmt.Errorf("sandbox refund: trade %s is not paid", req.OutTradeNo)
		}
		if req.TotalFen != 0 && req.TotalFen != t.AmountFen {
			return fmt.Errorf("sandbox refund: total %d fen, the trade is %d fen", req.TotalFen, t.AmountFen)
		}
		var refunded int64
		if err := g.refunds(ctx).Where("out_trade_no = ?", t.OutTradeNo).Select("COALESCE(SUM(amount_fen), 0)").Scan(&refunded).Error; err != nil {
			return err
		}
		if refunded+req.RefundFen > t.AmountFen {
			return fmt.Errorf("sandbox refund: %d fen more would exceed the trade's %d fen (%d refunded)", req.RefundFen, t.AmountFen, refunded)
		}
		now := g.now().UTC()
		out = Refund{OutRefundNo: req.OutRefundNo, RefundID: "SR" + tradeNo(now)[2:], OutTradeNo: t.OutTradeNo, AmountFen: req.RefundFen,
			Reason: clip(req.Reason, 255), Status: "succeeded", CreatedAt: now, CompletedAt: &now}
		return g.refunds(ctx).Create(&out).Error
	})
	if err != nil {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(err)
	}
	return refundResult(out), nil
}

func (g *Gateway) refund(ctx context.Context, outRefundNo string) (Refund, error) {
	var r Refund
	err := g.refunds(ctx).Where("out_refund_no = ?", outRefundNo).Take(&r).Error
	return r, err
}

func refundResult(r Refund) payment.RefundResult {
	res := payment.RefundResult{Status: payment.RefundSucceeded, ProviderID: r.RefundID, RefundFen: r.AmountFen, Raw: r.Status}
	if r.CompletedAt != nil {
		res.CompletedAt = *r.CompletedAt
	}
	return res
}

// QueryRefund implements payment.Gateway.
func (g *Gateway) QueryRefund(ctx context.Context, outTradeNo, outRefundNo string) (payment.RefundResult, error) {
	r, err := g.refund(ctx, outRefundNo)
	if err != nil {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox refund query %s: %w", outRefundNo, err))
	}
	if r.OutTradeNo != outTradeNo {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("sandbox: refund %s belongs to %s, not %s", outRefundNo, r.OutTradeNo, outTradeNo))
	}
	return refundResult(r), nil
}

// Bill implements payment.Gateway: the trades paid and the refunds made on
// one day in Asia/Shanghai.
func (g *Gateway) Bill(ctx context.Context, day time.Time) ([]payment.BillLine, error) {
	y, m, d := day.In(payment.Shanghai).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, payment.Shanghai).UTC()
	to := from.Add(24 * time.Hour)
	var trades []Trade
	if err := g.trades(ctx).Where("status = ? AND paid_at >= ? AND paid_at < ?", StatusPaid, from, to).Order("paid_at, id").Find(&trades).Error; err != nil {
		return nil, payment.ErrGateway.Wrap(err)
	}
	var refunds []Refund
	if err := g.refunds(ctx).Where("completed_at >= ? AND completed_at < ?", from, to).Order("completed_at, id").Find(&refunds).Error; err != nil {
		return nil, payment.ErrGateway.Wrap(err)
	}
	out := make([]payment.BillLine, 0, len(trades)+len(refunds))
	for _, t := range trades {
		out = append(out, payment.BillLine{Kind: "payment", OutTradeNo: t.OutTradeNo, ProviderID: t.TradeNo, AmountFen: t.AmountFen, At: t.PaidAt.In(payment.Shanghai)})
	}
	for _, r := range refunds {
		out = append(out, payment.BillLine{Kind: "refund", OutTradeNo: r.OutTradeNo, OutRefundNo: r.OutRefundNo, ProviderID: r.RefundID,
			AmountFen: r.AmountFen, At: r.CompletedAt.In(payment.Shanghai)})
	}
	return out, nil
}

// tradeNo is the sandbox's own transaction number.
func tradeNo(now time.Time) string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "SB" + now.In(payment.Shanghai).Format("20060102150405") + strings.ToUpper(hex.EncodeToString(b[:]))
}

// clip cuts s to at most n bytes on a rune boundary (subjects are Chinese).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
