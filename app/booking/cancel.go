package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"doorstep/app"
	"doorstep/tenants"
)

// CancelFee is what cancelling costs the customer, in fen: nothing for an
// unpaid order, for a cancellation by anyone else, or until
// FreeCancelBefore the slot; later CancelFeeBPS of what was paid, and
// OnTheWayFeeBPS once the staff member has set off. Never more than what
// is left of the payment.
func CancelFee(o Order, now time.Time, set Settings, by Party) int64 {
	left := o.PaidFen - o.RefundedFen
	if by != PartyCustomer || left <= 0 {
		return 0
	}
	var bps int64
	switch {
	case o.Status == StOnTheWay:
		bps = set.OnTheWayFeeBPS
	case !now.After(o.SlotStart.Add(-set.FreeCancelBefore)):
		return 0
	default:
		bps = set.CancelFeeBPS
	}
	return min(app.Percent(o.PaidFen, bps), left)
}

// CancelInput is a customer's cancellation.
type CancelInput struct {
	Reason string `json:"reason" validate:"max=255"`
}

// Cancel cancels an order for the actor in ctx (the customer's own order,
// the merchant's, or any for the city): the fee is kept, the rest of the
// payment is refunded through the Refunder, the staff member's time and the
// coupon are released, and the customer is told the refund.
func (s *Service) Cancel(ctx context.Context, orderID int64, in CancelInput) (OrderView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return OrderView{}, err
	}
	o, err := s.cancel(ctx, orderID, a, in.Reason)
	if err != nil {
		return OrderView{}, err
	}
	return s.viewOne(ctx, o)
}

func (s *Service) cancel(ctx context.Context, orderID int64, a app.Actor, reason string) (Order, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Order{}, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return Order{}, err
	}
	_, refunder, _ := s.hooks()
	var fee, refund int64
	var from string
	o, err := s.fire(ctx, orderID, step{event: EvCancel, reason: reason, actor: a, apply: func(ctx context.Context, o *Order) (string, error) {
		party, err := partyOf(a, o)
		if err != nil {
			return "", err
		}
		from = o.Status
		now := s.now()
		fee = CancelFee(*o, now, set, party)
		refund = o.PaidFen - o.RefundedFen - fee
		if refund > 0 {
			if refunder == nil {
				return "", ErrRefundsUnavailable
			}
			if err := refunder.RefundOrder(ctx, o.ID, refund, "cancelled: "+clip(reason, 200), "cancel"); err != nil {
				return "", fmt.Errorf("refund order %d: %w", o.ID, err)
			}
			o.RefundedFen += refund
		}
		o.CancelFeeFen, o.ClosedAt, o.CloseReason = fee, &now, clip(reason, 255)
		if l := s.ledgerHook(); l != nil {
			if err := l.OrderCancelled(ctx, *o, fee, max(refund, 0)); err != nil {
				return "", fmt.Errorf("ledger: %w", err)
			}
		}
		if err := s.letGo(ctx, o); err != nil {
			return "", err
		}
		params := map[string]string{"order_no": o.OrderNo}
		if o.PaidFen > 0 {
			params["refund_note.zh"] = fmt.Sprintf("退款%s元将原路退回。", app.FormatYuan(max(refund, 0)))
			params["refund_note.en"] = fmt.Sprintf("%s yuan will be refunded to your original payment method.", app.FormatYuan(max(refund, 0)))
			if fee > 0 {
				params["refund_note.zh"] = fmt.Sprintf("扣除取消费%s元，", app.FormatYuan(fee)) + params["refund_note.zh"]
				params["refund_note.en"] = fmt.Sprintf("A cancellation fee of %s yuan applies; ", app.FormatYuan(fee)) + params["refund_note.en"]
			}
		}
		if err := s.notify.Tell(ctx, o.CustomerID, "order_cancelled", params, orderData(*o), fmt.Sprint(o.ID)); err != nil {
			return "", err
		}
		if o.StaffID != 0 && from != StPendingPayment {
			return "", s.tellStaff(ctx, o.StaffID, "job_cancelled", *o, c, fmt.Sprint(o.ID, ":", o.StaffID))
		}
		return "", nil
	}})
	if err != nil {
		return o, err
	}
	if o.PaidFen > 0 {
		// Audit rows live in HQ: written once any city transaction around us commits.
		tenants.AfterCommit(ctx, func() {
			s.audit.Record(bg(ctx), "order.cancel", "order", fmt.Sprint(o.ID), "ok",
				map[string]any{"from": from, "paid_fen": o.PaidFen, "fee_fen": fee, "refund_fen": max(refund, 0)})
		})
	}
	return o, nil
}

// letGo releases what an order held: the staff member's time and the coupon.
func (s *Service) letGo(ctx context.Context, o *Order) error {
	if err := s.release(ctx, o.ID); err != nil {
		return err
	}
	pricer, _, _ := s.hooks()
	if r, ok := pricer.(CouponReleaser); ok && o.CouponID != 0 {
		if err := r.Release(ctx, o.CouponID); err != nil {
			return fmt.Errorf("release coupon %d: %w", o.CouponID, err)
		}
	}
	return nil
}

// expire closes an unpaid order past its deadline.
func (s *Service) expire(ctx context.Context, orderID int64, a app.Actor) (Order, error) {
	return s.fire(ctx, orderID, step{event: EvExpire, reason: "not paid in time", actor: a, apply: func(ctx context.Context, o *Order) (string, error) {
		now := s.now()
		if o.PayDeadline != nil && now.Before(*o.PayDeadline) {
			return "", ErrInvalidTransition.WithMessage("the order is not past its pay deadline")
		}
		o.ClosedAt, o.CloseReason = &now, "not paid in time"
		if err := s.letGo(ctx, o); err != nil {
			return "", err
		}
		return "", s.notify.Tell(ctx, o.CustomerID, "order_expired", map[string]string{"order_no": o.OrderNo}, orderData(*o), fmt.Sprint(o.ID))
	}})
}

// expireDue expires one order if it is still unpaid past its deadline,
// after asking the payment checker (if any) whether money arrived
// unannounced. Anything else is left alone: the job may run more than once.
func (s *Service) expireDue(ctx context.Context, orderID int64) error {
	o, err := s.Get(ctx, orderID)
	if errors.Is(err, ErrOrderNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.Status != StPendingPayment || o.PayDeadline == nil || s.now().Before(*o.PayDeadline) {
		return nil
	}
	if _, _, checker := s.hooks(); checker != nil {
		paid, err := checker.SettleBeforeExpiry(ctx, orderID)
		if err != nil {
			return fmt.Errorf("check payment of order %d: %w", orderID, err)
		}
		if paid {
			return nil
		}
	}
	_, err = s.expire(ctx, orderID, app.System)
	if errors.Is(err, ErrInvalidTransition) {
		return nil // paid or cancelled meanwhile
	}
	return err
}

// HandleExpire is the handler of TaskExpire.
func (s *Service) HandleExpire(ctx context.Context, data []byte) error {
	var p ExpirePayload
	if err := json.Unmarshal(data, &p); err != nil || p.OrderID <= 0 {
		s.log.Error("order:expire: bad payload; dropped")
		return nil
	}
	return s.expireDue(ctx, p.OrderID)
}

// HandleExpireSweep is the periodic backstop of TaskExpire for ctx's city:
// it expires every unpaid order past its deadline.
func (s *Service) HandleExpireSweep(ctx context.Context, _ []byte) error {
	var ids []int64
	if err := tenants.DB(ctx).Model(&Order{}).Where("status = ? AND pay_deadline <= ?", StPendingPayment, s.now()).
		Order("pay_deadline").Limit(500).Pluck("id", &ids).Error; err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := s.expireDue(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// HandleRemind is the handler of TaskRemind: it reminds the customer of a
// paid order an hour before its slot.
func (s *Service) HandleRemind(ctx context.Context, data []byte) error {
	var p OrderPayload
	if err := json.Unmarshal(data, &p); err != nil || p.OrderID <= 0 {
		s.log.Error("order:remind: bad payload; dropped")
		return nil
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	o, err := s.Get(ctx, p.OrderID)
	if errors.Is(err, ErrOrderNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if (o.Status != StDispatching && o.Status != StAssigned) || !o.SlotStart.After(s.now()) {
		return nil
	}
	return s.notify.Tell(ctx, o.CustomerID, "order_reminder", map[string]string{"service": o.Title, "time": noteTime(o.SlotStart, c.Loc), "order_no": o.OrderNo},
		orderData(o), fmt.Sprint(o.ID))
}
