package settlement_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/payment"
	"doorstep/app/settlement"
	"doorstep/tenants"
)

// One running product for the package. Each city serves one concern, since
// a settlement run closes a period for the whole city: sz the ledger flows,
// bj payouts, gz settlement runs, sh reconciliation.
var env *apptest.Env

func TestMain(m *testing.M) {
	e, err := apptest.Start(apptest.Cities("sz", "bj", "gz", "sh"))
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

func cityCtx(t testing.TB, code string) context.Context {
	return app.WithActor(env.CityCtx(t, code), app.System)
}

func must(t testing.TB, err error) { t.Helper(); apptest.Must(t, err) }

var shanghai = apptest.Shanghai

// slotAt is a city-time slot days from today at hh:00, as the API takes it.
func slotAt(days, hh int) string { return apptest.SlotAt(days, hh, 0) }

type person = apptest.Person

func newCustomer(t testing.TB) person { return env.Customer(t) }

func granted(t testing.TB, city, role string, merchantID, staffID int64) person {
	return env.Granted(t, city, role, merchantID, staffID)
}

func client(t testing.TB, city string, p person) *apptest.Client { return env.ClientAs(t, city, p) }

var inside = apptest.ShopInside

// shop is a fixture shop (apptest.Shop) with sessions of its staff.
type shop struct {
	*apptest.Shop
	StaffSess []person
}

func newShop(t testing.TB, city string, nStaff int) *shop {
	t.Helper()
	sh := &shop{Shop: env.NewShop(t, city, nStaff)}
	for i := range sh.Staff {
		sh.StaffSess = append(sh.StaffSess, env.StaffSession(t, sh.Shop, i))
	}
	return sh
}

func address(t testing.TB, city string, p person) booking.Address {
	return env.Address(t, city, p, inside)
}

func book(t testing.TB, city string, p person, in booking.BookInput) booking.OrderView {
	return env.Book(t, city, p, in)
}

func payFor(t testing.TB, city string, p person, orderID int64) string {
	t.Helper()
	res := env.StartPay(t, city, p, orderID)
	env.SandboxPay(t, res.PaymentNo)
	return res.PaymentNo
}

// work runs the staff app's steps of a job up to finish.
func work(t testing.TB, city string, worker person, orderID int64, fin booking.FinishInput) booking.OrderView {
	t.Helper()
	wc := client(t, city, worker)
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", orderID), nil).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", orderID), booking.Position{Lat: inside.Lat, Lng: inside.Lng}).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", orderID), nil).OK()
	var v booking.OrderView
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", orderID), fin).OK().JSON(&v)
	return v
}

// completed books a fixed-price order with a staff member of the shop on a
// day, pays it and works it to completion, all through the API.
func completed(t testing.TB, sh *shop, staffIdx int, cust person, a booking.Address, day, hour int) booking.OrderView {
	t.Helper()
	o := book(t, sh.City, cust, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: sh.Staff[staffIdx].ID, SlotStart: slotAt(day, hour), AddressID: a.ID})
	payFor(t, sh.City, cust, o.ID)
	if v := work(t, sh.City, sh.StaffSess[staffIdx], o.ID, booking.FinishInput{Note: "done"}); v.Status != booking.StCompleted {
		t.Fatalf("order %d is %s after finishing", o.ID, v.Status)
	}
	return o
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

// refundsDone waits until every refund of the order has succeeded.
func refundsDone(t testing.TB, city string, orderID int64, want int) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("refunds of order %d", orderID), func() error {
		rs, err := env.P.Payments.RefundsOf(cityCtx(t, city), orderID)
		if err != nil {
			return err
		}
		if len(rs) != want {
			return fmt.Errorf("%d refunds, want %d", len(rs), want)
		}
		for _, r := range rs {
			if r.Status != payment.RefundStatusSucceeded {
				return fmt.Errorf("refund %s is %s", r.RefundNo, r.Status)
			}
		}
		return nil
	})
}

// admin is a city admin session.
func admin(t testing.TB, city string) *apptest.Client {
	return client(t, city, granted(t, city, app.RoleCityAdmin, 0, 0))
}

// orderBooks reads an order's ledger through the city back office API and
// checks that its lines sum to zero.
func orderBooks(t testing.TB, adm *apptest.Client, orderID int64) settlement.OrderLedger {
	t.Helper()
	var ol settlement.OrderLedger
	adm.Get(fmt.Sprintf("/v1/admin/ledger/orders/%d", orderID)).OK().JSON(&ol)
	var sum int64
	for _, l := range ol.Lines {
		sum += l.AmountFen
		if l.OrderID != orderID {
			t.Fatalf("order %d's ledger has a line of order %d", orderID, l.OrderID)
		}
	}
	if sum != 0 || ol.SumFen != 0 {
		t.Fatalf("order %d's ledger sums to %d (reported %d): %+v", orderID, sum, ol.SumFen, ol.Lines)
	}
	return ol
}

// wantAccounts fails unless the order's account balances are exactly want
// (accounts not in want must be 0).
func wantAccounts(t testing.TB, what string, ol settlement.OrderLedger, want map[string]int64) {
	t.Helper()
	for _, acc := range settlement.Accounts {
		if ol.Accounts[acc] != want[acc] {
			t.Errorf("%s: %s is %d, want %d (all %v)", what, acc, ol.Accounts[acc], want[acc], ol.Accounts)
		}
	}
}

// booksBalance checks the whole ledger of a city: every transaction sums
// to zero, has exactly the lines its claim says, and every order's lines
// sum to zero.
func booksBalance(t testing.TB, city string) {
	t.Helper()
	ctx := cityCtx(t, city)
	var bad []struct {
		TxnID string
		Sum   int64
	}
	must(t, tenants.DB(ctx).Model(&settlement.LedgerEntry{}).Select("txn_id, SUM(amount_fen) AS sum").Group("txn_id").Having("SUM(amount_fen) <> 0").Scan(&bad).Error)
	if len(bad) > 0 {
		t.Fatalf("transactions that do not balance: %+v", bad)
	}
	var orders []struct {
		OrderID int64
		Sum     int64
	}
	must(t, tenants.DB(ctx).Model(&settlement.LedgerEntry{}).Select("order_id, SUM(amount_fen) AS sum").Group("order_id").Having("SUM(amount_fen) <> 0").Scan(&orders).Error)
	if len(orders) > 0 {
		t.Fatalf("orders whose ledger does not sum to zero: %+v", orders)
	}
	var mismatched int64
	must(t, tenants.DB(ctx).Raw("SELECT COUNT(*) FROM "+tenants.Table(ctx, "ledger_txns")+" t WHERE t.line_count <> (SELECT COUNT(*) FROM "+
		tenants.Table(ctx, "ledger_entries")+" e WHERE e.txn_id = t.txn_id)").Scan(&mismatched).Error)
	if mismatched > 0 {
		t.Fatalf("%d transactions whose lines are not what their claim says", mismatched)
	}
}

func countEntries(t testing.TB, city string) int64 {
	t.Helper()
	var n int64
	must(t, tenants.DB(cityCtx(t, city)).Model(&settlement.LedgerEntry{}).Count(&n).Error)
	return n
}
