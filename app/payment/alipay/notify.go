package alipay

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"doorstep/app/payment"
)

// VerifyNotify implements payment.Gateway for Alipay's trade_status_sync
// notifications, a form-encoded POST signed over its own parameters.
func (g *Gateway) VerifyNotify(ctx context.Context, h http.Header, body []byte) (payment.Notification, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return payment.Notification{}, payment.ErrBadSignature.Wrap(fmt.Errorf("alipay notify: not a form: %w", err))
	}
	for k, vs := range form {
		// url.Values.Get reads the first value; a second one smuggled in
		// after the signed one must not go unnoticed.
		if len(vs) != 1 {
			return payment.Notification{}, payment.ErrBadSignature.Wrap(fmt.Errorf("alipay notify: parameter %q appears %d times", k, len(vs)))
		}
	}
	sign := form.Get("sign")
	if sign == "" {
		return payment.Notification{}, payment.ErrBadSignature.Wrap(fmt.Errorf("alipay notify: no sign"))
	}
	if st := form.Get("sign_type"); st != "RSA2" {
		// RSA (SHA1) is the legacy scheme; accepting it would let a weaker
		// signature stand in for ours.
		return payment.Notification{}, payment.ErrBadSignature.Wrap(fmt.Errorf("alipay notify: sign_type %q, want RSA2", st))
	}
	signed := url.Values{}
	for k, vs := range form {
		if k != "sign" && k != "sign_type" {
			signed[k] = vs
		}
	}
	if err := payment.VerifySHA256RSA(g.cfg.AlipayPublicKey, signContent(signed), sign); err != nil {
		return payment.Notification{}, fmt.Errorf("alipay notify: %w", err)
	}
	if got := form.Get("app_id"); got != g.cfg.AppID {
		return payment.Notification{}, payment.ErrWrongAccount.Wrap(fmt.Errorf("alipay notify: app_id %q, ours is %q", got, g.cfg.AppID))
	}

	n := payment.Notification{
		OutTradeNo: form.Get("out_trade_no"),
		ProviderID: form.Get("trade_no"),
		AppID:      form.Get("app_id"),
		Raw:        form.Get("trade_status"),
		EventID:    form.Get("notify_id"),
	}
	if isRefund(form) {
		// A refund arrives as a trade_status_sync of the trade it refunds
		// (TRADE_SUCCESS after a partial refund, TRADE_CLOSED after a full
		// one); the refund fields say it is about the refund.
		n.Kind = payment.NotifyRefund
		n.OutRefundNo = form.Get("out_biz_no")
		// refund_fee is the trade's total refunded so far; send_back_fee,
		// when present, is this refund alone.
		amount := form.Get("send_back_fee")
		if amount == "" {
			amount = form.Get("refund_fee")
		}
		if n.AmountFen, err = payment.YuanToFen(amount); err != nil {
			return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay notify refund amount: %w", err))
		}
		if n.PaidAt, err = parseTime(form.Get("gmt_refund")); err != nil {
			return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay notify gmt_refund: %w", err))
		}
		return n, nil
	}
	kind, ok := tradeKind(form.Get("trade_status"))
	if !ok {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay notify: unknown trade_status %q", form.Get("trade_status")))
	}
	n.Kind = kind
	if n.AmountFen, err = payment.YuanToFen(form.Get("total_amount")); err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay notify total_amount: %w", err))
	}
	if n.PaidAt, err = parseTime(form.Get("gmt_payment")); err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay notify gmt_payment: %w", err))
	}
	return n, nil
}

// isRefund tells a refund notification by its refund fields. refund_fee
// alone is not enough when it is zero: that is a payment with nothing
// refunded yet.
func isRefund(form url.Values) bool {
	if form.Get("out_biz_no") != "" || form.Get("gmt_refund") != "" {
		return true
	}
	fee, err := payment.YuanToFen(form.Get("refund_fee"))
	return err == nil && fee != 0
}
