// Package wechatpaytest is a local WeChat Pay API v3 for tests, speaking
// the protocol of api.mch.weixin.qq.com for a direct merchant in
// 微信支付公钥 mode: it refuses with 401 SIGN_ERROR any request whose
// WECHATPAY2-SHA256-RSA2048 Authorization does not verify against the
// merchant's key, signs every answer with the platform key
// (Wechatpay-Timestamp/-Nonce/-Signature/-Serial), writes notifications
// encrypted with AEAD_AES_256_GCM under the APIv3 key and serves the trade
// bill with its SHA1.
//
// It computes signatures and ciphertexts with its own code, not the
// adapter's, so a mistake in the adapter cannot hide behind the same
// mistake here. It imports only the standard library.
package wechatpaytest

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var shanghai = time.FixedZone("CST", 8*60*60)

// Server is one fake WeChat Pay API serving one merchant.
type Server struct {
	MchID string
	AppID string
	// Serial and Key are the 微信支付公钥 id and its private half: give
	// &Key.PublicKey and Serial to the adapter.
	Serial string
	Key    *rsa.PrivateKey
	// APIv3Key is the merchant's 32-byte key for notification resources.
	APIv3Key string
	// Now is the fake's clock for signing and for the request timestamp
	// window; time.Now when nil.
	Now func() time.Time
	// SignWith, when set, signs answers instead of Key, as a forger would.
	SignWith *rsa.PrivateKey
	// ReplayAge makes answers and notifications carry a timestamp this
	// long ago, as an old answer replayed by someone in between would.
	ReplayAge time.Duration
	// CorruptBill serves a bill whose bytes no longer match the SHA1 in
	// the tradebill answer.
	CorruptBill bool

	mchSerial string
	mchKey    *rsa.PublicKey
	srv       *httptest.Server

	mu      sync.Mutex
	trades  map[string]*Trade
	refunds map[string]*Refund
	bills   map[string]string // download token → bill date
	seq     int
}

// Trade is what the fake knows of one native payment.
type Trade struct {
	OutTradeNo    string
	TransactionID string
	Description   string
	NotifyURL     string
	TimeExpire    string
	CodeURL       string
	AmountFen     int64
	State         string // NOTPAY, SUCCESS, CLOSED, REFUND
	PaidAt        time.Time
}

// Refund is one refund of a trade.
type Refund struct {
	OutRefundNo string
	OutTradeNo  string
	RefundID    string
	Reason      string
	NotifyURL   string
	AmountFen   int64
	Status      string // PROCESSING, SUCCESS
	CreatedAt   time.Time
	SuccessAt   time.Time
}

// New starts a fake for the merchant whose requests verify with
// mchPublicKey under certificate serial mchSerial. It generates the platform
// key and the APIv3 key. Close it when done.
func New(mchID, appID, mchSerial string, mchPublicKey *rsa.PublicKey) (*Server, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &Server{
		MchID:     mchID,
		AppID:     appID,
		Serial:    "PUB_KEY_ID_0116000000002024010200000000000001",
		Key:       key,
		APIv3Key:  randomText(32),
		mchSerial: mchSerial,
		mchKey:    mchPublicKey,
		trades:    map[string]*Trade{},
		refunds:   map[string]*Refund{},
		bills:     map[string]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/pay/transactions/native", s.native)
	mux.HandleFunc("GET /v3/pay/transactions/out-trade-no/{no}", s.query)
	mux.HandleFunc("POST /v3/refund/domestic/refunds", s.refund)
	mux.HandleFunc("GET /v3/refund/domestic/refunds/{no}", s.refundQuery)
	mux.HandleFunc("GET /v3/bill/tradebill", s.tradeBill)
	mux.HandleFunc("GET /v3/billdownload/file", s.billFile)
	s.srv = httptest.NewServer(s.authorized(mux))
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL is the adapter's BaseURL.
func (s *Server) URL() string { return s.srv.URL }

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Trade returns a copy of a trade.
func (s *Server) Trade(outTradeNo string) (Trade, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[outTradeNo]
	if !ok {
		return Trade{}, false
	}
	return *t, true
}

// Refund returns a copy of a refund.
func (s *Server) Refund(outRefundNo string) (Refund, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.refunds[outRefundNo]
	if !ok {
		return Refund{}, false
	}
	return *r, true
}

// Pay is the payer scanning the code and paying.
func (s *Server) Pay(outTradeNo string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[outTradeNo]
	if !ok || t.State != "NOTPAY" {
		return fmt.Errorf("no unpaid trade %s", outTradeNo)
	}
	t.State, t.PaidAt = "SUCCESS", at
	return nil
}

// CloseTrade is an unpaid trade expiring.
func (s *Server) CloseTrade(outTradeNo string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[outTradeNo]
	if !ok || t.State != "NOTPAY" {
		return fmt.Errorf("no unpaid trade %s", outTradeNo)
	}
	t.State = "CLOSED"
	return nil
}

// SettleRefund is the bank finishing a refund that was PROCESSING.
func (s *Server) SettleRefund(outRefundNo string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.refunds[outRefundNo]
	if !ok || r.Status != "PROCESSING" {
		return fmt.Errorf("no processing refund %s", outRefundNo)
	}
	r.Status, r.SuccessAt = "SUCCESS", at
	return nil
}

// Resource is an encrypted notification payload.
type Resource struct {
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
	OriginalType   string `json:"original_type"`
}

// Encrypt seals a notification payload with the APIv3 key the way WeChat
// does: AES-256-GCM, a 12-character nonce, the tag appended to the
// ciphertext, associated_data named after the payload's type.
func (s *Server) Encrypt(plain []byte, originalType string) (Resource, error) {
	block, err := aes.NewCipher([]byte(s.APIv3Key))
	if err != nil {
		return Resource{}, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return Resource{}, err
	}
	nonce := randomText(12)
	ct := gcm.Seal(nil, []byte(nonce), plain, []byte(originalType))
	return Resource{
		Algorithm:      "AEAD_AES_256_GCM",
		Ciphertext:     base64.StdEncoding.EncodeToString(ct),
		AssociatedData: originalType,
		Nonce:          nonce,
		OriginalType:   originalType,
	}, nil
}

// Envelope is the notification body around a resource.
func (s *Server) Envelope(eventType string, res Resource) []byte {
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("EV-2018022511223320873%06d", s.seq)
	s.mu.Unlock()
	summary := map[string]string{"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功"}[eventType]
	b, err := json.Marshal(struct {
		ID           string   `json:"id"`
		CreateTime   string   `json:"create_time"`
		ResourceType string   `json:"resource_type"`
		EventType    string   `json:"event_type"`
		Summary      string   `json:"summary"`
		Resource     Resource `json:"resource"`
	}{id, s.now().In(shanghai).Format(time.RFC3339), "encrypt-resource", eventType, summary, res})
	if err != nil {
		panic(err)
	}
	return b
}

// SignHeaders are the Wechatpay-* headers for a body signed now with the
// platform key (or SignWith).
func (s *Server) SignHeaders(body []byte) http.Header {
	key := s.Key
	if s.SignWith != nil {
		key = s.SignWith
	}
	ts := strconv.FormatInt(s.now().Add(-s.ReplayAge).Unix(), 10)
	nonce := randomText(32)
	h := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		panic(err)
	}
	return http.Header{
		"Wechatpay-Timestamp": {ts},
		"Wechatpay-Nonce":     {nonce},
		"Wechatpay-Signature": {base64.StdEncoding.EncodeToString(sig)},
		"Wechatpay-Serial":    {s.Serial},
		"Content-Type":        {"application/json"},
	}
}

// PaidNotification is the TRANSACTION.SUCCESS notification for a paid
// trade: headers and body as WeChat posts them.
func (s *Server) PaidNotification(outTradeNo string) (http.Header, []byte, error) {
	s.mu.Lock()
	t, ok := s.trades[outTradeNo]
	var plain []byte
	if ok && !t.PaidAt.IsZero() {
		plain = mustJSON(s.transaction(t))
	}
	s.mu.Unlock()
	if plain == nil {
		return nil, nil, fmt.Errorf("no paid trade %s", outTradeNo)
	}
	return s.notification("TRANSACTION.SUCCESS", "transaction", plain)
}

// RefundNotification is the REFUND.SUCCESS notification for a settled
// refund.
func (s *Server) RefundNotification(outRefundNo string) (http.Header, []byte, error) {
	s.mu.Lock()
	r, ok := s.refunds[outRefundNo]
	var plain []byte
	if ok && r.Status == "SUCCESS" {
		t := s.trades[r.OutTradeNo]
		plain = mustJSON(map[string]any{
			"mchid":                 s.MchID,
			"out_trade_no":          t.OutTradeNo,
			"transaction_id":        t.TransactionID,
			"out_refund_no":         r.OutRefundNo,
			"refund_id":             r.RefundID,
			"refund_status":         r.Status,
			"success_time":          r.SuccessAt.In(shanghai).Format(time.RFC3339),
			"user_received_account": "支付用户零钱",
			"amount":                map[string]any{"total": t.AmountFen, "refund": r.AmountFen, "payer_total": t.AmountFen, "payer_refund": r.AmountFen},
		})
	}
	s.mu.Unlock()
	if plain == nil {
		return nil, nil, fmt.Errorf("no settled refund %s", outRefundNo)
	}
	return s.notification("REFUND.SUCCESS", "refund", plain)
}

func (s *Server) notification(eventType, originalType string, plain []byte) (http.Header, []byte, error) {
	res, err := s.Encrypt(plain, originalType)
	if err != nil {
		return nil, nil, err
	}
	body := s.Envelope(eventType, res)
	return s.SignHeaders(body), body, nil
}

func (s *Server) transaction(t *Trade) map[string]any {
	tx := map[string]any{
		"appid":            s.AppID,
		"mchid":            s.MchID,
		"out_trade_no":     t.OutTradeNo,
		"trade_type":       "NATIVE",
		"trade_state":      t.State,
		"trade_state_desc": map[string]string{"NOTPAY": "未支付", "SUCCESS": "支付成功", "CLOSED": "已关闭", "REFUND": "转入退款"}[t.State],
		"attach":           "",
		"amount":           map[string]any{"total": t.AmountFen, "currency": "CNY"},
	}
	if !t.PaidAt.IsZero() {
		tx["transaction_id"] = t.TransactionID
		tx["bank_type"] = "OTHERS"
		tx["success_time"] = t.PaidAt.In(shanghai).Format(time.RFC3339)
		tx["payer"] = map[string]any{"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
		tx["amount"] = map[string]any{"total": t.AmountFen, "payer_total": t.AmountFen, "currency": "CNY", "payer_currency": "CNY"}
	}
	return tx
}

// authorized checks every request's Authorization the way the API does and
// answers 401 SIGN_ERROR, unsigned, when it fails.
func (s *Server) authorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.checkAuthorization(r, body); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write(mustJSON(map[string]string{"code": "SIGN_ERROR", "message": "签名错误：" + err.Error()}))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func (s *Server) checkAuthorization(r *http.Request, body []byte) error {
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if scheme != "WECHATPAY2-SHA256-RSA2048" {
		return fmt.Errorf("scheme %q", scheme)
	}
	p := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return fmt.Errorf("malformed %q", part)
		}
		p[k] = v[1 : len(v)-1]
	}
	if p["mchid"] != s.MchID {
		return fmt.Errorf("mchid %q", p["mchid"])
	}
	if p["serial_no"] != s.mchSerial {
		return fmt.Errorf("serial_no %q is not the merchant certificate", p["serial_no"])
	}
	if p["nonce_str"] == "" {
		return errors.New("no nonce_str")
	}
	sec, err := strconv.ParseInt(p["timestamp"], 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q", p["timestamp"])
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s off", d)
	}
	sig, err := base64.StdEncoding.DecodeString(p["signature"])
	if err != nil {
		return errors.New("signature is not base64")
	}
	msg := r.Method + "\n" + r.RequestURI + "\n" + p["timestamp"] + "\n" + p["nonce_str"] + "\n" + string(body) + "\n"
	h := sha256.Sum256([]byte(msg))
	if err := rsa.VerifyPKCS1v15(s.mchKey, crypto.SHA256, h[:], sig); err != nil {
		return errors.New("signature does not verify")
	}
	return nil
}

// reply writes a signed JSON answer.
func (s *Server) reply(w http.ResponseWriter, status int, v any) {
	body := mustJSON(v)
	for k, vs := range s.SignHeaders(body) {
		w.Header()[k] = vs
	}
	w.Header().Set("Request-ID", randomText(24))
	w.WriteHeader(status)
	w.Write(body)
}

func (s *Server) fail(w http.ResponseWriter, status int, code, msg string) {
	s.reply(w, status, map[string]string{"code": code, "message": msg})
}

func (s *Server) native(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID       string `json:"appid"`
		MchID       string `json:"mchid"`
		Description string `json:"description"`
		OutTradeNo  string `json:"out_trade_no"`
		TimeExpire  string `json:"time_expire"`
		NotifyURL   string `json:"notify_url"`
		Amount      struct {
			Total    int64  `json:"total"`
			Currency string `json:"currency"`
		} `json:"amount"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.fail(w, 400, "PARAM_ERROR", err.Error())
		return
	}
	switch {
	case req.MchID != s.MchID || req.AppID != s.AppID:
		s.fail(w, 400, "PARAM_ERROR", "appid和mch_id不匹配")
		return
	case req.Description == "" || req.OutTradeNo == "" || len(req.OutTradeNo) > 32:
		s.fail(w, 400, "PARAM_ERROR", "description and out_trade_no are required")
		return
	case !strings.HasPrefix(req.NotifyURL, "https://"):
		s.fail(w, 400, "PARAM_ERROR", "notify_url must be https")
		return
	case req.Amount.Total <= 0 || (req.Amount.Currency != "" && req.Amount.Currency != "CNY"):
		s.fail(w, 400, "PARAM_ERROR", "amount")
		return
	}
	if req.TimeExpire != "" {
		if _, err := time.Parse(time.RFC3339, req.TimeExpire); err != nil {
			s.fail(w, 400, "PARAM_ERROR", "time_expire: "+err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.trades[req.OutTradeNo]; ok {
		switch {
		case t.State != "NOTPAY":
			s.fail(w, 400, "ORDERPAID", "该订单已支付")
		case t.AmountFen != req.Amount.Total:
			s.fail(w, 400, "INVALID_REQUEST", "201 商户订单号重复")
		default:
			s.reply(w, 200, map[string]string{"code_url": t.CodeURL})
		}
		return
	}
	s.seq++
	t := &Trade{
		OutTradeNo:    req.OutTradeNo,
		TransactionID: fmt.Sprintf("42000%015d", s.seq),
		Description:   req.Description,
		NotifyURL:     req.NotifyURL,
		TimeExpire:    req.TimeExpire,
		CodeURL:       "weixin://wxpay/bizpayurl?pr=" + randomText(7),
		AmountFen:     req.Amount.Total,
		State:         "NOTPAY",
	}
	s.trades[t.OutTradeNo] = t
	s.reply(w, 200, map[string]string{"code_url": t.CodeURL})
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("mchid") != s.MchID {
		s.fail(w, 400, "PARAM_ERROR", "mchid")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[r.PathValue("no")]
	if !ok {
		s.fail(w, 404, "ORDER_NOT_EXIST", "订单不存在")
		return
	}
	s.reply(w, 200, s.transaction(t))
}

func (s *Server) refund(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OutTradeNo  string `json:"out_trade_no"`
		OutRefundNo string `json:"out_refund_no"`
		Reason      string `json:"reason"`
		NotifyURL   string `json:"notify_url"`
		Amount      struct {
			Refund   int64  `json:"refund"`
			Total    int64  `json:"total"`
			Currency string `json:"currency"`
		} `json:"amount"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.fail(w, 400, "PARAM_ERROR", err.Error())
		return
	}
	if req.OutRefundNo == "" || req.Amount.Refund <= 0 || req.Amount.Currency != "CNY" {
		s.fail(w, 400, "PARAM_ERROR", "out_refund_no, amount.refund and amount.currency are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.refunds[req.OutRefundNo]; ok {
		s.reply(w, 200, s.refundView(old))
		return
	}
	t, ok := s.trades[req.OutTradeNo]
	switch {
	case !ok:
		s.fail(w, 404, "RESOURCE_NOT_EXISTS", "订单不存在")
		return
	case t.PaidAt.IsZero():
		s.fail(w, 400, "INVALID_REQUEST", "订单未支付")
		return
	case req.Amount.Total != t.AmountFen:
		s.fail(w, 400, "PARAM_ERROR", "订单金额与原订单不一致")
		return
	}
	var refunded int64
	for _, x := range s.refunds {
		if x.OutTradeNo == t.OutTradeNo {
			refunded += x.AmountFen
		}
	}
	if refunded+req.Amount.Refund > t.AmountFen {
		s.fail(w, 400, "INVALID_REQUEST", "退款金额超过订单可退金额")
		return
	}
	s.seq++
	x := &Refund{
		OutRefundNo: req.OutRefundNo,
		OutTradeNo:  t.OutTradeNo,
		RefundID:    fmt.Sprintf("50000%015d", s.seq),
		Reason:      req.Reason,
		NotifyURL:   req.NotifyURL,
		AmountFen:   req.Amount.Refund,
		Status:      "PROCESSING",
		CreatedAt:   s.now(),
	}
	s.refunds[x.OutRefundNo] = x
	t.State = "REFUND"
	s.reply(w, 200, s.refundView(x))
}

func (s *Server) refundQuery(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.refunds[r.PathValue("no")]
	if !ok {
		s.fail(w, 404, "RESOURCE_NOT_EXISTS", "退款单不存在")
		return
	}
	s.reply(w, 200, s.refundView(x))
}

func (s *Server) refundView(x *Refund) map[string]any {
	t := s.trades[x.OutTradeNo]
	v := map[string]any{
		"refund_id":             x.RefundID,
		"out_refund_no":         x.OutRefundNo,
		"transaction_id":        t.TransactionID,
		"out_trade_no":          t.OutTradeNo,
		"channel":               "ORIGINAL",
		"user_received_account": "支付用户零钱",
		"create_time":           x.CreatedAt.In(shanghai).Format(time.RFC3339),
		"status":                x.Status,
		"funds_account":         "AVAILABLE",
		"amount": map[string]any{
			"total": t.AmountFen, "refund": x.AmountFen, "payer_total": t.AmountFen, "payer_refund": x.AmountFen,
			"settlement_total": t.AmountFen, "settlement_refund": x.AmountFen, "discount_refund": 0, "currency": "CNY",
		},
	}
	if !x.SuccessAt.IsZero() {
		v["success_time"] = x.SuccessAt.In(shanghai).Format(time.RFC3339)
	}
	return v
}

func (s *Server) tradeBill(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	date := q.Get("bill_date")
	if _, err := time.Parse("2006-01-02", date); err != nil || q.Get("bill_type") != "ALL" {
		s.fail(w, 400, "PARAM_ERROR", "bill_date or bill_type")
		return
	}
	csv, n := s.BillCSV(date)
	if n == 0 {
		s.fail(w, 400, "NO_STATEMENT_EXIST", "账单文件不存在")
		return
	}
	sum := sha1.Sum(csv)
	s.mu.Lock()
	s.seq++
	token := fmt.Sprintf("%s-%d", randomText(16), s.seq)
	s.bills[token] = date
	s.mu.Unlock()
	s.reply(w, 200, map[string]string{
		"hash_type":    "SHA1",
		"hash_value":   hex.EncodeToString(sum[:]),
		"download_url": s.srv.URL + "/v3/billdownload/file?token=" + token,
	})
}

// billFile serves the bill itself; WeChat does not sign it, the SHA1 in the
// tradebill answer vouches for it.
func (s *Server) billFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	date, ok := s.bills[r.URL.Query().Get("token")]
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		w.Write(mustJSON(map[string]string{"code": "PARAM_ERROR", "message": "token"}))
		return
	}
	csv, _ := s.BillCSV(date)
	if s.CorruptBill {
		csv = bytes.Replace(csv, []byte("`SUCCESS"), []byte("`REVOKED"), 1)
	}
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.Write(csv)
}

var billColumns = []string{
	"交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识", "交易类型",
	"交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号", "商户退款单号", "退款金额",
	"充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包", "手续费", "费率", "订单金额", "申请退款金额", "费率备注",
}

// BillCSV is the ALL trade bill of one day (YYYY-MM-DD, Asia/Shanghai) and
// how many transaction lines it has.
func (s *Server) BillCSV(date string) ([]byte, int) {
	onDay := func(t time.Time) bool { return !t.IsZero() && t.In(shanghai).Format("2006-01-02") == date }
	s.mu.Lock()
	defer s.mu.Unlock()
	type row struct {
		at time.Time
		v  map[string]string
	}
	var rows []row
	var payFen, refundFen int64
	base := func(t *Trade, at time.Time, state string) map[string]string {
		return map[string]string{
			"交易时间": at.In(shanghai).Format("2006-01-02 15:04:05"), "公众账号ID": s.AppID, "商户号": s.MchID,
			"特约商户号": "0", "微信订单号": t.TransactionID, "商户订单号": t.OutTradeNo, "用户标识": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
			"交易类型": "NATIVE", "交易状态": state, "付款银行": "OTHERS", "货币种类": "CNY",
			"应结订单金额": yuan(t.AmountFen), "代金券金额": "0.00", "商品名称": t.Description,
			"订单金额": yuan(t.AmountFen), "费率": "0.60%",
		}
	}
	for _, t := range s.trades {
		if onDay(t.PaidAt) {
			v := base(t, t.PaidAt, "SUCCESS")
			v["微信退款单号"], v["商户退款单号"], v["退款金额"], v["充值券退款金额"], v["申请退款金额"] = "0", "0", "0.00", "0.00", "0.00"
			v["手续费"] = yuan(t.AmountFen*6/1000) + "000"
			rows = append(rows, row{t.PaidAt, v})
			payFen += t.AmountFen
		}
	}
	for _, x := range s.refunds {
		if x.Status == "SUCCESS" && onDay(x.SuccessAt) {
			t := s.trades[x.OutTradeNo]
			v := base(t, x.SuccessAt, "REFUND")
			v["微信退款单号"], v["商户退款单号"], v["退款金额"], v["充值券退款金额"] = x.RefundID, x.OutRefundNo, yuan(x.AmountFen), "0.00"
			v["退款类型"], v["退款状态"], v["申请退款金额"] = "ORIGINAL", "SUCCESS", yuan(x.AmountFen)
			v["手续费"] = "-" + yuan(x.AmountFen*6/1000) + "000"
			rows = append(rows, row{x.SuccessAt, v})
			refundFen += x.AmountFen
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].at.Before(rows[j].at) })

	var b strings.Builder
	b.WriteString(strings.Join(billColumns, ",") + "\r\n")
	for _, r := range rows {
		vals := make([]string, len(billColumns))
		for i, c := range billColumns {
			vals[i] = "`" + r.v[c]
		}
		b.WriteString(strings.Join(vals, ",") + "\r\n")
	}
	b.WriteString("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n")
	fmt.Fprintf(&b, "`%d,`%s,`%s,`0.00,`0.00000,`%s,`%s\r\n", len(rows), yuan(payFen), yuan(refundFen), yuan(payFen), yuan(refundFen))
	return []byte(b.String()), len(rows)
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomText(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}
