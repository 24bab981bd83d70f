package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"doorstep/app"
	"doorstep/app/outbox"
	"doorstep/tenants"
)

// PayableNow says what an order asks to be paid now: "full" or "deposit"
// while it waits for its first payment, "balance" after a deposit order's
// service. Nothing due is ErrNotPayable; a first payment after the pay
// deadline is ErrPayDeadline. No ownership check: the caller checks.
func (s *Service) PayableNow(ctx context.Context, orderID int64) (string, int64, error) {
	o, err := s.Get(ctx, orderID)
	if err != nil {
		return "", 0, err
	}
	kind, amount := payable(o)
	if kind == "" || amount <= 0 {
		return "", 0, ErrNotPayable.WithMessage("nothing is due on an order that is %s", o.Status)
	}
	if o.Status == StPendingPayment && o.PayDeadline != nil && !s.now().Before(*o.PayDeadline) {
		return "", 0, ErrPayDeadline
	}
	return kind, amount, nil
}

// ApplyPayment records a payment that the gateway confirmed. The payment
// service calls it INSIDE its city transaction, once per payment when it
// becomes paid. Kind "full" or "deposit" fires pay on an order waiting for
// payment; "balance" fires pay_balance on a deposit order after its
// service. The amount must be exactly what is due. accepted=false means the
// order no longer takes this payment (cancelled, expired, already paid):
// the payment service then refunds it.
func (s *Service) ApplyPayment(ctx context.Context, orderID, paymentID int64, kind string, amountFen int64) (bool, error) {
	event := EvPay
	switch kind {
	case KindFull, KindDeposit:
	case KindBalance:
		event = EvPayBalance
	default:
		return false, app.Invalid("kind", "full, deposit or balance")
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return false, err
	}
	reason := fmt.Sprintf("payment %d %s %s", paymentID, kind, app.FormatYuan(amountFen))
	_, err = s.fire(ctx, orderID, step{event: event, reason: reason, actor: app.System, party: PartySystem,
		apply: func(ctx context.Context, o *Order) (string, error) {
			due, amount := payable(*o)
			if due != kind || amount != amountFen {
				return "", ErrAmountMismatch.WithMessage("order %d asks for %s %s yuan, not %s %s yuan", o.ID, due, app.FormatYuan(amount), kind, app.FormatYuan(amountFen))
			}
			now := s.now()
			o.PaidFen += amountFen
			if event == EvPayBalance {
				o.BalanceFen = 0
				return StCompleted, s.complete(ctx, o, c)
			}
			o.PaidAt = &now
			return s.paid(ctx, o, c)
		}})
	if errors.Is(err, ErrInvalidTransition) {
		// A repeated call for a payment already applied is not a second payment.
		var n int64
		if err := tenants.DB(ctx).Model(&Event{}).Where("order_id = ? AND event = ? AND reason = ?", orderID, event, reason).Count(&n).Error; err != nil {
			return false, err
		}
		return n > 0, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// paid runs the consequences of an order's first payment and says where it
// goes: to its chosen staff member, or to dispatch.
func (s *Service) paid(ctx context.Context, o *Order, c *tenants.City) (string, error) {
	now := s.now()
	to := StDispatching
	if o.StaffID != 0 {
		to, o.AssignedAt = StAssigned, &now
	}
	if remind := o.SlotStart.Add(-time.Hour); remind.After(now) {
		if err := s.out.Add(ctx, TaskRemind, OrderPayload{OrderID: o.ID}, outbox.At(remind)); err != nil {
			return "", err
		}
	}
	if o.StaffID == 0 {
		if err := s.out.Add(ctx, TaskDispatch, OrderPayload{OrderID: o.ID}); err != nil {
			return "", err
		}
	}
	if err := s.notify.Tell(ctx, o.CustomerID, "order_paid", map[string]string{"amount": app.FormatYuan(o.PaidFen), "service": o.Title,
		"time": noteTime(o.SlotStart, c.Loc), "order_no": o.OrderNo}, orderData(*o), fmt.Sprint(o.ID)); err != nil {
		return "", err
	}
	if o.StaffID != 0 {
		if err := s.tellStaff(ctx, o.StaffID, "job_assigned", *o, c, fmt.Sprint(o.ID, ":", o.StaffID)); err != nil {
			return "", err
		}
		if err := s.staffChanged(ctx, *o, EvPay, 0, app.System); err != nil {
			return "", err
		}
	}
	return to, nil
}

// complete runs what happens when an order's service is done and paid:
// the item's sales and the staff member's jobs go up in the same
// transaction; the customer is thanked and asked for a review.
func (s *Service) complete(ctx context.Context, o *Order, c *tenants.City) error {
	now := s.now()
	o.CompletedAt = &now
	if l := s.ledgerHook(); l != nil {
		if err := l.OrderCompleted(ctx, *o); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	if h := s.completionHook(); h != nil {
		if err := h.OrderCompleted(ctx, *o); err != nil {
			return fmt.Errorf("completion hook: %w", err)
		}
	}
	if err := s.cat.AddSale(ctx, o.ServiceItemID); err != nil {
		return fmt.Errorf("count sale: %w", err)
	}
	if o.StaffID != 0 {
		if err := s.staff.AddCompleted(ctx, o.StaffID); err != nil {
			return fmt.Errorf("count completed job: %w", err)
		}
	}
	if err := s.notify.Tell(ctx, o.CustomerID, "order_completed", map[string]string{"order_no": o.OrderNo}, orderData(*o), fmt.Sprint(o.ID)); err != nil {
		return err
	}
	return s.notify.Tell(ctx, o.CustomerID, "review_request", map[string]string{"service": o.Title, "order_no": o.OrderNo}, orderData(*o), fmt.Sprint(o.ID))
}

// tellStaff notifies the staff member of an order.
func (s *Service) tellStaff(ctx context.Context, staffID int64, template string, o Order, c *tenants.City, dedupe string) error {
	st, err := s.staff.Get(ctx, staffID)
	if err != nil {
		return fmt.Errorf("staff %d: %w", staffID, err)
	}
	return s.notify.Tell(ctx, st.AccountID, template, map[string]string{"service": o.Title, "time": noteTime(o.SlotStart, c.Loc), "order_no": o.OrderNo},
		orderData(o), dedupe)
}

// MarkReviewed records that a completed order has its review (the review
// service calls it, in its transaction or not).
func (s *Service) MarkReviewed(ctx context.Context, orderID int64) error {
	res := tenants.DB(ctx).Model(&Order{}).Where("id = ? AND reviewed = ? AND status IN ?", orderID, false, []string{StCompleted, StAfterSales, StRefunded}).
		Updates(map[string]any{"reviewed": true, "updated_at": s.now()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	o, err := s.Get(ctx, orderID)
	if err != nil {
		return err
	}
	if o.Reviewed {
		return ErrAlreadyReviewed
	}
	return ErrNotCompleted
}
