package payment

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"doorstep/app"
	"doorstep/app/outbox"
	"doorstep/tenants"
)

// RefundOrder gives amountFen of an order's payments back (booking's
// Refunder): it splits the amount over the order's paid payments, newest
// first, and writes one refund row (processing) and one payment:refund task
// per payment it touches, all inside the caller's transaction. No provider
// is called here; the tasks do that after the commit, and each payment's
// refunded_fen grows when its refund is final. orders.refunded_fen is
// booking's: it counts a refund when it asks for it, so it is not touched
// here.
func (s *Service) RefundOrder(ctx context.Context, orderID int64, amountFen int64, reason, source string) error {
	if amountFen <= 0 {
		return app.Invalid("amount_fen", "must be positive")
	}
	if source == "" {
		return app.Invalid("source", "is required")
	}
	return tenants.WithTx(ctx, func(ctx context.Context) error {
		if err := lockOrder(ctx, orderID); err != nil {
			return err
		}
		var pays []Payment
		if err := forUpdate(ctx).Where("order_id = ? AND status = ?", orderID, StatusPaid).Order("paid_at DESC, id DESC").Find(&pays).Error; err != nil {
			return err
		}
		left, err := refundable(ctx, orderID, pays)
		if err != nil {
			return err
		}
		var total int64
		for _, p := range pays {
			total += left[p.ID]
		}
		if amountFen > total {
			return ErrRefundExceedsPaid.WithMessage("cannot refund %s yuan of order %d: %s yuan is left to refund", fmtYuan(amountFen), orderID, fmtYuan(total))
		}
		remaining := amountFen
		for _, p := range pays {
			take := min(remaining, left[p.ID])
			if take <= 0 {
				continue
			}
			if _, err := s.refundPayment(ctx, p, take, reason, source); err != nil {
				return err
			}
			remaining -= take
			if remaining == 0 {
				break
			}
		}
		return nil
	})
}

// refundable is what is left to refund of each payment: its amount less
// every refund not failed (processing ones count, or two cancellations in a
// row could give the same money back twice).
func refundable(ctx context.Context, orderID int64, pays []Payment) (map[int64]int64, error) {
	var rows []struct {
		PaymentID int64
		Fen       int64
	}
	err := tenants.DB(ctx).Model(&Refund{}).Select("payment_id, COALESCE(SUM(amount_fen), 0) AS fen").
		Where("order_id = ? AND status <> ?", orderID, RefundStatusFailed).Group("payment_id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	used := map[int64]int64{}
	for _, r := range rows {
		used[r.PaymentID] = r.Fen
	}
	left := map[int64]int64{}
	for _, p := range pays {
		left[p.ID] = max(0, p.AmountFen-used[p.ID])
	}
	return left, nil
}

// refundPayment writes one refund of one paid payment and its task, in the
// transaction open in ctx.
func (s *Service) refundPayment(ctx context.Context, p Payment, fen int64, reason, source string) (Refund, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Refund{}, err
	}
	now := time.Now().UTC()
	r := Refund{RefundNo: newNumber("R", c, now), PaymentID: p.ID, OrderID: p.OrderID, AmountFen: fen, Reason: truncate(reason, 255),
		Source: truncate(source, 24), Status: RefundStatusProcessing, NextCheckAt: &now, CreatedAt: now}
	if err := tenants.DB(ctx).Create(&r).Error; err != nil {
		return Refund{}, fmt.Errorf("refund of %s: %w", p.PaymentNo, err)
	}
	if err := s.out.Add(ctx, TaskRefund, RefundTask{RefundID: r.ID}, outbox.Queue("critical")); err != nil {
		return Refund{}, err
	}
	tenants.AfterCommit(ctx, func() {
		s.audit.Record(context.WithoutCancel(ctx), "payment.refund_requested", "refund", r.RefundNo, "ok",
			map[string]any{"order_id": p.OrderID, "payment_no": p.PaymentNo, "amount_fen": fen, "source": source})
	})
	return r, nil
}

// HandleRefund is the payment:refund task: ask the provider to refund.
// Providers refund once per out_refund_no, so asking again after a lost
// answer is safe.
func (s *Service) HandleRefund(ctx context.Context, data []byte) error {
	return s.followRefund(ctx, data, TaskRefund, func(ctx context.Context, g Gateway, p Payment, r Refund) (RefundResult, error) {
		return g.Refund(ctx, RefundRequest{OutTradeNo: p.PaymentNo, OutRefundNo: r.RefundNo, RefundFen: r.AmountFen, TotalFen: p.AmountFen,
			Reason: r.Reason, NotifyURL: s.NotifyURL(p.Method, mustCityCode(ctx))})
	})
}

// HandleRefundPoll is the payment:refund_poll task: ask the provider how a
// processing refund is doing.
func (s *Service) HandleRefundPoll(ctx context.Context, data []byte) error {
	return s.followRefund(ctx, data, TaskRefundPoll, func(ctx context.Context, g Gateway, p Payment, r Refund) (RefundResult, error) {
		return g.QueryRefund(ctx, p.PaymentNo, r.RefundNo)
	})
}

func mustCityCode(ctx context.Context) string {
	c, _ := tenants.MustCity(ctx)
	if c == nil {
		return ""
	}
	return c.Code
}

type refundCall func(ctx context.Context, g Gateway, p Payment, r Refund) (RefundResult, error)

// followRefund runs one step of a refund: the provider call outside any
// transaction, then one transaction that books the answer and schedules the
// next step. A task whose step is not the refund's current one is a repeat
// delivery and does nothing.
func (s *Service) followRefund(ctx context.Context, data []byte, task string, call refundCall) error {
	var t RefundTask
	if err := json.Unmarshal(data, &t); err != nil || t.RefundID <= 0 {
		return fmt.Errorf("%s payload %q: %v: %w", task, data, err, app.ErrPermanent)
	}
	var r Refund
	if err := tenants.DB(ctx).Take(&r, t.RefundID).Error; err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	if r.Status != RefundStatusProcessing || r.Attempts != t.Step {
		return nil
	}
	var p Payment
	if err := tenants.DB(ctx).Take(&p, r.PaymentID).Error; err != nil {
		return err
	}
	var res RefundResult
	var callErr error
	if g, ok := s.gateways[p.Method]; ok {
		res, callErr = call(ctx, g, p, r)
	} else {
		callErr = fmt.Errorf("payment method %s is not enabled", p.Method)
	}
	if callErr == nil && res.Status != RefundSucceeded && res.Status != RefundFailed && res.Status != RefundProcessing {
		callErr = fmt.Errorf("provider answered refund status %q", res.Status)
	}
	if callErr != nil {
		s.log.WarnContext(ctx, "refund step failed", "refund_no", r.RefundNo, "task", task, "err", callErr)
	}
	return s.advance(ctx, r, p, t.Step, task, res, callErr)
}

// advance books one step's outcome.
func (s *Service) advance(ctx context.Context, r Refund, p Payment, step int, task string, res RefundResult, callErr error) error {
	var final string
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		final = ""
		if err := lockOrder(ctx, r.OrderID); err != nil {
			return err
		}
		var cur Refund
		if err := forUpdate(ctx).Take(&cur, r.ID).Error; err != nil {
			return err
		}
		if cur.Status != RefundStatusProcessing || cur.Attempts != step {
			return nil
		}
		now := time.Now().UTC()
		cur.Attempts = step + 1
		cur.NextCheckAt = nil
		var next string
		var wait time.Duration
		switch {
		case callErr != nil:
			cur.Failures++
			cur.LastError = truncate(callErr.Error(), 255)
			if cur.Failures >= s.cfg.RefundMaxFailures {
				cur.Status = RefundStatusFailed
			} else {
				next, wait = task, s.backoff(cur.Failures-1)
			}
		case res.Status == RefundSucceeded:
			if err := s.completeRefund(ctx, &cur, res); err != nil {
				return err
			}
		case res.Status == RefundFailed:
			cur.Status = RefundStatusFailed
			cur.LastError = truncate("provider: "+res.Raw, 255)
		default:
			if res.ProviderID != "" {
				cur.ProviderRefundID = truncate(res.ProviderID, 64)
			}
			if cur.Attempts >= s.cfg.RefundMaxPolls {
				cur.Status = RefundStatusFailed
				cur.LastError = fmt.Sprintf("still processing after %d checks", cur.Attempts)
			} else {
				next, wait = TaskRefundPoll, s.backoff(cur.Attempts-cur.Failures-1)
			}
		}
		if next != "" {
			at := now.Add(wait)
			cur.NextCheckAt = &at
			if err := s.out.Add(ctx, next, RefundTask{RefundID: cur.ID, Step: cur.Attempts}, outbox.At(at), outbox.Queue("critical")); err != nil {
				return err
			}
		}
		final = cur.Status
		return tenants.DB(ctx).Model(&Refund{}).Where("id = ?", cur.ID).Updates(map[string]any{
			"status": cur.Status, "attempts": cur.Attempts, "failures": cur.Failures, "last_error": cur.LastError,
			"next_check_at": cur.NextCheckAt, "provider_refund_id": cur.ProviderRefundID, "completed_at": cur.CompletedAt}).Error
	})
	if err != nil {
		return err
	}
	detail := map[string]any{"order_id": r.OrderID, "payment_no": p.PaymentNo, "amount_fen": r.AmountFen, "source": r.Source}
	switch final {
	case RefundStatusSucceeded:
		s.audit.Record(ctx, "payment.refund_succeeded", "refund", r.RefundNo, "ok", detail)
	case RefundStatusFailed:
		if callErr != nil {
			detail["error"] = truncate(callErr.Error(), 300)
		}
		detail["raw"] = res.Raw
		s.log.ErrorContext(ctx, "refund failed; a person must finish it", "refund_no", r.RefundNo)
		s.audit.Record(ctx, "payment.refund_failed", "refund", r.RefundNo, "failed", detail)
	}
	return nil
}

// sweepGrace is how long past its due time a refund's next step may be
// before the sweep restarts its follow-up.
const sweepGrace = 10 * time.Minute

// HandleRefundSweep is the periodic backstop of the refund follow-up for
// ctx's city: a processing refund whose next step is long overdue (its task
// gave up while the database or queue was down) gets a new payment:refund
// task for its current step. Asking the provider to refund again is safe:
// it refunds once per out_refund_no and answers with that refund.
func (s *Service) HandleRefundSweep(ctx context.Context, _ []byte) error {
	now := time.Now().UTC()
	var ids []int64
	if err := tenants.DB(ctx).Model(&Refund{}).Where("status = ? AND (next_check_at IS NULL OR next_check_at < ?)", RefundStatusProcessing, now.Add(-sweepGrace)).
		Order("id").Limit(200).Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		err := tenants.WithTx(ctx, func(ctx context.Context) error {
			var r Refund
			if err := forUpdate(ctx).Take(&r, id).Error; err != nil {
				return err
			}
			if r.Status != RefundStatusProcessing || (r.NextCheckAt != nil && !r.NextCheckAt.Before(now.Add(-sweepGrace))) {
				return nil
			}
			next := now.Add(sweepGrace)
			if err := tenants.DB(ctx).Model(&Refund{}).Where("id = ?", r.ID).Update("next_check_at", next).Error; err != nil {
				return err
			}
			return s.out.Add(ctx, TaskRefund, RefundTask{RefundID: r.ID, Step: r.Attempts}, outbox.Queue("critical"))
		})
		if err != nil {
			return err
		}
		s.log.WarnContext(ctx, "refund follow-up restarted by the sweep", "refund_id", id)
	}
	return nil
}

// backoff is RefundPoll doubled n times, at most RefundPollMax.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.RefundPoll
	for i := 0; i < n && d < s.cfg.RefundPollMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RefundPollMax)
}

// completeRefund books a refund the provider has finished: the refund row
// fields (the caller writes them), the payment's refunded amount and the
// customer's notification, in the transaction open in ctx.
func (s *Service) completeRefund(ctx context.Context, r *Refund, res RefundResult) error {
	now := time.Now().UTC()
	done := now
	if !res.CompletedAt.IsZero() {
		done = res.CompletedAt.UTC()
	}
	r.Status, r.CompletedAt, r.LastError = RefundStatusSucceeded, &done, ""
	if res.ProviderID != "" {
		r.ProviderRefundID = truncate(res.ProviderID, 64)
	}
	if err := tenants.DB(ctx).Exec("UPDATE "+tenants.Table(ctx, "payments")+" SET refunded_fen = refunded_fen + ?, updated_at = ? WHERE id = ?",
		r.AmountFen, now, r.PaymentID).Error; err != nil {
		return err
	}
	if err := s.book().RefundCompleted(ctx, *r); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	o, err := readOrderRef(ctx, r.OrderID)
	if err != nil {
		return err
	}
	return s.tell.Tell(ctx, o.CustomerID, "refund_done", map[string]string{"order_no": o.OrderNo, "amount": fmtYuan(r.AmountFen)},
		map[string]string{"order_id": fmt.Sprint(o.ID), "order_no": o.OrderNo, "refund_no": r.RefundNo}, r.RefundNo)
}
