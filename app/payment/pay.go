package payment

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/tenants"
)

// PayResult is what the payer's client needs to pay.
type PayResult struct {
	PaymentNo string    `json:"payment_no"`
	Method    string    `json:"method"`
	Kind      string    `json:"kind" doc:"deposit, full or balance"`
	AmountFen int64     `json:"amount_fen"`
	PayURL    string    `json:"pay_url,omitempty" doc:"page to open (Alipay, sandbox)"`
	QRCode    string    `json:"qr_code,omitempty" doc:"text of a QR code to show (WeChat Pay)"`
	ExpiresAt time.Time `json:"expires_at"`
	// Reused says an earlier pending payment for the same amount was
	// handed back instead of a new one.
	Reused bool `json:"reused"`
}

// reuseMargin keeps a payment about to expire from being handed out again:
// the payer needs some time to pay it.
const reuseMargin = time.Minute

var kindLabel = map[string]string{KindDeposit: "定金", KindFull: "全款", KindBalance: "尾款"}

// PayRequest is how the payer wants to pay.
type PayRequest struct {
	Method   string
	ClientIP string
	// ReturnURL is where the payer's browser goes after paying on a
	// provider's page (Alipay, the sandbox); "" for none. Only http(s) URLs
	// on our own origin (Config.PublicURL) or an allowed one
	// (Config.ReturnOrigins) are taken: anything else would make the
	// cashier an open redirect.
	ReturnURL string
}

// Pay starts paying what an order owes now through a method, with no
// return URL.
func (s *Service) Pay(ctx context.Context, orderID int64, method, clientIP string) (PayResult, error) {
	return s.PayOrder(ctx, orderID, PayRequest{Method: method, ClientIP: clientIP})
}

// PayOrder starts paying what an order owes now: it records a pending
// payment (or hands back the pending one for the same amount) and registers
// it with the provider, outside any transaction. Only the order's customer
// may pay it. A pending payment handed back with a page to open is
// registered again when a return URL is given (providers answer a repeated
// trade number with the same trade), so its page leads back where this
// request asks.
func (s *Service) PayOrder(ctx context.Context, orderID int64, in PayRequest) (PayResult, error) {
	method, clientIP := in.Method, in.ClientIP
	returnURL, err := s.CheckReturnURL(in.ReturnURL)
	if err != nil {
		return PayResult{}, err
	}
	a, err := app.MustActor(ctx)
	if err != nil {
		return PayResult{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return PayResult{}, err
	}
	g, ok := s.gateways[method]
	if !ok {
		return PayResult{}, ErrMethodUnavailable.WithMessage("payment method %q is not available here; use one of %v", method, s.Methods())
	}
	orders, err := s.ordersSide()
	if err != nil {
		return PayResult{}, err
	}
	o, err := readOrderRef(ctx, orderID)
	if isNotFound(err) || (err == nil && o.CustomerID != a.AccountID) {
		return PayResult{}, ErrOrderNotFound
	}
	if err != nil {
		return PayResult{}, err
	}

	var p Payment
	reused := false
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		reused = false
		// The order's row lock makes two pay requests for one order take
		// turns, so the second finds the first one's payment.
		if err := lockOrder(ctx, orderID); err != nil {
			return err
		}
		kind, amount, err := orders.PayableNow(ctx, orderID)
		if err != nil {
			return err
		}
		if amount <= 0 {
			return ErrNothingToPay
		}
		now := time.Now().UTC()
		err = tenants.DB(ctx).Where("order_id = ? AND status = ? AND kind = ? AND amount_fen = ? AND method = ? AND expires_at > ?",
			orderID, StatusPending, kind, amount, method, now.Add(reuseMargin)).Order("id DESC").Take(&p).Error
		if err == nil {
			reused = true
			return nil
		}
		if !isNotFound(err) {
			return err
		}
		expires := now.Add(s.cfg.Timeout)
		if o.PayDeadline != nil && kind != KindBalance && o.PayDeadline.After(now) && o.PayDeadline.Before(expires) {
			expires = o.PayDeadline.UTC()
		}
		p = Payment{PaymentNo: newNumber("P", c, now), OrderID: orderID, CustomerID: a.AccountID, Kind: kind, Method: method,
			AmountFen: amount, Status: StatusPending, ExpiresAt: expires, CreatedAt: now, UpdatedAt: now}
		return tenants.DB(ctx).Create(&p).Error
	})
	if err != nil {
		return PayResult{}, err
	}
	res := PayResult{PaymentNo: p.PaymentNo, Method: p.Method, Kind: p.Kind, AmountFen: p.AmountFen, PayURL: p.PayURL, QRCode: p.QRCode,
		ExpiresAt: p.ExpiresAt, Reused: reused}
	if reused && (p.QRCode != "" || (p.PayURL != "" && returnURL == "")) {
		return res, nil
	}
	// A reused payment without pay details is one whose creation is still
	// under way in another request (or failed half-way): every provider
	// answers a repeated out_trade_no with the same trade, so asking again
	// is safe.
	cr, err := g.Create(ctx, CreateRequest{
		OutTradeNo:  p.PaymentNo,
		AmountFen:   p.AmountFen,
		Subject:     truncate(o.Title, 100) + " - " + kindLabel[p.Kind],
		Description: fmt.Sprintf("订单 %s", o.OrderNo),
		NotifyURL:   s.NotifyURL(method, c.Code),
		ReturnURL:   returnURL,
		ClientIP:    clientIP,
		ExpireAt:    p.ExpiresAt,
	})
	if err != nil {
		if !reused {
			// Never hand this payment out again: the payer never saw it. (Should
			// the provider have taken it after all, a notification still
			// finds it and books it.)
			_ = tenants.DB(ctx).Model(&Payment{}).Where("id = ? AND status = ?", p.ID, StatusPending).
				Updates(map[string]any{"status": StatusFailed, "updated_at": time.Now().UTC()}).Error
		}
		s.log.WarnContext(ctx, "payment create failed", "method", method, "payment_no", p.PaymentNo, "err", err)
		var ae *app.Error
		if errors.As(err, &ae) && ae.Kind == app.KindUnavailable {
			return PayResult{}, err
		}
		return PayResult{}, ErrGateway.Wrap(err)
	}
	if err := tenants.DB(ctx).Model(&Payment{}).Where("id = ?", p.ID).
		Updates(map[string]any{"pay_url": cr.PayURL, "qr_code": cr.QRCode, "updated_at": time.Now().UTC()}).Error; err != nil {
		return PayResult{}, fmt.Errorf("store pay details of %s: %w", p.PaymentNo, err)
	}
	res.PayURL, res.QRCode = cr.PayURL, cr.QRCode
	return res, nil
}

// CheckReturnURL answers the return URL to hand a provider ("" for none),
// or a 400 for anything but an absolute http(s) URL without user info whose
// origin is ours (Config.PublicURL, or the base the listener got) or one of
// Config.ReturnOrigins.
func (s *Service) CheckReturnURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	bad := app.Invalid("return_url", "an http(s) URL of this site (or of an origin allowed in payment.return_origins)")
	if len(raw) > 512 || strings.ContainsAny(raw, "\\") || strings.IndexFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "", bad
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", bad
	}
	o, ok := origin(u)
	if !ok {
		return "", bad
	}
	allowed := append([]string{s.cfg.PublicURL, *s.base.Load()}, s.cfg.ReturnOrigins...)
	for _, a := range allowed {
		if au, err := url.Parse(strings.TrimSpace(a)); err == nil {
			if ao, ok := origin(au); ok && ao == o {
				return u.String(), nil
			}
		}
	}
	return "", bad
}

// origin is a URL's scheme, host and port ("https://shop.example.com:443"),
// default ports spelled out; ok is false for anything but http(s) with a
// host.
func origin(u *url.URL) (string, bool) {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if (scheme != "http" && scheme != "https") || host == "" {
		return "", false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(host, port), true
}

// lockOrder takes the order's row lock for the rest of the transaction.
// Every path that touches an order's payments takes it first, in the same
// order as booking (order, then payments, then refunds), so they queue
// instead of deadlocking.
func lockOrder(ctx context.Context, orderID int64) error {
	var id int64
	err := tenants.DB(ctx).Raw("SELECT id FROM "+tenants.Table(ctx, "orders")+" WHERE id = ? FOR UPDATE", orderID).Scan(&id).Error
	if err != nil {
		return fmt.Errorf("lock order %d: %w", orderID, err)
	}
	if id == 0 {
		return ErrOrderNotFound
	}
	return nil
}
