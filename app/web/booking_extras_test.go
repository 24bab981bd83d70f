package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/dispatch"
	"doorstep/app/geo"
	"doorstep/app/marketing"
	"doorstep/app/merchant"
	"doorstep/app/platform"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// The booking API's extras, through HTTP against the running product: the
// quote, the rules, any-staff slots, address edits, the pay return URL,
// the stream's query token, status filters, the richer order and offer
// views. Each test runs its own product (MariaDB schemas of HQ and sz,
// Redis, the server, the worker) with a shop inserted by the supply side's
// own models.

var cityZone = apptest.Shanghai

// at is a city-time slot days from today at hh:mm, as the API takes it.
func at(days, hh, mm int) string { return apptest.SlotAt(days, hh, mm) }

func local(slot string) string { return strings.Replace(slot, "T", " ", 1) }

// Where the shop serves (20 km around Shenzhen's Science Park), where the
// customers live, and a point far outside.
var (
	shopCenter = geo.Point{Lat: 22.5431, Lng: 113.9347}
	homePoint  = geo.Point{Lat: 22.5460, Lng: 113.9400}
	farPoint   = geo.Point{Lat: 23.1291, Lng: 113.2644} // Guangzhou
)

// actor is an account with a token for one role.
type actor = apptest.Person

// world is a running product with one shop in sz: a fixed-price and a
// deposit item (both with photos) and staff members on duty at home.
type world struct {
	e       *apptest.Env
	ctx     context.Context // sz
	shop    merchant.Merchant
	fixed   catalog.ServiceItem // ¥128.00, 60 min, cleaning
	deposit catalog.ServiceItem // ¥100.00-500.00, deposit ¥30.00, 120 min, repair
	staff   []staff.Staff
	workers []actor // staff sessions, by index of staff
	owner   actor
	admin   actor
}

func newWorld(t *testing.T, nStaff int, opts ...apptest.Option) *world {
	t.Helper()
	e := apptest.New(t, append([]apptest.Option{apptest.Cities("sz")}, opts...)...)
	c, err := e.P.Reg.Lookup("sz")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{e: e, ctx: tenants.WithCity(context.Background(), c)}
	now := time.Now().UTC()
	ownerID, _ := w.account(t)
	hours := merchant.Hours{}
	for d := 0; d < 7; d++ {
		hours[d] = [2]int{8 * 60, 20 * 60}
	}
	w.shop = merchant.Merchant{OwnerID: ownerID, Name: "好家政", LicenceNo: "91440300MA5EXTRA", ContactName: "王经理",
		ContactPhoneEnc: []byte{1}, ContactPhoneMasked: "138****0000", Categories: []string{"cleaning"},
		Area: geo.Area{Center: shopCenter, RadiusM: 20000}, OpeningHours: hours, Status: merchant.StatusActive, CreatedAt: now, UpdatedAt: now}
	w.must(t, tenants.DB(w.ctx).Create(&w.shop).Error)
	w.fixed = catalog.ServiceItem{MerchantID: w.shop.ID, CategoryID: 1, CategoryCode: "daily_cleaning", Title: "日常保洁",
		Photos: []string{"https://img.example.com/fixed-1.jpg", "https://img.example.com/fixed-2.jpg"}, PriceModel: catalog.PriceFixed,
		PriceFen: 12800, Unit: "次", DurationMin: 60, Skills: []string{"clean"}, SkillMask: 1, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	w.must(t, tenants.DB(w.ctx).Create(&w.fixed).Error)
	w.deposit = catalog.ServiceItem{MerchantID: w.shop.ID, CategoryID: 1, CategoryCode: "repair", Title: "水电维修",
		Photos: []string{"https://img.example.com/repair.jpg"}, PriceModel: catalog.PriceDeposit, PriceFen: 10000, PriceMaxFen: 50000,
		DepositFen: 3000, Unit: "次", DurationMin: 120, Skills: []string{"repair"}, SkillMask: 2, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	w.must(t, tenants.DB(w.ctx).Create(&w.deposit).Error)
	for i := 0; i < nStaff; i++ {
		w.addStaff(t, fmt.Sprintf("李师傅%d", i+1))
	}
	w.owner = w.granted(t, app.RoleMerchantOwner, w.shop.ID, 0)
	w.admin = w.granted(t, app.RoleCityAdmin, 0, 0)
	return w
}

func (w *world) must(t *testing.T, err error) { t.Helper(); apptest.Must(t, err) }

func (w *world) account(t *testing.T) (int64, string) { return w.e.Account(t) }

func (w *world) issue(t *testing.T, id int64, scope, role string, merchantID, staffID int64) string {
	return w.e.Token(t, id, scope, role, merchantID, staffID)
}

func (w *world) customer(t *testing.T) actor { return w.e.Customer(t) }

// granted is a fresh account acting in a role of sz.
func (w *world) granted(t *testing.T, role string, merchantID, staffID int64) actor {
	return w.e.Granted(t, "sz", role, merchantID, staffID)
}

// addStaff adds a staff member with both skills, on duty at home, working
// 08:00-20:00 every day, and tells dispatch as the staff service does.
func (w *world) addStaff(t *testing.T, name string) staff.Staff {
	t.Helper()
	id, _ := w.account(t)
	now := time.Now().UTC()
	st := staff.Staff{MerchantID: w.shop.ID, AccountID: id, DisplayName: name, PhotoURL: "https://img.example.com/staff/" + name + ".jpg",
		Skills: []string{"clean", "repair"}, SkillMask: 3, WorkStartMin: 8 * 60, WorkEndMin: 20 * 60, WorkDays: 127, Status: staff.StatusActive,
		OnDuty: true, Lat: homePoint.Lat + 0.002, Lng: homePoint.Lng, LocatedAt: &now, CreatedAt: now, UpdatedAt: now}
	w.must(t, tenants.DB(w.ctx).Create(&st).Error)
	w.e.P.Dispatch.StaffMoved(w.ctx, "sz", st)
	w.staff = append(w.staff, st)
	w.workers = append(w.workers, w.granted(t, app.RoleStaff, w.shop.ID, st.ID))
	return st
}

func (w *world) as(t *testing.T, a actor) *apptest.Client { return w.e.ClientAs(t, "sz", a) }

func (w *world) address(t *testing.T, p actor, pt geo.Point) booking.Address {
	return w.e.Address(t, "sz", p, pt)
}

func (w *world) book(t *testing.T, p actor, in booking.BookInput) booking.OrderView {
	return w.e.Book(t, "sz", p, in)
}

// pay pays what an order asks now on the sandbox, as a customer does.
func (w *world) pay(t *testing.T, p actor, orderID int64) { w.e.PayFor(t, "sz", p, orderID) }

func (w *world) order(t *testing.T, p actor, id int64) booking.OrderView {
	t.Helper()
	var o booking.OrderView
	w.as(t, p).Get(fmt.Sprintf("/v1/orders/%d", id)).OK().JSON(&o)
	return o
}

func (w *world) count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	w.must(t, tenants.DB(w.ctx).Raw("SELECT COUNT(*) FROM "+tenants.Table(w.ctx, table)+" WHERE "+where, args...).Scan(&n).Error)
	return n
}

// offer waits for the staff member's open offer of an order.
func (w *world) offer(t *testing.T, worker actor, orderID int64) dispatch.OfferView {
	t.Helper()
	var got dispatch.OfferView
	apptest.Eventually(t, 20*time.Second, fmt.Sprintf("an offer of order %d", orderID), func() bool {
		var offers []dispatch.OfferView
		w.as(t, worker).Get("/v1/staff/offers").OK().JSON(&offers)
		for _, o := range offers {
			if o.OrderID == orderID {
				got = o
				return true
			}
		}
		return false
	})
	return got
}

// coupon issues a city coupon of amount fen off and has p claim it.
func (w *world) coupon(t *testing.T, p actor, title string, amount, minSpend int64) marketing.MyCoupon {
	t.Helper()
	var c marketing.Coupon
	w.as(t, w.admin).Post("/v1/admin/coupons", marketing.CouponInput{Title: title, Kind: marketing.KindAmount, AmountFen: amount, MinSpendFen: minSpend,
		ValidTo: time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)}).Want(201).JSON(&c)
	var held marketing.MyCoupon
	w.as(t, p).Post(fmt.Sprintf("/v1/coupons/%d/claim", c.ID), nil).Want(201).JSON(&held)
	return held
}

func (w *world) held(t *testing.T, id int64) marketing.CustomerCoupon {
	t.Helper()
	var h marketing.CustomerCoupon
	w.must(t, tenants.DB(w.ctx).Where("id = ?", id).Take(&h).Error)
	return h
}

// 1. POST /v1/orders/quote refuses what booking refuses, prices with the
// best or the chosen coupon, and writes, reserves and uses nothing.
func TestQuote_PricesLikeBookingAndWritesNothing(t *testing.T) {
	w := newWorld(t, 1)
	st := w.staff[0]
	p := w.customer(t)
	home := w.address(t, p, homePoint)
	far := w.address(t, p, farPoint)
	small := w.coupon(t, p, "立减10元", 1000, 0)
	big := w.coupon(t, p, "立减20元", 2000, 0)
	picky := w.coupon(t, p, "满999减50", 5000, 99900)
	c := w.as(t, p)

	// Someone else holds the staff member at 15:00.
	q := w.customer(t)
	w.book(t, q, booking.BookInput{ServiceItemID: w.fixed.ID, StaffID: st.ID, SlotStart: at(5, 15, 0), AddressID: w.address(t, q, homePoint).ID})
	slotsBefore := w.count(t, "staff_slots", "staff_id = ?", st.ID)

	ok := booking.BookInput{ServiceItemID: w.fixed.ID, StaffID: st.ID, SlotStart: at(5, 10, 0), AddressID: home.ID}
	with := func(f func(*booking.BookInput)) booking.BookInput { in := ok; f(&in); return in }
	for _, tc := range []struct {
		name   string
		in     booking.BookInput
		status int
		code   string
	}{
		{"out of the area", with(func(in *booking.BookInput) { in.AddressID = far.ID }), 422, "address_out_of_area"},
		{"closed hours", with(func(in *booking.BookInput) { in.SlotStart = at(5, 20, 0) }), 422, "outside_opening_hours"},
		{"staff time taken", with(func(in *booking.BookInput) { in.SlotStart = at(5, 15, 0) }), 409, "slot_taken"},
		{"staff time overlapping", with(func(in *booking.BookInput) { in.SlotStart = at(5, 14, 30) }), 409, "slot_taken"},
		{"coupon that does not apply", with(func(in *booking.BookInput) { in.CouponID = picky.ID }), 422, "coupon_not_applicable"},
		{"coupon of nobody", with(func(in *booking.BookInput) { in.CouponID = 987654321 }), 404, "coupon_not_found"},
	} {
		qr := c.Post("/v1/orders/quote", tc.in)
		br := c.Post("/v1/orders", tc.in)
		if qr.Status != tc.status || qr.Code() != tc.code || br.Status != qr.Status || br.Code() != qr.Code() {
			t.Errorf("%s: quote %d %s; book %d %s; want %d %s", tc.name, qr.Status, qr.Body, br.Status, br.Body, tc.status, tc.code)
		}
	}

	// The best coupon applies by itself; a chosen one replaces it.
	var best, chosen booking.Quote
	c.Post("/v1/orders/quote", ok).OK().JSON(&best)
	if best.CouponID != big.ID || best.DiscountFen != 2000 || best.PriceFen != 12800 || best.TotalFen != 10800 || best.TotalMinFen != 10800 ||
		best.TotalMaxFen != 10800 || best.PayableKind != "full" || best.PayableNowFen != 10800 || best.PriceModel != "fixed" || best.StaffID != st.ID ||
		best.SlotLocal != local(ok.SlotStart) || best.SlotEndLocal != local(at(5, 11, 0)) || best.TimeZone != "Asia/Shanghai" {
		t.Fatalf("quote with the best coupon %+v", best)
	}
	c.Post("/v1/orders/quote", with(func(in *booking.BookInput) { in.CouponID = small.ID })).OK().JSON(&chosen)
	if chosen.CouponID != small.ID || chosen.DiscountFen != 1000 || chosen.TotalFen != 11800 || chosen.PayableNowFen != 11800 {
		t.Fatalf("quote with the chosen coupon %+v", chosen)
	}
	// A deposit item: the range less the discount in all, the deposit now.
	var dep booking.Quote
	c.Post("/v1/orders/quote", booking.BookInput{ServiceItemID: w.deposit.ID, SlotStart: at(5, 12, 0), AddressID: home.ID, CouponID: small.ID}).OK().JSON(&dep)
	if dep.PriceModel != "deposit" || dep.PriceFen != 10000 || dep.PriceMaxFen != 50000 || dep.DiscountFen != 1000 || dep.TotalFen != 0 ||
		dep.TotalMinFen != 9000 || dep.TotalMaxFen != 49000 || dep.DepositFen != 3000 || dep.PayableKind != "deposit" || dep.PayableNowFen != 3000 ||
		dep.StaffID != 0 || dep.DurationMin != 120 {
		t.Fatalf("deposit quote %+v", dep)
	}

	// Nothing was written: no order, no reservation, every coupon available.
	if n := w.count(t, "orders", "customer_id = ?", p.ID); n != 0 {
		t.Fatalf("quotes wrote %d orders", n)
	}
	if n := w.count(t, "staff_slots", "staff_id = ?", st.ID); n != slotsBefore {
		t.Fatalf("quotes changed the reservations: %d, had %d", n, slotsBefore)
	}
	for _, h := range []marketing.MyCoupon{small, big, picky} {
		if got := w.held(t, h.ID); got.Status != marketing.HeldAvailable || got.UsedAt != nil || got.OrderID != 0 {
			t.Fatalf("coupon %d after quotes: %+v", h.ID, got)
		}
	}
	var mine struct{ Items []marketing.MyCoupon }
	c.Get("/v1/coupons/mine?status=available").OK().JSON(&mine)
	if len(mine.Items) != 3 {
		t.Fatalf("%d coupons available after quotes, want 3", len(mine.Items))
	}

	// The booking then gets what the quote said, and uses the coupon.
	o := w.book(t, p, with(func(in *booking.BookInput) { in.CouponID = small.ID }))
	if o.CouponID != small.ID || o.DiscountFen != chosen.DiscountFen || o.TotalFen != chosen.TotalFen || o.PayableNowFen != chosen.PayableNowFen {
		t.Fatalf("booked %+v after quote %+v", o.Order, chosen)
	}
	if got := w.held(t, small.ID); got.Status != marketing.HeldUsed || got.OrderID != o.ID {
		t.Fatalf("the booking did not use the coupon: %+v", got)
	}
	// The next quote picks the best of what is left, and the time is taken.
	c.Post("/v1/orders/quote", ok).WantError(409, "slot_taken")
	c.Post("/v1/orders/quote", with(func(in *booking.BookInput) { in.CouponID = small.ID })).WantError(409, "slot_taken")
	c.Post("/v1/orders/quote", with(func(in *booking.BookInput) { in.StaffID = 0; in.CouponID = small.ID })).WantError(409, "coupon_unavailable")
	var next booking.Quote
	c.Post("/v1/orders/quote", with(func(in *booking.BookInput) { in.StaffID = 0 })).OK().JSON(&next)
	if next.CouponID != big.ID || next.DiscountFen != 2000 {
		t.Fatalf("quote after the booking %+v", next)
	}
	w.as(t, w.customer(t)).Post("/v1/orders/quote", ok).WantError(404, "address_not_found")
	w.e.Client(t).In("sz").Post("/v1/orders/quote", ok).Want(401)
}

// 2. GET /v1/booking-rules answers the effective values: the city's own
// over HQ's default over the built-in one.
func TestBookingRules_CityOverHQOverBuiltIn(t *testing.T) {
	w := newWorld(t, 0)
	anon := w.e.Client(t).In("sz")
	read := func() (booking.Rules, time.Time, time.Time) {
		t.Helper()
		before := time.Now()
		var r booking.Rules
		anon.Get("/v1/booking-rules").OK().JSON(&r)
		return r, before, time.Now()
	}
	r, t0, t1 := read()
	if r.City != "sz" || r.TimeZone != "Asia/Shanghai" || r.LeadTimeMin != 120 || r.MaxDaysAhead != 30 || r.PaymentTimeoutMin != 15 ||
		r.FreeCancelHours != 2 || r.LateCancelFeeBPS != 2000 || r.OnTheWayFeeBPS != 5000 || r.AfterSaleWindowDays != 7 || r.ArriveMaxDistanceM != 500 {
		t.Fatalf("built-in rules %+v", r)
	}
	within := func(what string, got time.Time, from, to time.Time, d time.Duration) {
		t.Helper()
		if got.Before(from.Add(d).Add(-time.Second)) || got.After(to.Add(d).Add(time.Second)) {
			t.Fatalf("%s = %s, want now + %s (%s .. %s)", what, got, d, from.Add(d), to.Add(d))
		}
	}
	within("earliest_start", r.EarliestStart, t0, t1, 2*time.Hour)
	within("latest_start", r.LatestStart, t0, t1, 30*24*time.Hour)

	// HQ sets defaults; the city overrides one of them and sets a rule of
	// its own.
	hq := w.e.HQAdmin(t, apptest.NewPhone())
	w.e.Client(t).As(hq.AccessToken).Put("/v1/hq/policies", map[string]float64{"free_cancel_hours": 6, "payment_timeout_min": 20, "cancel_fee_bps": 3000}).OK()
	w.as(t, w.admin).Put("/v1/admin/policies", map[string]float64{"payment_timeout_min": 25}).OK()
	w.must(t, w.e.P.Booking.SetSetting(w.ctx, booking.SettingLeadTimeMin, 180, w.admin.ID))
	w.must(t, w.e.P.Booking.SetSetting(w.ctx, booking.SettingMaxDaysAhead, 14, w.admin.ID))
	r, t0, t1 = read()
	if r.PaymentTimeoutMin != 25 || r.FreeCancelHours != 6 || r.LateCancelFeeBPS != 3000 || r.OnTheWayFeeBPS != 5000 || r.AfterSaleWindowDays != 7 ||
		r.LeadTimeMin != 180 || r.MaxDaysAhead != 14 || r.TimeZone != "Asia/Shanghai" {
		t.Fatalf("rules after HQ and city changes %+v", r)
	}
	within("earliest_start", r.EarliestStart, t0, t1, 3*time.Hour)
	within("latest_start", r.LatestStart, t0, t1, 14*24*time.Hour)
	// The city drops its own value: HQ's applies again.
	w.as(t, w.admin).Put("/v1/admin/policies", map[string]any{"reset": []string{"payment_timeout_min"}}).OK()
	if r, _, _ = read(); r.PaymentTimeoutMin != 20 {
		t.Fatalf("after the city's reset the payment timeout is %v, want HQ's 20", r.PaymentTimeoutMin)
	}
	// A booking follows the same rules: its deadline is 20 minutes away.
	p := w.customer(t)
	var qt booking.Quote
	w.as(t, p).Post("/v1/orders/quote", booking.BookInput{ServiceItemID: w.fixed.ID, SlotStart: at(3, 10, 0), AddressID: w.address(t, p, homePoint).ID}).OK().JSON(&qt)
	if qt.PaymentTimeoutMin != 20 {
		t.Fatalf("quote says %d minutes to pay, the rules 20", qt.PaymentTimeoutMin)
	}
	w.e.Client(t).Get("/v1/booking-rules").Want(400, 404)
}

// 4. PUT /v1/addresses/:id without phone and address keeps the sealed
// values; POST /v1/addresses/:id/default moves the default.
func TestAddresses_EditKeepsSealedFieldsAndDefaultMoves(t *testing.T) {
	w := newWorld(t, 1)
	st := w.staff[0]
	p := w.customer(t)
	c := w.as(t, p)
	first := w.address(t, p, homePoint)
	var second booking.Address
	c.Post("/v1/addresses", booking.AddressInput{Label: "公司", ContactName: "李四", Phone: "13800001111", Address: "广东省深圳市南山区高新南一道9号601",
		District: "南山区", Lat: shopCenter.Lat, Lng: shopCenter.Lng}).Want(201).JSON(&second)
	if !first.IsDefault || second.IsDefault {
		t.Fatalf("first %+v second %+v", first, second)
	}

	// Phone and address left out (as a client that only shows them masked
	// sends): every other field changes, the sealed ones stay.
	moved := geo.Point{Lat: homePoint.Lat + 0.001, Lng: homePoint.Lng}
	var upd booking.Address
	c.Put(fmt.Sprintf("/v1/addresses/%d", second.ID), map[string]any{"label": "新公司", "contact_name": "李四四", "district": "福田区",
		"lat": moved.Lat, "lng": moved.Lng}).OK().JSON(&upd)
	var got booking.Address
	c.Get(fmt.Sprintf("/v1/addresses/%d", second.ID)).OK().JSON(&got)
	for _, a := range []booking.Address{upd, got} {
		if a.PhoneMasked != second.PhoneMasked || a.AddressMasked != second.AddressMasked || a.Label != "新公司" || a.ContactName != "李四四" ||
			a.District != "福田区" || a.Lat != moved.Lat || a.IsDefault {
			t.Fatalf("after the edit %+v (was %+v)", a, second)
		}
	}
	// Empty strings mean the same.
	c.Put(fmt.Sprintf("/v1/addresses/%d", second.ID), map[string]any{"label": "新公司", "contact_name": "李四四", "phone": "", "address": "",
		"district": "福田区", "lat": moved.Lat, "lng": moved.Lng}).OK().JSON(&upd)
	if upd.PhoneMasked != second.PhoneMasked || upd.AddressMasked != second.AddressMasked {
		t.Fatalf("after the edit with empty strings %+v", upd)
	}
	// Sent back as GET shows them (masked, under the same names), they are
	// unchanged as well: the masked text never becomes the address.
	var shown map[string]any
	c.Get(fmt.Sprintf("/v1/addresses/%d", second.ID)).OK().JSON(&shown)
	if shown["phone"] != second.PhoneMasked || shown["address"] != second.AddressMasked {
		t.Fatalf("GET shows %v", shown)
	}
	shown["contact_name"] = "李四四"
	c.Put(fmt.Sprintf("/v1/addresses/%d", second.ID), shown).OK().JSON(&upd)
	if upd.PhoneMasked != second.PhoneMasked || upd.AddressMasked != second.AddressMasked {
		t.Fatalf("after sending back the masked values %+v", upd)
	}
	shown["phone"] = "13800001111" // retyped, the address as shown
	c.Put(fmt.Sprintf("/v1/addresses/%d", second.ID), shown).OK().JSON(&upd)
	if upd.AddressMasked != second.AddressMasked {
		t.Fatalf("after sending back the masked address %+v", upd)
	}
	// A bad phone is still refused.
	c.Put(fmt.Sprintf("/v1/addresses/%d", second.ID), map[string]any{"contact_name": "李四四", "phone": "12345", "lat": moved.Lat, "lng": moved.Lng}).
		WantError(400, "invalid_input")

	// Set default: the only default, nothing else changes.
	var def booking.Address
	c.Post(fmt.Sprintf("/v1/addresses/%d/default", second.ID), nil).OK().JSON(&def)
	if !def.IsDefault || def.Label != "新公司" || def.PhoneMasked != second.PhoneMasked {
		t.Fatalf("set default answered %+v", def)
	}
	var list []booking.Address
	c.Get("/v1/addresses").OK().JSON(&list)
	defaults := 0
	for _, a := range list {
		if a.IsDefault {
			defaults++
			if a.ID != second.ID {
				t.Fatalf("address %d is still a default", a.ID)
			}
		}
	}
	if len(list) != 2 || defaults != 1 || list[0].ID != second.ID {
		t.Fatalf("addresses %+v", list)
	}
	c.Post(fmt.Sprintf("/v1/addresses/%d/default", second.ID), nil).OK() // again: no change
	c.Post(fmt.Sprintf("/v1/addresses/%d/default", first.ID), nil).OK()
	c.Get("/v1/addresses").OK().JSON(&list)
	if list[0].ID != first.ID || !list[0].IsDefault || list[1].IsDefault {
		t.Fatalf("addresses after moving the default back %+v", list)
	}

	// Another customer's address is not found, and stays as it was.
	stranger := w.as(t, w.customer(t))
	stranger.Put(fmt.Sprintf("/v1/addresses/%d", second.ID), map[string]any{"contact_name": "x", "lat": 22.5, "lng": 113.9}).WantError(404, "address_not_found")
	stranger.Post(fmt.Sprintf("/v1/addresses/%d/default", second.ID), nil).WantError(404, "address_not_found")
	c.Get(fmt.Sprintf("/v1/addresses/%d", second.ID)).OK().JSON(&got)
	if got.ContactName != "李四四" || got.IsDefault {
		t.Fatalf("a stranger changed the address: %+v", got)
	}

	// A booking with the edited address carries the original full address
	// and phone: the staff member's job view reveals them.
	o := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, StaffID: st.ID, SlotStart: at(4, 10, 0), AddressID: second.ID})
	if o.ContactName != "李四四" || o.PhoneMasked != second.PhoneMasked || o.Lat != moved.Lat {
		t.Fatalf("booked %+v", o.Order)
	}
	w.pay(t, p, o.ID)
	var job booking.JobView
	w.as(t, w.workers[0]).Get(fmt.Sprintf("/v1/staff/jobs/%d", o.ID)).OK().JSON(&job)
	if job.ContactPhone != "13800001111" || job.FullAddress != "广东省深圳市南山区高新南一道9号601" {
		t.Fatalf("the staff member sees %q %q", job.ContactPhone, job.FullAddress)
	}
}

// 5. POST /v1/orders/:id/pay takes a return_url of our own origin or an
// allowed one, and refuses anything else before writing a payment.
func TestPay_ReturnURLLimitedToOurOrigins(t *testing.T) {
	w := newWorld(t, 0, apptest.Configure(func(c *platform.Config) { c.Payment.ReturnOrigins = []string{"https://m.example.com"} }))
	p := w.customer(t)
	addr := w.address(t, p, homePoint)
	c := w.as(t, p)
	trade := func(no string) (returnURL, status string) {
		t.Helper()
		var row struct {
			ReturnURL string
			Status    string
		}
		w.must(t, w.e.P.Reg.HQ(context.Background()).Table(w.e.P.Reg.HQTable("sandbox_trades")).Select("return_url, status").
			Where("out_trade_no = ?", no).Take(&row).Error)
		return row.ReturnURL, row.Status
	}

	// Bad return URLs: 400 on return_url, and no payment row.
	bad := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, SlotStart: at(6, 9, 0), AddressID: addr.ID})
	for _, u := range []string{"https://evil.example", "https://evil.example/back", "javascript:alert(1)", "//evil.example", "https://user@" + strings.TrimPrefix(w.e.Base, "http://"),
		"https://user@m.example.com/x", "ftp://m.example.com/x", "http://m.example.com/x", "https://m.example.com.evil.example/x", "/relative/path",
		w.e.Base + "\\@evil.example", "https://m.example.com:8443/x"} {
		r := c.Post(fmt.Sprintf("/v1/orders/%d/pay", bad.ID), map[string]string{"method": "sandbox", "return_url": u}).WantError(400, "invalid_input")
		var body struct {
			Error struct{ Fields map[string]string }
		}
		if json.Unmarshal(r.Body, &body) != nil || body.Error.Fields["return_url"] == "" {
			t.Errorf("return_url %q: refused without naming the field: %s", u, r.Body)
		}
	}
	if n := w.count(t, "payments", "order_id = ?", bad.ID); n != 0 {
		t.Fatalf("refused pay requests wrote %d payments", n)
	}

	// Our own origin: the trade carries it, the paid page links back.
	own := w.e.Base + "/orders/" + strconv.FormatInt(bad.ID, 10) + "?paid=1&x=<b>"
	var res payment
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", bad.ID), map[string]string{"method": "sandbox", "return_url": own}).Want(201).JSON(&res)
	if ru, _ := trade(res.PaymentNo); ru != own {
		t.Fatalf("the sandbox trade carries return_url %q, want %q", ru, own)
	}
	page := w.e.Client(t).Get("/sandbox/pay/" + res.PaymentNo).OK()
	if strings.Contains(string(page.Body), `class="back"`) {
		t.Fatalf("an unpaid trade's page already links back: %s", page.Body)
	}
	// The allowed origin: the same pending payment comes back and now
	// leads there.
	allowed := "https://m.example.com/orders/" + strconv.FormatInt(bad.ID, 10)
	var again payment
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", bad.ID), map[string]string{"method": "sandbox", "return_url": allowed}).Want(200).JSON(&again)
	if !again.Reused || again.PaymentNo != res.PaymentNo {
		t.Fatalf("second pay request %+v, first %+v", again, res)
	}
	if ru, _ := trade(res.PaymentNo); ru != allowed {
		t.Fatalf("the trade leads back to %q, want %q", ru, allowed)
	}
	// Without a return URL it stays.
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", bad.ID), map[string]string{"method": "sandbox"}).Want(200)
	if ru, _ := trade(res.PaymentNo); ru != allowed {
		t.Fatalf("a pay request without return_url changed it to %q", ru)
	}
	paid := w.e.Client(t).Post("/sandbox/pay/"+res.PaymentNo, []byte{}).OK()
	if want := `<a class="back" href="` + allowed + `"`; !strings.Contains(string(paid.Body), want) {
		t.Fatalf("the paid page lacks %s: %s", want, paid.Body)
	}
	page = w.e.Client(t).Get("/sandbox/pay/" + res.PaymentNo).OK()
	if _, status := trade(res.PaymentNo); status != "paid" || !strings.Contains(string(page.Body), `<a class="back" href="`+allowed+`"`) {
		t.Fatalf("after paying (%s) the page lacks the back link: %s", status, page.Body)
	}
	apptest.Eventually(t, 10*time.Second, "the order to be paid", func() bool { return w.order(t, p, bad.ID).Status != booking.StPendingPayment })

	// Our own origin on a fresh order, escaped on the page.
	o := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, SlotStart: at(6, 11, 0), AddressID: addr.ID})
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "sandbox", "return_url": own}).Want(201).JSON(&res)
	paid = w.e.Client(t).Post("/sandbox/pay/"+res.PaymentNo, []byte{}).OK()
	if !strings.Contains(string(paid.Body), `<a class="back" href="`+html.EscapeString(own)+`"`) ||
		strings.Contains(string(paid.Body), "<b>") {
		t.Fatalf("the paid page does not link back to %q escaped: %s", own, paid.Body)
	}
}

type payment struct {
	PaymentNo string `json:"payment_no"`
	Reused    bool   `json:"reused"`
}

// stream opens an SSE stream with the token in the query only.
func (w *world) stream(t *testing.T, path, token string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, err := http.NewRequest("GET", w.e.Base+path+"?access_token="+url.QueryEscape(token), nil)
	w.must(t, err)
	req.Header.Set("X-City", "sz")
	res, err := http.DefaultClient.Do(req)
	w.must(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res, bufio.NewReader(res.Body)
}

// firstEvent reads the first data line of a stream.
func firstEvent(t *testing.T, rd *bufio.Reader) booking.Notice {
	t.Helper()
	ch := make(chan booking.Notice, 1)
	errs := make(chan error, 1)
	go func() {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				errs <- err
				return
			}
			if data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
				var n booking.Notice
				if err := json.Unmarshal([]byte(data), &n); err != nil {
					errs <- err
					return
				}
				ch <- n
				return
			}
		}
	}()
	select {
	case n := <-ch:
		return n
	case err := <-errs:
		t.Fatalf("stream: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no event on the stream")
	}
	return booking.Notice{}
}

// 6. ?access_token= works on the SSE streams only, and only with an access
// token; the stream may not be stored.
func TestStream_AccessTokenInTheQueryOnStreamsOnly(t *testing.T) {
	logs := &lockedBuf{}
	w := newWorld(t, 1, apptest.LogTo(logs))
	phone := apptest.NewPhone()
	sess := w.e.SignIn(t, phone)
	p := actor{ID: sess.AccountID, Phone: phone, Token: sess.AccessToken}
	o := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, StaffID: w.staff[0].ID, SlotStart: at(7, 10, 0), AddressID: w.address(t, p, homePoint).ID})

	res, rd := w.stream(t, fmt.Sprintf("/v1/orders/%d/stream", o.ID), sess.AccessToken)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream with ?access_token=: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("Cache-Control %q", cc)
	}
	if rp := res.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Fatalf("Referrer-Policy %q", rp)
	}
	if n := firstEvent(t, rd); n.OrderID != o.ID || n.Status != booking.StPendingPayment {
		t.Fatalf("first event %+v", n)
	}
	// EventSource sends no X-City either: the city comes from the host.
	req, err := http.NewRequest("GET", fmt.Sprintf("%s/v1/orders/%d/stream?access_token=%s", w.e.Base, o.ID, url.QueryEscape(sess.AccessToken)), nil)
	w.must(t, err)
	req.Host = "sz.doorstep.test"
	hres, err := http.DefaultClient.Do(req)
	w.must(t, err)
	t.Cleanup(func() { hres.Body.Close() })
	if hres.StatusCode != 200 {
		t.Fatalf("stream by host with ?access_token=: %d", hres.StatusCode)
	}
	if n := firstEvent(t, bufio.NewReader(hres.Body)); n.OrderID != o.ID || n.Status != booking.StPendingPayment {
		t.Fatalf("first event by host %+v", n)
	}
	// The staff member's stream takes it too.
	w.pay(t, p, o.ID)
	sres, srd := w.stream(t, fmt.Sprintf("/v1/staff/jobs/%d/stream", o.ID), w.workers[0].Token)
	if sres.StatusCode != 200 {
		t.Fatalf("staff stream with ?access_token=: %d", sres.StatusCode)
	}
	if n := firstEvent(t, srd); n.Status != booking.StAssigned {
		t.Fatalf("staff stream first event %+v", n)
	}

	anon := w.e.Client(t).In("sz")
	q := "?access_token=" + url.QueryEscape(sess.AccessToken)
	// Every other route ignores the parameter.
	anon.Get("/v1/orders" + q).Want(401)
	anon.Get(fmt.Sprintf("/v1/orders/%d%s", o.ID, q)).Want(401)
	anon.Get("/v1/addresses" + q).Want(401)
	anon.Post("/v1/orders/quote"+q, booking.BookInput{}).Want(401)
	// A refresh token, a forged one, none: 401.
	for _, tok := range []string{sess.RefreshToken, "forged.token.here", ""} {
		r, _ := w.stream(t, fmt.Sprintf("/v1/orders/%d/stream", o.ID), tok)
		if r.StatusCode != 401 {
			t.Fatalf("stream with access_token=%.12q…: %d", tok, r.StatusCode)
		}
	}
	// A header, when sent, is what counts.
	w.e.Client(t).In("sz").As("forged.token.here").Get(fmt.Sprintf("/v1/orders/%d/stream%s", o.ID, q)).Want(401)
	// Someone else's token opens no stream of this order.
	r, _ := w.stream(t, fmt.Sprintf("/v1/orders/%d/stream", o.ID), w.customer(t).Token)
	if r.StatusCode != 404 {
		t.Fatalf("a stranger's stream: %d", r.StatusCode)
	}
	if strings.Contains(logs.String(), sess.AccessToken) || strings.Contains(logs.String(), sess.RefreshToken) {
		t.Fatal("a token in the query reached the logs")
	}
}

type orderPage struct {
	Items      []booking.OrderView
	NextCursor string `json:"next_cursor"`
}

func statusSet(items []booking.OrderView) map[string]int {
	out := map[string]int{}
	for _, o := range items {
		out[o.Status]++
	}
	return out
}

// 7. Status filters take comma-separated states on the customer's, the
// merchant's and the city's lists.
func TestOrderLists_CommaSeparatedStatusFilter(t *testing.T) {
	w := newWorld(t, 1)
	p := w.customer(t)
	addr := w.address(t, p, homePoint)
	c := w.as(t, p)
	pending := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, SlotStart: at(8, 9, 0), AddressID: addr.ID})
	cancelled := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, SlotStart: at(8, 11, 0), AddressID: addr.ID})
	c.Post(fmt.Sprintf("/v1/orders/%d/cancel", cancelled.ID), map[string]string{"reason": "改时间"}).OK()
	paid := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, StaffID: w.staff[0].ID, SlotStart: at(8, 13, 0), AddressID: addr.ID})
	w.pay(t, p, paid.ID)
	if st := w.order(t, p, paid.ID).Status; st != booking.StAssigned {
		t.Fatalf("paid order is %s", st)
	}
	want := map[string]int{booking.StPendingPayment: 1, booking.StCancelled: 1}
	lists := map[string]*apptest.Client{
		"/v1/orders":          c,
		"/v1/merchant/orders": w.as(t, w.owner),
		"/v1/admin/orders":    w.as(t, w.admin),
	}
	for path, lc := range lists {
		var page orderPage
		lc.Get(path).OK().JSON(&page)
		if len(page.Items) != 3 {
			t.Fatalf("%s without a filter: %d orders", path, len(page.Items))
		}
		for _, f := range []string{"pending_payment,cancelled", "cancelled,pending_payment", " pending_payment , cancelled ,", "pending_payment,cancelled,pending_payment"} {
			lc.Get(path + "?status=" + url.QueryEscape(f)).OK().JSON(&page)
			if got := statusSet(page.Items); len(page.Items) != 2 || got[booking.StPendingPayment] != 1 || got[booking.StCancelled] != 1 {
				t.Fatalf("%s?status=%s: %v, want %v", path, f, got, want)
			}
		}
		lc.Get(path + "?status=assigned").OK().JSON(&page)
		if len(page.Items) != 1 || page.Items[0].ID != paid.ID {
			t.Fatalf("%s?status=assigned: %+v", path, page.Items)
		}
		lc.Get(path + "?status=" + url.QueryEscape("cancelled,")).OK().JSON(&page)
		if len(page.Items) != 1 || page.Items[0].ID != cancelled.ID {
			t.Fatalf("%s?status=cancelled,: %+v", path, page.Items)
		}
		for _, bad := range []string{"pending_payment,bogus", "bogus", "PENDING_PAYMENT", "pending_payment;cancelled"} {
			r := lc.Get(path+"?status="+url.QueryEscape(bad)).WantError(400, "invalid_input")
			if !strings.Contains(string(r.Body), `"status"`) {
				t.Fatalf("%s?status=%s: %s", path, bad, r.Body)
			}
		}
	}
	// Paging within a filter keeps the filter.
	var page orderPage
	c.Get("/v1/orders?limit=1&status=pending_payment,cancelled").OK().JSON(&page)
	if len(page.Items) != 1 || page.Items[0].ID != cancelled.ID || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	c.Get("/v1/orders?limit=1&status=pending_payment,cancelled&cursor=" + url.QueryEscape(page.NextCursor)).OK().JSON(&page)
	if len(page.Items) != 1 || page.Items[0].ID != pending.ID {
		t.Fatalf("second page %+v", page)
	}
	// The staff member's jobs take it too.
	var jobs orderPage
	w.as(t, w.workers[0]).Get("/v1/staff/jobs?status=assigned,on_the_way").OK().JSON(&jobs)
	if len(jobs.Items) != 1 || jobs.Items[0].ID != paid.ID {
		t.Fatalf("jobs %+v", jobs.Items)
	}
	w.as(t, w.workers[0]).Get("/v1/staff/jobs?status=assigned,nope").WantError(400, "invalid_input")
}

// 8, 9 and 10. Order views name the merchant, the service's photo, the
// staff member once assigned and the after-sales case; a check-in too far
// away says how far in fields; offers show the price and the end time.
func TestOrderViews_OffersAndArrival(t *testing.T) {
	w := newWorld(t, 1)
	st, worker := w.staff[0], w.workers[0]
	wc := w.as(t, worker)
	p := w.customer(t)
	addr := w.address(t, p, homePoint)
	c := w.as(t, p)

	o := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, SlotStart: at(9, 10, 0), AddressID: addr.ID})
	if o.MerchantName != "好家政" || o.ServicePhotoURL != "https://img.example.com/fixed-1.jpg" || o.StaffName != "" || o.StaffPhotoURL != "" ||
		o.AfterSaleID != 0 || o.AfterSaleStatus != "" {
		t.Fatalf("booked view %+v", o)
	}
	w.pay(t, p, o.ID)

	// 10. The offer of a fixed-price order.
	off := w.offer(t, worker, o.ID)
	if off.PriceModel != "fixed" || off.PriceFen != 12800 || off.PriceMaxFen != 0 || off.PriceText != "¥128.00" || off.TimeZone != "Asia/Shanghai" ||
		off.SlotLocal != local(at(9, 10, 0)) || off.SlotEndLocal != local(at(9, 11, 0)) || off.DurationMin != 60 || off.Service != "日常保洁" ||
		off.District != "南山区" || off.OfferedAt.IsZero() || !off.Deadline.After(off.OfferedAt) {
		t.Fatalf("fixed-price offer %+v", off)
	}
	if v := w.order(t, p, o.ID); v.StaffName != "" {
		t.Fatalf("staff named before anyone accepted: %+v", v)
	}
	wc.Post(fmt.Sprintf("/v1/staff/offers/%d/accept", off.ID), nil).OK()
	v := w.order(t, p, o.ID)
	if v.Status != booking.StAssigned || v.StaffName != st.DisplayName || v.StaffPhotoURL != st.PhotoURL || v.MerchantName != "好家政" {
		t.Fatalf("assigned view %+v", v)
	}

	// A deposit order's offer shows the range.
	d := w.book(t, p, booking.BookInput{ServiceItemID: w.deposit.ID, SlotStart: at(9, 14, 0), AddressID: addr.ID})
	if d.ServicePhotoURL != "https://img.example.com/repair.jpg" {
		t.Fatalf("deposit order view %+v", d)
	}
	w.pay(t, p, d.ID)
	doff := w.offer(t, worker, d.ID)
	if doff.PriceModel != "deposit" || doff.PriceFen != 10000 || doff.PriceMaxFen != 50000 || doff.PriceText != "¥100.00-500.00" ||
		doff.SlotEndLocal != local(at(9, 16, 0)) || doff.TimeZone != "Asia/Shanghai" || doff.DurationMin != 120 {
		t.Fatalf("deposit offer %+v", doff)
	}
	var raw []map[string]any
	wc.Get("/v1/staff/offers").OK().JSON(&raw)
	for _, m := range raw {
		for _, k := range []string{"price_text", "slot_end_local", "time_zone", "price_model", "offered_at"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("offer JSON lacks %s: %v", k, m)
			}
		}
	}

	// 9. Checking in too far away: the figures are fields.
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).OK()
	away := geo.Point{Lat: homePoint.Lat + 0.01, Lng: homePoint.Lng} // ~1.1 km north
	r := wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: away.Lat, Lng: away.Lng}).WantError(409, "far_from_address")
	var body struct {
		Error struct {
			Message string
			Fields  map[string]string
		}
	}
	w.must(t, json.Unmarshal(r.Body, &body))
	dist, err := strconv.Atoi(body.Error.Fields["distance_m"])
	want := int(geo.Distance(away, homePoint) + 0.5)
	if err != nil || dist < want-1 || dist > want+1 || body.Error.Fields["allowed_m"] != "500" ||
		!strings.Contains(body.Error.Message, strconv.Itoa(dist)+" m") {
		t.Fatalf("far_from_address body %s (distance about %d m)", r.Body, want)
	}
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: homePoint.Lat, Lng: homePoint.Lng}).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", o.ID), nil).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), booking.FinishInput{Note: "完成"}).OK()

	// 8. The after-sales case shows on the order, in the list, and
	// /v1/aftersales?order_id= finds it.
	var cs booking.AfterSaleView
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o.ID), booking.AfterSaleInput{Reason: "quality", Detail: "没擦窗", RequestedFen: 2000}).Want(201).JSON(&cs)
	v = w.order(t, p, o.ID)
	if v.AfterSaleID != cs.ID || v.AfterSaleStatus != booking.CaseOpen || v.StaffName != st.DisplayName {
		t.Fatalf("view with a case %+v (case %d)", v, cs.ID)
	}
	var page orderPage
	c.Get("/v1/orders").OK().JSON(&page)
	for _, it := range page.Items {
		switch it.ID {
		case o.ID:
			if it.AfterSaleID != cs.ID || it.AfterSaleStatus != booking.CaseOpen || it.StaffName != st.DisplayName || it.MerchantName != "好家政" ||
				it.ServicePhotoURL != "https://img.example.com/fixed-1.jpg" {
				t.Fatalf("listed %+v", it)
			}
		case d.ID:
			if it.AfterSaleID != 0 || it.AfterSaleStatus != "" || it.ServicePhotoURL != "https://img.example.com/repair.jpg" {
				t.Fatalf("listed deposit order %+v", it)
			}
		}
	}
	w.as(t, w.owner).Post(fmt.Sprintf("/v1/merchant/aftersales/%d/reply", cs.ID), booking.ReplyInput{Reply: "抱歉", OfferFen: 1000}).OK()
	if v = w.order(t, p, o.ID); v.AfterSaleStatus != booking.CaseReplied {
		t.Fatalf("after the reply the view says %q", v.AfterSaleStatus)
	}
	var merchantView booking.OrderView
	w.as(t, w.owner).Get(fmt.Sprintf("/v1/merchant/orders/%d", o.ID)).OK().JSON(&merchantView)
	if merchantView.AfterSaleID != cs.ID || merchantView.StaffName != st.DisplayName {
		t.Fatalf("merchant's view %+v", merchantView)
	}

	// A second case on another completed order: the filter tells them apart.
	o2 := w.book(t, p, booking.BookInput{ServiceItemID: w.fixed.ID, StaffID: st.ID, SlotStart: at(10, 10, 0), AddressID: addr.ID})
	if o2.StaffName != st.DisplayName {
		t.Fatalf("chosen staff not named at booking: %+v", o2)
	}
	w.pay(t, p, o2.ID)
	for _, step := range []string{"depart", "arrive", "start", "finish"} {
		wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/%s", o2.ID, step), booking.Position{Lat: homePoint.Lat, Lng: homePoint.Lng}).OK()
	}
	var cs2 booking.AfterSaleView
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o2.ID), booking.AfterSaleInput{Reason: "quality"}).Want(201).JSON(&cs2)
	var cases struct{ Items []booking.AfterSaleView }
	c.Get("/v1/aftersales").OK().JSON(&cases)
	if len(cases.Items) != 2 {
		t.Fatalf("%d cases, want 2", len(cases.Items))
	}
	for _, x := range []struct{ order, cs int64 }{{o.ID, cs.ID}, {o2.ID, cs2.ID}} {
		c.Get(fmt.Sprintf("/v1/aftersales?order_id=%d", x.order)).OK().JSON(&cases)
		if len(cases.Items) != 1 || cases.Items[0].ID != x.cs || cases.Items[0].OrderID != x.order {
			t.Fatalf("cases of order %d: %+v", x.order, cases.Items)
		}
	}
	c.Get(fmt.Sprintf("/v1/aftersales?order_id=%d", d.ID)).OK().JSON(&cases)
	if len(cases.Items) != 0 {
		t.Fatalf("cases of an order without one: %+v", cases.Items)
	}
	c.Get("/v1/aftersales?order_id=-1").WantError(400, "invalid_input")
	w.as(t, w.customer(t)).Get(fmt.Sprintf("/v1/aftersales?order_id=%d", o.ID)).OK().JSON(&cases)
	if len(cases.Items) != 0 {
		t.Fatalf("a stranger sees the case: %+v", cases.Items)
	}
}
