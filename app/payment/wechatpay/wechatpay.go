// Package wechatpay speaks WeChat Pay API v3 (微信支付 APIv3) for a direct
// merchant in "微信支付公钥" mode: requests signed WECHATPAY2-SHA256-RSA2048,
// every answer's Wechatpay-Signature verified against the platform public
// key with a five-minute timestamp window, native (QR code) payments, order
// query, domestic refunds, AES-256-GCM encrypted notifications and the daily
// trade bill. It implements payment.Gateway and imports only the standard
// library, doorstep/app and doorstep/app/payment.
package wechatpay

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"doorstep/app"
	"doorstep/app/payment"
)

// DefaultBaseURL is WeChat Pay's API host.
const DefaultBaseURL = "https://api.mch.weixin.qq.com"

// window is how far a signed timestamp may be from our clock, both ways.
const window = 5 * time.Minute

const (
	maxResponseBytes = 1 << 20
	maxBillBytes     = 64 << 20
)

// Config is one WeChat Pay direct merchant and the app it collects for.
type Config struct {
	MchID string
	AppID string // the 公众号/小程序/网站应用 appid bound to the merchant
	// MchPrivateKey signs our requests (apiclient_key.pem); MchCertSerial
	// is the serial number of the merchant API certificate it belongs to.
	MchPrivateKey *rsa.PrivateKey
	MchCertSerial string
	// APIv3Key decrypts notifications and is exactly 32 bytes.
	APIv3Key string
	// PlatformPublicKey and PlatformSerial are the 微信支付公钥 and its id
	// (PUB_KEY_ID_...): answers and notifications must carry that serial.
	PlatformPublicKey *rsa.PublicKey
	PlatformSerial    string
	BaseURL           string // DefaultBaseURL when empty
	NotifyURL         string // used when a request names none
	HTTPClient        *http.Client
	Now               func() time.Time // time.Now when nil; the timestamp window is measured against it
}

// Gateway is payment.Gateway for one WeChat Pay merchant.
type Gateway struct {
	cfg    Config
	client *http.Client
	aead   cipher.AEAD
	base   *url.URL
}

var _ payment.Gateway = (*Gateway)(nil)

// New checks the configuration and fills its defaults.
func New(cfg Config) (*Gateway, error) {
	switch {
	case cfg.MchID == "" || cfg.AppID == "":
		return nil, errors.New("wechatpay: MchID and AppID are required")
	case cfg.MchPrivateKey == nil || cfg.MchCertSerial == "":
		return nil, errors.New("wechatpay: MchPrivateKey and MchCertSerial are required")
	case cfg.PlatformPublicKey == nil || cfg.PlatformSerial == "":
		return nil, errors.New("wechatpay: PlatformPublicKey and PlatformSerial are required")
	case len(cfg.APIv3Key) != 32:
		return nil, fmt.Errorf("wechatpay: APIv3Key is %d bytes, want 32", len(cfg.APIv3Key))
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("wechatpay: BaseURL %q is not an absolute URL", cfg.BaseURL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	block, err := aes.NewCipher([]byte(cfg.APIv3Key))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: APIv3Key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	return &Gateway{cfg: cfg, client: client, aead: aead, base: base}, nil
}

// Name implements payment.Gateway.
func (g *Gateway) Name() string { return "wechat" }

// APIError is an answer with a status other than 2xx.
type APIError struct {
	Status  int
	Code    string // e.g. "ORDER_NOT_EXIST", "SIGN_ERROR", "NOT_ENOUGH"
	Message string
	// Signed says the answer carried a Wechatpay-Signature that verified.
	// WeChat Pay signs its answers once our request signature checked out,
	// so a 401 SIGN_ERROR comes unsigned; only signed answers may change
	// the state of a payment.
	Signed bool
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechatpay: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

type amount struct {
	Total      int64  `json:"total"`
	PayerTotal int64  `json:"payer_total,omitempty"`
	Refund     int64  `json:"refund,omitempty"`
	Currency   string `json:"currency,omitempty"`
}

// transaction is a payment as the order query and TRANSACTION.SUCCESS
// notifications describe it.
type transaction struct {
	AppID         string `json:"appid"`
	MchID         string `json:"mchid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeState    string `json:"trade_state"`
	SuccessTime   string `json:"success_time"`
	Amount        amount `json:"amount"`
}

// refund is a refund as the refund APIs and REFUND.* notifications
// describe it.
type refund struct {
	MchID        string `json:"mchid"`
	OutTradeNo   string `json:"out_trade_no"`
	OutRefundNo  string `json:"out_refund_no"`
	RefundID     string `json:"refund_id"`
	Status       string `json:"status"`        // refund APIs
	RefundStatus string `json:"refund_status"` // notifications name it so
	SuccessTime  string `json:"success_time"`
	Amount       amount `json:"amount"`
}

// Create implements payment.Gateway with native pay: WeChat returns a
// weixin:// code_url for the payer to scan.
func (g *Gateway) Create(ctx context.Context, req payment.CreateRequest) (payment.CreateResult, error) {
	if req.OutTradeNo == "" {
		return payment.CreateResult{}, app.Invalid("out_trade_no", "required")
	}
	if req.AmountFen <= 0 {
		return payment.CreateResult{}, app.Invalid("amount_fen", "must be positive")
	}
	description := req.Subject
	if description == "" {
		description = req.Description
	}
	body := struct {
		AppID       string `json:"appid"`
		MchID       string `json:"mchid"`
		Description string `json:"description"`
		OutTradeNo  string `json:"out_trade_no"`
		TimeExpire  string `json:"time_expire,omitempty"`
		NotifyURL   string `json:"notify_url"`
		Amount      amount `json:"amount"`
	}{
		AppID:       g.cfg.AppID,
		MchID:       g.cfg.MchID,
		Description: description,
		OutTradeNo:  req.OutTradeNo,
		NotifyURL:   g.notifyURL(req.NotifyURL),
		Amount:      amount{Total: req.AmountFen, Currency: "CNY"},
	}
	if !req.ExpireAt.IsZero() {
		body.TimeExpire = req.ExpireAt.In(payment.Shanghai).Format(time.RFC3339)
	}
	var r struct {
		CodeURL string `json:"code_url"`
	}
	if err := g.do(ctx, http.MethodPost, "/v3/pay/transactions/native", nil, body, &r); err != nil {
		return payment.CreateResult{}, err
	}
	if r.CodeURL == "" {
		return payment.CreateResult{}, payment.ErrGateway.Wrap(errors.New("wechatpay native: no code_url"))
	}
	return payment.CreateResult{QRCode: r.CodeURL}, nil
}

// Query implements payment.Gateway.
func (g *Gateway) Query(ctx context.Context, outTradeNo string) (payment.Notification, error) {
	var tx transaction
	err := g.do(ctx, http.MethodGet, "/v3/pay/transactions/out-trade-no/"+url.PathEscape(outTradeNo),
		url.Values{"mchid": {g.cfg.MchID}}, nil, &tx)
	var ae *APIError
	if errors.As(err, &ae) && ae.Signed && ae.Status == http.StatusNotFound && ae.Code == "ORDER_NOT_EXIST" {
		return payment.Notification{Kind: payment.NotifyNotFound, OutTradeNo: outTradeNo, AppID: g.cfg.MchID, Raw: ae.Code}, nil
	}
	if err != nil {
		return payment.Notification{}, err
	}
	return g.paymentNotification(tx)
}

// paymentNotification turns a verified transaction into a notification,
// after checking it is ours.
func (g *Gateway) paymentNotification(tx transaction) (payment.Notification, error) {
	if tx.MchID != g.cfg.MchID || tx.AppID != g.cfg.AppID {
		return payment.Notification{}, payment.ErrWrongAccount.Wrap(
			fmt.Errorf("wechatpay: transaction for mchid %q appid %q, ours are %q %q", tx.MchID, tx.AppID, g.cfg.MchID, g.cfg.AppID))
	}
	var kind payment.NotifyKind
	switch tx.TradeState {
	case "SUCCESS", "REFUND":
		// REFUND (转入退款) is a paid trade with a refund since; the refund
		// is followed on its own.
		kind = payment.NotifyPaid
	case "CLOSED", "REVOKED", "PAYERROR":
		kind = payment.NotifyClosed
	case "NOTPAY", "USERPAYING":
		kind = payment.NotifyPending
	default:
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay: unknown trade_state %q", tx.TradeState))
	}
	n := payment.Notification{
		Kind:       kind,
		OutTradeNo: tx.OutTradeNo,
		ProviderID: tx.TransactionID,
		AmountFen:  tx.Amount.Total,
		AppID:      tx.MchID,
		Raw:        tx.TradeState,
	}
	var err error
	if n.PaidAt, err = parseTime(tx.SuccessTime); err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay success_time: %w", err))
	}
	return n, nil
}

// Refund implements payment.Gateway. WeChat answers a repeated
// out_refund_no with the refund it already made.
func (g *Gateway) Refund(ctx context.Context, req payment.RefundRequest) (payment.RefundResult, error) {
	if req.OutRefundNo == "" {
		return payment.RefundResult{}, app.Invalid("out_refund_no", "required")
	}
	if req.RefundFen <= 0 || req.TotalFen < req.RefundFen {
		return payment.RefundResult{}, app.Invalid("refund_fen", "must be positive and at most the payment")
	}
	body := struct {
		OutTradeNo  string `json:"out_trade_no"`
		OutRefundNo string `json:"out_refund_no"`
		Reason      string `json:"reason,omitempty"`
		NotifyURL   string `json:"notify_url,omitempty"`
		Amount      amount `json:"amount"`
	}{
		OutTradeNo:  req.OutTradeNo,
		OutRefundNo: req.OutRefundNo,
		Reason:      req.Reason,
		NotifyURL:   g.notifyURL(req.NotifyURL),
		Amount:      amount{Refund: req.RefundFen, Total: req.TotalFen, Currency: "CNY"},
	}
	var r refund
	if err := g.do(ctx, http.MethodPost, "/v3/refund/domestic/refunds", nil, body, &r); err != nil {
		return payment.RefundResult{}, err
	}
	return refundResult(r)
}

// QueryRefund implements payment.Gateway.
func (g *Gateway) QueryRefund(ctx context.Context, outTradeNo, outRefundNo string) (payment.RefundResult, error) {
	var r refund
	if err := g.do(ctx, http.MethodGet, "/v3/refund/domestic/refunds/"+url.PathEscape(outRefundNo), nil, nil, &r); err != nil {
		return payment.RefundResult{}, err
	}
	if r.OutTradeNo != outTradeNo {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay: refund %s belongs to %s, not %s", outRefundNo, r.OutTradeNo, outTradeNo))
	}
	return refundResult(r)
}

func refundResult(r refund) (payment.RefundResult, error) {
	res := payment.RefundResult{ProviderID: r.RefundID, RefundFen: r.Amount.Refund, Raw: r.Status}
	switch r.Status {
	case "SUCCESS":
		res.Status = payment.RefundSucceeded
	case "PROCESSING":
		res.Status = payment.RefundProcessing
	case "CLOSED", "ABNORMAL":
		// ABNORMAL (the payer's card was closed) needs a person to
		// redirect the money through the merchant platform; for us the
		// automatic refund has failed.
		res.Status = payment.RefundFailed
	default:
		return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay: unknown refund status %q", r.Status))
	}
	var err error
	if res.CompletedAt, err = parseTime(r.SuccessTime); err != nil {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay refund success_time: %w", err))
	}
	return res, nil
}

// Ack implements payment.Gateway: WeChat takes a 2xx as received and
// retries anything else, reading the JSON only for its logs.
func (g *Gateway) Ack(ok bool) (int, string, []byte) {
	if ok {
		return http.StatusNoContent, "", nil
	}
	return http.StatusInternalServerError, "application/json", []byte(`{"code":"FAIL","message":"失败"}`)
}

func (g *Gateway) notifyURL(u string) string {
	if u != "" {
		return u
	}
	return g.cfg.NotifyURL
}

// do sends one signed request to the API and decodes the verified answer.
func (g *Gateway) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := *g.base
	u.Path = path
	u.RawQuery = query.Encode()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("wechatpay %s %s: encode: %w", method, path, err)
		}
	}
	resp, raw, err := g.send(ctx, method, u.String(), body, maxResponseBytes)
	if err != nil {
		return err
	}
	what := method + " " + path
	signed := resp.Header.Get("Wechatpay-Signature") != ""
	success := resp.StatusCode >= 200 && resp.StatusCode < 300
	if success || signed {
		if err := g.verify(resp.Header, raw); err != nil {
			return payment.ErrGateway.WithMessage("the WeChat Pay answer does not verify").Wrap(fmt.Errorf("wechatpay %s: %w", what, err))
		}
	}
	if !success {
		ae := &APIError{Status: resp.StatusCode, Signed: signed}
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &e) == nil {
			ae.Code, ae.Message = e.Code, e.Message
		}
		return payment.ErrGateway.Wrap(fmt.Errorf("%s: %w", what, ae))
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return payment.ErrGateway.Wrap(fmt.Errorf("wechatpay %s: decode answer: %w", what, err))
		}
	}
	return nil
}

// send signs and sends one request and reads at most limit bytes of the
// answer, which it does not verify.
func (g *Gateway) send(ctx context.Context, method, rawURL string, body []byte, limit int64) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("wechatpay %s %s: %w", method, rawURL, err)
	}
	auth, err := g.authorization(method, req.URL.RequestURI(), body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	// The API refuses requests without a User-Agent.
	req.Header.Set("User-Agent", "doorstep-wechatpay/1.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay %s %s: %w", method, req.URL.Path, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay %s %s: read answer: %w", method, req.URL.Path, err))
	}
	if int64(len(raw)) > limit {
		return nil, nil, payment.ErrGateway.Wrap(fmt.Errorf("wechatpay %s %s: answer larger than %d bytes", method, req.URL.Path, limit))
	}
	return resp, raw, nil
}

// authorization is the WECHATPAY2-SHA256-RSA2048 header over
// "METHOD\nURI\nTIMESTAMP\nNONCE\nBODY\n".
func (g *Gateway) authorization(method, uri string, body []byte) (string, error) {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return "", fmt.Errorf("wechatpay nonce: %w", err)
	}
	nonce := hex.EncodeToString(n[:])
	ts := strconv.FormatInt(g.cfg.Now().Unix(), 10)
	msg := method + "\n" + uri + "\n" + ts + "\n" + nonce + "\n" + string(body) + "\n"
	sig, err := payment.SignSHA256RSA(g.cfg.MchPrivateKey, []byte(msg))
	if err != nil {
		return "", fmt.Errorf("wechatpay: %w", err)
	}
	return fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`,
		g.cfg.MchID, nonce, sig, ts, g.cfg.MchCertSerial), nil
}

// verify checks a signed answer or notification: the platform key it
// claims, its signature over "TIMESTAMP\nNONCE\nBODY\n", and that its
// timestamp is within five minutes of our clock so an old message cannot be
// replayed.
func (g *Gateway) verify(h http.Header, body []byte) error {
	if serial := h.Get("Wechatpay-Serial"); serial != g.cfg.PlatformSerial {
		return payment.ErrBadSignature.Wrap(fmt.Errorf("Wechatpay-Serial %q is not our platform key %q", serial, g.cfg.PlatformSerial))
	}
	ts, nonce, sig := h.Get("Wechatpay-Timestamp"), h.Get("Wechatpay-Nonce"), h.Get("Wechatpay-Signature")
	if ts == "" || nonce == "" || sig == "" {
		return payment.ErrBadSignature.Wrap(errors.New("Wechatpay-Timestamp, -Nonce or -Signature missing"))
	}
	msg := ts + "\n" + nonce + "\n" + string(body) + "\n"
	if err := payment.VerifySHA256RSA(g.cfg.PlatformPublicKey, []byte(msg), sig); err != nil {
		return err
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return payment.ErrBadSignature.Wrap(fmt.Errorf("Wechatpay-Timestamp %q: %w", ts, err))
	}
	if skew := g.cfg.Now().Sub(time.Unix(sec, 0)); skew > window || skew < -window {
		return payment.ErrStale.Wrap(fmt.Errorf("signed at %s, %s from now", time.Unix(sec, 0).UTC().Format(time.RFC3339), skew))
	}
	return nil
}

// parseTime reads an RFC 3339 time ("2024-01-02T10:00:30+08:00"); empty is
// the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.In(payment.Shanghai), nil
}
