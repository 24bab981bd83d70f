// Package payment collects money for orders through payment gateways and
// gives it back: payments, verified asynchronous notifications, refunds and
// their follow-up. Gateway adapters live in subpackages (alipay, wechatpay,
// sandboxpay) and speak their providers' documented protocols.
//
// It imports app, app/outbox, tenants and gorm. Booking reaches it through
// the small interfaces booking declares (Refunder, PaymentChecker); it
// reaches booking through Orders. Neither package imports the other.
package payment

import "doorstep/app"

// Errors adapters return.
var (
	ErrBadSignature = app.E(app.KindForbidden, "bad_signature", "the notification signature does not verify")
	ErrStale        = app.E(app.KindForbidden, "stale_notification", "the notification is outside the accepted time window")
	ErrWrongAccount = app.E(app.KindForbidden, "wrong_account", "the notification is addressed to another app or merchant id")
	ErrGateway      = app.E(app.KindUnavailable, "gateway_error", "the payment provider refused or failed the request")
)

// Errors the service returns.
var (
	ErrOrderNotFound     = app.NotFound("order")
	ErrMethodUnavailable = app.E(app.KindInvalid, "payment_method_unavailable", "this payment method is not available here")
	ErrNothingToPay      = app.E(app.KindConflict, "nothing_to_pay", "this order has nothing to pay right now")
	ErrRefundExceedsPaid = app.E(app.KindConflict, "refund_exceeds_paid", "the refund is larger than what is left of the order's payments")
	ErrOrdersUnavailable = app.E(app.KindUnavailable, "orders_unavailable", "orders cannot take payments right now; try again")
	ErrUnknownMethod     = app.E(app.KindNotFound, "unknown_payment_method", "no such payment method")
)
