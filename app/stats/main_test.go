package stats_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// One running product for the package: HQ and cities on MariaDB, Redis,
// the worker (refunds complete through the sandbox gateway), the scheduler
// and the HTTP server on a loopback port. sz and bj are shared; a test that
// asserts a city's exact figures opens a city of its own (freshCity), so
// tests stay independent of each other and of -count.
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

var seq, citySeq atomic.Int64

func next() int64 { return seq.Add(1) }

// freshCity onboards a new city (st1, st2, ...) the way HQ does and returns
// its code.
func freshCity(t testing.TB) string {
	t.Helper()
	code := fmt.Sprintf("st%d", citySeq.Add(1))
	if _, err := env.P.Cities.Create(context.Background(), apptest.CityInput(code)); err != nil {
		t.Fatalf("create city %s: %v", code, err)
	}
	return code
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func cityCtx(t testing.TB, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return app.WithActor(tenants.WithCity(context.Background(), c), app.System)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ---- people ----

type person struct {
	ID    int64
	Token string
}

func account(t testing.TB) int64 {
	id, _ := accountWithPhone(t)
	return id
}

func accountWithPhone(t testing.TB) (int64, string) {
	t.Helper()
	phone := apptest.Phone(int(60000000 + next()))
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phone, "")
	must(t, err)
	return id, phone
}

func issue(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	t.Helper()
	tok, _, err := env.P.Accounts.Tokens().Issue(id, scope, role, merchantID, staffID, 0)
	must(t, err)
	return tok
}

// newCustomer is a customer session (customers need no grant).
func newCustomer(t testing.TB) person {
	id := account(t)
	return person{ID: id, Token: issue(t, id, "", app.RoleCustomer, 0, 0)}
}

// granted is a session acting in a role of city (granted for real, so
// Casbin sees it).
func granted(t testing.TB, city, role string, merchantID, staffID int64) person {
	t.Helper()
	phone := apptest.Phone(int(60000000 + next()))
	g := env.Grant(t, phone, "city:"+city, role, merchantID, staffID)
	return person{ID: g.AccountID, Token: issue(t, g.AccountID, "city:"+city, role, merchantID, staffID)}
}

func hqAdmin(t testing.TB) person {
	t.Helper()
	phone := apptest.Phone(int(60000000 + next()))
	g := env.Grant(t, phone, "hq", app.RoleHQAdmin, 0, 0)
	return person{ID: g.AccountID, Token: issue(t, g.AccountID, "hq", app.RoleHQAdmin, 0, 0)}
}

func client(t testing.TB, city string, p person) *apptest.Client {
	c := env.Client(t).As(p.Token)
	if city != "" {
		c = c.In(city)
	}
	return c
}

// ---- supply, inserted with the supply side's own models ----

var (
	center = geo.Point{Lat: 22.5431, Lng: 113.9347}
	inside = geo.Point{Lat: 22.5460, Lng: 113.9400}
)

type shop struct {
	City     string
	Merchant merchant.Merchant
	Item     catalog.ServiceItem // fixed price, 60 min
	Staff    []staff.Staff
	Phones   []string // of the staff members' accounts
	Owner    person
}

var fixtureMu sync.Mutex

func newShop(t testing.TB, city string, price int64, nStaff int) *shop {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	ctx := cityCtx(t, city)
	now := time.Now().UTC()
	hours := merchant.Hours{}
	for d := 0; d < 7; d++ {
		hours[d] = [2]int{8 * 60, 20 * 60}
	}
	sh := &shop{City: city}
	sh.Merchant = merchant.Merchant{OwnerID: account(t), Name: fmt.Sprintf("好家政%d", next()), LicenceNo: "91440300MA5", ContactName: "王经理",
		ContactPhoneEnc: []byte{1}, ContactPhoneMasked: "138****0000", Categories: []string{"cleaning"},
		Area: geo.Area{Center: center, RadiusM: 5000}, OpeningHours: hours, Status: merchant.StatusActive, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Merchant).Error)
	sh.Item = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "cleaning", Title: "日常保洁", Photos: []string{},
		PriceModel: catalog.PriceFixed, PriceFen: price, Unit: "次", DurationMin: 60, Skills: []string{"clean"}, SkillMask: 1,
		Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Item).Error)
	for i := 0; i < nStaff; i++ {
		acct, phone := accountWithPhone(t)
		st := staff.Staff{MerchantID: sh.Merchant.ID, AccountID: acct, DisplayName: fmt.Sprintf("师傅%d", next()), Skills: []string{"clean"},
			SkillMask: 1, WorkStartMin: 8 * 60, WorkEndMin: 20 * 60, WorkDays: 127, Status: staff.StatusActive, CreatedAt: now, UpdatedAt: now}
		must(t, tenants.DB(ctx).Create(&st).Error)
		sh.Staff = append(sh.Staff, st)
		sh.Phones = append(sh.Phones, phone)
	}
	sh.Owner = granted(t, city, app.RoleMerchantOwner, sh.Merchant.ID, 0)
	return sh
}

// item adds another fixed-price item to the shop.
func (sh *shop) item(t testing.TB, price int64) catalog.ServiceItem {
	t.Helper()
	it := sh.Item
	it.ID, it.PriceFen, it.Title = 0, price, fmt.Sprintf("保洁%d", price)
	must(t, tenants.DB(cityCtx(t, sh.City)).Create(&it).Error)
	return it
}

// staffSession is staff member i acting in the staff app, with their own
// account.
func (sh *shop) staffSession(t testing.TB, i int) person {
	t.Helper()
	g := env.Grant(t, sh.Phones[i], "city:"+sh.City, app.RoleStaff, sh.Merchant.ID, sh.Staff[i].ID)
	return person{ID: g.AccountID, Token: issue(t, g.AccountID, "city:"+sh.City, app.RoleStaff, sh.Merchant.ID, sh.Staff[i].ID)}
}

// ---- orders through the API ----

// slotAt is a city-time slot days from today at hh:00, as the API takes it.
func slotAt(days, hh int) string {
	d := time.Now().In(shanghai).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, 0, 0, 0, shanghai).Format("2006-01-02T15:04")
}

func address(t testing.TB, city string, p person) booking.Address {
	t.Helper()
	var a booking.Address
	client(t, city, p).Post("/v1/addresses", booking.AddressInput{Label: "家", ContactName: "张三", Phone: "13912345678",
		Address: "广东省深圳市南山区科技园科苑路15号3栋1201", District: "南山区", Lat: inside.Lat, Lng: inside.Lng}).Want(201).JSON(&a)
	return a
}

func book(t testing.TB, city string, p person, in booking.BookInput) booking.OrderView {
	t.Helper()
	var o booking.OrderView
	client(t, city, p).Post("/v1/orders", in).Want(201).JSON(&o)
	return o
}

// startPay starts a sandbox payment of what the order asks now.
func startPay(t testing.TB, city string, p person, orderID int64) string {
	t.Helper()
	var res struct {
		PaymentNo string `json:"payment_no"`
	}
	client(t, city, p).Post(fmt.Sprintf("/v1/orders/%d/pay", orderID), map[string]string{"method": "sandbox"}).Want(200, 201).JSON(&res)
	return res.PaymentNo
}

// sandboxPay pays a started payment on the sandbox page (the gateway posts
// its signed notification before answering).
func sandboxPay(t testing.TB, paymentNo string) {
	t.Helper()
	var paid struct {
		Notified bool `json:"notified"`
	}
	env.Client(t).Post("/v1/sandbox/pay/"+paymentNo, nil).OK().JSON(&paid)
	if !paid.Notified {
		t.Fatalf("sandbox payment %s was not notified", paymentNo)
	}
}

func pay(t testing.TB, city string, p person, orderID int64) {
	sandboxPay(t, startPay(t, city, p, orderID))
}

// eventually retries check until it passes or the time is up.
func eventually(t testing.TB, within time.Duration, what string, check func() error) {
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

// offerRow is a dispatch offer: dispatch has no API yet, so tests write
// its rows directly.
type offerRow struct {
	ID          int64 `gorm:"primaryKey"`
	OrderID     int64
	Round       int
	StaffID     int64
	Status      string
	OfferedAt   time.Time
	Deadline    time.Time
	RespondedAt *time.Time
}

func (offerRow) TableName(n schema.Namer) string { return tenants.TableName(n, "dispatch_offers") }

// clearOfMidnight waits until the city's day has at least room left, so a
// test that builds a day of activity from now does not straddle midnight.
func clearOfMidnight(t testing.TB, room time.Duration) {
	t.Helper()
	now := time.Now().In(shanghai)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, shanghai)
	if left := midnight.Sub(now); left < room {
		t.Logf("waiting %s for the city's day to turn", left)
		time.Sleep(left + time.Second)
	}
}

func today() string { return time.Now().In(shanghai).Format(time.DateOnly) }
