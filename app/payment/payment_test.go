package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/payment"
	"doorstep/app/payment/sandboxpay"
	"doorstep/tenants"
)

func TestPayment_TwentyConcurrentCallbacksChangeTheOrderOnce(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 12800)
	res := pay(t, token, "sz", o.ID, sandboxpay.Name)
	if res.AmountFen != 12800 || res.Kind != payment.KindFull || !strings.HasPrefix(res.PaymentNo, "Psz") {
		t.Fatalf("pay answered %+v", res)
	}

	// The payer pays; the sandbox signs its notification once, and that one
	// genuine message arrives twenty times at once, as retries can.
	ctx := cityCtx(t, "sz")
	if _, err := sandbox(t).MarkPaid(ctx, res.PaymentNo); err != nil {
		t.Fatal(err)
	}
	h, body, err := sandbox(t).Notification(ctx, res.PaymentNo)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	answers := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, b, err := post("/v1/payments/notify/sandbox/sz", h, body)
			answers[i], errs[i] = fmt.Sprintf("%d %s", st, b), err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || answers[i] != `200 {"code":"SUCCESS"}` {
			t.Fatalf("copy %d answered %q (%v)", i, answers[i], errs[i])
		}
	}

	if got := countRows(t, "sz", &payment.Payment{}, "order_id = ? AND status = ?", o.ID, payment.StatusPaid); got != 1 {
		t.Fatalf("%d payments paid, want 1", got)
	}
	if got := countRows(t, "sz", &eventRow{}, "order_id = ? AND event = ?", o.ID, "pay"); got != 1 {
		t.Fatalf("%d pay events, want 1", got)
	}
	after := readOrder(t, "sz", o.ID)
	if after.PaidFen != 12800 || after.Status != stDispatching {
		t.Fatalf("order paid_fen %d status %s, want 12800 dispatching", after.PaidFen, after.Status)
	}
	if got := countRows(t, "sz", &payment.Notice{}, "payment_no = ?", res.PaymentNo); got != 1 {
		t.Fatalf("%d notices recorded, want 1", got)
	}
	p := paymentByNo(t, "sz", res.PaymentNo)
	if p.ProviderTxnID == "" || p.PaidAt == nil {
		t.Fatalf("paid payment lacks the provider's id or time: %+v", p)
	}
}

func TestPayment_ForgedWrongAmountStaleAndUnknownNotificationsAreRefusedAndChangeNothing(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 9900)
	res := pay(t, token, "sz", o.ID, sandboxpay.Name)
	since := time.Now().Add(-time.Second)
	key := []byte(sandboxKey)
	now := time.Now()
	notice := func(mutate func(*sandboxpay.Notice)) []byte {
		n := sandboxpay.Notice{ID: "EV-" + res.PaymentNo, Event: sandboxpay.EventPaid, AppID: sandboxpay.AppID, OutTradeNo: res.PaymentNo,
			TradeNo: "SBFORGED", AmountFen: res.AmountFen, Status: sandboxpay.StatusPaid, At: now.UTC()}
		if mutate != nil {
			mutate(&n)
		}
		b, _ := json.Marshal(n)
		return b
	}
	const unknown = "Psz000000000000000000"
	cases := []struct {
		name   string
		no     string
		reason string
		h      func(body []byte) http.Header
		body   []byte
	}{
		{"forged signature", res.PaymentNo, "bad_signature",
			func(b []byte) http.Header {
				return sandboxpay.SignedHeaders([]byte("not-the-sandbox-key-0123456789"), now, b)
			}, notice(nil)},
		{"wrong amount", res.PaymentNo, "amount_mismatch",
			func(b []byte) http.Header { return sandboxpay.SignedHeaders(key, now, b) }, notice(func(n *sandboxpay.Notice) { n.AmountFen = 1 })},
		{"stale timestamp", res.PaymentNo, "stale",
			func(b []byte) http.Header { return sandboxpay.SignedHeaders(key, now.Add(-6*time.Minute), b) }, notice(nil)},
		{"unknown payment number", unknown, "unknown_payment",
			func(b []byte) http.Header { return sandboxpay.SignedHeaders(key, now, b) }, notice(func(n *sandboxpay.Notice) { n.OutTradeNo = unknown })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, body := mustPost(t, "/v1/payments/notify/sandbox/sz", tc.h(tc.body), tc.body)
			if st != 400 || body != `{"code":"FAIL"}` {
				t.Fatalf("answered %d %s, want the sandbox's failure", st, body)
			}
		})
	}
	// A notification for a city we do not have is refused too.
	if st, _ := mustPost(t, "/v1/payments/notify/sandbox/zz", sandboxpay.SignedHeaders(key, now, notice(nil)), notice(nil)); st != 400 {
		t.Fatalf("unknown city answered %d", st)
	}

	p := paymentByNo(t, "sz", res.PaymentNo)
	if p.Status != payment.StatusPending || p.ProviderTxnID != "" {
		t.Fatalf("payment changed: %+v", p)
	}
	after := readOrder(t, "sz", o.ID)
	if after.PaidFen != 0 || after.Status != stPendingPayment {
		t.Fatalf("order changed: paid_fen %d status %s", after.PaidFen, after.Status)
	}
	if got := countRows(t, "sz", &payment.Notice{}, "payment_no IN ?", []string{res.PaymentNo, unknown}); got != 0 {
		t.Fatalf("%d notices recorded for refused notifications", got)
	}
	audited := rejections(t, since)
	for _, want := range cases {
		targets, ok := audited[want.reason]
		if !ok {
			t.Errorf("%s: not audited as %s (audited: %v)", want.name, want.reason, audited)
			continue
		}
		// Only what verified may name the payment in the audit trail.
		if want.reason == "amount_mismatch" || want.reason == "unknown_payment" {
			if !slices.Contains(targets, want.no) {
				t.Errorf("%s: audited for %v, want %s", want.name, targets, want.no)
			}
		}
	}
	if _, ok := audited["unknown_city"]; !ok {
		t.Errorf("the unknown city was not audited (audited: %v)", audited)
	}

	// The genuine one still goes through afterwards.
	if _, err := sandbox(t).MarkPaid(cityCtx(t, "sz"), res.PaymentNo); err != nil {
		t.Fatal(err)
	}
	h, body, err := sandbox(t).Notification(cityCtx(t, "sz"), res.PaymentNo)
	if err != nil {
		t.Fatal(err)
	}
	if st, b := mustPost(t, "/v1/payments/notify/sandbox/sz", h, body); st != 200 {
		t.Fatalf("genuine notification answered %d %s", st, b)
	}
	if got := readOrder(t, "sz", o.ID); got.PaidFen != 9900 {
		t.Fatalf("paid_fen %d after the genuine notification", got.PaidFen)
	}
}

func TestPayment_WeChatNotificationForAnotherMerchantIsRefused(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 15000)
	res := pay(t, token, "sz", o.ID, "wechat")
	if !strings.HasPrefix(res.QRCode, "weixin://") {
		t.Fatalf("wechat pay answered %+v", res)
	}
	if err := wx.Pay(res.PaymentNo, time.Now()); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Second)

	// Genuinely signed by WeChat's platform key and sealed with our APIv3
	// key, but addressed to another merchant.
	plain, _ := json.Marshal(map[string]any{
		"appid": wxAppID, "mchid": "1900000999", "out_trade_no": res.PaymentNo, "transaction_id": "4200000000000000000001",
		"trade_type": "NATIVE", "trade_state": "SUCCESS", "success_time": time.Now().Format(time.RFC3339),
		"amount": map[string]any{"total": res.AmountFen, "payer_total": res.AmountFen, "currency": "CNY"},
	})
	resource, err := wx.Encrypt(plain, "transaction")
	if err != nil {
		t.Fatal(err)
	}
	body := wx.Envelope("TRANSACTION.SUCCESS", resource)
	st, answer := mustPost(t, "/v1/payments/notify/wechat/sz", wx.SignHeaders(body), body)
	if st != 500 || !strings.Contains(answer, "FAIL") {
		t.Fatalf("answered %d %s, want WeChat's failure", st, answer)
	}
	if p := paymentByNo(t, "sz", res.PaymentNo); p.Status != payment.StatusPending {
		t.Fatalf("payment changed: %+v", p)
	}
	if got := readOrder(t, "sz", o.ID); got.PaidFen != 0 || got.Status != stPendingPayment {
		t.Fatalf("order changed: %+v", got)
	}
	if got := rejections(t, since); got["wrong_account"] == nil {
		t.Fatalf("audited %v, want wrong_account", got)
	}

	// WeChat's own notification of the same payment is taken.
	h, body, err := wx.PaidNotification(res.PaymentNo)
	if err != nil {
		t.Fatal(err)
	}
	if st, b := mustPost(t, "/v1/payments/notify/wechat/sz", h, body); st != 204 {
		t.Fatalf("genuine notification answered %d %s", st, b)
	}
	if got := readOrder(t, "sz", o.ID); got.PaidFen != 15000 || got.Status != stDispatching {
		t.Fatalf("order after the genuine notification: paid %d %s", got.PaidFen, got.Status)
	}
}

func TestPayment_LatePaymentOnACancelledOrderIsRefundedAndTheCustomerTold(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 6600)
	res := pay(t, token, "sz", o.ID, sandboxpay.Name)
	// The order is cancelled while the payer still has the cashier open.
	setOrderStatus(t, "sz", o.ID, stCancelled)

	var paid sandboxpay.Paid
	env.Client(t).Post("/v1/sandbox/pay/"+res.PaymentNo, nil).OK().JSON(&paid)
	if !paid.Notified {
		t.Fatalf("the sandbox's notification was not taken: %+v", paid)
	}

	if p := paymentByNo(t, "sz", res.PaymentNo); p.Status != payment.StatusPaid {
		t.Fatalf("payment %s, want paid (the money did move)", p.Status)
	}
	if got := readOrder(t, "sz", o.ID); got.PaidFen != 0 || got.Status != stCancelled {
		t.Fatalf("the cancelled order took the money: %+v", got)
	}
	rs := refundsOf(t, "sz", o.ID)
	if len(rs) != 1 || rs[0].Source != payment.SourceLatePayment || rs[0].AmountFen != 6600 {
		t.Fatalf("refunds %+v, want one late_payment refund of 6600", rs)
	}
	eventually(t, 15*time.Second, "late refund completes", func() error {
		r := refundsOf(t, "sz", o.ID)[0]
		if r.Status != payment.RefundStatusSucceeded {
			return fmt.Errorf("refund %s", r.Status)
		}
		return nil
	})
	// The order never took the money, so its own figures stay untouched
	// (paid 0, refunded 0); the payment carries the refund.
	if got := readOrder(t, "sz", o.ID); got.RefundedFen != 0 || got.PaidFen != 0 {
		t.Fatalf("order paid_fen %d refunded_fen %d, want 0 and 0", got.PaidFen, got.RefundedFen)
	}
	if p := paymentByNo(t, "sz", res.PaymentNo); p.RefundedFen != 6600 {
		t.Fatalf("payment refunded_fen %d, want 6600", p.RefundedFen)
	}
	r, err := sandbox(t).QueryRefund(cityCtx(t, "sz"), res.PaymentNo, rs[0].RefundNo)
	if err != nil || r.Status != payment.RefundSucceeded || r.RefundFen != 6600 {
		t.Fatalf("the sandbox has refund %+v (%v)", r, err)
	}
	waitInbox(t, "sz", acct, "payment_late_refund")
	waitInbox(t, "sz", acct, "refund_done")

	// The sandbox's bill of the day has both, for reconciliation.
	lines, err := sandbox(t).Bill(cityCtx(t, "sz"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int64{}
	for _, l := range lines {
		if l.OutTradeNo == res.PaymentNo {
			kinds[l.Kind] += l.AmountFen
		}
	}
	if kinds["payment"] != 6600 || kinds["refund"] != 6600 {
		t.Fatalf("bill lines of %s: %v", res.PaymentNo, kinds)
	}
}

func TestPayment_ProcessingRefundIsPolledUntilTheProviderSettlesIt(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 20000)
	res := pay(t, token, "sz", o.ID, "wechat")
	if err := wx.Pay(res.PaymentNo, time.Now()); err != nil {
		t.Fatal(err)
	}
	h, body, err := wx.PaidNotification(res.PaymentNo)
	if err != nil {
		t.Fatal(err)
	}
	if st, b := mustPost(t, "/v1/payments/notify/wechat/sz", h, body); st != 204 {
		t.Fatalf("notification answered %d %s", st, b)
	}

	// Booking gives 150 yuan back, in its own transaction (as its cancel
	// does; booking counts orders.refunded_fen itself).
	ctx := cityCtx(t, "sz")
	if err := tenants.WithTx(ctx, func(ctx context.Context) error {
		return env.P.Payments.RefundOrder(ctx, o.ID, 15000, "客户取消", "cancel")
	}); err != nil {
		t.Fatal(err)
	}
	rs := refundsOf(t, "sz", o.ID)
	if len(rs) != 1 || rs[0].Status != payment.RefundStatusProcessing || rs[0].AmountFen != 15000 {
		t.Fatalf("refunds %+v", rs)
	}
	no := rs[0].RefundNo

	// WeChat takes the refund and reports it processing; we keep asking.
	eventually(t, 15*time.Second, "refund reaches WeChat and is polled while processing", func() error {
		wr, ok := wx.Refund(no)
		if !ok || wr.Status != "PROCESSING" {
			return fmt.Errorf("WeChat has %+v", wr)
		}
		if r := refundsOf(t, "sz", o.ID)[0]; r.Attempts < 2 || r.Status != payment.RefundStatusProcessing {
			return fmt.Errorf("refund %s after %d steps", r.Status, r.Attempts)
		}
		return nil
	})
	if p := paymentByNo(t, "sz", res.PaymentNo); p.RefundedFen != 0 {
		t.Fatalf("payment refunded_fen %d before the refund is final", p.RefundedFen)
	}

	if err := wx.SettleRefund(no, time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "the next poll sees the refund succeeded", func() error {
		if r := refundsOf(t, "sz", o.ID)[0]; r.Status != payment.RefundStatusSucceeded {
			return fmt.Errorf("refund %s", r.Status)
		}
		return nil
	})
	if p := paymentByNo(t, "sz", res.PaymentNo); p.RefundedFen != 15000 {
		t.Fatalf("payment refunded_fen %d, want 15000", p.RefundedFen)
	}
	waitInbox(t, "sz", acct, "refund_done")

	// WeChat's REFUND.SUCCESS notification arriving afterwards is taken
	// and changes nothing more.
	h, body, err = wx.RefundNotification(no)
	if err != nil {
		t.Fatal(err)
	}
	if st, b := mustPost(t, "/v1/payments/notify/wechat/sz", h, body); st != 204 {
		t.Fatalf("refund notification answered %d %s", st, b)
	}
	if p := paymentByNo(t, "sz", res.PaymentNo); p.RefundedFen != 15000 {
		t.Fatalf("payment refunded_fen %d after the refund notification", p.RefundedFen)
	}

	// The rest of the payment can be refunded, and no more.
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		return env.P.Payments.RefundOrder(ctx, o.ID, 5001, "多退", "cancel")
	})
	if !errors.Is(err, payment.ErrRefundExceedsPaid) {
		t.Fatalf("refunding more than is left: %v", err)
	}
}

func TestPayment_RefundNotificationCompletesAProcessingRefund(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 3000)
	res := pay(t, token, "sz", o.ID, "wechat")
	if err := wx.Pay(res.PaymentNo, time.Now()); err != nil {
		t.Fatal(err)
	}
	h, body, _ := wx.PaidNotification(res.PaymentNo)
	if st, b := mustPost(t, "/v1/payments/notify/wechat/sz", h, body); st != 204 {
		t.Fatalf("notification answered %d %s", st, b)
	}
	if err := tenants.WithTx(cityCtx(t, "sz"), func(ctx context.Context) error {
		return env.P.Payments.RefundOrder(ctx, o.ID, 3000, "客户取消", "cancel")
	}); err != nil {
		t.Fatal(err)
	}
	no := refundsOf(t, "sz", o.ID)[0].RefundNo
	eventually(t, 15*time.Second, "refund reaches WeChat", func() error {
		if _, ok := wx.Refund(no); !ok {
			return errors.New("not yet")
		}
		return nil
	})
	if err := wx.SettleRefund(no, time.Now()); err != nil {
		t.Fatal(err)
	}
	h, body, err := wx.RefundNotification(no)
	if err != nil {
		t.Fatal(err)
	}
	if st, b := mustPost(t, "/v1/payments/notify/wechat/sz", h, body); st != 204 {
		t.Fatalf("refund notification answered %d %s", st, b)
	}
	// Completed by the notification itself, with no poll needed.
	if r := refundsOf(t, "sz", o.ID)[0]; r.Status != payment.RefundStatusSucceeded {
		t.Fatalf("refund %s after WeChat's REFUND.SUCCESS", r.Status)
	}
	if p := paymentByNo(t, "sz", res.PaymentNo); p.RefundedFen != 3000 {
		t.Fatalf("payment refunded_fen %d", p.RefundedFen)
	}
	// The polls still scheduled find it final and stop; nothing is booked twice.
	time.Sleep(1500 * time.Millisecond)
	if p := paymentByNo(t, "sz", res.PaymentNo); p.RefundedFen != 3000 {
		t.Fatalf("payment refunded_fen %d after the polls", p.RefundedFen)
	}
}

func TestPayment_FullFlowThroughTheSandboxPage(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 12800)
	c := env.Client(t).In("sz").As(token)

	var res payment.PayResult
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "sandbox"}).Want(201).JSON(&res)
	if res.PayURL != env.Base+"/sandbox/pay/"+res.PaymentNo || res.AmountFen != 12800 || res.ExpiresAt.Before(time.Now()) {
		t.Fatalf("pay answered %+v", res)
	}

	// The cashier page the payer opens shows what they pay.
	page := env.Client(t).Get(strings.TrimPrefix(res.PayURL, env.Base)).OK()
	if !strings.Contains(string(page.Body), "128.00") || !strings.Contains(string(page.Body), "日常保洁") {
		t.Fatalf("pay page: %s", page.Body)
	}

	// Paying there makes the sandbox post its signed notification to us
	// over HTTP, the path a real provider's takes.
	var paid sandboxpay.Paid
	env.Client(t).Post("/v1/sandbox/pay/"+res.PaymentNo, nil).OK().JSON(&paid)
	if !paid.Notified || paid.Trade.Status != sandboxpay.StatusPaid {
		t.Fatalf("sandbox pay: %+v", paid)
	}
	got := readOrder(t, "sz", o.ID)
	if got.Status != stDispatching && got.Status != "assigned" {
		t.Fatalf("order %s after paying, want dispatching or assigned", got.Status)
	}
	if got.PaidFen != 12800 {
		t.Fatalf("paid_fen %d", got.PaidFen)
	}
	if p := paymentByNo(t, "sz", res.PaymentNo); p.Status != payment.StatusPaid {
		t.Fatalf("payment %s", p.Status)
	}
	// The page now says so, and paying again only resends the notification.
	if page := env.Client(t).Get("/sandbox/pay/" + res.PaymentNo).OK(); !strings.Contains(string(page.Body), "Paid") {
		t.Fatalf("pay page after paying: %s", page.Body)
	}
	env.Client(t).Post("/sandbox/pay/"+res.PaymentNo, nil).OK()
	if got := readOrder(t, "sz", o.ID); got.PaidFen != 12800 {
		t.Fatalf("paid_fen %d after paying twice", got.PaidFen)
	}
	// Nothing is left to pay.
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "sandbox"}).WantError(409, "order_not_payable")
}

func TestPayment_SecondPayRequestReusesThePendingPayment(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 5000)
	c := env.Client(t).In("sz").As(token)
	path := fmt.Sprintf("/v1/orders/%d/pay", o.ID)

	var first, second, other payment.PayResult
	c.Post(path, map[string]string{"method": "sandbox"}).Want(201).JSON(&first)
	c.Post(path, map[string]string{"method": "sandbox"}).Want(200).JSON(&second)
	if second.PaymentNo != first.PaymentNo || !second.Reused || second.PayURL != first.PayURL {
		t.Fatalf("second request got %+v, want the pending %s again", second, first.PaymentNo)
	}
	// Another method is another payment.
	c.Post(path, map[string]string{"method": "wechat"}).Want(201).JSON(&other)
	if other.PaymentNo == first.PaymentNo || other.QRCode == "" {
		t.Fatalf("wechat got %+v", other)
	}
	if got := countRows(t, "sz", &payment.Payment{}, "order_id = ?", o.ID); got != 2 {
		t.Fatalf("%d payments, want 2", got)
	}

	// With an Idempotency-Key a retry replays the first answer exactly;
	// the same key for another request is refused.
	o2 := newOrder(t, "sz", acct, 5100)
	path2 := fmt.Sprintf("/v1/orders/%d/pay", o2.ID)
	k := c.With("Idempotency-Key", fmt.Sprintf("pay-%d", o2.ID))
	var r1, r2 payment.PayResult
	k.Post(path2, map[string]string{"method": "sandbox"}).Want(201).JSON(&r1)
	k.Post(path2, map[string]string{"method": "sandbox"}).Want(201).JSON(&r2)
	if r1 != r2 {
		t.Fatalf("replay %+v, want %+v", r2, r1)
	}
	k.Post(path2, map[string]string{"method": "wechat"}).WantError(422, "idempotency_key_reused")
	if got := countRows(t, "sz", &payment.Payment{}, "order_id = ?", o2.ID); got != 1 {
		t.Fatalf("%d payments, want 1", got)
	}
}

func TestPayment_ConcurrentPayRequestsMakeOnePayment(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 4200)
	const n = 8
	var wg sync.WaitGroup
	nos := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := payRaw(token, "sz", o.ID, "sandbox")
			nos[i], errs[i] = r.PaymentNo, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, no := range nos {
		if no != nos[0] {
			t.Fatalf("payment numbers %v, want one", nos)
		}
	}
	if got := countRows(t, "sz", &payment.Payment{}, "order_id = ?", o.ID); got != 1 {
		t.Fatalf("%d payments, want 1", got)
	}
}

func TestPayment_OnlyTheOrdersCustomerMayPay(t *testing.T) {
	_, owner := customer(t)
	stranger, _ := customer(t)
	o := newOrder(t, "sz", owner, 5000)
	c := env.Client(t).In("sz").As(stranger)
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "sandbox"}).WantError(404, "order_not_found")
	// The same order id in another city is another order (or none).
	c2 := env.Client(t).In("bj").As(stranger)
	c2.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "sandbox"}).WantError(404, "order_not_found")
	c.Post("/v1/orders/999999/pay", map[string]string{"method": "sandbox"}).WantError(404, "order_not_found")
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "paypal"}).WantError(400, "invalid_input")
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "alipay"}).WantError(400, "payment_method_unavailable")
	env.Client(t).In("sz").Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "sandbox"}).WantError(401, "unauthorized")
	if got := countRows(t, "sz", &payment.Payment{}, "order_id = ?", o.ID); got != 0 {
		t.Fatalf("%d payments written", got)
	}
}

func TestPayment_SettleBeforeExpiryAppliesAPaymentWhoseNotificationNeverCame(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 7700)
	res := pay(t, token, "sz", o.ID, sandboxpay.Name)
	ctx := cityCtx(t, "sz")
	// Paid at the last second; the notification is lost.
	if _, err := sandbox(t).MarkPaid(ctx, res.PaymentNo); err != nil {
		t.Fatal(err)
	}
	paid, err := env.P.Payments.SettleBeforeExpiry(ctx, o.ID)
	if err != nil || !paid {
		t.Fatalf("SettleBeforeExpiry = %v, %v; want paid", paid, err)
	}
	if got := readOrder(t, "sz", o.ID); got.Status != stDispatching || got.PaidFen != 7700 {
		t.Fatalf("order %s paid %d", got.Status, got.PaidFen)
	}
	// Asked again, nothing is pending and nothing changes.
	paid, err = env.P.Payments.SettleBeforeExpiry(ctx, o.ID)
	if err != nil || paid {
		t.Fatalf("second SettleBeforeExpiry = %v, %v", paid, err)
	}
	// The notification arriving late changes nothing either.
	h, body, err := sandbox(t).Notification(ctx, res.PaymentNo)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := mustPost(t, "/v1/payments/notify/sandbox/sz", h, body); st != 200 {
		t.Fatalf("late notification answered %d", st)
	}
	if got := countRows(t, "sz", &eventRow{}, "order_id = ? AND event = ?", o.ID, "pay"); got != 1 {
		t.Fatalf("%d pay events", got)
	}
	// Inside a transaction it refuses: it would call the provider holding locks.
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		_, err := env.P.Payments.SettleBeforeExpiry(ctx, o.ID)
		return err
	})
	if err == nil {
		t.Fatal("SettleBeforeExpiry ran inside a transaction")
	}
}

var errRollback = errors.New("roll back")

func TestRefundOrder_SplitsOverPaidPaymentsNewestFirstInTheCallersTransaction(t *testing.T) {
	_, acct := customer(t)
	o := newOrder(t, "sz", acct, 30000)
	ctx := cityCtx(t, "sz")
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	t1 := t0.Add(30 * time.Minute)
	deposit := payment.Payment{PaymentNo: fmt.Sprintf("PszT%d1", o.ID), OrderID: o.ID, CustomerID: acct, Kind: payment.KindDeposit, Method: "sandbox",
		AmountFen: 10000, Status: payment.StatusPaid, PaidAt: &t0, ExpiresAt: t0, CreatedAt: t0, UpdatedAt: t0}
	balance := payment.Payment{PaymentNo: fmt.Sprintf("PszT%d2", o.ID), OrderID: o.ID, CustomerID: acct, Kind: payment.KindBalance, Method: "sandbox",
		AmountFen: 20000, Status: payment.StatusPaid, PaidAt: &t1, ExpiresAt: t1, CreatedAt: t1, UpdatedAt: t1}
	for _, p := range []*payment.Payment{&deposit, &balance} {
		if err := tenants.DB(ctx).Create(p).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Checked inside the caller's transaction, then rolled back with it:
	// nothing of a refund survives a booking write that fails.
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		if err := env.P.Payments.RefundOrder(ctx, o.ID, 25000, "取消", "cancel"); err != nil {
			return err
		}
		rs, err := env.P.Payments.RefundsOf(ctx, o.ID)
		if err != nil {
			return err
		}
		got := map[int64]int64{}
		for _, r := range rs {
			got[r.PaymentID] = r.AmountFen
			if r.Status != payment.RefundStatusProcessing || r.Source != "cancel" {
				return fmt.Errorf("refund %+v", r)
			}
		}
		if len(rs) != 2 || got[balance.ID] != 20000 || got[deposit.ID] != 5000 {
			return fmt.Errorf("split %v, want 20000 of the balance and 5000 of the deposit", got)
		}
		var tasks int64
		if err := tenants.DB(ctx).Table(tenants.Table(ctx, "outbox_messages")).Where("task_type = ? AND sent_at IS NULL", payment.TaskRefund).Count(&tasks).Error; err != nil {
			return err
		}
		if tasks < 2 {
			return fmt.Errorf("%d refund tasks in the outbox", tasks)
		}
		// What is left (5000) may be refunded; more may not.
		if err := env.P.Payments.RefundOrder(ctx, o.ID, 5001, "", "cancel"); !errors.Is(err, payment.ErrRefundExceedsPaid) {
			return fmt.Errorf("over-refund: %v", err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if rs := refundsOf(t, "sz", o.ID); len(rs) != 0 {
		t.Fatalf("%d refunds survived the rollback", len(rs))
	}
	if err := env.P.Payments.RefundOrder(ctx, o.ID, 0, "", "cancel"); app.KindOf(err) != app.KindInvalid {
		t.Fatalf("zero refund: %v", err)
	}
}

func TestPayment_ExpiryAsksTheGatewayFirstAndALaterPaymentIsRefunded(t *testing.T) {
	token, acct := customer(t)
	ctx := cityCtx(t, "sz")
	expire := func(orderID int64) {
		t.Helper()
		if err := env.P.Booking.HandleExpire(ctx, []byte(fmt.Sprintf(`{"order_id":%d}`, orderID))); err != nil {
			t.Fatalf("order:expire: %v", err)
		}
	}
	pastDeadline := func(orderID int64) {
		t.Helper()
		if err := tenants.DB(ctx).Model(&orderRow{}).Where("id = ?", orderID).Update("pay_deadline", time.Now().UTC().Add(-time.Second)).Error; err != nil {
			t.Fatal(err)
		}
	}

	// Paid at the last second, notification not in yet: booking's expiry
	// asks us first, we ask the gateway, and the order is kept.
	kept := newOrder(t, "sz", acct, 8800)
	res := pay(t, token, "sz", kept.ID, sandboxpay.Name)
	if _, err := sandbox(t).MarkPaid(ctx, res.PaymentNo); err != nil {
		t.Fatal(err)
	}
	pastDeadline(kept.ID)
	expire(kept.ID)
	if got := readOrder(t, "sz", kept.ID); got.Status != stDispatching || got.PaidFen != 8800 {
		t.Fatalf("order %s paid %d, want dispatching and paid", got.Status, got.PaidFen)
	}

	// Not paid by the deadline: expired. The payer pays afterwards anyway:
	// the money goes back by itself.
	lost := newOrder(t, "sz", acct, 4400)
	res = pay(t, token, "sz", lost.ID, sandboxpay.Name)
	pastDeadline(lost.ID)
	expire(lost.ID)
	if got := readOrder(t, "sz", lost.ID); got.Status != "expired" {
		t.Fatalf("order %s, want expired", got.Status)
	}
	var paid sandboxpay.Paid
	env.Client(t).Post("/v1/sandbox/pay/"+res.PaymentNo, nil).OK().JSON(&paid)
	if !paid.Notified {
		t.Fatalf("sandbox pay: %+v", paid)
	}
	eventually(t, 15*time.Second, "late payment refunded", func() error {
		rs := refundsOf(t, "sz", lost.ID)
		if len(rs) != 1 || rs[0].Source != payment.SourceLatePayment || rs[0].Status != payment.RefundStatusSucceeded {
			return fmt.Errorf("refunds %+v", rs)
		}
		return nil
	})
	if got := readOrder(t, "sz", lost.ID); got.Status != "expired" || got.PaidFen != 0 {
		t.Fatalf("expired order took the money: %+v", got)
	}
}

func TestRefundSweep_RestartsARefundWhoseTaskWasLost(t *testing.T) {
	token, acct := customer(t)
	o := newOrder(t, "sz", acct, 2500)
	res := pay(t, token, "sz", o.ID, sandboxpay.Name)
	var paid sandboxpay.Paid
	env.Client(t).Post("/v1/sandbox/pay/"+res.PaymentNo, nil).OK().JSON(&paid)
	ctx := cityCtx(t, "sz")
	// The refund is written, but its task never reaches the queue.
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		if err := env.P.Payments.RefundOrder(ctx, o.ID, 2500, "客户取消", "cancel"); err != nil {
			return err
		}
		rs, err := env.P.Payments.RefundsOf(ctx, o.ID)
		if err != nil {
			return err
		}
		if err := tenants.DB(ctx).Exec("DELETE FROM "+tenants.Table(ctx, "outbox_messages")+" WHERE task_type = ? AND payload LIKE ?",
			payment.TaskRefund, fmt.Sprintf(`{"refund_id":%d,%%`, rs[0].ID)).Error; err != nil {
			return err
		}
		return tenants.DB(ctx).Model(&payment.Refund{}).Where("id = ?", rs[0].ID).Update("next_check_at", time.Now().UTC().Add(-time.Hour)).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if r := refundsOf(t, "sz", o.ID)[0]; r.Status != payment.RefundStatusProcessing || r.Attempts != 0 {
		t.Fatalf("refund moved without its task: %+v", r)
	}
	if err := env.P.Payments.HandleRefundSweep(ctx, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "swept refund completes", func() error {
		if r := refundsOf(t, "sz", o.ID)[0]; r.Status != payment.RefundStatusSucceeded {
			return fmt.Errorf("refund %s", r.Status)
		}
		return nil
	})
	// A second sweep finds nothing to do.
	if err := env.P.Payments.HandleRefundSweep(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if p := paymentByNo(t, "sz", res.PaymentNo); p.RefundedFen != 2500 {
		t.Fatalf("payment refunded_fen %d", p.RefundedFen)
	}
}
