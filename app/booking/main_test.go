package booking_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// One running product for the package: MariaDB schemas for HQ, sz and bj,
// Redis, the HTTP server on a loopback port, the sandbox payment gateway.
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

var phones atomic.Int64

func nextPhone() string { return apptest.Phone(int(phones.Add(1))) }

func cityCtx(t testing.TB, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return tenants.WithCity(context.Background(), c)
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// slotAt is a city-time slot days from today at hh:mm, as the API takes it.
func slotAt(days, hh, mm int) string {
	d := time.Now().In(shanghai).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, shanghai).Format("2006-01-02T15:04")
}

func slotTime(days, hh, mm int) time.Time {
	t, _ := booking.ParseSlot(slotAt(days, hh, mm), shanghai)
	return t
}

// person is a signed-in account with a token for one role.
type person struct {
	ID    int64
	Token string
	Phone string
}

func account(t testing.TB) (int64, string) {
	t.Helper()
	phone := nextPhone()
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phone, "")
	if err != nil {
		t.Fatal(err)
	}
	return id, phone
}

func issue(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	t.Helper()
	tok, _, err := env.P.Accounts.Tokens().Issue(id, scope, role, merchantID, staffID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newCustomer is a customer session (customers need no grant).
func newCustomer(t testing.TB) person {
	id, phone := account(t)
	return person{ID: id, Phone: phone, Token: issue(t, id, "", app.RoleCustomer, 0, 0)}
}

// granted is a session acting in a city role.
func granted(t testing.TB, city, role string, merchantID, staffID int64) person {
	id, phone := account(t)
	env.Grant(t, phone, "city:"+city, role, merchantID, staffID)
	return person{ID: id, Phone: phone, Token: issue(t, id, "city:"+city, role, merchantID, staffID)}
}

// Where the fixture merchants serve: 5 km around Shenzhen's Science Park.
var (
	center  = geo.Point{Lat: 22.5431, Lng: 113.9347}
	inside  = geo.Point{Lat: 22.5460, Lng: 113.9400} // ~600 m from center
	faraway = geo.Point{Lat: 22.7000, Lng: 114.2500} // ~37 km away
)

// shop is a merchant with its items and staff, inserted with the supply
// side's own models.
type shop struct {
	City     string
	Merchant merchant.Merchant
	Item     catalog.ServiceItem // fixed price, 60 min
	Deposit  catalog.ServiceItem // deposit, 120 min
	Staff    []staff.Staff
	Owner    person
}

var fixtureMu sync.Mutex

func newShop(t testing.TB, city string, nStaff int) *shop {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	ctx := cityCtx(t, city)
	now := time.Now().UTC()
	ownerID, _ := account(t)
	hours := merchant.Hours{}
	for d := 0; d < 7; d++ {
		hours[d] = [2]int{8 * 60, 20 * 60}
	}
	sh := &shop{City: city}
	sh.Merchant = merchant.Merchant{OwnerID: ownerID, Name: "好家政", Intro: "", LicenceNo: "91440300MA5", ContactName: "王经理",
		ContactPhoneEnc: []byte{1}, ContactPhoneMasked: "138****0000", Categories: []string{"cleaning"},
		Area: geo.Area{Center: center, RadiusM: 5000}, OpeningHours: hours, Status: merchant.StatusActive, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Merchant).Error)
	sh.Item = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "cleaning", Title: "日常保洁", Description: "",
		Photos: []string{}, PriceModel: catalog.PriceFixed, PriceFen: 12800, Unit: "次", DurationMin: 60, Skills: []string{"clean"},
		SkillMask: 1, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Item).Error)
	sh.Deposit = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "repair", Title: "水电维修", Description: "",
		Photos: []string{}, PriceModel: catalog.PriceDeposit, PriceFen: 10000, PriceMaxFen: 50000, DepositFen: 3000, Unit: "次",
		DurationMin: 120, Skills: []string{"repair"}, SkillMask: 2, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Deposit).Error)
	for i := 0; i < nStaff; i++ {
		sh.Staff = append(sh.Staff, addStaff(t, ctx, sh.Merchant.ID, 3))
	}
	return sh
}

func addStaff(t testing.TB, ctx context.Context, merchantID int64, mask uint64) staff.Staff {
	t.Helper()
	id, _ := account(t)
	now := time.Now().UTC()
	st := staff.Staff{MerchantID: merchantID, AccountID: id, DisplayName: fmt.Sprintf("师傅%d", id), Bio: "", Skills: []string{"clean", "repair"},
		SkillMask: mask, WorkStartMin: 8 * 60, WorkEndMin: 20 * 60, WorkDays: 127, Status: staff.StatusActive, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&st).Error)
	return st
}

// item adds another fixed-price item of a duration to the shop.
func (sh *shop) item(t testing.TB, minutes int) catalog.ServiceItem {
	t.Helper()
	it := sh.Item
	it.ID, it.DurationMin, it.Title = 0, minutes, fmt.Sprintf("保洁%d分钟", minutes)
	must(t, tenants.DB(cityCtx(t, sh.City)).Create(&it).Error)
	return it
}

// staffSession is a session acting as one of the shop's staff members
// (a fresh account granted the role for that staff profile).
func (sh *shop) staffSession(t testing.TB, st staff.Staff) person {
	t.Helper()
	return granted(t, sh.City, app.RoleStaff, sh.Merchant.ID, st.ID)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is an HTTP client of a city as a person.
func client(t testing.TB, city string, p person) *apptest.Client {
	return env.Client(t).In(city).As(p.Token)
}

// address saves an address for the customer through the API.
func address(t testing.TB, city string, p person, at geo.Point) booking.Address {
	t.Helper()
	var a booking.Address
	client(t, city, p).Post("/v1/addresses", booking.AddressInput{Label: "家", ContactName: "张三", Phone: "13912345678",
		Address: "广东省深圳市南山区科技园科苑路15号3栋1201", District: "南山区", Lat: at.Lat, Lng: at.Lng}).Want(201).JSON(&a)
	return a
}

// book places an order through the API and returns it.
func book(t testing.TB, city string, p person, in booking.BookInput) booking.OrderView {
	t.Helper()
	var o booking.OrderView
	client(t, city, p).Post("/v1/orders", in).Want(201).JSON(&o)
	return o
}

// payFor pays what an order asks now through the sandbox gateway, the way
// a customer does: start a payment, then pay it on the sandbox page.
func payFor(t testing.TB, city string, p person, orderID int64) {
	t.Helper()
	var res struct {
		PaymentNo string `json:"payment_no"`
	}
	client(t, city, p).Post(fmt.Sprintf("/v1/orders/%d/pay", orderID), map[string]string{"method": "sandbox"}).Want(200, 201).JSON(&res)
	var paid struct {
		Notified bool `json:"notified"`
	}
	env.Client(t).Post("/v1/sandbox/pay/"+res.PaymentNo, nil).OK().JSON(&paid)
	if !paid.Notified {
		t.Fatalf("sandbox payment %s was not notified", res.PaymentNo)
	}
}

// markPaid applies what an order asks now as a confirmed payment, the call
// the payment service makes inside its transaction when a gateway confirms
// one (no money rows: for tests of booking's own flow).
func markPaid(t testing.TB, city string, orderID int64) {
	t.Helper()
	ctx := app.WithActor(cityCtx(t, city), app.System)
	kind, amount, err := env.P.Booking.PayableNow(ctx, orderID)
	must(t, err)
	var accepted bool
	must(t, tenants.WithTx(ctx, func(ctx context.Context) error {
		accepted, err = env.P.Booking.ApplyPayment(ctx, orderID, time.Now().UnixNano(), kind, amount)
		return err
	}))
	if !accepted {
		t.Fatalf("payment of order %d not accepted", orderID)
	}
}

func readOrder(t testing.TB, city string, id int64) booking.Order {
	t.Helper()
	o, err := env.P.Booking.Get(cityCtx(t, city), id)
	must(t, err)
	return o
}

// slotRows lists the reservations of a staff member.
func slotRows(t testing.TB, city string, staffID int64) []booking.Slot {
	t.Helper()
	var out []booking.Slot
	must(t, tenants.DB(cityCtx(t, city)).Where("staff_id = ?", staffID).Order("slot_start").Find(&out).Error)
	return out
}

// refunds sums the refund rows the payment service wrote for an order.
func refunded(t testing.TB, city string, orderID int64) int64 {
	t.Helper()
	ctx := cityCtx(t, city)
	var sum int64
	must(t, tenants.DB(ctx).Raw("SELECT COALESCE(SUM(amount_fen), 0) FROM "+tenants.Table(ctx, "refunds")+" WHERE order_id = ?", orderID).Scan(&sum).Error)
	return sum
}

// fakeRefunder records refunds instead of making them.
type fakeRefunder struct {
	mu    sync.Mutex
	calls []refundCall
}

type refundCall struct {
	OrderID int64
	Amount  int64
	Source  string
}

func (f *fakeRefunder) RefundOrder(_ context.Context, orderID, amount int64, _, source string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, refundCall{orderID, amount, source})
	return nil
}

func (f *fakeRefunder) For(orderID int64) []refundCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []refundCall
	for _, c := range f.calls {
		if c.OrderID == orderID {
			out = append(out, c)
		}
	}
	return out
}
