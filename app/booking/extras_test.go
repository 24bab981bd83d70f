package booking_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"doorstep/app/booking"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// Any-staff slots are the union over the merchant's qualified staff: a
// start is offered while one qualified staff member working that day is
// free, and gone once every one of them is reserved. Staff lacking the
// skill or on a day off never count.
func TestServiceSlots_UnionOverQualifiedStaffWorkingThatDay(t *testing.T) {
	sh := newShop(t, "sz", 2)
	a, b := sh.Staff[0], sh.Staff[1]
	ctx := cityCtx(t, "sz")
	addStaff(t, ctx, sh.Merchant.ID, 2) // repair only: the item needs cleaning (bit 0)
	resting := addStaff(t, ctx, sh.Merchant.ID, 3)
	// Qualified but not at work at 10:00: one starts at 12:00, one never
	// works that weekday.
	late := addStaff(t, ctx, sh.Merchant.ID, 1)
	must(t, tenants.DB(ctx).Model(&late).Update("work_start_min", 12*60).Error)
	const days = 18
	away := addStaff(t, ctx, sh.Merchant.ID, 3)
	must(t, tenants.DB(ctx).Model(&away).Update("work_days", 127&^(1<<int(slotTime(days, 10, 0).In(shanghai).Weekday()))).Error)
	date := strings.SplitN(slotAt(days, 0, 0), "T", 2)[0]
	day, err := time.Parse(time.DateOnly, date)
	must(t, err)
	must(t, tenants.DB(ctx).Create(&staff.DayOff{StaffID: resting.ID, Day: day}).Error)

	p := newCustomer(t)
	addr := address(t, "sz", p, inside)
	// 10:00-11:00: both qualified staff members are reserved. 14:00-15:00:
	// only a is, b is free.
	for _, st := range []staff.Staff{a, b} {
		book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(days, 10, 0), AddressID: addr.ID})
	}
	book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: a.ID, SlotStart: slotAt(days, 14, 0), AddressID: addr.ID})

	c := env.Client(t).In("sz")
	read := func() (booking.ServiceSlots, map[string]bool) {
		t.Helper()
		var ss booking.ServiceSlots
		c.Get(fmt.Sprintf("/v1/services/%d/slots?date=%s", sh.Item.ID, date)).OK().JSON(&ss)
		starts := map[string]bool{}
		for _, s := range ss.Slots {
			starts[s.StartLocal] = true
			if s.Start.Location() != time.UTC || s.End.Sub(s.Start) != time.Hour || s.Start.In(shanghai).Format("15:04") != s.StartLocal ||
				s.End.In(shanghai).Format("15:04") != s.EndLocal {
				t.Fatalf("slot %+v", s)
			}
		}
		return ss, starts
	}
	ss, starts := read()
	if ss.ServiceID != sh.Item.ID || ss.MerchantID != sh.Merchant.ID || ss.Date != date || ss.TimeZone != "Asia/Shanghai" || ss.DurationMin != 60 {
		t.Fatalf("answer %+v", ss)
	}
	// 08:00 .. 19:00 is 23 starts for an hour's work; 09:30, 10:00 and 10:30
	// overlap the hour both are reserved. The unskilled, the resting, the
	// late and the away staff member are free then, and do not bring those
	// starts back.
	if len(ss.Slots) != 20 || starts["09:30"] || starts["10:00"] || starts["10:30"] || !starts["09:00"] || !starts["11:00"] ||
		!starts["13:30"] || !starts["14:00"] || !starts["14:30"] || !starts["08:00"] || !starts["19:00"] || starts["19:30"] {
		t.Fatalf("%d slots: %v", len(ss.Slots), starts)
	}
	// Without the day off the resting member counts again: 10:00 is back.
	must(t, tenants.DB(ctx).Where("staff_id = ?", resting.ID).Delete(&staff.DayOff{}).Error)
	if ss, starts = read(); len(ss.Slots) != 23 || !starts["10:00"] || !starts["09:30"] {
		t.Fatalf("with the resting member back at work: %d slots %v", len(ss.Slots), starts)
	}

	// An item off the shelf, an unknown one, a bad date.
	off := sh.item(t, 60)
	must(t, tenants.DB(ctx).Model(&off).Update("status", "off").Error)
	c.Get(fmt.Sprintf("/v1/services/%d/slots?date=%s", off.ID, date)).WantError(404, "service_not_found")
	c.Get(fmt.Sprintf("/v1/services/%d/slots?date=%s", 987654321, date)).WantError(404, "service_not_found")
	for _, bad := range []string{"tomorrow", "2026-02-30", "2026/01/01", ""} {
		r := c.Get(fmt.Sprintf("/v1/services/%d/slots?date=%s", sh.Item.ID, bad)).WantError(400, "invalid_input")
		if !strings.Contains(string(r.Body), "date") {
			t.Fatalf("date %q: %s", bad, r.Body)
		}
	}
	// Beyond the booking horizon nothing is offered.
	far := strings.SplitN(slotAt(40, 0, 0), "T", 2)[0]
	c.Get(fmt.Sprintf("/v1/services/%d/slots?date=%s", sh.Item.ID, far)).OK().JSON(&ss)
	if len(ss.Slots) != 0 {
		t.Fatalf("slots 40 days ahead: %v", ss.Slots)
	}
}

// A quote refuses exactly what a booking refuses, with the same status and
// code, and writes nothing, refused or not.
func TestQuote_RefusesExactlyAsBookingDoes(t *testing.T) {
	sh := newShop(t, "sz", 1)
	ctx := cityCtx(t, "sz")
	unskilled := addStaff(t, ctx, sh.Merchant.ID, 2)
	resting := addStaff(t, ctx, sh.Merchant.ID, 3)
	restDay := time.Now().In(shanghai).AddDate(0, 0, 19)
	must(t, tenants.DB(ctx).Create(&staff.DayOff{StaffID: resting.ID, Day: time.Date(restDay.Year(), restDay.Month(), restDay.Day(), 0, 0, 0, 0, time.UTC)}).Error)
	off := sh.item(t, 60)
	must(t, tenants.DB(ctx).Model(&off).Update("status", "off").Error)

	// Someone else holds the staff member at 15:00.
	other := newCustomer(t)
	book(t, "sz", other, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: sh.Staff[0].ID, SlotStart: slotAt(19, 15, 0), AddressID: address(t, "sz", other, inside).ID})
	held := slotRows(t, "sz", sh.Staff[0].ID)

	p := newCustomer(t)
	home := address(t, "sz", p, inside)
	far := address(t, "sz", p, faraway)
	theirs := address(t, "sz", newCustomer(t), inside)
	ok := booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: sh.Staff[0].ID, SlotStart: slotAt(19, 10, 0), AddressID: home.ID}
	with := func(f func(*booking.BookInput)) booking.BookInput { in := ok; f(&in); return in }
	cases := []struct {
		name   string
		in     booking.BookInput
		status int
		code   string
	}{
		{"address outside the area", with(func(in *booking.BookInput) { in.AddressID = far.ID }), 422, "address_out_of_area"},
		{"before opening", with(func(in *booking.BookInput) { in.SlotStart = slotAt(19, 7, 0) }), 422, "outside_opening_hours"},
		{"ends after closing", with(func(in *booking.BookInput) { in.SlotStart = slotAt(19, 19, 30) }), 422, "outside_opening_hours"},
		{"beyond 30 days", with(func(in *booking.BookInput) { in.SlotStart = slotAt(31, 10, 0) }), 422, "slot_too_far"},
		{"not on a half hour", with(func(in *booking.BookInput) { in.SlotStart = slotAt(19, 10, 15) }), 400, "slot_misaligned"},
		{"staff lacks the skill", with(func(in *booking.BookInput) { in.StaffID = unskilled.ID }), 422, "staff_not_qualified"},
		{"staff on a day off", with(func(in *booking.BookInput) { in.StaffID = resting.ID }), 422, "staff_day_off"},
		{"staff time taken", with(func(in *booking.BookInput) { in.SlotStart = slotAt(19, 15, 30) }), 409, "slot_taken"},
		{"item off the shelf", with(func(in *booking.BookInput) { in.ServiceItemID = off.ID }), 422, "item_unavailable"},
		{"someone else's address", with(func(in *booking.BookInput) { in.AddressID = theirs.ID }), 404, "address_not_found"},
		{"unknown coupon", with(func(in *booking.BookInput) { in.CouponID = 987654321 }), 404, "coupon_not_found"},
	}
	c := client(t, "sz", p)
	for _, tc := range cases {
		q := c.Post("/v1/orders/quote", tc.in)
		b := c.Post("/v1/orders", tc.in)
		if q.Status != tc.status || q.Code() != tc.code || b.Status != tc.status || b.Code() != tc.code {
			t.Errorf("%s: quote %d %s, book %d %s; want %d %s both", tc.name, q.Status, q.Body, b.Status, b.Body, tc.status, tc.code)
		}
	}
	var n int64
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("customer_id = ?", p.ID).Count(&n).Error)
	if n != 0 {
		t.Fatalf("refused quotes and bookings wrote %d orders", n)
	}
	// The good one: a quote with the staff member writes nothing either.
	var q booking.Quote
	c.Post("/v1/orders/quote", ok).OK().JSON(&q)
	if q.StaffID != sh.Staff[0].ID || q.TotalFen != 12800 || q.PayableKind != "full" || q.PayableNowFen != 12800 || q.DurationMin != 60 ||
		q.SlotLocal != strings.Replace(ok.SlotStart, "T", " ", 1) || q.SlotEndLocal != strings.Replace(slotAt(19, 11, 0), "T", " ", 1) ||
		q.TimeZone != "Asia/Shanghai" || q.PaymentTimeoutMin != 15 || q.Title != sh.Item.Title || q.MerchantID != sh.Merchant.ID {
		t.Fatalf("quote %+v", q)
	}
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("customer_id = ?", p.ID).Count(&n).Error)
	if got := slotRows(t, "sz", sh.Staff[0].ID); n != 0 || len(got) != len(held) {
		t.Fatalf("a quote wrote %d orders and left %d reservations (had %d)", n, len(got), len(held))
	}
	// And the booking it quoted goes through at that price.
	o := book(t, "sz", p, ok)
	if o.TotalFen != q.TotalFen || o.PayableNowFen != q.PayableNowFen || o.SlotEndLocal != q.SlotEndLocal {
		t.Fatalf("booked %+v after quote %+v", o, q)
	}
	// Now the time is the customer's own: a second quote of it is refused too.
	c.Post("/v1/orders/quote", ok).WantError(409, "slot_taken")
}
