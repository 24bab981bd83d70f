// Package alipay speaks the Alipay open platform (支付宝开放平台) gateway
// protocol in public-key mode with RSA2 keys: signed page and wap pay URLs,
// alipay.trade.query, alipay.trade.refund, alipay.trade.fastpay.refund.query,
// form-encoded asynchronous notifications and the daily trade bill (a zip of
// GBK CSV files). It implements payment.Gateway and imports only the standard
// library, golang.org/x/text, doorstep/app and doorstep/app/payment.
package alipay

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/payment"
)

// DefaultGatewayURL is Alipay's production gateway.
const DefaultGatewayURL = "https://openapi.alipay.com/gateway.do"

// Products: which cashier a payer is sent to.
const (
	ProductPage = "page" // alipay.trade.page.pay, the desktop cashier
	ProductWap  = "wap"  // alipay.trade.wap.pay, the mobile browser cashier
)

// timeLayout is how Alipay writes every local time (timestamp, gmt_payment,
// time_expire, bill columns); always Asia/Shanghai.
const timeLayout = "2006-01-02 15:04:05"

const (
	maxResponseBytes = 1 << 20
	maxBillBytes     = 64 << 20
)

// Config is one Alipay open platform app.
type Config struct {
	AppID string
	// PrivateKey is the app private key whose public half is uploaded to
	// the console; ParsePrivateKey reads what the Alipay key tool writes.
	PrivateKey *rsa.PrivateKey
	// AlipayPublicKey is the 支付宝公钥 shown in the console (public-key
	// mode); it verifies answers and notifications.
	AlipayPublicKey *rsa.PublicKey
	GatewayURL      string // DefaultGatewayURL when empty; the sandbox has its own
	NotifyURL       string // used when a request names none
	Product         string // ProductPage (default) or ProductWap
	HTTPClient      *http.Client
	Now             func() time.Time // request timestamps; time.Now when nil
}

// Gateway is payment.Gateway for one Alipay app.
type Gateway struct {
	cfg    Config
	client *http.Client
}

var _ payment.Gateway = (*Gateway)(nil)

// New checks the configuration and fills its defaults.
func New(cfg Config) (*Gateway, error) {
	switch {
	case cfg.AppID == "":
		return nil, errors.New("alipay: AppID is required")
	case cfg.PrivateKey == nil:
		return nil, errors.New("alipay: PrivateKey is required")
	case cfg.AlipayPublicKey == nil:
		return nil, errors.New("alipay: AlipayPublicKey is required")
	}
	if cfg.GatewayURL == "" {
		cfg.GatewayURL = DefaultGatewayURL
	}
	if cfg.Product == "" {
		cfg.Product = ProductPage
	}
	if cfg.Product != ProductPage && cfg.Product != ProductWap {
		return nil, fmt.Errorf("alipay: Product %q, want %q or %q", cfg.Product, ProductPage, ProductWap)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &Gateway{cfg: cfg, client: client}, nil
}

// ParsePrivateKey reads an app private key (PKCS#1 or PKCS#8, PEM or the
// bare base64 the Alipay key tool writes). It is payment.ParseRSAPrivateKey,
// named here so configuration code reads alipay.ParsePrivateKey.
func ParsePrivateKey(pem string) (*rsa.PrivateKey, error) { return payment.ParseRSAPrivateKey(pem) }

// Name implements payment.Gateway.
func (g *Gateway) Name() string { return "alipay" }

// Error is an answer from the gateway with a code other than 10000.
type Error struct {
	Method  string
	Code    string // "40004" business refusal, "40002" bad arguments, "20000" service unavailable...
	Msg     string
	SubCode string // e.g. "ACQ.TRADE_NOT_EXIST"; what to act on
	SubMsg  string
	// Signed says Alipay signed this answer and the signature verified.
	// Alipay leaves some refusals unsigned; only signed ones may change the
	// state of a payment.
	Signed bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("alipay %s: %s %s: %s %s", e.Method, e.Code, e.Msg, e.SubCode, e.SubMsg)
}

// Create implements payment.Gateway. Page and wap pay are not server calls:
// the payer's browser GETs the gateway with our signed parameters, so the
// URL is built and signed here and Alipay first hears of the trade when the
// payer opens it.
func (g *Gateway) Create(ctx context.Context, req payment.CreateRequest) (payment.CreateResult, error) {
	if req.OutTradeNo == "" {
		return payment.CreateResult{}, app.Invalid("out_trade_no", "required")
	}
	if req.AmountFen <= 0 {
		return payment.CreateResult{}, app.Invalid("amount_fen", "must be positive")
	}
	method, productCode := "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"
	if g.cfg.Product == ProductWap {
		method, productCode = "alipay.trade.wap.pay", "QUICK_WAP_WAY"
	}
	subject := req.Subject
	if subject == "" {
		subject = req.Description
	}
	biz := struct {
		OutTradeNo  string `json:"out_trade_no"`
		TotalAmount string `json:"total_amount"`
		Subject     string `json:"subject"`
		Body        string `json:"body,omitempty"`
		ProductCode string `json:"product_code"`
		TimeExpire  string `json:"time_expire,omitempty"`
		QuitURL     string `json:"quit_url,omitempty"`
	}{
		OutTradeNo:  req.OutTradeNo,
		TotalAmount: payment.FenToYuan(req.AmountFen),
		Subject:     subject,
		ProductCode: productCode,
	}
	if req.Description != subject {
		biz.Body = req.Description
	}
	if !req.ExpireAt.IsZero() {
		biz.TimeExpire = req.ExpireAt.In(payment.Shanghai).Format(timeLayout)
	}
	if g.cfg.Product == ProductWap {
		// Where the wap cashier's "back" button leads; the return page is
		// the natural place for a payer who gives up.
		biz.QuitURL = req.ReturnURL
	}
	params, err := g.signedParams(method, biz, g.notifyURL(req.NotifyURL), req.ReturnURL)
	if err != nil {
		return payment.CreateResult{}, err
	}
	return payment.CreateResult{PayURL: g.cfg.GatewayURL + "?" + params.Encode()}, nil
}

// Query implements payment.Gateway.
func (g *Gateway) Query(ctx context.Context, outTradeNo string) (payment.Notification, error) {
	var r struct {
		TradeNo     string `json:"trade_no"`
		OutTradeNo  string `json:"out_trade_no"`
		TradeStatus string `json:"trade_status"`
		TotalAmount string `json:"total_amount"`
		SendPayDate string `json:"send_pay_date"`
	}
	err := g.call(ctx, "alipay.trade.query", map[string]string{"out_trade_no": outTradeNo}, "", &r)
	var ae *Error
	if errors.As(err, &ae) && ae.Signed && ae.SubCode == "ACQ.TRADE_NOT_EXIST" {
		// Normal until the payer opens the cashier: page pay registers
		// the trade with Alipay only then.
		return payment.Notification{Kind: payment.NotifyNotFound, OutTradeNo: outTradeNo, AppID: g.cfg.AppID, Raw: ae.SubCode}, nil
	}
	if err != nil {
		return payment.Notification{}, err
	}
	kind, ok := tradeKind(r.TradeStatus)
	if !ok {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay.trade.query: unknown trade_status %q", r.TradeStatus))
	}
	n := payment.Notification{Kind: kind, OutTradeNo: r.OutTradeNo, ProviderID: r.TradeNo, AppID: g.cfg.AppID, Raw: r.TradeStatus}
	if n.AmountFen, err = payment.YuanToFen(r.TotalAmount); err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay.trade.query total_amount: %w", err))
	}
	if n.PaidAt, err = parseTime(r.SendPayDate); err != nil {
		return payment.Notification{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay.trade.query send_pay_date: %w", err))
	}
	return n, nil
}

// Refund implements payment.Gateway. out_request_no is what makes a repeated
// request refund once, so it is required although Alipay would accept none.
func (g *Gateway) Refund(ctx context.Context, req payment.RefundRequest) (payment.RefundResult, error) {
	if req.OutRefundNo == "" {
		return payment.RefundResult{}, app.Invalid("out_refund_no", "required")
	}
	if req.RefundFen <= 0 {
		return payment.RefundResult{}, app.Invalid("refund_fen", "must be positive")
	}
	biz := map[string]string{
		"out_trade_no":   req.OutTradeNo,
		"out_request_no": req.OutRefundNo,
		"refund_amount":  payment.FenToYuan(req.RefundFen),
	}
	if req.Reason != "" {
		biz["refund_reason"] = req.Reason
	}
	var r struct {
		TradeNo      string `json:"trade_no"`
		FundChange   string `json:"fund_change"`
		RefundFee    string `json:"refund_fee"`    // total refunded on the trade so far, not this refund
		SendBackFee  string `json:"send_back_fee"` // this refund, when Alipay states it
		GmtRefundPay string `json:"gmt_refund_pay"`
	}
	if err := g.call(ctx, "alipay.trade.refund", biz, req.NotifyURL, &r); err != nil {
		return payment.RefundResult{}, err
	}
	res := payment.RefundResult{Status: payment.RefundProcessing, ProviderID: r.TradeNo, RefundFen: req.RefundFen, Raw: "fund_change=" + r.FundChange}
	// "N" is also the answer to a repeated out_request_no whose money moved
	// earlier; the refund query settles which it is.
	if r.FundChange == "Y" {
		res.Status = payment.RefundSucceeded
	}
	var err error
	if r.SendBackFee != "" {
		if res.RefundFen, err = payment.YuanToFen(r.SendBackFee); err != nil {
			return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay.trade.refund send_back_fee: %w", err))
		}
	}
	if res.CompletedAt, err = parseTime(r.GmtRefundPay); err != nil {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay.trade.refund gmt_refund_pay: %w", err))
	}
	return res, nil
}

// QueryRefund implements payment.Gateway. Alipay only says REFUND_SUCCESS or
// nothing; nothing may still turn into a success a few seconds later, so it
// stays processing and the caller decides when to give up.
func (g *Gateway) QueryRefund(ctx context.Context, outTradeNo, outRefundNo string) (payment.RefundResult, error) {
	biz := struct {
		OutTradeNo   string   `json:"out_trade_no"`
		OutRequestNo string   `json:"out_request_no"`
		QueryOptions []string `json:"query_options"`
	}{outTradeNo, outRefundNo, []string{"gmt_refund_pay"}}
	var r struct {
		TradeNo      string `json:"trade_no"`
		OutRequestNo string `json:"out_request_no"`
		RefundAmount string `json:"refund_amount"`
		RefundStatus string `json:"refund_status"`
		GmtRefundPay string `json:"gmt_refund_pay"`
	}
	if err := g.call(ctx, "alipay.trade.fastpay.refund.query", biz, "", &r); err != nil {
		return payment.RefundResult{}, err
	}
	res := payment.RefundResult{Status: payment.RefundProcessing, ProviderID: r.TradeNo, Raw: r.RefundStatus}
	if r.RefundStatus == "REFUND_SUCCESS" {
		res.Status = payment.RefundSucceeded
	}
	var err error
	if r.RefundAmount != "" {
		if res.RefundFen, err = payment.YuanToFen(r.RefundAmount); err != nil {
			return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay.trade.fastpay.refund.query refund_amount: %w", err))
		}
	}
	if res.CompletedAt, err = parseTime(r.GmtRefundPay); err != nil {
		return payment.RefundResult{}, payment.ErrGateway.Wrap(fmt.Errorf("alipay.trade.fastpay.refund.query gmt_refund_pay: %w", err))
	}
	return res, nil
}

// Ack implements payment.Gateway: Alipay reads the body, not the status, and
// retries until it reads "success".
func (g *Gateway) Ack(ok bool) (int, string, []byte) {
	if ok {
		return http.StatusOK, "text/plain; charset=utf-8", []byte("success")
	}
	return http.StatusOK, "text/plain; charset=utf-8", []byte("fail")
}

func (g *Gateway) notifyURL(u string) string {
	if u != "" {
		return u
	}
	return g.cfg.NotifyURL
}

// signedParams builds the common parameters of one gateway call and signs
// them.
func (g *Gateway) signedParams(method string, biz any, notifyURL, returnURL string) (url.Values, error) {
	bizJSON, err := json.Marshal(biz)
	if err != nil {
		return nil, fmt.Errorf("alipay %s: encode biz_content: %w", method, err)
	}
	p := url.Values{}
	p.Set("app_id", g.cfg.AppID)
	p.Set("method", method)
	p.Set("format", "JSON")
	p.Set("charset", "utf-8")
	p.Set("sign_type", "RSA2")
	p.Set("timestamp", g.cfg.Now().In(payment.Shanghai).Format(timeLayout))
	p.Set("version", "1.0")
	p.Set("biz_content", string(bizJSON))
	if notifyURL != "" {
		p.Set("notify_url", notifyURL)
	}
	if returnURL != "" {
		p.Set("return_url", returnURL)
	}
	sign, err := payment.SignSHA256RSA(g.cfg.PrivateKey, signContent(p))
	if err != nil {
		return nil, fmt.Errorf("alipay %s: %w", method, err)
	}
	p.Set("sign", sign)
	return p, nil
}

// signContent is the text Alipay signs: every non-empty parameter but sign,
// sorted by name, as raw (not URL-encoded) k=v joined by &. A request signs
// sign_type too; a notification's check drops it before calling this.
func signContent(p url.Values) []byte {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "sign" && p.Get(k) != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p.Get(k))
	}
	return b.Bytes()
}

// call POSTs one signed request to the gateway and decodes the verified
// answer into out.
func (g *Gateway) call(ctx context.Context, method string, biz any, notifyURL string, out any) error {
	params, err := g.signedParams(method, biz, notifyURL, "")
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.GatewayURL, strings.NewReader(params.Encode()))
	if err != nil {
		return fmt.Errorf("alipay %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	resp, err := g.client.Do(req)
	if err != nil {
		return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: %w", method, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: read answer: %w", method, err))
	}
	if resp.StatusCode != http.StatusOK {
		return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: HTTP %d", method, resp.StatusCode))
	}
	return g.openAnswer(method, raw, out)
}

// openAnswer verifies and decodes {"<method>_response":{...},"sign":"..."}.
// Alipay signs the exact text of the response object, so its raw bytes are
// verified as they came: re-marshalling would reorder keys and re-escape
// characters ("&" in URLs, non-ASCII) and no longer match.
func (g *Gateway) openAnswer(method string, raw []byte, out any) error {
	var envelope map[string]json.RawMessage
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: answer is not JSON: %w", method, err))
	}
	content, ok := envelope[strings.ReplaceAll(method, ".", "_")+"_response"]
	if !ok {
		// Requests the gateway cannot route (unknown method, app id)
		// come back under this name instead.
		content, ok = envelope["error_response"]
	}
	if !ok {
		return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: answer holds no response object", method))
	}
	var sign string
	if s, ok := envelope["sign"]; ok {
		if err := json.Unmarshal(s, &sign); err != nil {
			return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: sign: %w", method, err))
		}
	}
	var status struct {
		Code    string `json:"code"`
		Msg     string `json:"msg"`
		SubCode string `json:"sub_code"`
		SubMsg  string `json:"sub_msg"`
	}
	if err := json.Unmarshal(content, &status); err != nil {
		return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: response object: %w", method, err))
	}
	ae := &Error{Method: method, Code: status.Code, Msg: status.Msg, SubCode: status.SubCode, SubMsg: status.SubMsg}
	if sign == "" {
		if status.Code == "10000" {
			return payment.ErrGateway.WithMessage("the Alipay answer is not signed").
				Wrap(payment.ErrBadSignature.Wrap(fmt.Errorf("alipay %s: success without a signature", method)))
		}
		return payment.ErrGateway.Wrap(ae)
	}
	if err := payment.VerifySHA256RSA(g.cfg.AlipayPublicKey, content, sign); err != nil {
		return payment.ErrGateway.WithMessage("the Alipay answer's signature does not verify").
			Wrap(fmt.Errorf("alipay %s: %w", method, err))
	}
	ae.Signed = true
	if status.Code != "10000" {
		return payment.ErrGateway.Wrap(ae)
	}
	if err := json.Unmarshal(content, out); err != nil {
		return payment.ErrGateway.Wrap(fmt.Errorf("alipay %s: decode response: %w", method, err))
	}
	return nil
}

// tradeKind maps trade_status, the same in answers and notifications.
func tradeKind(status string) (payment.NotifyKind, bool) {
	switch status {
	case "TRADE_SUCCESS", "TRADE_FINISHED":
		return payment.NotifyPaid, true
	case "TRADE_CLOSED":
		return payment.NotifyClosed, true
	case "WAIT_BUYER_PAY":
		return payment.NotifyPending, true
	}
	return "", false
}

// parseTime reads an Alipay local time; empty is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(timeLayout, s, payment.Shanghai)
}
