package booking_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/geo"
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

func nextPhone() string { return apptest.NewPhone() }

func cityCtx(t testing.TB, code string) context.Context { return env.CityCtx(t, code) }

var shanghai = apptest.Shanghai

// slotAt is a city-time slot days from today at hh:mm, as the API takes it.
func slotAt(days, hh, mm int) string { return apptest.SlotAt(days, hh, mm) }

func slotTime(days, hh, mm int) time.Time { return apptest.SlotTime(days, hh, mm) }

type person = apptest.Person

func account(t testing.TB) (int64, string) { return env.Account(t) }

func issue(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	return env.Token(t, id, scope, role, merchantID, staffID)
}

// newCustomer is a customer session (customers need no grant).
func newCustomer(t testing.TB) person { return env.Customer(t) }

// granted is a session acting in a city role (a fresh account).
func granted(t testing.TB, city, role string, merchantID, staffID int64) person {
	return env.Granted(t, city, role, merchantID, staffID)
}

// Where the fixture merchants serve: 5 km around Shenzhen's Science Park.
var (
	center  = apptest.ShopCenter
	inside  = apptest.ShopInside                     // ~600 m from center
	faraway = geo.Point{Lat: 22.7000, Lng: 114.2500} // ~37 km away
)

// shop is a fixture shop (apptest.Shop): a fixed-price item of 60 min, a
// deposit item of 120 min and staff, inserted with the supply side's own
// models.
type shop struct{ *apptest.Shop }

func newShop(t testing.TB, city string, nStaff int) *shop { return &shop{env.NewShop(t, city, nStaff)} }

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
	return env.AddItem(t, sh.Shop, func(it *catalog.ServiceItem) {
		it.DurationMin, it.Title = minutes, fmt.Sprintf("保洁%d分钟", minutes)
	})
}

// staffSession is a session acting as one of the shop's staff members
// (a fresh account granted the role for that staff profile).
func (sh *shop) staffSession(t testing.TB, st staff.Staff) person {
	t.Helper()
	return granted(t, sh.City, app.RoleStaff, sh.Merchant.ID, st.ID)
}

func must(t testing.TB, err error) { t.Helper(); apptest.Must(t, err) }

// client is an HTTP client of a city as a person.
func client(t testing.TB, city string, p person) *apptest.Client { return env.ClientAs(t, city, p) }

// address saves an address for the customer through the API.
func address(t testing.TB, city string, p person, at geo.Point) booking.Address {
	return env.Address(t, city, p, at)
}

func book(t testing.TB, city string, p person, in booking.BookInput) booking.OrderView {
	return env.Book(t, city, p, in)
}

// payFor pays what an order asks now through the sandbox gateway, as a customer does.
func payFor(t testing.TB, city string, p person, orderID int64) { env.PayFor(t, city, p, orderID) }

// markPaid applies what an order asks now as a confirmed payment (no money rows).
func markPaid(t testing.TB, city string, orderID int64) { env.MarkPaid(t, city, orderID) }

func readOrder(t testing.TB, city string, id int64) booking.Order { return env.ReadOrder(t, city, id) }

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
