package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/dispatch"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/notify"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// One running product for the package: MariaDB schemas for HQ and sz,
// Redis, the HTTP server, the worker and the relay, the sandbox gateway.
var env *apptest.Env

func TestMain(m *testing.M) {
	e, err := apptest.Start(apptest.Cities("sz"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code := m.Run()
	e.Close()
	os.Exit(code)
}

func cityCtx(t testing.TB) context.Context { return env.CityCtx(t, "sz") }

func must(t testing.TB, err error) { t.Helper(); apptest.Must(t, err) }

var shanghai = apptest.Shanghai

// slotAt is a city-time slot days from today at hh:mm, as the API takes it.
func slotAt(days, hh, mm int) string { return apptest.SlotAt(days, hh, mm) }

func slotTime(days, hh, mm int) time.Time { return apptest.SlotTime(days, hh, mm) }

type person = apptest.Person

func newAccount(t testing.TB) (int64, string) { return env.Account(t) }

func issue(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	return env.Token(t, id, scope, role, merchantID, staffID)
}

func newCustomer(t testing.TB) person { return env.Customer(t) }

// granted is a session acting in a city role (a fresh account).
func granted(t testing.TB, role string, merchantID, staffID int64) person {
	return env.Granted(t, "sz", role, merchantID, staffID)
}

func client(t testing.TB, p person) *apptest.Client { return env.ClientAs(t, "sz", p) }

// Where the fixture merchants serve: 20 km around Shenzhen's Science Park;
// customers live at home.
var (
	center = geo.Point{Lat: 22.5431, Lng: 113.9347}
	home   = geo.Point{Lat: 22.5460, Lng: 113.9400}
)

// near is a point northM meters north of p.
func near(p geo.Point, northM float64) geo.Point {
	return geo.Point{Lat: p.Lat + northM/111195.0, Lng: p.Lng}
}

// Skill bits of the default city skills.
const (
	bitCleaning     = 1 << 0
	bitDeepCleaning = 1 << 1
	bitNursing      = 1 << 7
)

// shop is a merchant with a cleaning and a nursing service, inserted with
// the supply side's own models.
type shop struct {
	Merchant merchant.Merchant
	Cleaning catalog.ServiceItem // 60 min, skill cleaning
	Nursing  catalog.ServiceItem // 120 min, skill nursing (needs a certification)
	Owner    person
}

var fixtureMu sync.Mutex

func newShop(t testing.TB) *shop {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	ctx := cityCtx(t)
	now := time.Now().UTC()
	ownerID, ownerPhone := newAccount(t)
	hours := merchant.Hours{}
	for d := 0; d < 7; d++ {
		hours[d] = [2]int{6 * 60, 22 * 60}
	}
	sh := &shop{}
	sh.Merchant = merchant.Merchant{OwnerID: ownerID, Name: "好家政", LicenceNo: fmt.Sprintf("91440300MA%d", ownerID), ContactName: "王经理",
		ContactPhoneEnc: []byte{1}, ContactPhoneMasked: "138****0000", Categories: []string{"housekeeping"},
		Area: geo.Area{Center: center, RadiusM: 20000}, OpeningHours: hours, Status: merchant.StatusActive, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Merchant).Error)
	sh.Cleaning = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "daily_cleaning", Title: "日常保洁", Photos: []string{},
		PriceModel: catalog.PriceFixed, PriceFen: 12800, Unit: "次", DurationMin: 60, Skills: []string{"cleaning"}, SkillMask: bitCleaning,
		Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Cleaning).Error)
	sh.Nursing = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "nursing", Title: "居家护理", Photos: []string{},
		PriceModel: catalog.PriceFixed, PriceFen: 30000, Unit: "次", DurationMin: 120, Skills: []string{"nursing"}, SkillMask: bitNursing,
		Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Nursing).Error)
	sh.Owner = person{ID: ownerID, Token: issue(t, ownerID, "city:sz", app.RoleMerchantOwner, sh.Merchant.ID, 0)}
	env.Grant(t, ownerPhone, "city:sz", app.RoleMerchantOwner, sh.Merchant.ID, 0)
	return sh
}

// worker is a staff member with a session of their own account.
type worker struct {
	staff.Staff
	Account person
}

// staffOpt changes a staff member before it is saved.
type staffOpt func(*staff.Staff)

func offDuty(st *staff.Staff) { st.OnDuty = false }

// addStaff inserts a staff member of the shop at a point, on duty, working
// 08:00-20:00 every day with skills mask, and tells dispatch the way the
// staff service does after a change.
func (sh *shop) addStaff(t testing.TB, name string, at geo.Point, mask uint64, opts ...staffOpt) worker {
	t.Helper()
	ctx := cityCtx(t)
	id, phone := newAccount(t)
	now := time.Now().UTC()
	st := staff.Staff{MerchantID: sh.Merchant.ID, AccountID: id, DisplayName: name, Skills: []string{}, SkillMask: mask,
		WorkStartMin: 8 * 60, WorkEndMin: 20 * 60, WorkDays: 127, Status: staff.StatusActive, OnDuty: true, Lat: at.Lat, Lng: at.Lng,
		LocatedAt: &now, CreatedAt: now, UpdatedAt: now}
	for _, o := range opts {
		o(&st)
	}
	must(t, tenants.DB(ctx).Create(&st).Error)
	env.Grant(t, phone, "city:sz", app.RoleStaff, sh.Merchant.ID, st.ID)
	env.P.Dispatch.StaffMoved(ctx, "sz", st)
	return worker{Staff: st, Account: person{ID: id, Phone: phone, Token: issue(t, id, "city:sz", app.RoleStaff, sh.Merchant.ID, st.ID)}}
}

func address(t testing.TB, p person, at geo.Point) booking.Address {
	return env.Address(t, "sz", p, at)
}

func book(t testing.TB, p person, in booking.BookInput) booking.OrderView {
	return env.Book(t, "sz", p, in)
}

// markPaid applies what an order asks as a confirmed payment: dispatch starts.
func markPaid(t testing.TB, orderID int64) { env.MarkPaid(t, "sz", orderID) }

// paidOrder books the item for the customer at home (no staff chosen) and
// pays it.
func paidOrder(t testing.TB, item catalog.ServiceItem, days, hh int) booking.OrderView {
	t.Helper()
	c := newCustomer(t)
	a := address(t, c, home)
	o := book(t, c, booking.BookInput{ServiceItemID: item.ID, SlotStart: slotAt(days, hh, 0), AddressID: a.ID})
	markPaid(t, o.ID)
	return o
}

// eventually retries f until it returns "" or the time is up.
func eventually(t testing.TB, within time.Duration, f func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	var why string
	for time.Now().Before(deadline) {
		if why = f(); why == "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gave up after %s: %s", within, why)
}

// decisionsOf reads an order's decisions, oldest first.
func decisionsOf(t testing.TB, orderID int64) []dispatch.DecisionRow {
	t.Helper()
	var rows []dispatch.DecisionRow
	must(t, tenants.DB(cityCtx(t)).Where("order_id = ?", orderID).Order("id").Find(&rows).Error)
	return rows
}

// waitDecisions waits until an order has n decisions and returns them
// with their explanations, oldest first.
func waitDecisions(t testing.TB, orderID int64, n int) []dispatch.Explanation {
	t.Helper()
	eventually(t, 20*time.Second, func() string {
		if got := len(decisionsOf(t, orderID)); got < n {
			return fmt.Sprintf("order %d has %d decisions, want %d", orderID, got, n)
		}
		return ""
	})
	var out []dispatch.Explanation
	for _, r := range decisionsOf(t, orderID) {
		var ex dispatch.Explanation
		must(t, json.Unmarshal([]byte(r.Explanation), &ex))
		out = append(out, ex)
	}
	return out
}

func offersOf(t testing.TB, orderID int64) []dispatch.Offer {
	t.Helper()
	var rows []dispatch.Offer
	must(t, tenants.DB(cityCtx(t)).Where("order_id = ?", orderID).Order("round").Find(&rows).Error)
	return rows
}

// waitOffer waits for the order's offer of a round.
func waitOffer(t testing.TB, orderID int64, round int) dispatch.Offer {
	t.Helper()
	var off dispatch.Offer
	eventually(t, 20*time.Second, func() string {
		for _, o := range offersOf(t, orderID) {
			if o.Round == round {
				off = o
				return ""
			}
		}
		return fmt.Sprintf("order %d has no offer of round %d", orderID, round)
	})
	return off
}

func readOrder(t testing.TB, id int64) booking.Order { return env.ReadOrder(t, "sz", id) }

// entryOf finds a staff member in an explanation.
func entryOf(ex dispatch.Explanation, staffID int64) (dispatch.Considered, bool) {
	for _, c := range ex.Candidates {
		if c.StaffID == staffID {
			return c, true
		}
	}
	return dispatch.Considered{}, false
}

// inbox lists the notifications an account got in sz.
func inbox(t testing.TB, accountID int64) []notify.Notification {
	t.Helper()
	var rows []notify.Notification
	must(t, tenants.DB(cityCtx(t)).Where("account_id = ?", accountID).Order("id").Find(&rows).Error)
	return rows
}

// setPolicy gives the shop its own policy through the owner's API.
func (sh *shop) setPolicy(t testing.TB, in dispatch.PolicyInput) dispatch.PolicyView {
	t.Helper()
	var v dispatch.PolicyView
	client(t, sh.Owner).Put("/v1/merchant/dispatch-policy", in).OK().JSON(&v)
	return v
}

func ptr[T any](v T) *T { return &v }

// payFor pays an order through the sandbox gateway, as a customer does.
func payFor(t testing.TB, p person, orderID int64) { env.PayFor(t, "sz", p, orderID) }
