package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/apptest"
	"doorstep/app/notify"
	"doorstep/app/outbox"
	"doorstep/app/platform"
	"doorstep/app/push/jpush"
	"doorstep/app/push/jpush/jpushtest"
	"doorstep/app/sms/aliyun"
	"doorstep/app/sms/aliyun/aliyuntest"
	"doorstep/jobs"
	"doorstep/tenants"
)

const (
	appKey       = "7d431e42dfa6a6d693ac2d04"
	masterSecret = "5e987ac6d2e04d95a9d8f0d1"
)

var (
	env   *apptest.Env
	fake  *jpushtest.Fake
	phone atomic.Int64
)

// One product for the package: sandbox SMS, pushes through JPush's protocol
// to a fake JPush, cities sz and bj.
func TestMain(m *testing.M) {
	fake = jpushtest.New(appKey, masterSecret)
	srv := httptest.NewServer(fake)
	e, err := apptest.Start(apptest.Cities("sz", "bj"), apptest.Configure(func(c *platform.Config) {
		c.Push = platform.PushConfig{Provider: "jpush", JPush: platform.JPushConfig{AppKey: appKey, MasterSecret: masterSecret, BaseURL: srv.URL}}
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		srv.Close()
		os.Exit(1)
	}
	env = e
	code := m.Run()
	e.Close()
	srv.Close()
	os.Exit(code)
}

func nextPhone() string { return apptest.Phone(int(20000000 + phone.Add(1))) }

func cityCtx(t *testing.T, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return tenants.WithCity(context.Background(), c)
}

// person signs a new customer in and sets their notification choices.
func person(t *testing.T, u account.ProfileUpdate) account.Session {
	t.Helper()
	s := env.SignIn(t, nextPhone())
	env.Client(t).As(s.AccessToken).Patch("/v1/me", u).OK()
	return s
}

func ptr[T any](v T) *T { return &v }

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, code := range []string{"sz", "bj"} {
		var rows []outbox.Message
		tenants.DB(cityCtx(t, code)).Order("id DESC").Limit(5).Find(&rows)
		for _, m := range rows {
			t.Logf("outbox of %s: %d %s created %v process_at %v sent %v attempts %d err %q", code, m.ID, m.TaskType, m.CreatedAt, m.ProcessAt, m.SentAt, m.Attempts, m.LastError)
		}
	}
	t.Logf("now %v", time.Now().UTC())
	t.Fatalf("timed out waiting for %s", what)
}

func inbox(t *testing.T, city, token string, query string) notify.Inbox {
	t.Helper()
	var in notify.Inbox
	env.Client(t).In(city).As(token).Get("/v1/inbox" + query).OK().JSON(&in)
	return in
}

func waitInbox(t *testing.T, city, token string, n int) notify.Inbox {
	t.Helper()
	var in notify.Inbox
	eventually(t, fmt.Sprintf("%d notifications in %s", n, city), func() bool {
		in = inbox(t, city, token, "?limit=100")
		return len(in.Items) >= n
	})
	return in
}

func maxOutboxID(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	var id int64
	if err := tenants.DB(ctx).Model(&outbox.Message{}).Select("COALESCE(MAX(id), 0)").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func outboxTasks(t *testing.T, ctx context.Context, after int64) map[string]int {
	t.Helper()
	var rows []outbox.Message
	if err := tenants.DB(ctx).Where("id > ?", after).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range rows {
		out[m.TaskType]++
	}
	return out
}

func sandboxSMS(t *testing.T, phone, template string) []string {
	t.Helper()
	var msgs []struct{ Template, Body string }
	env.Client(t).Get("/v1/sandbox/sms?phone=" + phone).OK().JSON(&msgs)
	var out []string
	for _, m := range msgs {
		if m.Template == template {
			out = append(out, m.Body)
		}
	}
	return out
}

func pushesTo(device string) []jpushtest.Push {
	var out []jpushtest.Push
	for _, p := range fake.Pushes() {
		for _, id := range p.RegistrationIDs {
			if id == device {
				out = append(out, p)
			}
		}
	}
	return out
}

var paidParams = map[string]string{"amount": "128.00", "service": "日常保洁", "time": "06-03 10:00", "order_no": "D20250603001"}

func TestDeliver_EnglishAccountGetsEnglishInboxAndPushAndChineseSMS(t *testing.T) {
	dev := "1a0018970a8a2b3c4e1"
	fake.AddDevice(dev)
	s := person(t, account.ProfileUpdate{Locale: ptr("en"), NotifySMS: ptr(true), NotifyPush: ptr(true), PushToken: ptr(dev)})
	ctx := cityCtx(t, "sz")
	if err := env.P.Notify.Tell(ctx, s.AccountID, "order_paid", paidParams, map[string]string{"order_no": "D20250603001"}, "en-1"); err != nil {
		t.Fatal(err)
	}
	in := waitInbox(t, "sz", s.AccessToken, 1)
	n := in.Items[0]
	if n.Event != "order_paid" || n.Title != "Payment received" || !strings.Contains(n.Body, "We received 128.00 yuan") || n.Data["order_no"] != "D20250603001" {
		t.Fatalf("inbox row: %+v", n)
	}
	eventually(t, "the push", func() bool { return len(pushesTo(dev)) == 1 })
	p := pushesTo(dev)[0]
	if p.IOSTitle != "Payment received" || !strings.Contains(p.Alert, "We received 128.00 yuan") {
		t.Fatalf("push not in English: %+v", p)
	}
	phone := ""
	c, err := env.P.Accounts.Contact(ctx, s.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	phone = c.Phone
	eventually(t, "the SMS", func() bool { return len(sandboxSMS(t, phone, "order_paid")) == 1 })
	if body := sandboxSMS(t, phone, "order_paid")[0]; !strings.Contains(body, "您已成功支付128.00元") {
		t.Fatalf("SMS goes through the approved Chinese template: %q", body)
	}
}

func TestDeliver_ChineseAccountGetsChineseInbox(t *testing.T) {
	s := person(t, account.ProfileUpdate{Locale: ptr("zh")})
	ctx := cityCtx(t, "sz")
	if err := env.P.Notify.Tell(ctx, s.AccountID, "order_assigned", map[string]string{"order_no": "D9", "staff": "王师傅", "time": "06-03 10:00"}, nil, "zh-1"); err != nil {
		t.Fatal(err)
	}
	n := waitInbox(t, "sz", s.AccessToken, 1).Items[0]
	if n.Title != "已派单" || n.Body != "您的订单D9已安排服务人员王师傅，服务时间06-03 10:00。" {
		t.Fatalf("inbox row: %+v", n)
	}
}

func TestDeliver_NoSMSAndNoPushWhenThePersonTurnedThemOff(t *testing.T) {
	dev := "1a0018970a8a2b3c4e2"
	fake.AddDevice(dev)
	s := person(t, account.ProfileUpdate{NotifySMS: ptr(false), NotifyPush: ptr(false), PushToken: ptr(dev)})
	ctx := cityCtx(t, "sz")
	mark := maxOutboxID(t, ctx)
	if err := env.P.Notify.Tell(ctx, s.AccountID, "order_paid", paidParams, nil, "off-1"); err != nil {
		t.Fatal(err)
	}
	waitInbox(t, "sz", s.AccessToken, 1)
	// SMS and push would have been queued in the transaction that wrote the
	// inbox row, so they would be there now.
	got := outboxTasks(t, ctx, mark)
	if got[notify.TaskDeliver] != 1 || got[notify.TaskSMS] != 0 || got[notify.TaskPush] != 0 {
		t.Fatalf("outbox after delivery: %v", got)
	}
	if len(pushesTo(dev)) != 0 {
		t.Fatal("pushed although push is off")
	}
}

func TestDeliver_OnlySMSWorthyEventsGoBySMSAndNoPushWithoutADevice(t *testing.T) {
	s := person(t, account.ProfileUpdate{NotifySMS: ptr(true), NotifyPush: ptr(true)})
	ctx := cityCtx(t, "sz")
	mark := maxOutboxID(t, ctx)
	if err := env.P.Notify.Tell(ctx, s.AccountID, "review_request", map[string]string{"service": "日常保洁", "order_no": "D1"}, nil, "quiet-1"); err != nil {
		t.Fatal(err)
	}
	waitInbox(t, "sz", s.AccessToken, 1)
	if got := outboxTasks(t, ctx, mark); got[notify.TaskSMS] != 0 || got[notify.TaskPush] != 0 {
		t.Fatalf("outbox after delivery: %v", got)
	}
}

func TestDeliver_SameFactTwiceDeliversOnce(t *testing.T) {
	s := person(t, account.ProfileUpdate{})
	ctx := cityCtx(t, "sz")
	for range 2 {
		if err := env.P.Notify.Tell(ctx, s.AccountID, "order_expired", map[string]string{"order_no": "D2"}, nil, "twice"); err != nil {
			t.Fatal(err)
		}
	}
	waitInbox(t, "sz", s.AccessToken, 1)
	time.Sleep(1500 * time.Millisecond)
	if n := len(inbox(t, "sz", s.AccessToken, "").Items); n != 1 {
		t.Fatalf("%d inbox rows, want 1", n)
	}
}

func TestPush_UnknownDeviceClearsTheTokenAndDoesNotRetry(t *testing.T) {
	dev := "1a0018970a8a2b3c4e3" // never registered at JPush: the app was uninstalled
	s := person(t, account.ProfileUpdate{NotifyPush: ptr(true), PushToken: ptr(dev)})
	ctx := cityCtx(t, "sz")
	if err := env.P.Notify.Tell(ctx, s.AccountID, "order_on_the_way", map[string]string{"staff": "王师傅", "order_no": "D3"}, nil, "gone-1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the token to be cleared", func() bool {
		c, err := env.P.Accounts.Contact(ctx, s.AccountID)
		return err == nil && c.PushToken == ""
	})

	// The handler's own answer: done, not failed (so no retry).
	env.Client(t).As(s.AccessToken).Patch("/v1/me", account.ProfileUpdate{PushToken: ptr(dev)}).OK()
	err := env.P.Notify.HandlePush(ctx, notify.PushPayload(env.P.Notify, s.AccountID, dev, "On the way", "Wang is on the way."))
	if err != nil {
		t.Fatalf("unknown device: %v, want nil (no retry)", err)
	}
	if c, _ := env.P.Accounts.Contact(ctx, s.AccountID); c.PushToken != "" {
		t.Fatalf("token kept: %q", c.PushToken)
	}
}

func TestPush_UnknownOldDeviceKeepsANewerToken(t *testing.T) {
	newDev := "1a0018970a8a2b3c4e4"
	fake.AddDevice(newDev)
	s := person(t, account.ProfileUpdate{NotifyPush: ptr(true), PushToken: ptr(newDev)})
	ctx := cityCtx(t, "sz")
	// A push queued for the phone the person had before.
	if err := env.P.Notify.HandlePush(ctx, notify.PushPayload(env.P.Notify, s.AccountID, "1a0018970a8a2b3c4e0", "t", "b")); err != nil {
		t.Fatal(err)
	}
	if c, _ := env.P.Accounts.Contact(ctx, s.AccountID); c.PushToken != newDev {
		t.Fatalf("token now %q, want the newer %q", c.PushToken, newDev)
	}
}

func TestPush_RefusedIsPermanentAndOutageRetries(t *testing.T) {
	dev := "1a0018970a8a2b3c4e5"
	fake.AddDevice(dev)
	s := person(t, account.ProfileUpdate{NotifyPush: ptr(true), PushToken: ptr(dev)})
	ctx := cityCtx(t, "sz")
	payload := notify.PushPayload(env.P.Notify, s.AccountID, dev, "t", "b")

	fake.FailNext(400, 1003, "param value is invalid")
	err := env.P.Notify.HandlePush(ctx, payload)
	if !errors.Is(err, app.ErrPermanent) || !errors.Is(err, jobs.ErrPermanent) {
		t.Fatalf("refused push: %v, want permanent", err)
	}
	fake.FailNext(500, 1000, "")
	err = env.P.Notify.HandlePush(ctx, payload)
	if err == nil || errors.Is(err, app.ErrPermanent) || !jpush.Retryable(err) {
		t.Fatalf("provider outage: %v, want a retryable error", err)
	}
	if c, _ := env.P.Accounts.Contact(ctx, s.AccountID); c.PushToken != dev {
		t.Fatalf("token cleared on a failure that was not an unknown device")
	}
}

func TestSMS_ProviderRefusalIsPermanentAndOutageRetries(t *testing.T) {
	f := aliyuntest.New(aliyuntest.Account{AccessKeyID: "LTAI5tTest", AccessKeySecret: "test-secret", SignNames: []string{"上门到家"}, TemplateCodes: []string{"SMS_100001"}})
	srv := httptest.NewServer(f)
	defer srv.Close()
	sender, err := aliyun.New(aliyun.Config{AccessKeyID: "LTAI5tTest", AccessKeySecret: "test-secret", SignName: "上门到家",
		Templates: map[string]string{"order_paid": "SMS_100001"}, Endpoint: srv.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	svc := notify.New(env.P.Reg, env.P.Box, env.P.Outbox, sender, nil, apptest.Logger())
	ctx := cityCtx(t, "sz")
	to := nextPhone()

	if err := svc.HandleSMS(ctx, notify.SMSPayload(svc, to, "order_paid", paidParams)); err != nil {
		t.Fatalf("send: %v", err)
	}
	if len(f.Messages()) != 1 || f.Messages()[0].Params["amount"] != "128.00" {
		t.Fatalf("sent: %+v", f.Messages())
	}

	for _, tc := range []struct {
		name      string
		status    int
		code      string
		template  string
		permanent bool
	}{
		{"number refused", 200, "isv.MOBILE_NUMBER_ILLEGAL", "order_paid", true},
		{"per-number flow control", 200, "isv.BUSINESS_LIMIT_CONTROL", "order_paid", true},
		{"template not approved", 200, "isv.SMS_TEMPLATE_ILLEGAL", "order_paid", true},
		{"no template configured", 0, "", "order_reminder", true},
		{"provider outage", 500, "isp.SYSTEM_ERROR", "order_paid", false},
		{"throttled", 200, "Throttling.User", "order_paid", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code != "" {
				f.FailNext(tc.status, tc.code)
			}
			err := svc.HandleSMS(ctx, notify.SMSPayload(svc, to, tc.template, paidParams))
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, app.ErrPermanent); got != tc.permanent {
				t.Fatalf("%v: permanent %v, want %v", err, got, tc.permanent)
			}
			if strings.Contains(err.Error(), to) {
				t.Fatalf("error shows the phone number: %v", err)
			}
		})
	}
}

func TestDeliver_UnknownAccountIsPermanent(t *testing.T) {
	ctx := cityCtx(t, "sz")
	err := env.P.Notify.HandleDeliver(ctx, []byte(`{"account_id":987654321,"template":"order_paid","params":{},"dedupe":"order_paid:x"}`))
	if !errors.Is(err, app.ErrPermanent) {
		t.Fatalf("%v, want permanent", err)
	}
	if err := env.P.Notify.HandleDeliver(ctx, []byte(`{not json`)); !errors.Is(err, app.ErrPermanent) {
		t.Fatalf("bad payload: %v, want permanent", err)
	}
}
