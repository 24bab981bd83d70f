package wechatpay_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"doorstep/app/payment"
	"doorstep/app/payment/wechatpay"
	"doorstep/app/payment/wechatpay/wechatpaytest"
)

const (
	mchID     = "1900000109"
	appID     = "wxd678efh567hg6787"
	mchSerial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
	notifyURL = "https://demo.doorstep.test/api/payments/notify/wechat"
)

var shanghai = time.FixedZone("CST", 8*60*60)

type env struct {
	gw     *wechatpay.Gateway
	fake   *wechatpaytest.Server
	mchKey *rsa.PrivateKey
	cfg    wechatpay.Config
}

func newEnv(t *testing.T) env {
	t.Helper()
	mchKey := generateKey(t)
	fake, err := wechatpaytest.New(mchID, appID, mchSerial, &mchKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	cfg := wechatpay.Config{
		MchID:             mchID,
		AppID:             appID,
		MchPrivateKey:     mchKey,
		MchCertSerial:     mchSerial,
		APIv3Key:          fake.APIv3Key,
		PlatformPublicKey: &fake.Key.PublicKey,
		PlatformSerial:    fake.Serial,
		BaseURL:           fake.URL(),
		NotifyURL:         notifyURL,
	}
	gw, err := wechatpay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{gw: gw, fake: fake, mchKey: mchKey, cfg: cfg}
}

func generateKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (e env) create(t *testing.T, outTradeNo string, fen int64) payment.CreateResult {
	t.Helper()
	res, err := e.gw.Create(context.Background(), payment.CreateRequest{
		OutTradeNo: outTradeNo,
		AmountFen:  fen,
		Subject:    "日常保洁 2小时 - 定金",
		ExpireAt:   time.Now().Add(30 * time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (e env) paid(t *testing.T, outTradeNo string, fen int64, at time.Time) {
	t.Helper()
	e.create(t, outTradeNo, fen)
	if err := e.fake.Pay(outTradeNo, at); err != nil {
		t.Fatal(err)
	}
}

func TestCreate_NativeReturnsTheCodeURL(t *testing.T) {
	e := newEnv(t)
	expire := time.Date(2030, 1, 2, 10, 30, 0, 0, time.UTC)
	res, err := e.gw.Create(context.Background(), payment.CreateRequest{
		OutTradeNo: "P20240102001", AmountFen: 8800, Subject: "日常保洁 2小时 - 定金", ExpireAt: expire,
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := e.fake.Trade("P20240102001")
	if !ok {
		t.Fatal("WeChat has no trade")
	}
	if !strings.HasPrefix(res.QRCode, "weixin://wxpay/bizpayurl?pr=") || res.QRCode != tr.CodeURL {
		t.Errorf("QRCode = %q, want the trade's code_url %q", res.QRCode, tr.CodeURL)
	}
	want := wechatpaytest.Trade{
		OutTradeNo:    "P20240102001",
		TransactionID: tr.TransactionID,
		Description:   "日常保洁 2小时 - 定金",
		NotifyURL:     notifyURL,
		TimeExpire:    "2030-01-02T18:30:00+08:00",
		CodeURL:       tr.CodeURL,
		AmountFen:     8800,
		State:         "NOTPAY",
	}
	if d := cmp.Diff(want, tr); d != "" {
		t.Errorf("trade at WeChat (-want +got):\n%s", d)
	}
}

func TestRequests_BadAuthorizationGets401(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name   string
		change func(*wechatpay.Config)
	}{
		{"signed with another key", func(c *wechatpay.Config) { c.MchPrivateKey = generateKey(t) }},
		{"another certificate serial", func(c *wechatpay.Config) { c.MchCertSerial = "0000000000000000000000000000000000000000" }},
		{"clock ten minutes slow", func(c *wechatpay.Config) { c.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) } }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := e.cfg
			tc.change(&cfg)
			gw, err := wechatpay.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = gw.Create(context.Background(), payment.CreateRequest{OutTradeNo: "P1", AmountFen: 100, Subject: "保洁"})
			var ae *wechatpay.APIError
			if !errors.Is(err, payment.ErrGateway) || !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Code != "SIGN_ERROR" || ae.Signed {
				t.Fatalf("err = %v, want an unsigned 401 SIGN_ERROR", err)
			}
		})
	}

	resp, err := http.Get(e.fake.URL() + "/v3/pay/transactions/out-trade-no/P1?mchid=" + mchID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned request: HTTP %d, want 401", resp.StatusCode)
	}
}

func TestQuery_FollowsTheTradeAtWeChat(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	n, err := e.gw.Query(ctx, "P-unknown")
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind != payment.NotifyNotFound {
		t.Errorf("unknown trade: kind %s, want not_found", n.Kind)
	}

	e.create(t, "P-open", 100)
	if n, err = e.gw.Query(ctx, "P-open"); err != nil || n.Kind != payment.NotifyPending || n.Raw != "NOTPAY" {
		t.Errorf("unpaid trade: %+v, %v", n, err)
	}

	e.create(t, "P-closed", 100)
	if err := e.fake.CloseTrade("P-closed"); err != nil {
		t.Fatal(err)
	}
	if n, err = e.gw.Query(ctx, "P-closed"); err != nil || n.Kind != payment.NotifyClosed {
		t.Errorf("closed trade: %+v, %v", n, err)
	}

	paidAt := time.Date(2024, 1, 2, 10, 0, 30, 0, shanghai)
	e.paid(t, "P-paid", 8829, paidAt)
	n, err = e.gw.Query(ctx, "P-paid")
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := e.fake.Trade("P-paid")
	want := payment.Notification{Kind: payment.NotifyPaid, OutTradeNo: "P-paid", ProviderID: tr.TransactionID, AmountFen: 8829, AppID: mchID, PaidAt: paidAt, Raw: "SUCCESS"}
	if d := cmp.Diff(want, n); d != "" {
		t.Errorf("paid trade (-want +got):\n%s", d)
	}
}

func TestAnswers_BadSignatureOrOldTimestampRefused(t *testing.T) {
	e := newEnv(t)
	e.paid(t, "P1", 8800, time.Date(2024, 1, 2, 10, 0, 0, 0, shanghai))
	forger := generateKey(t)
	cases := []struct {
		name  string
		setup func()
		want  error
	}{
		{"signed by another key", func() { e.fake.SignWith = forger }, payment.ErrBadSignature},
		{"replayed, signed six minutes ago", func() { e.fake.SignWith, e.fake.ReplayAge = nil, 6*time.Minute }, payment.ErrStale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			_, err := e.gw.Query(context.Background(), "P1")
			if !errors.Is(err, tc.want) || !errors.Is(err, payment.ErrGateway) {
				t.Fatalf("query: err = %v, want ErrGateway over %v", err, tc.want)
			}
			_, err = e.gw.Refund(context.Background(), payment.RefundRequest{OutTradeNo: "P1", OutRefundNo: "R1", RefundFen: 100, TotalFen: 8800})
			if !errors.Is(err, tc.want) {
				t.Fatalf("refund: err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyNotify_GenuinePaymentDecryptsAndIsAccepted(t *testing.T) {
	e := newEnv(t)
	paidAt := time.Date(2024, 1, 2, 10, 0, 30, 0, shanghai)
	e.paid(t, "P20240102001", 8800, paidAt)
	h, body, err := e.fake.PaidNotification("P20240102001")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.gw.VerifyNotify(context.Background(), h, body)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := e.fake.Trade("P20240102001")
	want := payment.Notification{
		Kind:       payment.NotifyPaid,
		OutTradeNo: "P20240102001",
		ProviderID: tr.TransactionID,
		AmountFen:  8800,
		AppID:      mchID,
		PaidAt:     paidAt,
		Raw:        "SUCCESS",
		EventID:    got.EventID,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("notification (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(got.EventID, "EV-") {
		t.Errorf("EventID = %q, want the notification id", got.EventID)
	}
}

func TestVerifyNotify_ForgeriesAreRefused(t *testing.T) {
	e := newEnv(t)
	e.paid(t, "P1", 8800, time.Date(2024, 1, 2, 10, 0, 0, 0, shanghai))
	genuine := func(t *testing.T) (http.Header, []byte) {
		h, body, err := e.fake.PaidNotification("P1")
		if err != nil {
			t.Fatal(err)
		}
		return h, body
	}
	// signedResource seals plaintext as WeChat would and signs the
	// envelope genuinely, so only the content is wrong.
	signedResource := func(t *testing.T, plain string, spoil func(*wechatpaytest.Resource)) (http.Header, []byte) {
		res, err := e.fake.Encrypt([]byte(plain), "transaction")
		if err != nil {
			t.Fatal(err)
		}
		if spoil != nil {
			spoil(&res)
		}
		body := e.fake.Envelope("TRANSACTION.SUCCESS", res)
		return e.fake.SignHeaders(body), body
	}
	tx := func(mch, app string) string {
		return `{"mchid":"` + mch + `","appid":"` + app + `","out_trade_no":"P1","transaction_id":"4200000000000000000001",` +
			`"trade_type":"NATIVE","trade_state":"SUCCESS","success_time":"2024-01-02T10:00:00+08:00",` +
			`"amount":{"total":8800,"payer_total":8800,"currency":"CNY","payer_currency":"CNY"}}`
	}
	at := func(d time.Duration) func() {
		return func() { e.fake.Now = func() time.Time { return time.Now().Add(d) } }
	}

	cases := []struct {
		name    string
		setup   func()
		message func(t *testing.T) (http.Header, []byte)
		want    error
	}{
		{name: "tampered body", message: func(t *testing.T) (http.Header, []byte) {
			h, body := genuine(t)
			return h, bytes.Replace(body, []byte(`"event_type":"TRANSACTION.SUCCESS"`), []byte(`"event_type":"TRANSACTION.SUCCESS" `), 1)
		}, want: payment.ErrBadSignature},
		{name: "tampered signature", message: func(t *testing.T) (http.Header, []byte) {
			h, body := genuine(t)
			sig, _ := base64.StdEncoding.DecodeString(h.Get("Wechatpay-Signature"))
			sig[0] ^= 1
			h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
			return h, body
		}, want: payment.ErrBadSignature},
		{name: "unknown platform serial", message: func(t *testing.T) (http.Header, []byte) {
			h, body := genuine(t)
			h.Set("Wechatpay-Serial", "PUB_KEY_ID_0116999999999999999999999999999999")
			return h, body
		}, want: payment.ErrBadSignature},
		{name: "signed by another key", setup: func() { e.fake.SignWith = generateKey(t) }, message: func(t *testing.T) (http.Header, []byte) {
			defer func() { e.fake.SignWith = nil }()
			return genuine(t)
		}, want: payment.ErrBadSignature},
		{name: "signed six minutes ago", setup: at(-6 * time.Minute), message: genuine, want: payment.ErrStale},
		{name: "signed six minutes ahead", setup: at(6 * time.Minute), message: genuine, want: payment.ErrStale},
		{name: "another merchant", message: func(t *testing.T) (http.Header, []byte) {
			return signedResource(t, tx("1900009999", appID), nil)
		}, want: payment.ErrWrongAccount},
		{name: "another app", message: func(t *testing.T) (http.Header, []byte) {
			return signedResource(t, tx(mchID, "wx0000000000000000"), nil)
		}, want: payment.ErrWrongAccount},
		{name: "bad AES tag", message: func(t *testing.T) (http.Header, []byte) {
			return signedResource(t, tx(mchID, appID), func(r *wechatpaytest.Resource) {
				ct, _ := base64.StdEncoding.DecodeString(r.Ciphertext)
				ct[len(ct)-1] ^= 1
				r.Ciphertext = base64.StdEncoding.EncodeToString(ct)
			})
		}, want: payment.ErrBadSignature},
		{name: "other associated data", message: func(t *testing.T) (http.Header, []byte) {
			return signedResource(t, tx(mchID, appID), func(r *wechatpaytest.Resource) { r.AssociatedData = "refund" })
		}, want: payment.ErrBadSignature},
		{name: "sealed under another APIv3 key", message: func(t *testing.T) (http.Header, []byte) {
			key := e.fake.APIv3Key
			e.fake.APIv3Key = strings.Repeat("k", 32)
			defer func() { e.fake.APIv3Key = key }()
			return signedResource(t, tx(mchID, appID), nil)
		}, want: payment.ErrBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.fake.Now = nil
			if tc.setup != nil {
				tc.setup()
			}
			h, body := tc.message(t)
			n, err := e.gw.VerifyNotify(context.Background(), h, body)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v (notification %+v), want %v", err, n, tc.want)
			}
		})
	}

	// Four minutes is inside the window.
	e.fake.Now = func() time.Time { return time.Now().Add(-4 * time.Minute) }
	h, body := genuine(t)
	if _, err := e.gw.VerifyNotify(context.Background(), h, body); err != nil {
		t.Errorf("signed four minutes ago: %v", err)
	}
}

func TestRefund_ProcessingThenSucceededAndNotified(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.paid(t, "P1", 8800, time.Date(2024, 1, 2, 10, 0, 0, 0, shanghai))

	req := payment.RefundRequest{OutTradeNo: "P1", OutRefundNo: "R1", RefundFen: 3000, TotalFen: 8800, Reason: "客户取消"}
	got, err := e.gw.Refund(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := e.fake.Refund("R1")
	want := payment.RefundResult{Status: payment.RefundProcessing, ProviderID: r.RefundID, RefundFen: 3000, Raw: "PROCESSING"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("refund (-want +got):\n%s", d)
	}
	if r.NotifyURL != notifyURL || r.Reason != "客户取消" {
		t.Errorf("refund at WeChat: %+v", r)
	}

	// The same out_refund_no again is the same refund, not a second one.
	if again, err := e.gw.Refund(ctx, req); err != nil || again.ProviderID != r.RefundID {
		t.Errorf("repeated refund: %+v, %v", again, err)
	}
	if _, err := e.gw.Refund(ctx, payment.RefundRequest{OutTradeNo: "P1", OutRefundNo: "R2", RefundFen: 5801, TotalFen: 8800}); !errors.Is(err, payment.ErrGateway) {
		t.Errorf("refund above what is left: err = %v, want ErrGateway", err)
	}

	if q, err := e.gw.QueryRefund(ctx, "P1", "R1"); err != nil || q.Status != payment.RefundProcessing {
		t.Errorf("query while processing: %+v, %v", q, err)
	}
	settled := time.Date(2024, 1, 2, 10, 5, 0, 0, shanghai)
	if err := e.fake.SettleRefund("R1", settled); err != nil {
		t.Fatal(err)
	}
	q, err := e.gw.QueryRefund(ctx, "P1", "R1")
	if err != nil {
		t.Fatal(err)
	}
	want = payment.RefundResult{Status: payment.RefundSucceeded, ProviderID: r.RefundID, RefundFen: 3000, CompletedAt: settled, Raw: "SUCCESS"}
	if d := cmp.Diff(want, q); d != "" {
		t.Errorf("query after settling (-want +got):\n%s", d)
	}

	h, body, err := e.fake.RefundNotification("R1")
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.gw.VerifyNotify(ctx, h, body)
	if err != nil {
		t.Fatal(err)
	}
	wantN := payment.Notification{
		Kind: payment.NotifyRefund, OutTradeNo: "P1", OutRefundNo: "R1", ProviderID: r.RefundID,
		AmountFen: 3000, AppID: mchID, PaidAt: settled, Raw: "SUCCESS", EventID: n.EventID,
	}
	if d := cmp.Diff(wantN, n); d != "" {
		t.Errorf("refund notification (-want +got):\n%s", d)
	}

	if _, err := e.gw.QueryRefund(ctx, "P1", "R-unknown"); !errors.Is(err, payment.ErrGateway) {
		t.Errorf("unknown refund: err = %v, want ErrGateway", err)
	}
}

func TestBill_HashCheckedAndBacktickFieldsParsed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, shanghai)
	paid1, paid2, refunded := day.Add(10*time.Hour), day.Add(14*time.Hour), day.Add(16*time.Hour)
	e.paid(t, "P20240102001", 8800, paid1)
	e.paid(t, "P20240102002", 3850, paid2)
	e.paid(t, "P20240101009", 9900, day.Add(-time.Hour))
	if _, err := e.gw.Refund(ctx, payment.RefundRequest{OutTradeNo: "P20240102001", OutRefundNo: "R20240102001", RefundFen: 5000, TotalFen: 8800}); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.SettleRefund("R20240102001", refunded); err != nil {
		t.Fatal(err)
	}

	got, err := e.gw.Bill(ctx, day.Add(12*time.Hour).UTC())
	if err != nil {
		t.Fatal(err)
	}
	t1, _ := e.fake.Trade("P20240102001")
	t2, _ := e.fake.Trade("P20240102002")
	r1, _ := e.fake.Refund("R20240102001")
	want := []payment.BillLine{
		{Kind: "payment", OutTradeNo: "P20240102001", ProviderID: t1.TransactionID, AmountFen: 8800, At: paid1},
		{Kind: "payment", OutTradeNo: "P20240102002", ProviderID: t2.TransactionID, AmountFen: 3850, At: paid2},
		{Kind: "refund", OutTradeNo: "P20240102001", OutRefundNo: "R20240102001", ProviderID: r1.RefundID, AmountFen: 5000, At: refunded},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bill (-want +got):\n%s", d)
	}

	empty, err := e.gw.Bill(ctx, day.AddDate(0, 0, 5))
	if err != nil || len(empty) != 0 {
		t.Errorf("day without trades: %v, %v; want no lines", empty, err)
	}

	e.fake.CorruptBill = true
	if _, err := e.gw.Bill(ctx, day); !errors.Is(err, payment.ErrGateway) || !strings.Contains(err.Error(), "SHA1") {
		t.Errorf("corrupt bill: err = %v, want a SHA1 mismatch", err)
	}
}

func TestAck_204OrJSONFail(t *testing.T) {
	e := newEnv(t)
	if status, _, body := e.gw.Ack(true); status != http.StatusNoContent || len(body) != 0 {
		t.Errorf("Ack(true) = %d %q, want 204 and no body", status, body)
	}
	status, ctype, body := e.gw.Ack(false)
	if status != http.StatusInternalServerError || ctype != "application/json" || !strings.Contains(string(body), `"code":"FAIL"`) {
		t.Errorf("Ack(false) = %d %q %q", status, ctype, body)
	}
}

func TestNew_RefusesAnAPIv3KeyThatIsNot32Bytes(t *testing.T) {
	e := newEnv(t)
	cfg := e.cfg
	cfg.APIv3Key = "short"
	if _, err := wechatpay.New(cfg); err == nil {
		t.Fatal("want an error")
	}
}
