package wechatpay

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"

	"doorstep/app"
	"doorstep/app/payment"
)

// ErrUnsupportedEvent is a genuine notification the payment.Notification
// vocabulary cannot state truthfully, such as REFUND.ABNORMAL or
// REFUND.CLOSED (a NotifyRefund would read as money returned). Answering it
// with a failed Ack makes WeChat retry for a while; the refund is settled by
// QueryRefund meanwhile.
var ErrUnsupportedEvent = app.E(app.KindUnprocessable, "unsupported_notification", "this payment notification type is not handled")

// envelope is the notification body; resource is the encrypted payload.
type envelope struct {
	ID           string `json:"id"`
	CreateTime   string `json:"create_time"`
	EventType    string `json:"event_type"`
	ResourceType string `json:"resource_type"`
	Summary      string `json:"summary"`
	Resource     struct {
		Algorithm      string `json:"algorithm"`
		Ciphertext     string `json:"ciphertext"`
		AssociatedData string `json:"associated_data"`
		Nonce          string `json:"nonce"`
		OriginalType   string `json:"original_type"`
	} `json:"resource"`
}

// VerifyNotify implements payment.Gateway: the headers' signature and
// timestamp window first, then the resource decrypted with the APIv3 key
// (its GCM tag is a second proof the body came from WeChat), then the
// merchant and app it is addressed to.
func (g *Gateway) VerifyNotify(ctx context.Context, h http.Header, body []byte) (payment.Notification, error) {
	if err := g.verify(h, body); err != nil {
		return payment.Notification{}, fmt.Errorf("wechatpay notify: %w", err)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay notify: %w", err))
	}
	plain, err := g.decrypt(env)
	if err != nil {
		return payment.Notification{}, fmt.Errorf("wechatpay notify %s: %w", env.ID, err)
	}

	switch env.EventType {
	case "TRANSACTION.SUCCESS":
		var tx transaction
		if err := json.Unmarshal(plain, &tx); err != nil {
			return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay notify %s: transaction: %w", env.ID, err))
		}
		n, err := g.paymentNotification(tx)
		if err != nil {
			return payment.Notification{}, fmt.Errorf("wechatpay notify %s: %w", env.ID, err)
		}
		if n.Kind != payment.NotifyPaid {
			return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay notify %s: TRANSACTION.SUCCESS with trade_state %s", env.ID, tx.TradeState))
		}
		n.EventID = env.ID
		return n, nil

	case "REFUND.SUCCESS":
		var r refund
		if err := json.Unmarshal(plain, &r); err != nil {
			return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay notify %s: refund: %w", env.ID, err))
		}
		// Refund resources name the merchant only; there is no appid.
		if r.MchID != g.cfg.MchID {
			return payment.Notification{}, payment.ErrWrongAccount.Wrap(fmt.Errorf("wechatpay notify %s: refund for mchid %q, ours is %q", env.ID, r.MchID, g.cfg.MchID))
		}
		if r.RefundStatus != "SUCCESS" {
			return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay notify %s: REFUND.SUCCESS with refund_status %s", env.ID, r.RefundStatus))
		}
		n := payment.Notification{
			Kind:        payment.NotifyRefund,
			OutTradeNo:  r.OutTradeNo,
			OutRefundNo: r.OutRefundNo,
			ProviderID:  r.RefundID,
			AmountFen:   r.Amount.Refund,
			AppID:       r.MchID,
			Raw:         r.RefundStatus,
			EventID:     env.ID,
		}
		if n.PaidAt, err = parseTime(r.SuccessTime); err != nil {
			return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay notify %s success_time: %w", env.ID, err))
		}
		return n, nil
	}
	return payment.Notification{}, ErrUnsupportedEvent.Wrap(fmt.Errorf("wechatpay notify %s: event_type %s", env.ID, env.EventType))
}

// decrypt opens the AEAD_AES_256_GCM resource: the key is the APIv3 key,
// the ciphertext ends with the 16-byte tag, associated_data is authenticated
// too.
func (g *Gateway) decrypt(env envelope) ([]byte, error) {
	r := env.Resource
	if r.Algorithm != "AEAD_AES_256_GCM" {
		return nil, payment.ErrBadSignature.Wrap(fmt.Errorf("resource algorithm %q", r.Algorithm))
	}
	if len(r.Nonce) != g.aead.NonceSize() {
		return nil, payment.ErrBadSignature.Wrap(fmt.Errorf("resource nonce is %d bytes, want %d", len(r.Nonce), g.aead.NonceSize()))
	}
	ct, err := base64.StdEncoding.DecodeString(r.Ciphertext)
	if err != nil {
		return nil, payment.ErrBadSignature.Wrap(fmt.Errorf("resource ciphertext: %w", err))
	}
	plain, err := g.aead.Open(nil, []byte(r.Nonce), ct, []byte(r.AssociatedData))
	if err != nil {
		return nil, payment.ErrBadSignature.Wrap(fmt.Errorf("decrypt resource: %w", err))
	}
	return plain, nil
}
