package payment

import (
	"context"
	"net/http"
	"time"
)

// Gateway is one payment provider (Alipay, WeChat Pay, the sandbox). Every
// adapter speaks its provider's documented protocol; the service never sees
// provider details beyond these types.
type Gateway interface {
	// Name is the method name stored with payments: "alipay", "wechat", "sandbox".
	Name() string
	// Create registers a payment with the provider and returns what the
	// client needs to pay (a URL to open or a QR code text).
	Create(ctx context.Context, req CreateRequest) (CreateResult, error)
	// VerifyNotify checks an asynchronous payment or refund notification:
	// signature (and, where the protocol has them, timestamp window and
	// payload decryption) and that it is addressed to our app/merchant id.
	// It returns ErrBadSignature (or another error) for anything forged.
	VerifyNotify(ctx context.Context, h http.Header, body []byte) (Notification, error)
	// Ack is what the provider expects as the answer to a notification:
	// ok=true only after our transaction committed.
	Ack(ok bool) (status int, contentType string, body []byte)
	// Query asks the provider for the state of a payment by our trade number.
	Query(ctx context.Context, outTradeNo string) (Notification, error)
	// Refund asks the provider to refund part or all of a payment.
	Refund(ctx context.Context, req RefundRequest) (RefundResult, error)
	// QueryRefund follows a refund until it is final.
	QueryRefund(ctx context.Context, outTradeNo, outRefundNo string) (RefundResult, error)
	// Bill downloads and parses the provider's bill of one day (in the
	// provider's time zone, Asia/Shanghai for both Chinese providers).
	Bill(ctx context.Context, day time.Time) ([]BillLine, error)
}

// CreateRequest describes one payment to collect.
type CreateRequest struct {
	OutTradeNo  string // our payment number, unique per provider account
	AmountFen   int64
	Subject     string // shown to the payer, e.g. "日常保洁 2小时 - 定金"
	NotifyURL   string // where the provider posts the result
	ReturnURL   string // where the payer's browser goes after paying (web flows)
	ClientIP    string
	ExpireAt    time.Time
	Description string
}

// CreateResult is what the payer's client needs.
type CreateResult struct {
	PayURL     string `json:"pay_url,omitempty"`     // page to open (Alipay page/wap pay, sandbox)
	QRCode     string `json:"qr_code,omitempty"`     // text for a QR code (WeChat native pay)
	ProviderID string `json:"provider_id,omitempty"` // provider's prepay id when it returns one
}

// NotifyKind says what a notification reports.
type NotifyKind string

const (
	NotifyPaid     NotifyKind = "paid"
	NotifyClosed   NotifyKind = "closed"
	NotifyRefund   NotifyKind = "refund"
	NotifyPending  NotifyKind = "pending"
	NotifyNotFound NotifyKind = "not_found"
)

// Notification is a verified statement from the provider.
type Notification struct {
	Kind        NotifyKind
	OutTradeNo  string
	OutRefundNo string // refunds only
	ProviderID  string // provider's transaction (or refund) id
	AmountFen   int64  // total paid (or refunded) in fen, as the provider states it
	AppID       string // provider app id / merchant id the message is addressed to
	PaidAt      time.Time
	Raw         string // provider's status text, for the record
	EventID     string // provider's notification id when it has one
}

// RefundRequest asks for a refund.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string // our refund number, unique; repeating it must not refund twice
	RefundFen   int64
	TotalFen    int64 // the original payment's amount
	Reason      string
	NotifyURL   string
}

// RefundStatus is a refund's state at the provider.
type RefundStatus string

const (
	RefundProcessing RefundStatus = "processing"
	RefundSucceeded  RefundStatus = "succeeded"
	RefundFailed     RefundStatus = "failed"
)

// RefundResult is the provider's answer about a refund.
type RefundResult struct {
	Status      RefundStatus
	ProviderID  string
	RefundFen   int64
	CompletedAt time.Time
	Raw         string
}

// BillLine is one line of a provider's daily bill.
type BillLine struct {
	Kind        string // "payment" or "refund"
	OutTradeNo  string
	OutRefundNo string
	ProviderID  string
	AmountFen   int64
	At          time.Time
}
