// Package alipaytest is a local Alipay open platform gateway for tests. It
// speaks the protocol of openapi.alipay.com/gateway.do in public-key mode:
// it checks RSA2 request signatures with the app's public key, answers with
// {"<method>_response":{...},"sign":"..."} signed over the object's exact
// text, writes signed form-encoded notifications and serves the daily bill
// as a zip of GBK CSV files.
//
// It computes every signature with its own code, not the adapter's, so a
// mistake in the adapter cannot hide behind the same mistake here. It
// imports only the standard library and golang.org/x/text.
package alipaytest

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// SellerID is the merchant PID (2088...) the fake's app belongs to.
const SellerID = "2088102177846880"

var shanghai = time.FixedZone("CST", 8*60*60)

const timeLayout = "2006-01-02 15:04:05"

// Server is one fake Alipay gateway serving one app.
type Server struct {
	AppID string
	// Key is Alipay's own key: give &Key.PublicKey to the adapter as the
	// 支付宝公钥.
	Key *rsa.PrivateKey
	// SignWith, when set, signs answers instead of Key, the way a forger
	// between us and Alipay would.
	SignWith *rsa.PrivateKey
	// Tamper, when set, rewrites each response object after it was signed.
	Tamper func(obj []byte) []byte
	// Now is the fake's clock for refunds; time.Now when nil.
	Now func() time.Time

	appKey *rsa.PublicKey
	srv    *httptest.Server

	mu     sync.Mutex
	trades map[string]*Trade
	bills  map[string]string // download token → bill date
	seq    int
}

// Trade is what the fake knows of one trade.
type Trade struct {
	OutTradeNo  string
	TradeNo     string
	Method      string // alipay.trade.page.pay or alipay.trade.wap.pay
	ProductCode string
	Subject     string
	AmountFen   int64
	TimeExpire  string
	NotifyURL   string
	ReturnURL   string
	Status      string // WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED
	PaidAt      time.Time
	Refunds     []Refund
}

// Refund is one refund of a trade.
type Refund struct {
	OutRequestNo string
	AmountFen    int64
	At           time.Time
}

// New starts a fake gateway for the app whose requests verify with
// appPublicKey. Close it when done.
func New(appID string, appPublicKey *rsa.PublicKey) (*Server, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &Server{AppID: appID, Key: key, appKey: appPublicKey, trades: map[string]*Trade{}, bills: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway.do", s.serveGateway)
	mux.HandleFunc("GET /downloadFile.do", s.serveBill)
	s.srv = httptest.NewServer(mux)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// GatewayURL is the adapter's GatewayURL.
func (s *Server) GatewayURL() string { return s.srv.URL + "/gateway.do" }

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
	c := *t
	c.Refunds = append([]Refund(nil), t.Refunds...)
	return c, true
}

// OpenPayURL is the payer's browser opening a page or wap pay URL: the
// cashier checks the signature against the app's public key and registers
// the trade, waiting for the buyer.
func (s *Server) OpenPayURL(payURL string) (Trade, error) {
	u, err := url.Parse(payURL)
	if err != nil {
		return Trade{}, err
	}
	if u.Scheme+"://"+u.Host+u.Path != s.GatewayURL() {
		return Trade{}, fmt.Errorf("pay URL points at %s, not the gateway", u.Host+u.Path)
	}
	p := u.Query()
	if err := s.checkRequest(p); err != nil {
		return Trade{}, err
	}
	method := p.Get("method")
	var biz struct {
		OutTradeNo  string `json:"out_trade_no"`
		TotalAmount string `json:"total_amount"`
		Subject     string `json:"subject"`
		ProductCode string `json:"product_code"`
		TimeExpire  string `json:"time_expire"`
	}
	if err := json.Unmarshal([]byte(p.Get("biz_content")), &biz); err != nil {
		return Trade{}, fmt.Errorf("biz_content: %w", err)
	}
	want := map[string]string{"alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY", "alipay.trade.wap.pay": "QUICK_WAP_WAY"}[method]
	if want == "" || biz.ProductCode != want {
		return Trade{}, fmt.Errorf("method %s with product_code %s", method, biz.ProductCode)
	}
	amount, err := parseYuan(biz.TotalAmount)
	if err != nil || amount <= 0 {
		return Trade{}, fmt.Errorf("total_amount %q", biz.TotalAmount)
	}
	if biz.OutTradeNo == "" || biz.Subject == "" {
		return Trade{}, errors.New("out_trade_no and subject are required")
	}
	if biz.TimeExpire != "" {
		if _, err := time.ParseInLocation(timeLayout, biz.TimeExpire, shanghai); err != nil {
			return Trade{}, fmt.Errorf("time_expire: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.trades[biz.OutTradeNo]; ok {
		if t.AmountFen != amount {
			return Trade{}, errors.New("ACQ.CONTEXT_INCONSISTENT: the trade exists with another amount")
		}
		return *t, nil
	}
	s.seq++
	t := &Trade{
		OutTradeNo:  biz.OutTradeNo,
		TradeNo:     fmt.Sprintf("2024%06d22001400001%09d", s.seq, s.seq),
		Method:      method,
		ProductCode: biz.ProductCode,
		Subject:     biz.Subject,
		AmountFen:   amount,
		TimeExpire:  biz.TimeExpire,
		NotifyURL:   p.Get("notify_url"),
		ReturnURL:   p.Get("return_url"),
		Status:      "WAIT_BUYER_PAY",
	}
	s.trades[t.OutTradeNo] = t
	return *t, nil
}

// Pay is the buyer paying an opened trade.
func (s *Server) Pay(outTradeNo string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[outTradeNo]
	if !ok {
		return fmt.Errorf("no trade %s", outTradeNo)
	}
	if t.Status != "WAIT_BUYER_PAY" {
		return fmt.Errorf("trade %s is %s", outTradeNo, t.Status)
	}
	t.Status, t.PaidAt = "TRADE_SUCCESS", at
	return nil
}

// CloseTrade is an unpaid trade timing out.
func (s *Server) CloseTrade(outTradeNo string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[outTradeNo]
	if !ok || t.Status != "WAIT_BUYER_PAY" {
		return fmt.Errorf("no open trade %s", outTradeNo)
	}
	t.Status = "TRADE_CLOSED"
	return nil
}

// PayNotify is the signed trade_status_sync notification Alipay posts for a
// trade in its current state. Encode it for the body.
func (s *Server) PayNotify(outTradeNo string) (url.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[outTradeNo]
	if !ok {
		return nil, fmt.Errorf("no trade %s", outTradeNo)
	}
	v := s.notifyBase(t)
	if !t.PaidAt.IsZero() {
		v.Set("gmt_payment", t.PaidAt.In(shanghai).Format(timeLayout))
		v.Set("receipt_amount", yuan(t.AmountFen))
		v.Set("buyer_pay_amount", yuan(t.AmountFen))
		v.Set("invoice_amount", yuan(t.AmountFen))
		v.Set("point_amount", "0.00")
		v.Set("fund_bill_list", `[{"amount":"`+yuan(t.AmountFen)+`","fundChannel":"ALIPAYACCOUNT"}]`)
	}
	return v, Sign(s.Key, v)
}

// RefundNotify is the notification Alipay posts after a refund: the trade's
// trade_status_sync carrying the refund fields.
func (s *Server) RefundNotify(outTradeNo, outRequestNo string) (url.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[outTradeNo]
	if !ok {
		return nil, fmt.Errorf("no trade %s", outTradeNo)
	}
	var this *Refund
	var total int64
	for i := range t.Refunds {
		total += t.Refunds[i].AmountFen
		if t.Refunds[i].OutRequestNo == outRequestNo {
			this = &t.Refunds[i]
		}
	}
	if this == nil {
		return nil, fmt.Errorf("no refund %s of %s", outRequestNo, outTradeNo)
	}
	v := s.notifyBase(t)
	v.Set("gmt_payment", t.PaidAt.In(shanghai).Format(timeLayout))
	v.Set("out_biz_no", this.OutRequestNo)
	v.Set("refund_fee", yuan(total))
	v.Set("send_back_fee", yuan(this.AmountFen))
	v.Set("gmt_refund", this.At.In(shanghai).Format("2006-01-02 15:04:05.000"))
	return v, Sign(s.Key, v)
}

func (s *Server) notifyBase(t *Trade) url.Values {
	s.seq++
	v := url.Values{}
	v.Set("notify_time", s.now().In(shanghai).Format(timeLayout))
	v.Set("notify_type", "trade_status_sync")
	v.Set("notify_id", fmt.Sprintf("2024010200222100000%013d", s.seq))
	v.Set("charset", "utf-8")
	v.Set("version", "1.0")
	v.Set("app_id", s.AppID)
	v.Set("auth_app_id", s.AppID)
	v.Set("seller_id", SellerID)
	v.Set("buyer_id", "2088102177840000")
	v.Set("trade_no", t.TradeNo)
	v.Set("out_trade_no", t.OutTradeNo)
	v.Set("trade_status", t.Status)
	v.Set("total_amount", yuan(t.AmountFen))
	v.Set("subject", t.Subject)
	v.Set("gmt_create", t.PaidAt.Add(-time.Minute).In(shanghai).Format(timeLayout))
	return v
}

// Sign signs notification parameters the way Alipay does: every non-empty
// parameter but sign and sign_type, sorted, k=v joined by &, SHA256withRSA.
// It sets sign_type and sign. Tests use it to sign with another key.
func Sign(key *rsa.PrivateKey, v url.Values) error {
	v.Del("sign")
	v.Del("sign_type")
	sig, err := sign(key, content(v, "sign"))
	if err != nil {
		return err
	}
	v.Set("sign_type", "RSA2")
	v.Set("sign", sig)
	return nil
}

// content is the signed text: parameters sorted, the excluded and empty ones
// left out, raw values.
func content(v url.Values, exclude ...string) []byte {
	var keys []string
	for k := range v {
		skip := v.Get(k) == ""
		for _, e := range exclude {
			skip = skip || k == e
		}
		if !skip {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + v.Get(k)
	}
	return []byte(strings.Join(parts, "&"))
}

func sign(key *rsa.PrivateKey, msg []byte) (string, error) {
	h := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// checkRequest is the gateway's check of an app's request: common
// parameters present and the RSA2 signature over all but sign verified with
// the app's public key.
func (s *Server) checkRequest(p url.Values) error {
	if p.Get("app_id") != s.AppID {
		return fmt.Errorf("isv.invalid-app-id: app_id %q", p.Get("app_id"))
	}
	for k, want := range map[string]string{"format": "JSON", "charset": "utf-8", "sign_type": "RSA2", "version": "1.0"} {
		if p.Get(k) != want {
			return fmt.Errorf("isv.invalid-parameter: %s=%q, want %q", k, p.Get(k), want)
		}
	}
	if _, err := time.ParseInLocation(timeLayout, p.Get("timestamp"), shanghai); err != nil {
		return fmt.Errorf("isv.invalid-timestamp: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(p.Get("sign"))
	if err != nil {
		return fmt.Errorf("isv.invalid-signature: %w", err)
	}
	h := sha256.Sum256(content(p, "sign"))
	if err := rsa.VerifyPKCS1v15(s.appKey, crypto.SHA256, h[:], sig); err != nil {
		return fmt.Errorf("isv.invalid-signature: %w", err)
	}
	return nil
}

// field is one member of a response object; answers keep Alipay's member
// order rather than Go's sorted map order.
type field struct {
	k string
	v any
}

// object writes members as JSON the way Alipay does: in order, without
// escaping "&", "<" or ">" the way encoding/json would.
func object(fs ...field) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:", f.k)
		var v bytes.Buffer
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(f.v); err != nil {
			panic(err)
		}
		b.Write(bytes.TrimRight(v.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func (s *Server) answer(w http.ResponseWriter, method string, obj []byte) {
	key := s.Key
	if s.SignWith != nil {
		key = s.SignWith
	}
	sig, err := sign(key, obj)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if s.Tamper != nil {
		obj = s.Tamper(obj)
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	fmt.Fprintf(w, `{"%s_response":%s,"sign":"%s"}`, strings.ReplaceAll(method, ".", "_"), obj, sig)
}

func refusal(code, msg, subCode, subMsg string) []byte {
	return object(field{"code", code}, field{"msg", msg}, field{"sub_code", subCode}, field{"sub_msg", subMsg})
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := r.Form
	method := p.Get("method")
	if p.Get("app_id") != s.AppID {
		// An app the gateway does not know gets an unsigned error_response.
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		fmt.Fprintf(w, `{"error_response":%s}`, refusal("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数"))
		return
	}
	if err := s.checkRequest(p); err != nil {
		sub, _, _ := strings.Cut(err.Error(), ":")
		s.answer(w, method, refusal("40002", "Invalid Arguments", sub, err.Error()))
		return
	}
	biz := []byte(p.Get("biz_content"))
	var obj []byte
	switch method {
	case "alipay.trade.query":
		obj = s.query(biz)
	case "alipay.trade.refund":
		obj = s.refund(biz)
	case "alipay.trade.fastpay.refund.query":
		obj = s.refundQuery(biz)
	case "alipay.data.dataservice.bill.downloadurl.query":
		obj = s.billURL(biz)
	default:
		obj = refusal("40004", "Business Failed", "isv.invalid-method", "不存在的方法名")
	}
	s.answer(w, method, obj)
}

func (s *Server) query(biz []byte) []byte {
	var q struct {
		OutTradeNo string `json:"out_trade_no"`
	}
	if err := json.Unmarshal(biz, &q); err != nil {
		return refusal("40002", "Invalid Arguments", "isv.invalid-parameter", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[q.OutTradeNo]
	if !ok {
		return refusal("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	fs := []field{
		{"code", "10000"}, {"msg", "Success"},
		{"buyer_logon_id", "abc***@163.com"},
		{"buyer_pay_amount", "0.00"},
		{"out_trade_no", t.OutTradeNo},
		{"point_amount", "0.00"},
		{"receipt_amount", "0.00"},
	}
	if !t.PaidAt.IsZero() {
		fs = append(fs, field{"send_pay_date", t.PaidAt.In(shanghai).Format(timeLayout)})
	}
	fs = append(fs,
		field{"total_amount", yuan(t.AmountFen)},
		field{"trade_no", t.TradeNo},
		field{"trade_status", t.Status},
		field{"buyer_user_id", "2088102177840000"},
	)
	return object(fs...)
}

func (s *Server) refund(biz []byte) []byte {
	var q struct {
		OutTradeNo   string `json:"out_trade_no"`
		OutRequestNo string `json:"out_request_no"`
		RefundAmount string `json:"refund_amount"`
	}
	if err := json.Unmarshal(biz, &q); err != nil {
		return refusal("40002", "Invalid Arguments", "isv.invalid-parameter", err.Error())
	}
	amount, err := parseYuan(q.RefundAmount)
	if err != nil || amount <= 0 {
		return refusal("40002", "Invalid Arguments", "isv.invalid-parameter", "refund_amount")
	}
	if q.OutRequestNo == "" {
		q.OutRequestNo = q.OutTradeNo
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[q.OutTradeNo]
	if !ok {
		return refusal("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	var refunded int64
	var repeat *Refund
	for i := range t.Refunds {
		refunded += t.Refunds[i].AmountFen
		if t.Refunds[i].OutRequestNo == q.OutRequestNo {
			repeat = &t.Refunds[i]
		}
	}
	fundChange, this := "N", repeat
	if repeat == nil {
		if t.PaidAt.IsZero() {
			return refusal("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
		}
		if refunded+amount > t.AmountFen {
			return refusal("40004", "Business Failed", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
		}
		t.Refunds = append(t.Refunds, Refund{OutRequestNo: q.OutRequestNo, AmountFen: amount, At: s.now()})
		this = &t.Refunds[len(t.Refunds)-1]
		refunded += amount
		fundChange = "Y"
		if refunded == t.AmountFen {
			t.Status = "TRADE_CLOSED"
		}
	}
	return object(
		field{"code", "10000"}, field{"msg", "Success"},
		field{"buyer_logon_id", "abc***@163.com"},
		field{"fund_change", fundChange},
		field{"gmt_refund_pay", this.At.In(shanghai).Format(timeLayout)},
		field{"out_trade_no", t.OutTradeNo},
		field{"refund_fee", yuan(refunded)},
		field{"send_back_fee", yuan(this.AmountFen)},
		field{"trade_no", t.TradeNo},
		field{"buyer_user_id", "2088102177840000"},
	)
}

func (s *Server) refundQuery(biz []byte) []byte {
	var q struct {
		OutTradeNo   string   `json:"out_trade_no"`
		OutRequestNo string   `json:"out_request_no"`
		QueryOptions []string `json:"query_options"`
	}
	if err := json.Unmarshal(biz, &q); err != nil {
		return refusal("40002", "Invalid Arguments", "isv.invalid-parameter", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trades[q.OutTradeNo]
	if !ok {
		return refusal("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	for _, r := range t.Refunds {
		if r.OutRequestNo != q.OutRequestNo {
			continue
		}
		fs := []field{
			{"code", "10000"}, {"msg", "Success"},
			{"out_request_no", r.OutRequestNo},
			{"out_trade_no", t.OutTradeNo},
			{"refund_amount", yuan(r.AmountFen)},
			{"refund_status", "REFUND_SUCCESS"},
			{"total_amount", yuan(t.AmountFen)},
			{"trade_no", t.TradeNo},
		}
		for _, o := range q.QueryOptions {
			if o == "gmt_refund_pay" {
				fs = append(fs, field{"gmt_refund_pay", r.At.In(shanghai).Format(timeLayout)})
			}
		}
		return object(fs...)
	}
	// Alipay answers an unknown refund with a bare success.
	return object(field{"code", "10000"}, field{"msg", "Success"})
}

func (s *Server) billURL(biz []byte) []byte {
	var q struct {
		BillType string `json:"bill_type"`
		BillDate string `json:"bill_date"`
	}
	if err := json.Unmarshal(biz, &q); err != nil {
		return refusal("40002", "Invalid Arguments", "isv.invalid-parameter", err.Error())
	}
	if _, err := time.Parse("2006-01-02", q.BillDate); err != nil || q.BillType != "trade" {
		return refusal("40004", "Business Failed", "isp.bill_not_exist", "账单不存在")
	}
	s.mu.Lock()
	s.seq++
	token := fmt.Sprintf("t%08d", s.seq)
	s.bills[token] = q.BillDate
	s.mu.Unlock()
	compact := strings.ReplaceAll(q.BillDate, "-", "")
	u := s.srv.URL + "/downloadFile.do?bizType=trade&userId=" + SellerID + "&fileType=csv.zip&bizDates=" + compact +
		"&downloadFileName=" + SellerID + "_" + compact + ".csv.zip&fileId=%2Ftrade%2F" + SellerID + "%2F" + compact +
		"&timestamp=" + strconv.FormatInt(s.now().Unix(), 10) + "&token=" + token
	return object(field{"code", "10000"}, field{"msg", "Success"}, field{"bill_download_url", u})
}

func (s *Server) serveBill(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	date, ok := s.bills[r.URL.Query().Get("token")]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "token expired", http.StatusForbidden)
		return
	}
	b, err := s.BillZip(date)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/oct-stream")
	w.Write(b)
}

// detailColumns is the 业务明细 header of the current bill format.
var detailColumns = []string{
	"支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号", "门店名称",
	"操作员", "终端号", "对方账户", "订单金额（元）", "商家实收（元）", "支付宝红包（元）", "集分宝（元）",
	"支付宝优惠（元）", "商家优惠（元）", "券核销金额（元）", "券名称", "商家红包消费金额（元）",
	"卡消费金额（元）", "退款批次号/请求号", "服务费（元）", "分润（元）", "备注",
}

// BillZip is the bill of one day (YYYY-MM-DD, Asia/Shanghai) as Alipay
// serves it: a zip whose entry names and CSV contents are GBK, the summary
// file first.
func (s *Server) BillZip(date string) ([]byte, error) {
	day, err := time.ParseInLocation("2006-01-02", date, shanghai)
	if err != nil {
		return nil, err
	}
	onDay := func(t time.Time) bool { return !t.IsZero() && t.In(shanghai).Format("2006-01-02") == date }
	s.mu.Lock()
	var nos []string
	for no := range s.trades {
		nos = append(nos, no)
	}
	sort.Strings(nos)
	var rows [][]string
	var payN, refundN int
	var payFen, refundFen int64
	for _, no := range nos {
		t := s.trades[no]
		if onDay(t.PaidAt) {
			rows = append(rows, detailRow(t.TradeNo, t.OutTradeNo, "交易", t.Subject, t.PaidAt.Add(-time.Minute), t.PaidAt, yuan(t.AmountFen), ""))
			payN++
			payFen += t.AmountFen
		}
		for _, r := range t.Refunds {
			if onDay(r.At) {
				rows = append(rows, detailRow(t.TradeNo, t.OutTradeNo, "退款", t.Subject, t.PaidAt.Add(-time.Minute), r.At, "-"+yuan(r.AmountFen), r.OutRequestNo))
				refundN++
				refundFen += r.AmountFen
			}
		}
	}
	s.mu.Unlock()

	period := fmt.Sprintf("#起始日期：[%s 00:00:00]   终止日期：[%s 00:00:00]",
		day.Format("2006年01月02日"), day.AddDate(0, 0, 1).Format("2006年01月02日"))
	var detail strings.Builder
	detail.WriteString("#支付宝业务明细查询\r\n#账号：[" + SellerID + "0156]\r\n" + period + "\r\n")
	detail.WriteString("#-----------------------------------------业务明细列表----------------------------------------\r\n")
	detail.WriteString(strings.Join(detailColumns, ",") + "\r\n")
	for _, r := range rows {
		detail.WriteString(strings.Join(r, ",") + "\r\n")
	}
	detail.WriteString("#-----------------------------------------业务明细列表结束------------------------------------\r\n")
	fmt.Fprintf(&detail, "#交易合计：%d笔，商家实收：%s元，商家优惠：0.00元\r\n", payN, yuan(payFen))
	fmt.Fprintf(&detail, "#退款合计：%d笔，商家实收：-%s元，商家优惠：0.00元\r\n", refundN, yuan(refundFen))
	fmt.Fprintf(&detail, "#导出时间：[%s]\r\n", day.AddDate(0, 0, 1).Add(9*time.Hour).Format("2006年01月02日 15:04:05"))

	var summary strings.Builder
	summary.WriteString("#支付宝业务汇总查询\r\n#账号：[" + SellerID + "0156]\r\n" + period + "\r\n")
	summary.WriteString("#-----------------------------------------业务汇总列表----------------------------------------\r\n")
	summary.WriteString("门店编号,门店名称,交易订单总笔数,退款订单总笔数,已收入订单金额（元）,商家实收（元）,服务费（元）\r\n")
	fmt.Fprintf(&summary, ",合计,%d,%d,%s,%s,0.00\r\n", payN, refundN, yuan(payFen-refundFen), yuan(payFen-refundFen))
	summary.WriteString("#-----------------------------------------业务汇总列表结束------------------------------------\r\n")

	compact := strings.ReplaceAll(date, "-", "")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, text string }{
		{SellerID + "0156_" + compact + "_业务明细(汇总).csv", summary.String()},
		{SellerID + "0156_" + compact + "_业务明细.csv", detail.String()},
	} {
		name, err := simplifiedchinese.GBK.NewEncoder().String(f.name)
		if err != nil {
			return nil, err
		}
		text, err := simplifiedchinese.GBK.NewEncoder().String(f.text)
		if err != nil {
			return nil, err
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, NonUTF8: true, Modified: day})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(text)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// detailRow pads each value with a tab, as Alipay does to keep spreadsheets
// from turning long numbers into floats.
func detailRow(tradeNo, outTradeNo, kind, subject string, created, done time.Time, amount, outRequestNo string) []string {
	v := map[string]string{
		"支付宝交易号":    tradeNo,
		"商户订单号":     outTradeNo,
		"业务类型":      kind,
		"商品名称":      subject,
		"创建时间":      created.In(shanghai).Format(timeLayout),
		"完成时间":      done.In(shanghai).Format(timeLayout),
		"对方账户":      "abc***@163.com",
		"订单金额（元）":   amount,
		"商家实收（元）":   amount,
		"退款批次号/请求号": outRequestNo,
	}
	row := make([]string, len(detailColumns))
	for i, c := range detailColumns {
		val, ok := v[c]
		if !ok && strings.HasSuffix(c, "（元）") {
			val = "0.00"
		}
		row[i] = val + "\t"
	}
	return row
}

// yuan and parseYuan are the fake's own fen/yuan conversions, written apart
// from the adapter's on purpose.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func parseYuan(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseUint(whole, 10, 40)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseUint(frac, 10, 8)
	if err != nil {
		return 0, err
	}
	return int64(w*100 + f), nil
}
