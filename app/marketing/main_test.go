package marketing_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/marketing"
	"doorstep/app/merchant/merchanttest"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// One running product for the package: HQ, sz and bj, Redis, the HTTP
// server, the job worker and the sandbox payment gateway.
var env *apptest.Env

func TestMain(m *testing.M) {
	e, err := apptest.Start(apptest.Cities("sz", "bj"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code := m.Run()
	e.Close()
	os.Exit(code)
}

func nextPhone() string { return apptest.NewPhone() }

func cityCtx(t testing.TB, code string) context.Context { return env.CityCtx(t, code) }

func must(t testing.TB, err error) { t.Helper(); apptest.Must(t, err) }

type person = apptest.Person

func issue(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	return env.Token(t, id, scope, role, merchantID, staffID)
}

// newCustomer is a fresh customer with a session (customers need no grant).
func newCustomer(t testing.TB) person { return env.Customer(t) }

// shop is a merchant opened through the API with one item on shelf in
// daily_cleaning, another in ac_repair, and one staff member.
type shop struct {
	merchanttest.Shop
	Item     catalog.ServiceItem // 100.00 yuan, daily_cleaning
	Repair   catalog.ServiceItem // 200.00 yuan, ac_repair
	Staff    staff.View
	StaffTok string
}

func cityAdmin(t testing.TB, city string) *apptest.Client {
	t.Helper()
	return merchanttest.CityAdmin(t, env, city, nextPhone())
}

func openShop(t testing.TB, city string, admin *apptest.Client, name string) shop {
	t.Helper()
	s := shop{Shop: merchanttest.Open(t, env, city, admin, nextPhone(), name, merchanttest.Area, "housekeeping", "repair")}
	s.Item = merchanttest.AddItem(t, s.Owner, merchanttest.Item(name+"日常保洁", 10000), true)
	rep := merchanttest.Item(name+"空调清洗", 20000)
	rep.CategoryCode = "ac_repair"
	s.Repair = merchanttest.AddItem(t, s.Owner, rep, true)
	phone := nextPhone()
	s.Staff = merchanttest.AddStaff(t, s.Owner, phone, name+"师傅")
	acct, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phone, "")
	must(t, err)
	s.StaffTok = issue(t, acct, "city:"+city, app.RoleStaff, s.ID, s.Staff.ID)
	return s
}

var shanghai = apptest.Shanghai

// slotAt is a city-time slot days from today at hh:mm.
func slotAt(days, hh, mm int) string { return apptest.SlotAt(days, hh, mm) }

func address(t testing.TB, city string, p person) booking.Address {
	return env.Address(t, city, p, merchanttest.Shenzhen)
}

func book(t testing.TB, city string, p person, in booking.BookInput) booking.OrderView {
	return env.Book(t, city, p, in)
}

// payFor pays what an order asks through the sandbox gateway.
func payFor(t testing.TB, city string, p person, orderID int64) { env.PayFor(t, city, p, orderID) }

// completeOrder books the shop's item with its staff member, pays, and has
// the staff member do the job to the end, all through the API.
func completeOrder(t testing.TB, city string, s shop, p person, addr booking.Address, days int) booking.OrderView {
	t.Helper()
	o := book(t, city, p, booking.BookInput{ServiceItemID: s.Item.ID, StaffID: s.Staff.ID, SlotStart: slotAt(days, 10, 0), AddressID: addr.ID})
	payFor(t, city, p, o.ID)
	wc := env.Client(t).In(city).As(s.StaffTok)
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: addr.Lat, Lng: addr.Lng}).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", o.ID), nil).OK()
	var done booking.OrderView
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), booking.FinishInput{Note: "完成"}).OK().JSON(&done)
	if done.Status != booking.StCompleted {
		t.Fatalf("order %d is %s after finish", o.ID, done.Status)
	}
	return done
}

// couponIn is an amount coupon valid for a week.
func couponIn(title string, amount int64) marketing.CouponInput {
	return marketing.CouponInput{Title: title, Kind: marketing.KindAmount, AmountFen: amount,
		ValidTo: time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)}
}

func createCoupon(t testing.TB, c *apptest.Client, path string, in marketing.CouponInput) marketing.Coupon {
	t.Helper()
	var out marketing.Coupon
	c.Post(path, in).Want(201).JSON(&out)
	return out
}

func claim(t testing.TB, city string, p person, couponID int64) marketing.MyCoupon {
	t.Helper()
	var out marketing.MyCoupon
	env.ClientAs(t, city, p).Post(fmt.Sprintf("/v1/coupons/%d/claim", couponID), nil).Want(201).JSON(&out)
	return out
}

func mine(t testing.TB, city string, p person, status string) []marketing.MyCoupon {
	t.Helper()
	var out app.List[marketing.MyCoupon]
	env.ClientAs(t, city, p).Get("/v1/coupons/mine?status=" + status).OK().JSON(&out)
	return out.Items
}

func couponRow(t testing.TB, city string, id int64) marketing.Coupon {
	t.Helper()
	var c marketing.Coupon
	must(t, tenants.DB(cityCtx(t, city)).Where("id = ?", id).Take(&c).Error)
	return c
}

func heldRow(t testing.TB, city string, id int64) marketing.CustomerCoupon {
	t.Helper()
	var h marketing.CustomerCoupon
	must(t, tenants.DB(cityCtx(t, city)).Where("id = ?", id).Take(&h).Error)
	return h
}

// eventually retries f until it passes or 20 s go by.
func eventually(t testing.TB, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
