package booking

import (
	"context"
	"time"
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

// CouponReleaser gives a coupon back when its order is cancelled or
// expires; it runs inside that transaction. A Pricer may implement it.
type CouponReleaser interface {
	Release(ctx context.Context, couponID int64) error
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

// noDiscount is the Pricer until marketing plugs one in.
type noDiscount struct{}

func (noDiscount) Discount(context.Context, PriceInput) (int64, int64, error) { return 0, 0, nil }
