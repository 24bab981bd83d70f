package booking

import (
	"context"
	"time"

	"doorstep/app"
)

// Hooks other capabilities plug into booking after it is built.

// Refunder gives money back for an order. It is called INSIDE booking's
// transaction (the payment service writes refund rows and outbox tasks in
// it); amountFen is what to return now, source says why: "cancel",
// "aftersale", "deposit_excess". Booking keeps orders.refunded_fen itself.
type Refunder interface {
	RefundOrder(ctx context.Context, orderID int64, amountFen int64, reason, source string) error
}

// PriceInput is what a coupon is judged on.
type PriceInput struct {
	CustomerID   int64
	MerchantID   int64
	ItemID       int64
	CategoryCode string
	PriceModel   string
	PriceFen     int64 // what the discount applies to: the fixed price, or the deposit item's lower bound
	CouponID     int64 // the customer's coupon (customer_coupons.id); 0: none chosen
	SlotStart    time.Time
}

// Pricer applies coupons. Discount runs inside the order transaction, so a
// coupon it marks used is used only if the order is written; it returns the
// discount and the coupon it used (0 when none).
type Pricer interface {
	Discount(ctx context.Context, in PriceInput) (discountFen int64, couponID int64, err error)
}

// Quoter, when the Pricer implements it, answers what Discount would give
// for the same input without writing or locking anything: the coupon it
// would pick (or the chosen one, with the same refusals) and its discount.
// POST /v1/orders/quote uses it. A Pricer without it is asked through
// Discount in a transaction that is always rolled back.
type Quoter interface {
	Quote(ctx context.Context, in PriceInput) (discountFen int64, couponID int64, err error)
}

// CouponReleaser gives a coupon back when its order is cancelled or
// expires; it runs inside that transaction. A Pricer may implement it.
type CouponReleaser interface {
	Release(ctx context.Context, couponID int64) error
}

// CouponBinder, when the Pricer implements it, learns which order a coupon
// went to: Discount runs before the order has an id, so Book calls
// BindCoupon right after writing the order, in the same transaction.
type CouponBinder interface {
	BindCoupon(ctx context.Context, couponID, orderID int64) error
}

// Completion is told that an order's service is done and paid. It runs
// INSIDE the completion transaction (o.CompletedAt is set; the status is
// saved as completed when the transaction ends), so it may only touch the
// city's database: outbox tasks, rows of its own. An error undoes the
// completion. Marketing uses it to queue referral rewards.
type Completion interface {
	OrderCompleted(ctx context.Context, o Order) error
}

// PaymentChecker is asked, outside any transaction, before an unpaid order
// expires: it may ask the gateway and apply a payment that arrived without a
// notification. paid=true keeps the order.
type PaymentChecker interface {
	SettleBeforeExpiry(ctx context.Context, orderID int64) (paid bool, err error)
}

// Ledger books the money of an order's events (the settlement service).
// Each method runs INSIDE booking's transaction, so the entries commit with
// the change that causes them; a repeat of the same event posts nothing.
// OrderCompleted releases what the order holds (o.PaidFen; o.RefundedFen of
// it is going back to the customer, the deposit excess); OrderCancelled
// keeps feeFen and sends refundFen back; AfterSaleClosed takes cs.RefundFen
// back from cs.Bearer.
type Ledger interface {
	OrderCompleted(ctx context.Context, o Order) error
	OrderCancelled(ctx context.Context, o Order, feeFen, refundFen int64) error
	AfterSaleClosed(ctx context.Context, o Order, cs AfterSale) error
}

// StaffHook hears of every change of an order's staff member: Assign,
// Reassign, Unassign, and a payment that confirms the staff member the
// customer chose (the dispatch engine: it closes open offers, records
// manual decisions and keeps its per-staff load). It runs INSIDE booking's
// transaction once the order's reservations are written; o carries the new
// staff member (0 after unassign) but still its old status; previous is the
// staff member before (0: none); an error rolls the change back.
type StaffHook interface {
	StaffChanged(ctx context.Context, o Order, event string, previous int64, by app.Actor) error
}

// UseStaffHook sets who hears of staff changes (dispatch, wired after
// booking).
func (s *Service) UseStaffHook(h StaffHook) { s.mu.Lock(); s.onStaff = h; s.mu.Unlock() }

func (s *Service) staffChanged(ctx context.Context, o Order, event string, previous int64, by app.Actor) error {
	s.mu.RLock()
	h := s.onStaff
	s.mu.RUnlock()
	if h == nil {
		return nil
	}
	return h.StaffChanged(ctx, o, event, previous, by)
}

// noDiscount is the Pricer until marketing plugs one in.
type noDiscount struct{}

func (noDiscount) Discount(context.Context, PriceInput) (int64, int64, error) { return 0, 0, nil }

func (noDiscount) Quote(context.Context, PriceInput) (int64, int64, error) { return 0, 0, nil }
