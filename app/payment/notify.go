package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/tenants"
)

// Answer is what goes back to the provider that posted a notification, in
// its own protocol (Gateway.Ack).
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

func ack(g Gateway, ok bool) Answer {
	st, ct, b := g.Ack(ok)
	return Answer{Status: st, ContentType: ct, Body: b}
}

// rejection is a notification we refuse and change nothing for: forged,
// stale, for another account, for an unknown payment or the wrong amount.
type rejection struct {
	reason string
	cause  error
}

func (r *rejection) Error() string {
	if r.cause != nil {
		return "notification rejected: " + r.reason + ": " + r.cause.Error()
	}
	return "notification rejected: " + r.reason
}

func (r *rejection) Unwrap() error { return r.cause }

func reject(reason string, cause error) error { return &rejection{reason: reason, cause: cause} }

// verifyReason names why an adapter refused a notification.
func verifyReason(err error) string {
	switch {
	case errors.Is(err, ErrStale):
		return "stale"
	case errors.Is(err, ErrWrongAccount):
		return "wrong_account"
	case errors.Is(err, ErrBadSignature):
		return "bad_signature"
	}
	return "unverifiable"
}

// Notify handles one asynchronous notification from a provider for ctx's
// city: the adapter verifies it (signature, time window, our app or
// merchant id), then the payment or refund it names must be ours, by the
// same method, for exactly our amount. Only then does one transaction change
// anything. The answer is the provider's success only after that commit;
// anything refused is answered with failure, audited, and changes nothing.
// A repeat of a notification already applied changes nothing and succeeds.
func (s *Service) Notify(ctx context.Context, method string, h http.Header, body []byte) (Answer, error) {
	g, ok := s.gateways[method]
	if !ok {
		return Answer{}, ErrUnknownMethod
	}
	ctx = systemCtx(ctx)
	n, err := g.VerifyNotify(ctx, h, body)
	if err != nil {
		s.rejected(ctx, method, n, verifyReason(err), err)
		return ack(g, false), nil
	}
	switch n.Kind {
	case NotifyPaid:
		_, err = s.settlePaid(ctx, g, n, n.EventID)
	case NotifyRefund:
		err = s.settleRefundNotice(ctx, g, n)
	case NotifyClosed:
		err = s.closePayment(ctx, g, n)
	case NotifyPending:
		_, err = s.ownPayment(ctx, g, n)
	default:
		err = reject("unknown_kind", fmt.Errorf("notification kind %q", n.Kind))
	}
	var rj *rejection
	if errors.As(err, &rj) {
		s.rejected(ctx, method, n, rj.reason, rj.cause)
		return ack(g, false), nil
	}
	if err != nil {
		// Ours to fix (database, orders side): the provider retries.
		s.log.ErrorContext(ctx, "payment notification failed", "method", method, "out_trade_no", n.OutTradeNo, "err", err)
		return ack(g, false), nil
	}
	return ack(g, true), nil
}

// RejectNotify answers failure to a notification that cannot even be read,
// such as one for a city we do not know, and audits it.
func (s *Service) RejectNotify(ctx context.Context, method, reason string) (Answer, error) {
	g, ok := s.gateways[method]
	if !ok {
		return Answer{}, ErrUnknownMethod
	}
	ctx = systemCtx(ctx)
	s.rejected(ctx, method, Notification{}, reason, nil)
	return ack(g, false), nil
}

func (s *Service) rejected(ctx context.Context, method string, n Notification, reason string, cause error) {
	detail := map[string]any{"method": method, "reason": reason}
	if n.AmountFen != 0 {
		detail["amount_fen"] = n.AmountFen
	}
	if n.OutRefundNo != "" {
		detail["out_refund_no"] = n.OutRefundNo
	}
	if cause != nil {
		detail["error"] = truncate(cause.Error(), 300)
	}
	s.log.WarnContext(ctx, "payment notification rejected", "method", method, "reason", reason, "out_trade_no", n.OutTradeNo)
	s.audit.Record(ctx, "payment.notify_rejected", "payment", n.OutTradeNo, "denied", detail)
}

// ownPayment finds the payment a verified notification names and checks it
// is one of ours for this gateway.
func (s *Service) ownPayment(ctx context.Context, g Gateway, n Notification) (Payment, error) {
	if n.OutTradeNo == "" {
		return Payment{}, reject("unknown_payment", errors.New("no out_trade_no"))
	}
	p, err := s.PaymentByNo(ctx, n.OutTradeNo)
	if isNotFound(err) {
		return Payment{}, reject("unknown_payment", nil)
	}
	if err != nil {
		return Payment{}, err
	}
	if p.Method != g.Name() {
		return Payment{}, reject("wrong_method", fmt.Errorf("payment %s is a %s payment", p.PaymentNo, p.Method))
	}
	return p, nil
}

// settlePaid applies a verified "paid" statement (a notification, or the
// provider's answer to a query): in one transaction it marks the payment
// paid, records the notice and hands the money to the order; an order that
// no longer takes it (cancelled, expired) gets it back by an automatic
// refund in the same transaction. It reports what happened ("" when the
// payment was already paid: nothing changed).
func (s *Service) settlePaid(ctx context.Context, g Gateway, n Notification, eventKey string) (string, error) {
	p, err := s.ownPayment(ctx, g, n)
	if err != nil {
		return "", err
	}
	if n.AmountFen != p.AmountFen {
		return "", reject("amount_mismatch", fmt.Errorf("paid %d fen, payment %s is %d fen", n.AmountFen, p.PaymentNo, p.AmountFen))
	}
	orders, err := s.ordersSide()
	if err != nil {
		return "", err
	}
	if eventKey == "" {
		eventKey = "paid:" + p.PaymentNo
	}
	var outcome string
	var refund Refund
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		outcome, refund = "", Refund{}
		if err := lockOrder(ctx, p.OrderID); err != nil {
			return err
		}
		var cur Payment
		if err := forUpdate(ctx).Take(&cur, p.ID).Error; err != nil {
			return err
		}
		if cur.Status == StatusPaid {
			return nil
		}
		now := time.Now().UTC()
		paidAt := n.PaidAt.UTC()
		if n.PaidAt.IsZero() {
			paidAt = now
		}
		cur.Status, cur.ProviderTxnID, cur.PaidAt, cur.UpdatedAt = StatusPaid, truncate(n.ProviderID, 64), &paidAt, now
		if err := tenants.DB(ctx).Model(&Payment{}).Where("id = ?", cur.ID).Updates(map[string]any{
			"status": StatusPaid, "provider_txn_id": cur.ProviderTxnID, "paid_at": paidAt, "updated_at": now}).Error; err != nil {
			return err
		}
		// Booked before the order takes it: a balance payment completes the
		// order, and completion releases what the order holds.
		if err := s.book().PaymentReceived(ctx, cur); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		accepted, err := orders.ApplyPayment(ctx, cur.OrderID, cur.ID, cur.Kind, cur.AmountFen)
		source := SourceLatePayment
		if errors.Is(err, errOrderAmountMismatch) {
			// The order now asks for another amount than this payment was
			// made for: it cannot take it, and refusing the notification
			// would only make the provider retry for days. The money goes
			// back like a late payment's.
			s.log.WarnContext(ctx, "payment does not match what its order asks for; refunding it", "payment_no", cur.PaymentNo, "err", err)
			accepted, err, source = false, nil, SourceUnmatchedPayment
		}
		if err != nil {
			return fmt.Errorf("apply payment %s to order %d: %w", cur.PaymentNo, cur.OrderID, err)
		}
		outcome = OutcomeApplied
		if !accepted {
			outcome = OutcomeLateRefund
			if refund, err = s.refundPayment(ctx, cur, cur.AmountFen, "订单已关闭，款项原路退回", source); err != nil {
				return err
			}
			if err := s.book().PaymentReturned(ctx, cur, refund); err != nil {
				return fmt.Errorf("ledger: %w", err)
			}
			o, err := readOrderRef(ctx, cur.OrderID)
			if err != nil {
				return err
			}
			if err := s.tell.Tell(ctx, o.CustomerID, "payment_late_refund", map[string]string{"order_no": o.OrderNo, "amount": fmtYuan(cur.AmountFen)},
				map[string]string{"order_id": fmt.Sprint(o.ID), "order_no": o.OrderNo}, cur.PaymentNo); err != nil {
				return err
			}
		}
		notice := Notice{Method: g.Name(), EventKey: truncate(eventKey, 128), PaymentNo: cur.PaymentNo, Kind: string(NotifyPaid),
			AmountFen: n.AmountFen, Outcome: outcome, ReceivedAt: now}
		if err := tenants.DB(ctx).Create(&notice).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return errAlreadySeen
			}
			return err
		}
		return nil
	})
	if errors.Is(err, errAlreadySeen) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if outcome != "" {
		s.audit.Record(ctx, "payment.paid", "payment", p.PaymentNo, "ok",
			map[string]any{"order_id": p.OrderID, "method": p.Method, "kind": p.Kind, "amount_fen": p.AmountFen, "outcome": outcome, "refund_id": refund.ID})
	}
	return outcome, nil
}

// errOrderAmountMismatch matches booking's ErrAmountMismatch by its code.
var errOrderAmountMismatch = app.E(app.KindUnprocessable, "amount_mismatch", "the amount paid is not what the order asks for")

// errAlreadySeen rolls back a transaction for a notice recorded before.
var errAlreadySeen = errors.New("notice seen before")

// closePayment records that the provider closed an unpaid payment.
func (s *Service) closePayment(ctx context.Context, g Gateway, n Notification) error {
	p, err := s.ownPayment(ctx, g, n)
	if err != nil {
		return err
	}
	return tenants.WithTx(ctx, func(ctx context.Context) error {
		now := time.Now().UTC()
		res := tenants.DB(ctx).Model(&Payment{}).Where("id = ? AND status = ?", p.ID, StatusPending).
			Updates(map[string]any{"status": StatusClosed, "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		key := n.EventID
		if key == "" {
			key = "closed:" + p.PaymentNo
		}
		return tenants.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&Notice{Method: g.Name(), EventKey: truncate(key, 128),
			PaymentNo: p.PaymentNo, Kind: string(NotifyClosed), Outcome: OutcomeClosed, ReceivedAt: now}).Error
	})
}

// settleRefundNotice applies a verified "refund succeeded" notification.
func (s *Service) settleRefundNotice(ctx context.Context, g Gateway, n Notification) error {
	var r Refund
	err := tenants.DB(ctx).Where("refund_no = ?", n.OutRefundNo).Take(&r).Error
	if isNotFound(err) || n.OutRefundNo == "" {
		return reject("unknown_refund", nil)
	}
	if err != nil {
		return err
	}
	var p Payment
	if err := tenants.DB(ctx).Take(&p, r.PaymentID).Error; err != nil {
		return err
	}
	if p.PaymentNo != n.OutTradeNo || p.Method != g.Name() {
		return reject("refund_mismatch", fmt.Errorf("refund %s belongs to %s payment %s", r.RefundNo, p.Method, p.PaymentNo))
	}
	if n.AmountFen != r.AmountFen {
		return reject("amount_mismatch", fmt.Errorf("refunded %d fen, refund %s is %d fen", n.AmountFen, r.RefundNo, r.AmountFen))
	}
	key := n.EventID
	if key == "" {
		key = "refund:" + r.RefundNo
	}
	done := false
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		done = false
		if err := lockOrder(ctx, r.OrderID); err != nil {
			return err
		}
		var cur Refund
		if err := forUpdate(ctx).Take(&cur, r.ID).Error; err != nil {
			return err
		}
		if cur.Status == RefundStatusSucceeded {
			return nil
		}
		// A refund we had given up on (failed) that the provider reports
		// done did move the money: it is booked all the same.
		if err := s.completeRefund(ctx, &cur, RefundResult{Status: RefundSucceeded, ProviderID: n.ProviderID, RefundFen: n.AmountFen, CompletedAt: n.PaidAt}); err != nil {
			return err
		}
		if err := tenants.DB(ctx).Model(&Refund{}).Where("id = ?", cur.ID).Updates(map[string]any{
			"status": cur.Status, "provider_refund_id": cur.ProviderRefundID, "completed_at": cur.CompletedAt, "next_check_at": nil}).Error; err != nil {
			return err
		}
		done = true
		return tenants.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&Notice{Method: g.Name(), EventKey: truncate(key, 128),
			PaymentNo: p.PaymentNo, Kind: string(NotifyRefund), AmountFen: n.AmountFen, Outcome: OutcomeRefunded, ReceivedAt: time.Now().UTC()}).Error
	})
	if err == nil && done {
		s.audit.Record(ctx, "payment.refund_succeeded", "refund", r.RefundNo, "ok",
			map[string]any{"order_id": r.OrderID, "payment_no": p.PaymentNo, "amount_fen": r.AmountFen, "source": r.Source, "via": "notification"})
	}
	return err
}
