package settlement_test

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
	"doorstep/app/payment"
	"doorstep/app/settlement"
	"doorstep/app/staff"
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

var phones atomic.Int64

func nextPhone() string { return apptest.Phone(int(7000 + phones.Add(1))) }

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

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// slotAt is a city-time slot days from today at hh:00, as the API takes it.
func slotAt(days, hh int) string {
	d := time.Now().In(shanghai).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, 0, 0, 0, shanghai).Format("2006-01-02T15:04")
}

// person is an account with a token for one role.
type person struct {
	ID    int64
	Token string
}

func issue(t testing.TB, id int64, scope, role string, merchantID, staffID int64) string {
	t.Helper()
	tok, _, err := env.P.Accounts.Tokens().Issue(id, scope, role, merchantID, staffID, 0)
	must(t, err)
	return tok
}

func account(t testing.TB) (int64, string) {
	t.Helper()
	phone := nextPhone()
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phone, "")
	must(t, err)
	return id, phone
}

func newCustomer(t testing.TB) person {
	id, _ := account(t)
	return person{ID: id, Token: issue(t, id, "", app.RoleCustomer, 0, 0)}
}

// grantAs makes the account of id hold a city role and returns its session.
func grantAs(t testing.TB, city string, id int64, phone, role string, merchantID, staffID int64) person {
	env.Grant(t, phone, "city:"+city, role, merchantID, staffID)
	return person{ID: id, Token: issue(t, id, "city:"+city, role, merchantID, staffID)}
}

func granted(t testing.TB, city, role string, merchantID, staffID int64) person {
	id, phone := account(t)
	return grantAs(t, city, id, phone, role, merchantID, staffID)
}

func client(t testing.TB, city string, p person) *apptest.Client {
	return env.Client(t).In(city).As(p.Token)
}

var (
	center = geo.Point{Lat: 22.5431, Lng: 113.9347}
	inside = geo.Point{Lat: 22.5460, Lng: 113.9400}
)

// shop is a merchant with a fixed-price item (128 yuan), a deposit item
// (100 to 500 yuan, 30 deposit), staff, and sessions of its owner and staff.
type shop struct {
	City      string
	Merchant  merchant.Merchant
	Item      catalog.ServiceItem
	Deposit   catalog.ServiceItem
	Staff     []staff.Staff
	Owner     person
	StaffSess []person
}

var fixtureMu sync.Mutex

func newShop(t testing.TB, city string, nStaff int) *shop {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	ctx := cityCtx(t, city)
	now := time.Now().UTC()
	ownerID, ownerPhone := account(t)
	hours := merchant.Hours{}
	for d := 0; d < 7; d++ {
		hours[d] = [2]int{8 * 60, 20 * 60}
	}
	sh := &shop{City: city}
	sh.Merchant = merchant.Merchant{OwnerID: ownerID, Name: "好家政", LicenceNo: "91440300MA5", ContactName: "王经理",
		ContactPhoneEnc: []byte{1}, ContactPhoneMasked: "138****0000", Categories: []string{"cleaning"},
		Area: geo.Area{Center: center, RadiusM: 5000}, OpeningHours: hours, Status: merchant.StatusActive, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Merchant).Error)
	sh.Item = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "cleaning", Title: "日常保洁",
		Photos: []string{}, PriceModel: catalog.PriceFixed, PriceFen: 12800, Unit: "次", DurationMin: 60, Skills: []string{"clean"},
		SkillMask: 1, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Item).Error)
	sh.Deposit = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "repair", Title: "水电维修",
		Photos: []string{}, PriceModel: catalog.PriceDeposit, PriceFen: 10000, PriceMaxFen: 50000, DepositFen: 3000, Unit: "次",
		DurationMin: 120, Skills: []string{"repair"}, SkillMask: 2, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(ctx).Create(&sh.Deposit).Error)
	for i := 0; i < nStaff; i++ {
		id, phone := account(t)
		st := staff.Staff{MerchantID: sh.Merchant.ID, AccountID: id, DisplayName: fmt.Sprintf("师傅%d", id), Skills: []string{"clean", "repair"},
			SkillMask: 3, WorkStartMin: 8 * 60, WorkEndMin: 20 * 60, WorkDays: 127, Status: staff.StatusActive, CreatedAt: now, UpdatedAt: now}
		must(t, tenants.DB(ctx).Create(&st).Error)
		sh.Staff = append(sh.Staff, st)
		sh.StaffSess = append(sh.StaffSess, grantAs(t, city, id, phone, app.RoleStaff, sh.Merchant.ID, st.ID))
	}
	sh.Owner = grantAs(t, city, ownerID, ownerPhone, app.RoleMerchantOwner, sh.Merchant.ID, 0)
	return sh
}

// address saves an address for the customer through the API.
func address(t testing.TB, city string, p person) booking.Address {
	t.Helper()
	var a booking.Address
	client(t, city, p).Post("/v1/addresses", booking.AddressInput{Label: "家", ContactName: "张三", Phone: "13912345678",
		Address: "广东省深圳市南山区科技园科苑路15号3栋1201", District: "南山区", Lat: inside.Lat, Lng: inside.Lng}).Want(201).JSON(&a)
	return a
}

// book places an order through the API.
func book(t testing.TB, city string, p person, in booking.BookInput) booking.OrderView {
	t.Helper()
	var o booking.OrderView
	client(t, city, p).Post("/v1/orders", in).Want(201).JSON(&o)
	return o
}

// startPay starts paying what the order asks now through the sandbox.
func startPay(t testing.TB, city string, p person, orderID int64) payment.PayResult {
	t.Helper()
	var res payment.PayResult
	client(t, city, p).Post(fmt.Sprintf("/v1/orders/%d/pay", orderID), map[string]string{"method": "sandbox"}).Want(200, 201).JSON(&res)
	return res
}

// payOnSandbox pays a sandbox trade the way the payer does; the sandbox
// posts its signed notification to us before answering.
func payOnSandbox(t testing.TB, paymentNo string) {
	t.Helper()
	var paid struct {
		Notified bool `json:"notified"`
	}
	env.Client(t).Post("/v1/sandbox/pay/"+paymentNo, nil).OK().JSON(&paid)
	if !paid.Notified {
		t.Fatalf("sandbox payment %s was not notified", paymentNo)
	}
}

func payFor(t testing.TB, city string, p person, orderID int64) string {
	t.Helper()
	res := startPay(t, city, p, orderID)
	payOnSandbox(t, res.PaymentNo)
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
