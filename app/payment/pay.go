package payment

import (
	"context"
	"errors"
	"fmt"
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

// Pay starts paying what an order owes now through a method: it records a
// pending payment (or hands back the pending one for the same amount) and
// registers it with the provider, outside any transaction. Only the order's
// customer may pay it.
func (s *Service) Pay(ctx context.Context, orderID int64, method, clientIP string) (PayResult, error) {
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
	if reused && (p.PayURL != "" || p.QRCode != "") {
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
