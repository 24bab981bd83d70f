package stats_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/payment"
	"doorstep/app/review"
	"doorstep/app/stats"
	"doorstep/tenants"
)

func stars(n int) review.CreateInput {
	return review.CreateInput{Overall: n, Punctuality: n, Skill: n, Attitude: n, Content: fmt.Sprintf("%d星", n)}
}

// jobDone walks an assigned order through the staff app to completion.
func jobDone(t *testing.T, city string, w person, orderID int64) {
	t.Helper()
	c := client(t, city, w)
	c.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", orderID), nil).OK()
	c.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", orderID), booking.Position{Lat: inside.Lat, Lng: inside.Lng}).OK()
	c.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", orderID), nil).OK()
	c.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", orderID), booking.FinishInput{Note: "完成"}).OK()
}

// refundsDone waits until every refund of an order has succeeded.
func refundsDone(t *testing.T, city string, orderID int64, n int) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("refunds of order %d", orderID), func() error {
		rs, err := env.P.Payments.RefundsOf(cityCtx(t, city), orderID)
		if err != nil {
			return err
		}
		if len(rs) != n {
			return fmt.Errorf("%d refunds, want %d", len(rs), n)
		}
		for _, r := range rs {
			if r.Status != payment.RefundStatusSucceeded {
				return fmt.Errorf("refund %s is %s", r.RefundNo, r.Status)
			}
		}
		return nil
	})
}

func wantValues(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	for _, n := range slices.Sorted(maps.Keys(want)) {
		if got[n] != want[n] {
			t.Errorf("%s %s = %d, want %d", what, n, got[n], want[n])
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s has %s = %d, not expected", what, n, got[n])
		}
	}
}

// A day of activity in gz, made through the API wherever there is one:
// bookings, sandbox payments, a dispatcher's assignment, the staff app's
// job steps, a cancellation with its refund, a late payment refunded by
// itself, an expiry, reviews, an after-sales case, duty. Dispatch offers
// have no API yet and are written as rows. Every measure of the city and of
// both merchants is then exactly what happened.
func TestRollup_ADayOfActivityGivesEveryMeasureExactly(t *testing.T) {
	clearOfMidnight(t, 5*time.Minute)
	city := freshCity(t)
	day := today()
	ctx := cityCtx(t, city)
	a := newShop(t, city, 12800, 4) // staff 0 dispatched, 1 chosen by the customer, 2 offers only, 3 on duty only
	b := newShop(t, city, 9900, 0)
	c1, c2, c3 := newCustomer(t), newCustomer(t), newCustomer(t)
	ad1, ad2, ad3 := address(t, city, c1), address(t, city, c2), address(t, city, c3)

	// o1: paid, assigned by the merchant, done, 5 stars, after-sales.
	o1 := book(t, city, c1, booking.BookInput{ServiceItemID: a.Item.ID, SlotStart: slotAt(3, 10), AddressID: ad1.ID})
	pay(t, city, c1, o1.ID)
	client(t, city, a.Owner).Post(fmt.Sprintf("/v1/merchant/orders/%d/assign", o1.ID), map[string]int64{"staff_id": a.Staff[0].ID}).OK()
	jobDone(t, city, a.staffSession(t, 0), o1.ID)
	client(t, city, c1).Post(fmt.Sprintf("/v1/orders/%d/review", o1.ID), stars(5)).Want(201)
	client(t, city, c1).Post(fmt.Sprintf("/v1/orders/%d/aftersale", o1.ID), booking.AfterSaleInput{Reason: "quality", Detail: "没擦干净"}).Want(201)

	// o2: the customer chose the staff member: assigned at payment; 3 stars.
	o2 := book(t, city, c2, booking.BookInput{ServiceItemID: a.Item.ID, StaffID: a.Staff[1].ID, SlotStart: slotAt(3, 14), AddressID: ad2.ID})
	pay(t, city, c2, o2.ID)
	jobDone(t, city, a.staffSession(t, 1), o2.ID)
	client(t, city, c2).Post(fmt.Sprintf("/v1/orders/%d/review", o2.ID), stars(3)).Want(201)

	// o3: paid, then cancelled in time by the customer: refunded in full.
	o3 := book(t, city, c1, booking.BookInput{ServiceItemID: b.Item.ID, SlotStart: slotAt(4, 10), AddressID: ad1.ID})
	pay(t, city, c1, o3.ID)
	client(t, city, c1).Post(fmt.Sprintf("/v1/orders/%d/cancel", o3.ID), map[string]string{"reason": "改期"}).OK()
	refundsDone(t, city, o3.ID, 1)

	// o4: never paid; expires (its deadline moved to the past, then the
	// expiry sweep job runs).
	o4 := book(t, city, c3, booking.BookInput{ServiceItemID: b.Item.ID, SlotStart: slotAt(4, 11), AddressID: ad3.ID})
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("id = ?", o4.ID).Update("pay_deadline", time.Now().UTC().Add(-time.Second)).Error)
	must(t, env.P.Booking.HandleExpireSweep(ctx, nil))

	// o5: placed, not paid yet.
	o5 := book(t, city, c3, booking.BookInput{ServiceItemID: a.Item.ID, SlotStart: slotAt(5, 10), AddressID: ad3.ID})

	// o6: payment started, order cancelled, then paid anyway: the late
	// payment is refunded by itself and counts in neither gmv nor refunds.
	o6 := book(t, city, c2, booking.BookInput{ServiceItemID: b.item(t, 4400).ID, SlotStart: slotAt(4, 12), AddressID: ad2.ID})
	late := env.StartPay(t, city, c2, o6.ID).PaymentNo
	client(t, city, c2).Post(fmt.Sprintf("/v1/orders/%d/cancel", o6.ID), map[string]string{"reason": "不要了"}).OK()
	env.SandboxPay(t, late)
	refundsDone(t, city, o6.ID, 1)

	// Dispatch offers: three made today (two accepted), one made yesterday
	// and answered today (not an offer of today; its staff member was
	// active today).
	now := time.Now().UTC()
	yesterday := now.Add(-24 * time.Hour)
	for _, o := range []offerRow{
		{OrderID: o1.ID, Round: 1, StaffID: a.Staff[2].ID, Status: "declined", OfferedAt: now, Deadline: now.Add(time.Minute), RespondedAt: &now},
		{OrderID: o1.ID, Round: 2, StaffID: a.Staff[0].ID, Status: "accepted", OfferedAt: now, Deadline: now.Add(time.Minute), RespondedAt: &now},
		{OrderID: o5.ID, Round: 1, StaffID: a.Staff[1].ID, Status: "accepted", OfferedAt: now, Deadline: now.Add(time.Minute), RespondedAt: &now},
		{OrderID: o5.ID, Round: 2, StaffID: a.Staff[2].ID, Status: "accepted", OfferedAt: yesterday, Deadline: yesterday.Add(time.Minute), RespondedAt: &now},
	} {
		must(t, tenants.DB(ctx).Create(&o).Error)
	}
	// Staff member 3 does nothing but go on duty.
	client(t, city, a.staffSession(t, 3)).Post("/v1/staff/me/duty", map[string]bool{"on_duty": true}).OK()

	// Dispatch time of o1: from its payment to its assignment. The
	// dispatcher took no time here, so the payment is moved 754.3 s back to
	// make the seconds count.
	must(t, tenants.DB(ctx).Exec("UPDATE "+tenants.Table(ctx, "orders")+" SET paid_at = paid_at - INTERVAL 754300000 MICROSECOND WHERE id = ?", o1.ID).Error)
	var paid booking.Order
	must(t, tenants.DB(ctx).Where("id = ?", o1.ID).Take(&paid).Error)
	var assign booking.Event
	must(t, tenants.DB(ctx).Where("order_id = ? AND event = ?", o1.ID, booking.EvAssign).Take(&assign).Error)
	secs := int64(assign.At.Sub(*paid.PaidAt) / time.Second)
	if secs < 754 {
		t.Fatalf("dispatch took %d s", secs)
	}

	admin := client(t, city, granted(t, city, app.RoleCityAdmin, 0, 0))
	var res stats.RollupResult
	admin.Post("/v1/admin/figures/rollup", map[string]string{"day": day}).OK().JSON(&res)
	want := map[string]int64{
		stats.OrdersPlaced: 6, stats.OrdersPaid: 3, stats.OrdersCompleted: 2, stats.OrdersCancelled: 2, stats.OrdersExpired: 1,
		stats.GMVFen: 12800 + 12800 + 9900, stats.RefundsFen: 9900,
		stats.NewCustomers: 3, stats.ActiveCustomers: 3, stats.ActiveStaff: 4,
		stats.OrdersDispatched: 1, stats.DispatchSeconds: secs, stats.DispatchAvg: secs,
		stats.OffersSent: 3, stats.OffersAccepted: 2, stats.AcceptanceRate: 6667,
		stats.ReviewsCount: 2, stats.RatingSum: 8, stats.RatingAvg: 400, stats.ReviewsSatisfied: 1, stats.Satisfaction: 5000,
		stats.AfterSalesOpened: 1, stats.AfterSaleRate: 5000,
	}
	wantValues(t, "city "+day, res.Values, want)

	// The same through the read API, HQ's copy, and each merchant's own.
	var f stats.Figures
	admin.Get("/v1/admin/figures?from=" + day + "&to=" + day).OK().JSON(&f)
	if len(f.Days) != 1 || f.Days[0].Day != day || f.TimeZone != "Asia/Shanghai" {
		t.Fatalf("figures %+v", f)
	}
	wantValues(t, "read "+day, f.Days[0].Values, want)
	var hq stats.Figures
	client(t, "", hqAdmin(t)).Get("/v1/hq/figures?city=" + city + "&from=" + day + "&to=" + day).OK().JSON(&hq)
	wantValues(t, "hq "+city+" "+day, hq.Days[0].Values, want)

	var ma, mb stats.Figures
	client(t, city, a.Owner).Get("/v1/merchant/figures?from=" + day + "&to=" + day).OK().JSON(&ma)
	client(t, city, b.Owner).Get("/v1/merchant/figures?from=" + day + "&to=" + day).OK().JSON(&mb)
	if ma.MerchantID != a.Merchant.ID || mb.MerchantID != b.Merchant.ID {
		t.Fatalf("merchant ids %d %d", ma.MerchantID, mb.MerchantID)
	}
	wantValues(t, "merchant a", ma.Days[0].Values, map[string]int64{stats.OrdersPlaced: 3, stats.OrdersCompleted: 2, stats.GMVFen: 25600,
		stats.RefundsFen: 0, stats.ReviewsCount: 2, stats.RatingSum: 8, stats.RatingAvg: 400, stats.AfterSalesOpened: 1})
	wantValues(t, "merchant b", mb.Days[0].Values, map[string]int64{stats.OrdersPlaced: 3, stats.OrdersCompleted: 0, stats.GMVFen: 9900,
		stats.RefundsFen: 9900, stats.ReviewsCount: 0, stats.RatingSum: 0, stats.RatingAvg: 0, stats.AfterSalesOpened: 0})
	client(t, city, a.Owner).Get("/v1/merchant/figures?measures=orders_paid").WantError(400, "unknown_measure")

	// Once more: nothing changes, not even computed_at.
	before := figureRows(t, city, day)
	var again stats.RollupResult
	admin.Post("/v1/admin/figures/rollup", map[string]string{"day": day}).OK().JSON(&again)
	if again.Changed != 0 {
		t.Fatalf("a second rollup changed %d rows", again.Changed)
	}
	if after := figureRows(t, city, day); !slices.Equal(before, after) {
		t.Fatalf("rows changed:\n%v\n%v", before, after)
	}
}

// figureRow is one stored figure with everything in it.
type figureRow struct {
	Day        time.Time
	MerchantID int64
	Measure    string
	Value      int64
	ComputedAt time.Time
}

func figureRows(t *testing.T, city string, days ...string) []figureRow {
	t.Helper()
	ctx := cityCtx(t, city)
	var rows []figureRow
	must(t, tenants.DB(ctx).Raw("SELECT day, merchant_id, measure, value, computed_at FROM "+tenants.Table(ctx, "figures")+
		" WHERE day IN ? ORDER BY day, merchant_id, measure", days).Scan(&rows).Error)
	return rows
}

// ---- rows written directly, for days in the past ----

var orderSeq = time.Now().UnixNano() % 1000000

// pastOrder writes an order placed at created with only what the measures
// read. Customer ids are offset far above real accounts.
func pastOrder(t *testing.T, city string, merchantID, customerID int64, created time.Time, status string) booking.Order {
	t.Helper()
	customerID += 1_000_000_000
	orderSeq++
	o := booking.Order{OrderNo: fmt.Sprintf("T%d%06d", created.Unix(), orderSeq), CustomerID: customerID, MerchantID: merchantID, ServiceItemID: 1,
		Status: status, SlotStart: created.Add(48 * time.Hour), SlotEnd: created.Add(50 * time.Hour), DurationMin: 120, Title: "日常保洁",
		CategoryCode: "daily_cleaning", AddressID: 1, ContactName: "李", PhoneEnc: []byte{1}, PhoneMasked: "138****1234", AddressEnc: []byte{1},
		AddressMasked: "南山区****", PriceModel: "fixed", PriceFen: 10000, TotalFen: 10000, FinishPhotos: []string{}, CreatedAt: created, UpdatedAt: created}
	must(t, tenants.DB(cityCtx(t, city)).Create(&o).Error)
	return o
}

// localAt is a city-time instant on day at hh:mm:ss.
func localAt(day string, hh, mm, ss, ns int) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, day, shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, ss, ns, shanghai).UTC()
}

func daysAgo(n int) string { return time.Now().In(shanghai).AddDate(0, 0, -n).Format(time.DateOnly) }

func rollup(t *testing.T, city, day string) int {
	t.Helper()
	n, err := env.P.Stats.RollupDay(cityCtx(t, city), day)
	must(t, err)
	return n
}

func cityValue(t *testing.T, city, day string, merchantID int64, measure string) int64 {
	t.Helper()
	for _, r := range figureRows(t, city, day) {
		if r.MerchantID == merchantID && r.Measure == measure {
			return r.Value
		}
	}
	return 0
}

// Days are the city's days: 23:30 and 00:30 city time are on two days
// (15:30 and 16:30 UTC of one UTC day), midnight belongs to the day it
// starts, and the last microsecond before it to the day that ends.
func TestRollup_OrdersAt2330And0030CityTimeLandOnTheirOwnDays(t *testing.T) {
	city := freshCity(t)
	d1, d2 := daysAgo(12), daysAgo(11)
	at2330, at0030 := localAt(d1, 23, 30, 0, 0), localAt(d2, 0, 30, 0, 0)
	if at2330.Format(time.DateOnly) != at0030.Format(time.DateOnly) {
		t.Fatalf("fixture: both should be on one UTC day, %s and %s", at2330, at0030)
	}
	pastOrder(t, city, 7, 501, at2330, booking.StPendingPayment)
	pastOrder(t, city, 7, 502, at0030, booking.StPendingPayment)
	pastOrder(t, city, 7, 503, localAt(d1, 0, 0, 0, 0), booking.StPendingPayment)
	pastOrder(t, city, 7, 504, localAt(d1, 23, 59, 59, 999999000), booking.StPendingPayment)
	pastOrder(t, city, 7, 505, localAt(d2, 0, 0, 0, 0), booking.StPendingPayment)
	rollup(t, city, d1)
	rollup(t, city, d2)
	if n := cityValue(t, city, d1, 0, stats.OrdersPlaced); n != 3 {
		t.Fatalf("%s: %d orders placed, want 3 (00:00, 23:30, 23:59:59.999999)", d1, n)
	}
	if n := cityValue(t, city, d2, 0, stats.OrdersPlaced); n != 2 {
		t.Fatalf("%s: %d orders placed, want 2 (00:00, 00:30)", d2, n)
	}
	if n := cityValue(t, city, d1, 7, stats.OrdersPlaced); n != 3 {
		t.Fatalf("%s: merchant 7 placed %d, want 3", d1, n)
	}
	// And the read API shows them on those days.
	var tr stats.Trend
	client(t, city, granted(t, city, app.RoleCityOperator, 0, 0)).Get("/v1/admin/figures/trend?measure=orders_placed&from=" + addDay(d1, -1) + "&to=" + addDay(d2, 1)).OK().JSON(&tr)
	got := []int64{}
	for _, p := range tr.Points {
		got = append(got, p.Value)
	}
	if !slices.Equal(got, []int64{0, 3, 2, 0}) || tr.Points[1].Day != d1 || tr.Total == nil || *tr.Total != 5 {
		t.Fatalf("trend %+v", tr)
	}
}

func addDay(day string, n int) string {
	d, _ := time.Parse(time.DateOnly, day)
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// Running a day's rollup again over the same data writes nothing: every
// row, computed_at included, stays as it was. New data changes exactly the
// figures it touches.
func TestRollup_RunningAgainChangesNothingAndNewDataOnlyItsFigures(t *testing.T) {
	city := freshCity(t)
	day := daysAgo(30)
	ctx := cityCtx(t, city)
	o := pastOrder(t, city, 8, 601, localAt(day, 10, 0, 0, 0), booking.StCompleted)
	pastOrder(t, city, 9, 602, localAt(day, 11, 0, 0, 0), booking.StPendingPayment)
	must(t, tenants.DB(ctx).Create(&booking.Event{OrderID: o.ID, Event: booking.EvFinish, FromStatus: booking.StInService, ToStatus: booking.StCompleted,
		At: localAt(day, 12, 0, 0, 0)}).Error)
	if n := rollup(t, city, day); n == 0 {
		t.Fatal("the first rollup wrote nothing")
	}
	before := figureRows(t, city, day)
	if len(before) != len(stats.CityMeasures)+2*len(stats.MerchantMeasures) {
		t.Fatalf("%d rows, want the city's %d and two merchants' %d", len(before), len(stats.CityMeasures), len(stats.MerchantMeasures))
	}
	time.Sleep(5 * time.Millisecond)
	if n := rollup(t, city, day); n != 0 {
		t.Fatalf("a re-run wrote %d rows", n)
	}
	if after := figureRows(t, city, day); !slices.Equal(before, after) {
		t.Fatalf("a re-run changed rows:\n%v\n%v", before, after)
	}

	// Another order of merchant 8 by the same customer: orders_placed of the
	// city and of merchant 8 change, nothing else.
	pastOrder(t, city, 8, 601, localAt(day, 15, 0, 0, 0), booking.StPendingPayment)
	time.Sleep(5 * time.Millisecond)
	if n := rollup(t, city, day); n != 2 {
		t.Fatalf("rollup after one more order wrote %d rows, want 2", n)
	}
	after := figureRows(t, city, day)
	var changed []string
	for i := range after {
		if after[i] != before[i] {
			changed = append(changed, fmt.Sprintf("%d/%s %d->%d", after[i].MerchantID, after[i].Measure, before[i].Value, after[i].Value))
			if !after[i].ComputedAt.After(before[i].ComputedAt) {
				t.Errorf("%s changed without a newer computed_at", after[i].Measure)
			}
		}
	}
	if !slices.Equal(changed, []string{"0/orders_placed 2->3", "8/orders_placed 1->2"}) {
		t.Fatalf("changed %v", changed)
	}
}

// A city admin of sz reads sz's figures only: bj's are refused with the
// token's city, HQ's figures are not theirs; operators read but may not
// recompute; merchants, staff and customers reach no city figures; HQ
// reaches any city.
func TestFigures_EachRoleReadsOnlyWhatIsItsOwn(t *testing.T) {
	szAdmin := granted(t, "sz", app.RoleCityAdmin, 0, 0)
	sz := client(t, "sz", szAdmin)
	sz.Get("/v1/admin/figures").OK()
	sz.In("bj").Get("/v1/admin/figures").WantError(403, "wrong_city")
	sz.In("bj").Get("/v1/admin/figures/trend?measure=gmv_fen").WantError(403, "wrong_city")
	sz.In("bj").Post("/v1/admin/figures/rollup", map[string]string{"day": today()}).WantError(403, "wrong_city")
	client(t, "", szAdmin).Get("/v1/hq/figures").WantError(403, "forbidden")

	op := client(t, "sz", granted(t, "sz", app.RoleCityOperator, 0, 0))
	op.Get("/v1/admin/figures").OK()
	op.Post("/v1/admin/figures/rollup", map[string]string{"day": today()}).WantError(403, "forbidden")

	sh := newShop(t, "sz", 10000, 1)
	client(t, "sz", sh.Owner).Get("/v1/admin/figures").WantError(403, "forbidden")
	client(t, "sz", sh.staffSession(t, 0)).Get("/v1/merchant/figures").WantError(403, "forbidden")
	client(t, "sz", newCustomer(t)).Get("/v1/admin/figures").WantError(403, "forbidden")
	client(t, "bj", sh.Owner).Get("/v1/merchant/figures").WantError(403, "wrong_city")

	hq := hqAdmin(t)
	client(t, "bj", hq).Get("/v1/admin/figures").OK()
	client(t, "", hq).Get("/v1/hq/figures?city=bj").OK()
	client(t, "", hq).Get("/v1/hq/figures?city=nowhere").WantError(404, "city_not_found")
	client(t, "", szAdmin).Get("/v1/hq/figures/trend?measure=gmv_fen").WantError(403, "forbidden")
}

// A merchant sees its own shop's figures and no one else's, whatever it
// asks for.
func TestFigures_MerchantSeesOnlyItsOwnShop(t *testing.T) {
	day := daysAgo(40)
	a, b := newShop(t, "sz", 10000, 0), newShop(t, "sz", 10000, 0)
	for i := 0; i < 3; i++ {
		pastOrder(t, "sz", a.Merchant.ID, 700+int64(i), localAt(day, 9+i, 0, 0, 0), booking.StPendingPayment)
	}
	pastOrder(t, "sz", b.Merchant.ID, 710, localAt(day, 9, 0, 0, 0), booking.StPendingPayment)
	rollup(t, "sz", day)
	for _, tc := range []struct {
		sh   *shop
		want int64
	}{{a, 3}, {b, 1}} {
		var f stats.Figures
		client(t, "sz", tc.sh.Owner).Get("/v1/merchant/figures?from=" + day + "&to=" + day + "&measures=orders_placed").OK().JSON(&f)
		if f.MerchantID != tc.sh.Merchant.ID || f.Days[0].Values[stats.OrdersPlaced] != tc.want || len(f.Days[0].Values) != 1 {
			t.Fatalf("merchant %d sees %+v, want %d orders", tc.sh.Merchant.ID, f, tc.want)
		}
		var tr stats.Trend
		client(t, "sz", tc.sh.Owner).Get("/v1/merchant/figures/trend?measure=orders_placed&from=" + day + "&to=" + day).OK().JSON(&tr)
		if tr.MerchantID != tc.sh.Merchant.ID || tr.Points[0].Value != tc.want {
			t.Fatalf("merchant %d trend %+v", tc.sh.Merchant.ID, tr)
		}
	}
	// A dispatcher of a reads a's figures too.
	var f stats.Figures
	client(t, "sz", granted(t, "sz", app.RoleMerchantDispatcher, a.Merchant.ID, 0)).Get("/v1/merchant/figures?from=" + day + "&to=" + day).OK().JSON(&f)
	if f.Days[0].Values[stats.OrdersPlaced] != 3 {
		t.Fatalf("dispatcher sees %+v", f.Days[0].Values)
	}
}

// HQ's "all" adds the cities up: counts and money add, ratios are derived
// from the added parts (not an average of the cities' ratios).
func TestHQ_AllAddsUpTheCitiesAndDerivesRatiosFromTheirParts(t *testing.T) {
	day := daysAgo(20)
	c1, c2 := freshCity(t), freshCity(t)
	put := func(city string, orders int, stars ...int) {
		ctx := cityCtx(t, city)
		for i := 0; i < orders; i++ {
			o := pastOrder(t, city, 1, 800+int64(i), localAt(day, 10, i, 0, 0), booking.StCompleted)
			paidAt := localAt(day, 10, i, 30, 0)
			must(t, tenants.DB(ctx).Create(&payment.Payment{PaymentNo: fmt.Sprintf("P%d", o.ID), OrderID: o.ID, CustomerID: o.CustomerID,
				Kind: payment.KindFull, Method: "sandbox", AmountFen: 10000, Status: payment.StatusPaid, PaidAt: &paidAt, ExpiresAt: paidAt,
				CreatedAt: paidAt, UpdatedAt: paidAt}).Error)
			if i < len(stars) {
				must(t, tenants.DB(ctx).Create(&review.Review{OrderID: o.ID, OrderNo: o.OrderNo, CustomerID: o.CustomerID, MerchantID: 1, ServiceItemID: 1,
					Overall: stars[i], Punctuality: stars[i], Skill: stars[i], Attitude: stars[i], Photos: []string{}, Status: review.StatusVisible,
					Counted: true, CreatedAt: paidAt, UpdatedAt: paidAt}).Error)
			}
		}
	}
	put(c1, 2, 5)
	put(c2, 3, 2, 2, 2)
	hq := client(t, "", hqAdmin(t))
	var res stats.RollupResult
	hq.Post("/v1/hq/figures/rollup", map[string]string{"day": day}).OK().JSON(&res)
	if res.City != stats.All {
		t.Fatalf("rollup of all %+v", res)
	}
	var one, two stats.Figures
	hq.Get("/v1/hq/figures?city=" + c1 + "&from=" + day + "&to=" + day).OK().JSON(&one)
	hq.Get("/v1/hq/figures?city=" + c2 + "&from=" + day + "&to=" + day).OK().JSON(&two)
	wantValues(t, c1, pick(one.Days[0].Values, stats.OrdersPlaced, stats.GMVFen, stats.ReviewsCount, stats.RatingAvg, stats.ActiveCustomers),
		map[string]int64{stats.OrdersPlaced: 2, stats.GMVFen: 20000, stats.ReviewsCount: 1, stats.RatingAvg: 500, stats.ActiveCustomers: 2})
	wantValues(t, c2, pick(two.Days[0].Values, stats.OrdersPlaced, stats.GMVFen, stats.ReviewsCount, stats.RatingAvg, stats.ActiveCustomers),
		map[string]int64{stats.OrdersPlaced: 3, stats.GMVFen: 30000, stats.ReviewsCount: 3, stats.RatingAvg: 200, stats.ActiveCustomers: 3})

	// "all" is the sum of every city HQ knows (other tests' cities too).
	sums := map[string]int64{}
	for _, c := range env.P.Reg.Cities() {
		var f stats.Figures
		hq.Get("/v1/hq/figures?city=" + c.Code + "&from=" + day + "&to=" + day).OK().JSON(&f)
		for n, v := range f.Days[0].Values {
			sums[n] += v
		}
	}
	var all stats.Figures
	hq.Get("/v1/hq/figures?city=all&from=" + day + "&to=" + day).OK().JSON(&all)
	v := all.Days[0].Values
	for _, n := range []string{stats.OrdersPlaced, stats.GMVFen, stats.ReviewsCount, stats.RatingSum, stats.ReviewsSatisfied, stats.ActiveCustomers, stats.NewCustomers} {
		if v[n] != sums[n] || v[n] == 0 {
			t.Errorf("all %s = %d, the cities add up to %d", n, v[n], sums[n])
		}
	}
	if wantAvg := (2*sums[stats.RatingSum]*100 + sums[stats.ReviewsCount]) / (2 * sums[stats.ReviewsCount]); v[stats.RatingAvg] != wantAvg {
		t.Errorf("all rating_avg_x100 = %d, want %d from the added parts", v[stats.RatingAvg], wantAvg)
	}
	if v[stats.RatingAvg] == sums[stats.RatingAvg] {
		t.Errorf("all rating_avg_x100 = %d is the sum of the cities' averages", v[stats.RatingAvg])
	}
	var tr stats.Trend
	hq.Get("/v1/hq/figures/trend?measure=gmv_fen&from=" + addDay(day, -2) + "&to=" + day).OK().JSON(&tr)
	if len(tr.Points) != 3 || tr.Points[2].Value != v[stats.GMVFen] || *tr.Total != tr.Points[0].Value+tr.Points[1].Value+tr.Points[2].Value {
		t.Fatalf("trend of all %+v", tr)
	}
	// The range totals derive the ratio too, and leave out distinct people.
	if all.Totals[stats.RatingAvg] != v[stats.RatingAvg] {
		t.Fatalf("totals %v", all.Totals)
	}
	if _, ok := all.Totals[stats.ActiveCustomers]; ok {
		t.Fatalf("totals add up active customers over days: %v", all.Totals)
	}
}

func pick(m map[string]int64, names ...string) map[string]int64 {
	out := map[string]int64{}
	for _, n := range names {
		out[n] = m[n]
	}
	return out
}

// Reads refuse what they cannot answer with 400s and fill days without
// figures with zeros.
func TestFigures_RangesAndMeasuresAreChecked(t *testing.T) {
	admin := client(t, "sz", granted(t, "sz", app.RoleCityAdmin, 0, 0))
	admin.Get("/v1/admin/figures?from=2024-01-01&to=2025-01-01").WantError(400, "invalid_input") // 367 days
	admin.Get("/v1/admin/figures?from=2024-01-02&to=2025-01-01").OK()                            // 366 days
	admin.Get("/v1/admin/figures?from=2024-02-02&to=2024-02-01").WantError(400, "invalid_input")
	admin.Get("/v1/admin/figures?from=2024-2-1").WantError(400, "invalid_input")
	admin.Get("/v1/admin/figures?measures=gmv_fen,nope").WantError(400, "unknown_measure")
	admin.Get("/v1/admin/figures?format=xml").WantError(400, "invalid_input")
	admin.Get("/v1/admin/figures/trend").WantError(400, "invalid_input")
	admin.Post("/v1/admin/figures/rollup", map[string]string{"day": addDay(today(), 2)}).WantError(400, "day_in_future")
	admin.Post("/v1/admin/figures/rollup", map[string]string{"day": "yesterday"}).WantError(400, "invalid_input")

	var f stats.Figures
	admin.Get("/v1/admin/figures?from=2001-01-01&to=2001-01-03&measures=gmv_fen,orders_placed").OK().JSON(&f)
	if len(f.Days) != 3 || f.Days[2].Day != "2001-01-03" || !slices.Equal(f.Measures, []string{"gmv_fen", "orders_placed"}) ||
		f.Days[1].Values["gmv_fen"] != 0 || len(f.Days[1].Values) != 2 {
		t.Fatalf("empty range %+v", f)
	}
	var def stats.Figures
	admin.Get("/v1/admin/figures").OK().JSON(&def)
	if def.To != today() || len(def.Days) != 7 || len(def.Measures) != len(stats.CityMeasures) {
		t.Fatalf("default range %s..%s, %d days", def.From, def.To, len(def.Days))
	}
	var ms []stats.Measure
	admin.Get("/v1/admin/figures/measures").OK().JSON(&ms)
	if len(ms) != len(stats.Measures) || ms[0].Doc == "" {
		t.Fatalf("measures %+v", ms)
	}
}

// The scheduled jobs do what the on-demand rollup does: stats:rollup
// recomputes the city's today and yesterday, stats:platform copies them to
// HQ.
func TestJobs_RollupAndPlatformTasksRecomputeTodayAndYesterday(t *testing.T) {
	city := freshCity(t)
	clearOfMidnight(t, time.Minute)
	y := daysAgo(1)
	pastOrder(t, city, 11, 901, localAt(y, 9, 0, 0, 0), booking.StPendingPayment)
	must(t, env.P.Stats.HandleRollup(cityCtx(t, city), nil))
	if n := cityValue(t, city, y, 11, stats.OrdersPlaced); n != 1 {
		t.Fatalf("yesterday's merchant 11 placed %d", n)
	}
	if rows := figureRows(t, city, today()); len(rows) < len(stats.CityMeasures) {
		t.Fatalf("today has %d rows", len(rows))
	}
	must(t, env.P.Stats.HandlePlatform(app.WithActor(t.Context(), app.System), nil))
	var f stats.Figures
	client(t, "", hqAdmin(t)).Get("/v1/hq/figures?city=" + city + "&from=" + y + "&to=" + y).OK().JSON(&f)
	if f.Days[0].Values[stats.OrdersPlaced] != 1 {
		t.Fatalf("hq copy of %s %s: %v", city, y, f.Days[0].Values)
	}
	if err := env.P.Stats.HandleRollup(app.WithActor(t.Context(), app.System), nil); !errors.Is(err, tenants.ErrNoCity) {
		t.Fatalf("rollup without a city: %v", err)
	}
}
