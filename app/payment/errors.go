// Package payment collects money for orders through payment gateways and
// gives it back: payments, verified asynchronous notifications, refunds and
// their follow-up. Gateway adapters live in subpackages (alipay, wechatpay,
// sandboxpay) and speak their providers' documented protocols.
package payment

import "doorstep/app"

// Errors adapters return.
var (
	ErrBadSignature = app.E(app.KindForbidden, "bad_signature", "the notification signature does not verify")
	ErrStale        = app.E(app.KindForbidden, "stale_notification", "the notification is outside the accepted time window")
	ErrWrongAccount = app.E(app.KindForbidden, "wrong_account", "the notification is addressed to another app or merchant id")
	ErrGateway      = app.E(app.KindUnavailable, "gateway_error", "the payment provider refused or failed the request")
)
