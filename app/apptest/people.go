package apptest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/geo"
	"doorstep/app/payment"
	"doorstep/tenants"
)

// Person is an account with an access token acting in one role.
type Person struct {
	ID    int64
	Phone string
	Token string
}

// people numbers the accounts tests make, far above the phones tests pick
// by hand (Phone(1), Phone(42), ...).
var people atomic.Int64

// NewPhone is a sign-in phone no account of this run has yet.
func NewPhone() string { return Phone(95_000_000 + int(people.Add(1))) }

// Account creates an account with a fresh phone number.
func (e *Env) Account(t testing.TB) (int64, string) {
	t.Helper()
	phone := NewPhone()
	id, _, err := e.P.Accounts.FindOrInviteByPhone(context.Background(), phone, "")
	if err != nil {
		t.Fatalf("account %s: %v", phone, err)
	}
	return id, phone
}

// Token issues an access token for an account acting in a role (no grant
// is written: Casbin refuses a role the account does not hold, so use
// Granted for roles other than customer).
func (e *Env) Token(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	t.Helper()
	tok, _, err := e.P.Accounts.Tokens().Issue(id, scope, role, merchantID, staffID, 0)
	if err != nil {
		t.Fatalf("token for %d: %v", id, err)
	}
	return tok
}

// Customer is a fresh customer session (customers need no grant).
func (e *Env) Customer(t testing.TB) Person {
	t.Helper()
	id, phone := e.Account(t)
	return Person{ID: id, Phone: phone, Token: e.Token(t, id, "", app.RoleCustomer, 0, 0)}
}

// Granted is a fresh account granted a role in a city for real (so Casbin
// sees it) and a session acting in it.
func (e *Env) Granted(t testing.TB, city, role string, merchantID, staffID int64) Person {
	t.Helper()
	id, phone := e.Account(t)
	e.Grant(t, phone, "city:"+city, role, merchantID, staffID)
	return Person{ID: id, Phone: phone, Token: e.Token(t, id, "city:"+city, role, merchantID, staffID)}
}

// ClientAs is an HTTP client of a city acting as a person.
func (e *Env) ClientAs(t testing.TB, city string, p Person) *Client {
	return e.Client(t).In(city).As(p.Token)
}

// CityCtx is a context in a city (no actor).
func (e *Env) CityCtx(t testing.TB, code string) context.Context {
	t.Helper()
	c, err := e.P.Reg.Lookup(code)
	if err != nil {
		t.Fatalf("city %s: %v", code, err)
	}
	return tenants.WithCity(context.Background(), c)
}

// Shanghai is the time zone of the test cities.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// SlotAt is a city-time slot days from today at hh:mm, as the API takes it.
func SlotAt(days, hh, mm int) string {
	d := time.Now().In(Shanghai).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, Shanghai).Format("2006-01-02T15:04")
}

// SlotTime is SlotAt as a time.
func SlotTime(days, hh, mm int) time.Time {
	t, err := booking.ParseSlot(SlotAt(days, hh, mm), Shanghai)
	if err != nil {
		panic(fmt.Sprintf("slot %d %02d:%02d: %v", days, hh, mm, err))
	}
	return t
}

// PayFor pays what an order asks now through the sandbox gateway, the way a
// customer does: start a payment, then pay it on the sandbox page.
func (e *Env) PayFor(t testing.TB, city string, p Person, orderID int64) {
	t.Helper()
	e.SandboxPay(t, e.StartPay(t, city, p, orderID).PaymentNo)
}

// StartPay starts a sandbox payment of what the order asks now.
func (e *Env) StartPay(t testing.TB, city string, p Person, orderID int64) payment.PayResult {
	t.Helper()
	var res payment.PayResult
	e.ClientAs(t, city, p).Post(fmt.Sprintf("/v1/orders/%d/pay", orderID), map[string]string{"method": "sandbox"}).Want(200, 201).JSON(&res)
	return res
}

// SandboxPay pays a started payment on the sandbox page, as the payer does:
// the gateway posts its signed notification before answering; it fails the
// test unless the notification was taken.
func (e *Env) SandboxPay(t testing.TB, paymentNo string) {
	t.Helper()
	var paid struct {
		Notified bool `json:"notified"`
	}
	e.Client(t).Post("/v1/sandbox/pay/"+paymentNo, nil).OK().JSON(&paid)
	if !paid.Notified {
		t.Fatalf("sandbox payment %s was not notified", paymentNo)
	}
}

// Must fails the test on an error.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Address saves an address at a point for a customer through the API.
func (e *Env) Address(t testing.TB, city string, p Person, at geo.Point) booking.Address {
	t.Helper()
	var a booking.Address
	e.ClientAs(t, city, p).Post("/v1/addresses", booking.AddressInput{Label: "家", ContactName: "张三", Phone: "13912345678",
		Address: "广东省深圳市南山区科技园科苑路15号3栋1201", District: "南山区", Lat: at.Lat, Lng: at.Lng}).Want(201).JSON(&a)
	return a
}

// Book places an order through the API.
func (e *Env) Book(t testing.TB, city string, p Person, in booking.BookInput) booking.OrderView {
	t.Helper()
	var o booking.OrderView
	e.ClientAs(t, city, p).Post("/v1/orders", in).Want(201).JSON(&o)
	return o
}

// MarkPaid applies what an order asks now as a confirmed payment: the call
// the payment service makes inside its transaction when a gateway confirms
// one (no money rows: for tests of what follows a payment).
func (e *Env) MarkPaid(t testing.TB, city string, orderID int64) {
	t.Helper()
	ctx := app.WithActor(e.CityCtx(t, city), app.System)
	kind, amount, err := e.P.Booking.PayableNow(ctx, orderID)
	Must(t, err)
	var accepted bool
	Must(t, tenants.WithTx(ctx, func(ctx context.Context) error {
		accepted, err = e.P.Booking.ApplyPayment(ctx, orderID, time.Now().UnixNano(), kind, amount)
		return err
	}))
	if !accepted {
		t.Fatalf("payment of order %d not accepted", orderID)
	}
}

// ReadOrder reads an order's row.
func (e *Env) ReadOrder(t testing.TB, city string, id int64) booking.Order {
	t.Helper()
	o, err := e.P.Booking.Get(e.CityCtx(t, city), id)
	Must(t, err)
	return o
}
