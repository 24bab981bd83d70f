package alipay_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"doorstep/app/payment"
	"doorstep/app/payment/alipay"
	"doorstep/app/payment/alipay/alipaytest"
)

const appID = "2021004100000001"

var shanghai = time.FixedZone("CST", 8*60*60)

// env is one app, its adapter and the fake Alipay it talks to.
type env struct {
	gw     *alipay.Gateway
	fake   *alipaytest.Server
	appKey *rsa.PrivateKey
}

func newEnv(t *testing.T, product string) env {
	t.Helper()
	appKey := generateKey(t)
	fake, err := alipaytest.New(appID, &appKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	// The app key goes through the PEM helper, as configuration does.
	der, err := x509.MarshalPKCS8PrivateKey(appKey)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := alipay.ParsePrivateKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := alipay.New(alipay.Config{
		AppID:           appID,
		PrivateKey:      parsed,
		AlipayPublicKey: &fake.Key.PublicKey,
		GatewayURL:      fake.GatewayURL(),
		NotifyURL:       "https://demo.doorstep.test/api/payments/notify/alipay",
		Product:         product,
	})
	if err != nil {
		t.Fatal(err)
	}
	return env{gw: gw, fake: fake, appKey: appKey}
}

func generateKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// paid creates, opens and pays one trade at the fake.
func (e env) paid(t *testing.T, outTradeNo string, fen int64, at time.Time) {
	t.Helper()
	e.opened(t, outTradeNo, fen)
	if err := e.fake.Pay(outTradeNo, at); err != nil {
		t.Fatal(err)
	}
}

func (e env) opened(t *testing.T, outTradeNo string, fen int64) {
	t.Helper()
	res, err := e.gw.Create(context.Background(), payment.CreateRequest{OutTradeNo: outTradeNo, AmountFen: fen, Subject: "日常保洁 2小时 - 定金"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.fake.OpenPayURL(res.PayURL); err != nil {
		t.Fatal(err)
	}
}

func TestCreate_PayURLIsSignedWithTheAppKey(t *testing.T) {
	for _, tc := range []struct {
		product, method, productCode string
	}{
		{alipay.ProductPage, "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"},
		{alipay.ProductWap, "alipay.trade.wap.pay", "QUICK_WAP_WAY"},
	} {
		t.Run(tc.product, func(t *testing.T) {
			e := newEnv(t, tc.product)
			expire := time.Date(2024, 1, 2, 10, 30, 0, 0, shanghai)
			res, err := e.gw.Create(context.Background(), payment.CreateRequest{
				OutTradeNo: "P20240102001",
				AmountFen:  8800,
				Subject:    "日常保洁 2小时 - 定金",
				ReturnURL:  "https://demo.doorstep.test/orders/1?paid=1&from=alipay",
				ExpireAt:   expire.UTC(),
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.fake.OpenPayURL(res.PayURL)
			if err != nil {
				t.Fatalf("the cashier refused the pay URL: %v", err)
			}
			want := alipaytest.Trade{
				OutTradeNo:  "P20240102001",
				TradeNo:     got.TradeNo,
				Method:      tc.method,
				ProductCode: tc.productCode,
				Subject:     "日常保洁 2小时 - 定金",
				AmountFen:   8800,
				TimeExpire:  "2024-01-02 10:30:00",
				NotifyURL:   "https://demo.doorstep.test/api/payments/notify/alipay",
				ReturnURL:   "https://demo.doorstep.test/orders/1?paid=1&from=alipay",
				Status:      "WAIT_BUYER_PAY",
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("trade at the cashier (-want +got):\n%s", d)
			}
		})
	}
}

func TestCreate_TamperedPayURLIsRefusedByTheCashier(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	res, err := e.gw.Create(context.Background(), payment.CreateRequest{OutTradeNo: "P1", AmountFen: 8800, Subject: "保洁"})
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(res.PayURL, url.QueryEscape(`"total_amount":"88.00"`), url.QueryEscape(`"total_amount":"0.01"`), 1)
	if tampered == res.PayURL {
		t.Fatal("test did not find total_amount in the URL")
	}
	if _, err := e.fake.OpenPayURL(tampered); err == nil || !strings.Contains(err.Error(), "isv.invalid-signature") {
		t.Fatalf("tampered URL: err = %v, want isv.invalid-signature", err)
	}
}

func TestVerifyNotify_GenuinePaymentGivesTheExactFen(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	paidAt := time.Date(2024, 1, 2, 10, 0, 30, 0, shanghai)
	e.paid(t, "P20240102001", 8829, paidAt) // 88.29 is 8828.999... as a float
	v, err := e.fake.PayNotify("P20240102001")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.gw.VerifyNotify(context.Background(), formHeader(), []byte(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := e.fake.Trade("P20240102001")
	want := payment.Notification{
		Kind:       payment.NotifyPaid,
		OutTradeNo: "P20240102001",
		ProviderID: tr.TradeNo,
		AmountFen:  8829,
		AppID:      appID,
		PaidAt:     paidAt,
		Raw:        "TRADE_SUCCESS",
		EventID:    v.Get("notify_id"),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("notification (-want +got):\n%s", d)
	}
}

func TestVerifyNotify_ForgeriesAreRefused(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	e.paid(t, "P1", 8800, time.Date(2024, 1, 2, 10, 0, 0, 0, shanghai))
	other := generateKey(t)
	genuine := func(t *testing.T) url.Values {
		v, err := e.fake.PayNotify("P1")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	resign := func(t *testing.T, key *rsa.PrivateKey, v url.Values) url.Values {
		if err := alipaytest.Sign(key, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name string
		body func(t *testing.T) string
		want error
	}{
		{"tampered amount", func(t *testing.T) string {
			v := genuine(t)
			v.Set("total_amount", "0.01")
			return v.Encode()
		}, payment.ErrBadSignature},
		{"tampered signature", func(t *testing.T) string {
			v := genuine(t)
			sig := []byte(v.Get("sign"))
			sig[10] ^= 'A' ^ 'B'
			v.Set("sign", string(sig))
			return v.Encode()
		}, payment.ErrBadSignature},
		{"signed by another key", func(t *testing.T) string {
			return resign(t, other, genuine(t)).Encode()
		}, payment.ErrBadSignature},
		{"signed by Alipay for another app", func(t *testing.T) string {
			v := genuine(t)
			v.Set("app_id", "2021009999999999")
			return resign(t, e.fake.Key, v).Encode()
		}, payment.ErrWrongAccount},
		{"no signature", func(t *testing.T) string {
			v := genuine(t)
			v.Del("sign")
			return v.Encode()
		}, payment.ErrBadSignature},
		{"legacy RSA sign_type", func(t *testing.T) string {
			v := genuine(t)
			v.Set("sign_type", "RSA")
			return v.Encode()
		}, payment.ErrBadSignature},
		{"second total_amount smuggled after the signed one", func(t *testing.T) string {
			return genuine(t).Encode() + "&total_amount=0.01"
		}, payment.ErrBadSignature},
		{"signed amount with three decimals", func(t *testing.T) string {
			v := genuine(t)
			v.Set("total_amount", "88.001")
			return resign(t, e.fake.Key, v).Encode()
		}, payment.ErrGateway},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := e.gw.VerifyNotify(context.Background(), formHeader(), []byte(tc.body(t)))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v (notification %+v), want %v", err, n, tc.want)
			}
		})
	}
}

func TestVerifyNotify_TradeStatusesAndRefunds(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	ctx := context.Background()
	verify := func(t *testing.T, v url.Values) payment.Notification {
		t.Helper()
		n, err := e.gw.VerifyNotify(ctx, formHeader(), []byte(v.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	e.opened(t, "P-wait", 5000)
	v, err := e.fake.PayNotify("P-wait")
	if err != nil {
		t.Fatal(err)
	}
	if n := verify(t, v); n.Kind != payment.NotifyPending || n.AmountFen != 5000 {
		t.Errorf("WAIT_BUYER_PAY: %+v", n)
	}

	e.opened(t, "P-closed", 5000)
	if err := e.fake.CloseTrade("P-closed"); err != nil {
		t.Fatal(err)
	}
	v, _ = e.fake.PayNotify("P-closed")
	if n := verify(t, v); n.Kind != payment.NotifyClosed {
		t.Errorf("TRADE_CLOSED: %+v", n)
	}

	e.paid(t, "P-done", 8800, time.Date(2024, 1, 2, 10, 0, 0, 0, shanghai))
	v, _ = e.fake.PayNotify("P-done")
	v.Set("trade_status", "TRADE_FINISHED")
	if err := alipaytest.Sign(e.fake.Key, v); err != nil {
		t.Fatal(err)
	}
	if n := verify(t, v); n.Kind != payment.NotifyPaid {
		t.Errorf("TRADE_FINISHED: %+v", n)
	}

	// Two partial refunds: the second notification says 30.00 refunded in
	// total but 18.00 for this refund, and the adapter reports this one.
	refundAt := time.Date(2024, 1, 2, 11, 0, 0, 123e6, shanghai)
	e.fake.Now = func() time.Time { return refundAt }
	for _, r := range []struct {
		no  string
		fen int64
	}{{"R1", 1200}, {"R2", 1800}} {
		if _, err := e.gw.Refund(ctx, payment.RefundRequest{OutTradeNo: "P-done", OutRefundNo: r.no, RefundFen: r.fen, TotalFen: 8800}); err != nil {
			t.Fatal(err)
		}
	}
	v, err = e.fake.RefundNotify("P-done", "R2")
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := e.fake.Trade("P-done")
	want := payment.Notification{
		Kind:        payment.NotifyRefund,
		OutTradeNo:  "P-done",
		OutRefundNo: "R2",
		ProviderID:  tr.TradeNo,
		AmountFen:   1800,
		AppID:       appID,
		PaidAt:      refundAt,
		Raw:         "TRADE_SUCCESS",
		EventID:     v.Get("notify_id"),
	}
	if d := cmp.Diff(want, verify(t, v)); d != "" {
		t.Errorf("refund notification (-want +got):\n%s", d)
	}
}

func TestQuery_FollowsTheTradeAtAlipay(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	ctx := context.Background()

	n, err := e.gw.Query(ctx, "P-unknown")
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind != payment.NotifyNotFound {
		t.Errorf("trade never opened: kind %s, want not_found", n.Kind)
	}

	e.opened(t, "P1", 12345)
	if n, err = e.gw.Query(ctx, "P1"); err != nil || n.Kind != payment.NotifyPending {
		t.Fatalf("opened trade: %+v, %v", n, err)
	}

	paidAt := time.Date(2024, 1, 2, 10, 0, 30, 0, shanghai)
	if err := e.fake.Pay("P1", paidAt); err != nil {
		t.Fatal(err)
	}
	n, err = e.gw.Query(ctx, "P1")
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := e.fake.Trade("P1")
	want := payment.Notification{Kind: payment.NotifyPaid, OutTradeNo: "P1", ProviderID: tr.TradeNo, AmountFen: 12345, AppID: appID, PaidAt: paidAt, Raw: "TRADE_SUCCESS"}
	if d := cmp.Diff(want, n); d != "" {
		t.Errorf("paid trade (-want +got):\n%s", d)
	}
}

func TestRefund_RoundTripWithVerifiedAnswersAndNoDoubleRefund(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	ctx := context.Background()
	refundAt := time.Date(2024, 1, 3, 9, 0, 0, 0, shanghai)
	e.fake.Now = func() time.Time { return refundAt }
	e.paid(t, "P1", 8800, time.Date(2024, 1, 2, 10, 0, 0, 0, shanghai))
	tr, _ := e.fake.Trade("P1")

	req := payment.RefundRequest{OutTradeNo: "P1", OutRefundNo: "R1", RefundFen: 3000, TotalFen: 8800, Reason: "客户取消"}
	got, err := e.gw.Refund(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want := payment.RefundResult{Status: payment.RefundSucceeded, ProviderID: tr.TradeNo, RefundFen: 3000, CompletedAt: refundAt, Raw: "fund_change=Y"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("refund (-want +got):\n%s", d)
	}

	// The same out_request_no again moves no money.
	again, err := e.gw.Refund(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Status != payment.RefundProcessing || again.Raw != "fund_change=N" {
		t.Errorf("repeated refund: %+v", again)
	}
	if tr, _ := e.fake.Trade("P1"); len(tr.Refunds) != 1 {
		t.Errorf("refunds at Alipay: %+v, want one", tr.Refunds)
	}

	q, err := e.gw.QueryRefund(ctx, "P1", "R1")
	if err != nil {
		t.Fatal(err)
	}
	want.Raw = "REFUND_SUCCESS"
	if d := cmp.Diff(want, q); d != "" {
		t.Errorf("refund query (-want +got):\n%s", d)
	}

	unknown, err := e.gw.QueryRefund(ctx, "P1", "R-unknown")
	if err != nil {
		t.Fatal(err)
	}
	if unknown.Status != payment.RefundProcessing {
		t.Errorf("unknown refund: %+v, want processing", unknown)
	}

	_, err = e.gw.Refund(ctx, payment.RefundRequest{OutTradeNo: "P1", OutRefundNo: "R2", RefundFen: 5900, TotalFen: 8800})
	var ae *alipay.Error
	if !errors.Is(err, payment.ErrGateway) || !errors.As(err, &ae) || ae.SubCode != "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" || !ae.Signed {
		t.Errorf("refund above the rest: err = %v, want a signed ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", err)
	}
}

func TestAnswers_ForgedOrAlteredSignaturesAreRefused(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	ctx := context.Background()
	e.paid(t, "P1", 8800, time.Date(2024, 1, 2, 10, 0, 0, 0, shanghai))
	forger := generateKey(t)

	cases := []struct {
		name  string
		setup func()
	}{
		{"signed by another key", func() { e.fake.SignWith, e.fake.Tamper = forger, nil }},
		{"altered after signing", func() {
			e.fake.SignWith = nil
			e.fake.Tamper = func(obj []byte) []byte {
				return bytes.Replace(obj, []byte(`"out_trade_no":"P1"`), []byte(`"out_trade_no":"P2"`), 1)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			if _, err := e.gw.Query(ctx, "P1"); !errors.Is(err, payment.ErrBadSignature) || !errors.Is(err, payment.ErrGateway) {
				t.Errorf("query: err = %v, want ErrGateway over ErrBadSignature", err)
			}
			_, err := e.gw.Refund(ctx, payment.RefundRequest{OutTradeNo: "P1", OutRefundNo: "R1", RefundFen: 100, TotalFen: 8800})
			if !errors.Is(err, payment.ErrBadSignature) {
				t.Errorf("refund: err = %v, want ErrBadSignature", err)
			}
			if _, err := e.gw.QueryRefund(ctx, "P1", "R1"); !errors.Is(err, payment.ErrBadSignature) {
				t.Errorf("refund query: err = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestRequests_SignedWithAnotherAppKeyAreRefusedByAlipay(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	gw, err := alipay.New(alipay.Config{
		AppID:           appID,
		PrivateKey:      generateKey(t),
		AlipayPublicKey: &e.fake.Key.PublicKey,
		GatewayURL:      e.fake.GatewayURL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = gw.Query(context.Background(), "P1")
	var ae *alipay.Error
	if !errors.Is(err, payment.ErrGateway) || !errors.As(err, &ae) || ae.SubCode != "isv.invalid-signature" {
		t.Fatalf("err = %v, want isv.invalid-signature", err)
	}
}

func TestBill_GBKZipParsedToLines(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	ctx := context.Background()
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, shanghai)
	paid1 := day.Add(10*time.Hour + 30*time.Second)
	paid2 := day.Add(14 * time.Hour)
	refundAt := day.Add(16 * time.Hour)
	e.paid(t, "P20240102001", 8800, paid1)
	e.paid(t, "P20240102002", 3850, paid2)
	e.paid(t, "P20240101009", 9900, day.Add(-time.Hour)) // the day before
	e.fake.Now = func() time.Time { return refundAt }
	if _, err := e.gw.Refund(ctx, payment.RefundRequest{OutTradeNo: "P20240102001", OutRefundNo: "R20240102001", RefundFen: 5000, TotalFen: 8800}); err != nil {
		t.Fatal(err)
	}

	// The fake's zip really is GBK: names and contents are not UTF-8.
	zipped, err := e.fake.BillZip("2024-01-02")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if utf8.ValidString(f.Name) {
			t.Errorf("zip entry name %q is UTF-8, want GBK", f.Name)
		}
	}

	got, err := e.gw.Bill(ctx, day.Add(12*time.Hour).UTC())
	if err != nil {
		t.Fatal(err)
	}
	t1, _ := e.fake.Trade("P20240102001")
	t2, _ := e.fake.Trade("P20240102002")
	want := []payment.BillLine{
		{Kind: "payment", OutTradeNo: "P20240102001", ProviderID: t1.TradeNo, AmountFen: 8800, At: paid1},
		{Kind: "refund", OutTradeNo: "P20240102001", OutRefundNo: "R20240102001", ProviderID: t1.TradeNo, AmountFen: 5000, At: refundAt},
		{Kind: "payment", OutTradeNo: "P20240102002", ProviderID: t2.TradeNo, AmountFen: 3850, At: paid2},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bill (-want +got):\n%s", d)
	}
}

func TestAck_SuccessOrFailTextWithStatus200(t *testing.T) {
	e := newEnv(t, alipay.ProductPage)
	for ok, want := range map[bool]string{true: "success", false: "fail"} {
		status, ctype, body := e.gw.Ack(ok)
		if status != http.StatusOK || !strings.HasPrefix(ctype, "text/plain") || string(body) != want {
			t.Errorf("Ack(%v) = %d %q %q, want 200 text/plain %q", ok, status, ctype, body, want)
		}
	}
}

func formHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
}
