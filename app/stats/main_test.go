package stats_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
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

var shanghai = apptest.Shanghai

func cityCtx(t testing.TB, code string) context.Context {
	return app.WithActor(env.CityCtx(t, code), app.System)
}

func must(t testing.TB, err error) { t.Helper(); apptest.Must(t, err) }

// ---- people ----

type person = apptest.Person

func account(t testing.TB) int64 { id, _ := env.Account(t); return id }

func issue(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	return env.Token(t, id, scope, role, merchantID, staffID)
}

func newCustomer(t testing.TB) person { return env.Customer(t) }

func granted(t testing.TB, city, role string, merchantID, staffID int64) person {
	return env.Granted(t, city, role, merchantID, staffID)
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

var inside = apptest.ShopInside

// shop is a fixture shop (apptest.Shop) whose fixed-price item costs what
// the test asks.
type shop struct{ *apptest.Shop }

func newShop(t testing.TB, city string, price int64, nStaff int) *shop {
	t.Helper()
	sh := &shop{env.NewShop(t, city, nStaff)}
	sh.Item.PriceFen = price
	must(t, tenants.DB(cityCtx(t, city)).Model(&sh.Item).Update("price_fen", price).Error)
	return sh
}

// item adds another fixed-price item to the shop.
func (sh *shop) item(t testing.TB, price int64) catalog.ServiceItem {
	return env.AddItem(t, sh.Shop, func(it *catalog.ServiceItem) { it.PriceFen, it.Title = price, fmt.Sprintf("保洁%d", price) })
}

// staffSession is staff member i acting in the staff app, with their own
// account.
func (sh *shop) staffSession(t testing.TB, i int) person { return env.StaffSession(t, sh.Shop, i) }

// ---- orders through the API ----

// slotAt is a city-time slot days from today at hh:00, as the API takes it.
func slotAt(days, hh int) string { return apptest.SlotAt(days, hh, 0) }

func address(t testing.TB, city string, p person) booking.Address {
	return env.Address(t, city, p, inside)
}

func book(t testing.TB, city string, p person, in booking.BookInput) booking.OrderView {
	return env.Book(t, city, p, in)
}

func pay(t testing.TB, city string, p person, orderID int64) { env.PayFor(t, city, p, orderID) }

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
