package payment_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/audit"
	"doorstep/app/payment"
	"doorstep/app/payment/sandboxpay"
	"doorstep/app/payment/wechatpay/wechatpaytest"
	"doorstep/app/platform"
	"doorstep/tenants"
)

// One product for the package: a real MariaDB schema set, Redis, the HTTP
// server on a loopback port, the sandbox gateway, and WeChat Pay pointed at
// its local fake.
var (
	env *apptest.Env
	wx  *wechatpaytest.Server
)

const (
	sandboxKey = "test-payment-sandbox-key-0123456789"
	mchID      = "1900000109"
	wxAppID    = "wxd678efh567hg6787"
	mchSerial  = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	mchKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	wx, err = wechatpaytest.New(mchID, wxAppID, mchSerial, &mchKey.PublicKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer wx.Close()
	platformKey, err := x509.MarshalPKIXPublicKey(&wx.Key.PublicKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, err = apptest.Start(apptest.Cities("sz", "bj"), apptest.Configure(func(c *platform.Config) {
		c.Payment = platform.PaymentConfig{
			Enabled:    []string{"sandbox", "wechat"},
			RefundPoll: 300 * time.Millisecond, RefundPollMax: 2 * time.Second,
			Sandbox: platform.SandboxPayConfig{Key: sandboxKey},
			WeChat: platform.WeChatPayConfig{MchID: mchID, AppID: wxAppID, CertSerial: mchSerial, APIv3Key: wx.APIv3Key,
				PrivateKey:        string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(mchKey)})),
				PlatformPublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: platformKey})),
				PlatformSerial:    wx.Serial, BaseURL: wx.URL(),
				// WeChat Pay takes https notify URLs only; the tests post its
				// notifications to our server themselves.
				NotifyBaseURL: "https://pay.doorstep.test"},
		}
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.Close()
	return m.Run()
}

// ---- orders ----

// orderRow is the part of booking's order the tests write and read. Orders
// are written directly: what payment needs of them is the row, and booking's
// own API wants a whole catalog, merchant and staff behind it. Everything
// after the row is booking's real code (PayableNow, ApplyPayment).
type orderRow struct {
	ID            int64 `gorm:"primaryKey"`
	OrderNo       string
	CustomerID    int64
	MerchantID    int64
	ServiceItemID int64
	Status        string
	SlotStart     time.Time
	SlotEnd       time.Time
	DurationMin   int
	Title         string
	CategoryCode  string
	AddressID     int64
	ContactName   string
	PhoneEnc      []byte
	PhoneMasked   string
	AddressEnc    []byte
	AddressMasked string
	Lat, Lng      float64
	PriceModel    string
	PriceFen      int64
	TotalFen      int64
	PaidFen       int64
	RefundedFen   int64
	PayDeadline   *time.Time
	PaidAt        *time.Time
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (orderRow) TableName(n schema.Namer) string { return tenants.TableName(n, "orders") }

type eventRow struct {
	ID         int64 `gorm:"primaryKey"`
	OrderID    int64
	Event      string
	FromStatus string
	ToStatus   string
	ActorRole  string
	At         time.Time
}

func (eventRow) TableName(n schema.Namer) string { return tenants.TableName(n, "order_events") }

// Order states (booking's).
const (
	stPendingPayment = "pending_payment"
	stDispatching    = "dispatching"
	stCancelled      = "cancelled"
)

var orderSeq atomic.Int64

// newOrder writes an unpaid fixed-price order of a customer in a city.
func newOrder(t *testing.T, city string, customerID, totalFen int64) orderRow {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	deadline := now.Add(15 * time.Minute)
	slot := now.Add(48 * time.Hour).Truncate(time.Hour)
	o := orderRow{OrderNo: fmt.Sprintf("T%d%04d", now.Unix(), orderSeq.Add(1)), CustomerID: customerID, MerchantID: 1, ServiceItemID: 1,
		Status: stPendingPayment, SlotStart: slot, SlotEnd: slot.Add(2 * time.Hour), DurationMin: 120, Title: "日常保洁 2小时",
		CategoryCode: "daily_cleaning", AddressID: 1, ContactName: "王女士", PhoneEnc: []byte{1}, PhoneMasked: "138****0000",
		AddressEnc: []byte{1}, AddressMasked: "南山区****", Lat: 22.54, Lng: 113.93, PriceModel: "fixed", PriceFen: totalFen,
		TotalFen: totalFen, PayDeadline: &deadline, CreatedAt: now, UpdatedAt: now}
	if err := tenants.DB(cityCtx(t, city)).Create(&o).Error; err != nil {
		t.Fatalf("order fixture: %v", err)
	}
	return o
}

func readOrder(t *testing.T, city string, id int64) orderRow {
	t.Helper()
	var o orderRow
	if err := tenants.DB(cityCtx(t, city)).Take(&o, id).Error; err != nil {
		t.Fatal(err)
	}
	return o
}

func setOrderStatus(t *testing.T, city string, id int64, status string) {
	t.Helper()
	if err := tenants.DB(cityCtx(t, city)).Model(&orderRow{}).Where("id = ?", id).Update("status", status).Error; err != nil {
		t.Fatal(err)
	}
}

func countRows(t *testing.T, city string, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := tenants.DB(cityCtx(t, city)).Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// ---- helpers ----

func cityCtx(t *testing.T, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return app.WithActor(tenants.WithCity(context.Background(), c), app.System)
}

var phoneSeq atomic.Int64

// customer signs a fresh customer in and returns the token and account id.
func customer(t *testing.T) (string, int64) {
	t.Helper()
	s := env.SignIn(t, apptest.Phone(int(5000+phoneSeq.Add(1))))
	return s.AccessToken, s.AccountID
}

func pay(t *testing.T, token, city string, orderID int64, method string) payment.PayResult {
	t.Helper()
	var res payment.PayResult
	env.Client(t).In(city).As(token).Post(fmt.Sprintf("/v1/orders/%d/pay", orderID), map[string]string{"method": method}).Want(201, 200).JSON(&res)
	return res
}

func sandbox(t *testing.T) *sandboxpay.Gateway {
	t.Helper()
	g, ok := env.P.Payments.Gateway(sandboxpay.Name)
	if !ok {
		t.Fatal("the sandbox gateway is not enabled")
	}
	return g.(*sandboxpay.Gateway)
}

// post sends a notification to our server exactly as a provider would.
func post(path string, h http.Header, body []byte) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, env.Base+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), nil
}

func mustPost(t *testing.T, path string, h http.Header, body []byte) (int, string) {
	t.Helper()
	st, b, err := post(path, h, body)
	if err != nil {
		t.Fatal(err)
	}
	return st, b
}

// eventually retries check until it passes or the time is up.
func eventually(t *testing.T, within time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func paymentByNo(t *testing.T, city, no string) payment.Payment {
	t.Helper()
	p, err := env.P.Payments.PaymentByNo(cityCtx(t, city), no)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func refundsOf(t *testing.T, city string, orderID int64) []payment.Refund {
	t.Helper()
	rs, err := env.P.Payments.RefundsOf(cityCtx(t, city), orderID)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// inbox lists the events of the notifications an account has received.
func inbox(t *testing.T, city string, accountID int64) []string {
	t.Helper()
	var events []string
	if err := tenants.DB(cityCtx(t, city)).Table(tenants.Table(cityCtx(t, city), "notifications")).
		Where("account_id = ?", accountID).Order("id").Pluck("event", &events).Error; err != nil {
		t.Fatal(err)
	}
	return events
}

func waitInbox(t *testing.T, city string, accountID int64, event string) {
	t.Helper()
	eventually(t, 15*time.Second, "notification "+event, func() error {
		for _, e := range inbox(t, city, accountID) {
			if e == event {
				return nil
			}
		}
		return errors.New("not in the inbox yet")
	})
}

// rejections returns the audited rejected notifications since a time: for
// each reason, the payment numbers they named ("" when the notification did
// not verify, so nothing in it could be trusted).
func rejections(t *testing.T, since time.Time) map[string][]string {
	t.Helper()
	l, err := env.P.Audit.List(context.Background(), audit.Filter{Action: "payment.notify_rejected", From: since, Page: app.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, e := range l.Items {
		var d struct{ Reason string }
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
			t.Fatalf("audit detail %q: %v", e.Detail, err)
		}
		out[d.Reason] = append(out[d.Reason], e.TargetID)
	}
	return out
}

// payRaw is pay for goroutines: it reports instead of failing the test.
func payRaw(token, city string, orderID int64, method string) (payment.PayResult, error) {
	body, _ := json.Marshal(map[string]string{"method": method})
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/v1/orders/%d/pay", env.Base, orderID), bytes.NewReader(body))
	if err != nil {
		return payment.PayResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-City", city)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return payment.PayResult{}, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 && res.StatusCode != 201 {
		return payment.PayResult{}, fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	var out payment.PayResult
	return out, json.Unmarshal(b, &out)
}
