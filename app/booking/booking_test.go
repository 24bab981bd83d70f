package booking_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/staff"
	"doorstep/tenants"
)

func TestBooking_HundredConcurrentBookingsOfOneSlotGiveOneOrder(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	const n = 100
	type job struct {
		p    person
		addr booking.Address
	}
	jobs := make([]job, n)
	for i := range jobs {
		p := newCustomer(t)
		jobs[i] = job{p, address(t, "sz", p, inside)}
	}
	slot := slotAt(2, 10, 0)
	var wg sync.WaitGroup
	statuses := make([]int, n)
	codes := make([]string, n)
	bodies := make([]string, n)
	start := make(chan struct{})
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := client(t, "sz", j.p).Post("/v1/orders", booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slot, AddressID: j.addr.ID})
			statuses[i], codes[i], bodies[i] = r.Status, r.Code(), string(r.Body)
		}()
	}
	close(start)
	wg.Wait()
	won := -1
	for i := range statuses {
		switch {
		case statuses[i] == 201:
			if won >= 0 {
				t.Fatalf("two bookings of one slot succeeded")
			}
			won = i
		case statuses[i] == 409 && codes[i] == "slot_taken":
		default:
			var a booking.Address
			err := tenants.DB(cityCtx(t, "sz")).Where("id = ?", jobs[i].addr.ID).Take(&a).Error
			t.Fatalf("booking %d (customer %d, address %d: %+v %v): %d %s", i, jobs[i].p.ID, jobs[i].addr.ID, a, err, statuses[i], bodies[i])
		}
	}
	if won < 0 {
		t.Fatal("no booking succeeded")
	}
	var orders []booking.Order
	must(t, tenants.DB(cityCtx(t, "sz")).Where("service_item_id = ?", sh.Item.ID).Find(&orders).Error)
	if len(orders) != 1 || orders[0].CustomerID != jobs[won].p.ID || orders[0].StaffID != st.ID {
		t.Fatalf("orders after the race: %+v", orders)
	}
	slots := slotRows(t, "sz", st.ID)
	if len(slots) != 2 {
		t.Fatalf("a 60-minute order holds %d half hours, want 2", len(slots))
	}
	for _, s := range slots {
		if s.OrderID != orders[0].ID {
			t.Fatalf("slot %v belongs to order %d, not the winner %d", s.SlotStart, s.OrderID, orders[0].ID)
		}
	}
}

func TestBooking_OverlappingRangesOfOneStaffMemberGiveOneOrder(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	two, two2, one := sh.item(t, 120), sh.item(t, 120), sh.item(t, 60)
	ranges := []struct {
		itemID int64
		slot   string
	}{{two.ID, slotAt(3, 10, 0)}, {two2.ID, slotAt(3, 11, 0)}, {one.ID, slotAt(3, 11, 30)}} // 10-12, 11-13, 11:30-12:30
	const per = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, taken := 0, 0
	start := make(chan struct{})
	for i := 0; i < per*len(ranges); i++ {
		p := newCustomer(t)
		a := address(t, "sz", p, inside)
		r := ranges[i%len(ranges)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := client(t, "sz", p).Post("/v1/orders", booking.BookInput{ServiceItemID: r.itemID, StaffID: st.ID, SlotStart: r.slot, AddressID: a.ID})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case res.Status == 201:
				wins++
			case res.Status == 409 && res.Code() == "slot_taken":
				taken++
			default:
				t.Errorf("booking: %d %s", res.Status, res.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins != 1 || taken != per*len(ranges)-1 {
		t.Fatalf("%d won, %d slot_taken; want exactly one winner", wins, taken)
	}
	var orders []booking.Order
	must(t, tenants.DB(cityCtx(t, "sz")).Where("staff_id = ?", st.ID).Find(&orders).Error)
	if len(orders) != 1 {
		t.Fatalf("%d orders hold the staff member", len(orders))
	}
	slots := slotRows(t, "sz", st.ID)
	if want := (orders[0].DurationMin + 29) / 30; len(slots) != want {
		t.Fatalf("%d slots, want %d", len(slots), want)
	}
	for _, s := range slots {
		if s.OrderID != orders[0].ID || s.SlotStart.Before(orders[0].SlotStart) || !s.SlotStart.Before(orders[0].SlotEnd) {
			t.Fatalf("slot %+v is not the winner's", s)
		}
	}
}

func TestBooking_RefusedWithAClearReason(t *testing.T) {
	sh := newShop(t, "sz", 1)
	ctx := cityCtx(t, "sz")
	unskilled := addStaff(t, ctx, sh.Merchant.ID, 0)
	resting := addStaff(t, ctx, sh.Merchant.ID, 3)
	restDay := time.Now().In(shanghai).AddDate(0, 0, 4)
	must(t, tenants.DB(ctx).Create(&staff.DayOff{StaffID: resting.ID, Day: time.Date(restDay.Year(), restDay.Month(), restDay.Day(), 0, 0, 0, 0, time.UTC)}).Error)
	other := newShop(t, "sz", 1)
	off := sh.item(t, 60)
	must(t, tenants.DB(ctx).Model(&off).Update("status", "off").Error)

	p := newCustomer(t)
	home := address(t, "sz", p, inside)
	far := address(t, "sz", p, faraway)
	stranger := newCustomer(t)
	theirs := address(t, "sz", stranger, inside)
	soon := time.Now().In(shanghai).Add(time.Hour).Truncate(30 * time.Minute).Add(30 * time.Minute).Format("2006-01-02T15:04")

	ok := booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(4, 10, 0), AddressID: home.ID}
	with := func(f func(*booking.BookInput)) booking.BookInput { in := ok; f(&in); return in }
	cases := []struct {
		name   string
		in     booking.BookInput
		status int
		code   string
		says   string
	}{
		{"address outside the area", with(func(in *booking.BookInput) { in.AddressID = far.ID }), 422, "address_out_of_area", "km"},
		{"before opening", with(func(in *booking.BookInput) { in.SlotStart = slotAt(4, 7, 0) }), 422, "outside_opening_hours", "08:00 to 20:00"},
		{"ends after closing", with(func(in *booking.BookInput) { in.SlotStart = slotAt(4, 19, 30) }), 422, "outside_opening_hours", "does not fit"},
		{"inside the lead time", with(func(in *booking.BookInput) { in.SlotStart = soon }), 422, "slot_too_soon", "at least"},
		{"beyond 30 days", with(func(in *booking.BookInput) { in.SlotStart = slotAt(31, 10, 0) }), 422, "slot_too_far", "30 days"},
		{"not on a half hour", with(func(in *booking.BookInput) { in.SlotStart = slotAt(4, 10, 15) }), 400, "slot_misaligned", ""},
		{"unreadable time", with(func(in *booking.BookInput) { in.SlotStart = "tomorrow 10am" }), 400, "invalid_slot", ""},
		{"staff lacks the skill", with(func(in *booking.BookInput) { in.StaffID = unskilled.ID }), 422, "staff_not_qualified", ""},
		{"staff on a day off", with(func(in *booking.BookInput) { in.StaffID = resting.ID }), 422, "staff_day_off", ""},
		{"staff of another merchant", with(func(in *booking.BookInput) { in.StaffID = other.Staff[0].ID }), 422, "staff_unavailable", ""},
		{"item off the shelf", with(func(in *booking.BookInput) { in.ServiceItemID = off.ID }), 422, "item_unavailable", ""},
		{"someone else's address", with(func(in *booking.BookInput) { in.AddressID = theirs.ID }), 404, "address_not_found", ""},
		{"requirements too long", with(func(in *booking.BookInput) { in.Requirements = strings.Repeat("长", 501) }), 400, "invalid_input", ""},
	}
	c := client(t, "sz", p)
	for _, tc := range cases {
		r := c.Post("/v1/orders", tc.in)
		if r.Status != tc.status || r.Code() != tc.code || !strings.Contains(string(r.Body), tc.says) {
			t.Errorf("%s: %d %s; want %d %s saying %q", tc.name, r.Status, r.Body, tc.status, tc.code, tc.says)
		}
	}
	var n int64
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("customer_id = ?", p.ID).Count(&n).Error)
	if n != 0 {
		t.Fatalf("refused bookings wrote %d orders", n)
	}
	// The same booking, well formed, goes through: the refusals were the rules.
	o := book(t, "sz", p, with(func(in *booking.BookInput) { in.StaffID = sh.Staff[0].ID; in.Requirements = strings.Repeat("长", 500) }))
	if o.Status != booking.StPendingPayment || o.TotalFen != 12800 || o.PayableNowFen != 12800 || o.PayableKind != "full" ||
		!strings.HasPrefix(o.OrderNo, "SZ") || o.SlotLocal != strings.Replace(ok.SlotStart, "T", " ", 1) || o.PayDeadlineLocal == "" {
		t.Fatalf("booked %+v", o)
	}
}

func TestBooking_PricesAreComputedOnTheServer(t *testing.T) {
	sh := newShop(t, "sz", 0)
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Deposit.ID, SlotStart: slotAt(5, 9, 0), AddressID: a.ID})
	if o.PriceModel != "deposit" || o.PayableKind != "deposit" || o.PayableNowFen != 3000 || o.PriceFen != 10000 || o.PriceMaxFen != 50000 ||
		o.StaffID != 0 || o.SlotEndLocal != strings.Replace(slotAt(5, 11, 0), "T", " ", 1) {
		t.Fatalf("deposit order %+v", o)
	}
	kind, amount, err := env.P.Booking.PayableNow(cityCtx(t, "sz"), o.ID)
	if err != nil || kind != "deposit" || amount != 3000 {
		t.Fatalf("PayableNow = %s %d %v", kind, amount, err)
	}
}

func TestBooking_IdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	sh := newShop(t, "sz", 0)
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	in := booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(6, 10, 0), AddressID: a.ID}
	c := client(t, "sz", p).With("Idempotency-Key", "book-6-10")
	first := c.Post("/v1/orders", in).Want(201)
	again := c.Post("/v1/orders", in).Want(201)
	if string(first.Body) != string(again.Body) {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	var n int64
	must(t, tenants.DB(cityCtx(t, "sz")).Model(&booking.Order{}).Where("customer_id = ?", p.ID).Count(&n).Error)
	if n != 1 {
		t.Fatalf("%d orders for one key", n)
	}
	// The same key with another body is refused, and books nothing.
	other := in
	other.SlotStart = slotAt(6, 11, 0)
	c.Post("/v1/orders", other).WantError(422, "idempotency_key_reused")
	// Another person's identical key is theirs alone.
	q := newCustomer(t)
	qa := address(t, "sz", q, inside)
	client(t, "sz", q).With("Idempotency-Key", "book-6-10").Post("/v1/orders", booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(6, 10, 0), AddressID: qa.ID}).Want(201)
	// A key whose first request is still running is a 409.
	ctx := cityCtx(t, "sz")
	body, _ := json.Marshal(in)
	sum := sha256.Sum256(append([]byte("POST /v1/orders\x00"), body...))
	must(t, tenants.DB(ctx).Create(&booking.IdempotencyKey{AccountID: p.ID, IdemKey: "running", Route: "POST /v1/orders", RequestHash: sum[:], CreatedAt: time.Now().UTC()}).Error)
	client(t, "sz", p).With("Idempotency-Key", "running").Post("/v1/orders", in).WantError(409, "idempotency_key_in_progress")
	// A refused first try keeps no answer: the same key may try again.
	bad := in
	bad.SlotStart = slotAt(6, 7, 0)
	k := client(t, "sz", p).With("Idempotency-Key", "retry-me")
	k.Post("/v1/orders", bad).WantError(422, "outside_opening_hours")
	k.Post("/v1/orders", bad).WantError(422, "outside_opening_hours")
}

func TestAddresses_OwnAndMasked(t *testing.T) {
	p, q := newCustomer(t), newCustomer(t)
	a := address(t, "sz", p, inside)
	if a.PhoneMasked != "139****5678" || strings.Contains(a.AddressMasked, "1201") || !a.IsDefault {
		t.Fatalf("address %+v", a)
	}
	b := address(t, "sz", p, center)
	if b.IsDefault {
		t.Fatal("a second address became the default by itself")
	}
	c := client(t, "sz", p)
	var upd booking.Address
	c.Put(fmt.Sprintf("/v1/addresses/%d", b.ID), booking.AddressInput{ContactName: "李四", Phone: "13800001111", Address: "广东省深圳市福田区福华路88号", Lat: center.Lat, Lng: center.Lng, IsDefault: true}).OK().JSON(&upd)
	var list []booking.Address
	c.Get("/v1/addresses").OK().JSON(&list)
	if len(list) != 2 || list[0].ID != b.ID || !list[0].IsDefault || list[1].IsDefault || list[0].PhoneMasked != "138****1111" {
		t.Fatalf("addresses %+v", list)
	}
	qc := client(t, "sz", q)
	qc.Get(fmt.Sprintf("/v1/addresses/%d", a.ID)).WantError(404, "address_not_found")
	qc.Put(fmt.Sprintf("/v1/addresses/%d", a.ID), booking.AddressInput{ContactName: "x", Phone: "13800001111", Address: "某某地址1号", Lat: 1, Lng: 1}).WantError(404, "address_not_found")
	qc.Delete(fmt.Sprintf("/v1/addresses/%d", a.ID), nil).WantError(404, "address_not_found")
	// The same id in another city is another row.
	client(t, "bj", p).Get(fmt.Sprintf("/v1/addresses/%d", a.ID)).Want(404)
	c.Post("/v1/addresses", booking.AddressInput{ContactName: "x", Phone: "12345", Address: "某某地址1号", Lat: 22.5, Lng: 113.9}).WantError(400, "invalid_input")
	c.Post("/v1/addresses", booking.AddressInput{ContactName: "x", Phone: "13800001111", Address: "某某地址1号", Lat: 95, Lng: 113.9}).WantError(400, "invalid_input")
	c.Delete(fmt.Sprintf("/v1/addresses/%d", a.ID), nil).OK()
	c.Get(fmt.Sprintf("/v1/addresses/%d", a.ID)).WantError(404, "address_not_found")
}

func TestOrders_AnotherCustomersOrderIsNotFoundInEveryCity(t *testing.T) {
	sh := newShop(t, "sz", 1)
	alice, bob := newCustomer(t), newCustomer(t)
	a := address(t, "sz", alice, inside)
	o := book(t, "sz", alice, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: sh.Staff[0].ID, SlotStart: slotAt(7, 10, 0), AddressID: a.ID})
	// Bob owns an order with the very same id in Beijing.
	bj := cityCtx(t, "bj")
	now := time.Now().UTC()
	must(t, tenants.DB(bj).Create(&booking.Order{ID: o.ID, OrderNo: fmt.Sprintf("BJTEST%d", o.ID), CustomerID: bob.ID, MerchantID: 1, ServiceItemID: 1,
		Status: booking.StPendingPayment, SlotStart: now.Add(48 * time.Hour), SlotEnd: now.Add(49 * time.Hour), DurationMin: 60, Title: "x",
		CategoryCode: "x", AddressID: 1, ContactName: "x", PhoneEnc: []byte{1}, PhoneMasked: "x", AddressEnc: []byte{1}, AddressMasked: "x",
		Lat: 39.9, Lng: 116.4, PriceModel: "fixed", PriceFen: 100, TotalFen: 100, FinishPhotos: []string{}, CreatedAt: now, UpdatedAt: now}).Error)

	paths := func(id int64) []string {
		return []string{fmt.Sprintf("/v1/orders/%d", id), fmt.Sprintf("/v1/orders/%d/events", id), fmt.Sprintf("/v1/orders/%d/stream", id)}
	}
	for _, path := range paths(o.ID) {
		client(t, "sz", bob).Get(path).WantError(404, "order_not_found")   // exists in sz, Alice's
		client(t, "bj", alice).Get(path).WantError(404, "order_not_found") // exists in bj, Bob's
	}
	client(t, "sz", bob).Post(fmt.Sprintf("/v1/orders/%d/cancel", o.ID), map[string]string{"reason": "x"}).WantError(404, "order_not_found")
	client(t, "bj", alice).Post(fmt.Sprintf("/v1/orders/%d/cancel", o.ID), map[string]string{"reason": "x"}).WantError(404, "order_not_found")
	client(t, "sz", bob).Post(fmt.Sprintf("/v1/orders/%d/aftersale", o.ID), booking.AfterSaleInput{Reason: "quality"}).WantError(404, "order_not_found")
	client(t, "bj", bob).Get(fmt.Sprintf("/v1/orders/%d", o.ID)).OK()
	client(t, "sz", alice).Get(fmt.Sprintf("/v1/orders/%d", o.ID)).OK()
	if got := readOrder(t, "sz", o.ID); got.Status != booking.StPendingPayment || got.Version != 0 {
		t.Fatalf("Alice's order changed: %s v%d", got.Status, got.Version)
	}

	// A staff member not assigned to a job cannot see or work it.
	markPaid(t, "sz", o.ID)
	otherStaff := addStaff(t, cityCtx(t, "sz"), sh.Merchant.ID, 3)
	stranger := client(t, "sz", sh.staffSession(t, otherStaff))
	stranger.Get(fmt.Sprintf("/v1/staff/jobs/%d", o.ID)).WantError(404, "order_not_found")
	stranger.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).WantError(404, "order_not_found")
	stranger.Get(fmt.Sprintf("/v1/staff/jobs/%d/stream", o.ID)).WantError(404, "order_not_found")
	// Nor can another merchant.
	rival := newShop(t, "sz", 0)
	rc := client(t, "sz", granted(t, "sz", app.RoleMerchantOwner, rival.Merchant.ID, 0))
	rc.Get(fmt.Sprintf("/v1/merchant/orders/%d", o.ID)).WantError(404, "order_not_found")
	client(t, "sz", granted(t, "sz", app.RoleMerchantOwner, sh.Merchant.ID, 0)).Get(fmt.Sprintf("/v1/merchant/orders/%d", o.ID)).OK()
}

func TestExpiry_UnpaidOrderExpiresOnceAndFreesTheStaffMembersTime(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(8, 14, 0), AddressID: a.ID})
	if len(slotRows(t, "sz", st.ID)) != 2 {
		t.Fatal("the chosen staff member's time is not reserved")
	}
	ctx := app.WithActor(cityCtx(t, "sz"), app.System)
	// Before the deadline the job leaves the order alone.
	must(t, env.P.Booking.HandleExpire(ctx, []byte(fmt.Sprintf(`{"order_id":%d}`, o.ID))))
	if got := readOrder(t, "sz", o.ID); got.Status != booking.StPendingPayment {
		t.Fatalf("expired before its deadline: %s", got.Status)
	}
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("id = ?", o.ID).Update("pay_deadline", time.Now().UTC().Add(-time.Second)).Error)
	for i := 0; i < 2; i++ { // at-least-once delivery: the second run changes nothing
		must(t, env.P.Booking.HandleExpire(ctx, []byte(fmt.Sprintf(`{"order_id":%d}`, o.ID))))
	}
	got := readOrder(t, "sz", o.ID)
	if got.Status != booking.StExpired || got.Version != 1 || got.ClosedAt == nil {
		t.Fatalf("after expiry: %s v%d", got.Status, got.Version)
	}
	if n := len(slotRows(t, "sz", st.ID)); n != 0 {
		t.Fatalf("%d slots still held", n)
	}
	// The time is free again for someone else.
	q := newCustomer(t)
	qa := address(t, "sz", q, inside)
	book(t, "sz", q, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(8, 14, 0), AddressID: qa.ID})

	// The periodic sweep catches an order whose timer was lost.
	o2 := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(8, 16, 0), AddressID: a.ID})
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("id = ?", o2.ID).Update("pay_deadline", time.Now().UTC().Add(-time.Minute)).Error)
	must(t, env.P.Booking.HandleExpireSweep(ctx, nil))
	if got := readOrder(t, "sz", o2.ID); got.Status != booking.StExpired {
		t.Fatalf("sweep left %s", got.Status)
	}
	// A payment that lands on the expired order is not accepted (payment refunds it).
	var accepted bool
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		accepted, err = env.P.Booking.ApplyPayment(ctx, o.ID, 999999, "full", 12800)
		return err
	})
	if err != nil || accepted {
		t.Fatalf("ApplyPayment on an expired order = %v, %v", accepted, err)
	}
}

func TestFreeSlots_LeaveOutTakenTimeAndDaysOff(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(9, 10, 0), AddressID: a.ID})
	date := strings.SplitN(slotAt(9, 0, 0), "T", 2)[0]
	var fs booking.FreeSlots
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/slots?service_id=%d&date=%s", st.ID, sh.Item.ID, date)).OK().JSON(&fs)
	starts := map[string]bool{}
	for _, s := range fs.Slots {
		starts[s.StartLocal] = true
		if s.Start.Location() != time.UTC || s.End.Sub(s.Start) != time.Hour || s.Start.In(shanghai).Format("15:04") != s.StartLocal {
			t.Fatalf("slot %+v", s)
		}
	}
	// 08:00 .. 19:00 is 23 starts for an hour's work; 09:30 and 10:00 and
	// 10:30 overlap the booked 10:00-11:00.
	if len(fs.Slots) != 20 || starts["09:30"] || starts["10:00"] || starts["10:30"] || !starts["09:00"] || !starts["11:00"] || !starts["19:00"] || starts["19:30"] {
		t.Fatalf("free slots %v", starts)
	}
	day, _ := time.Parse(time.DateOnly, date)
	must(t, tenants.DB(cityCtx(t, "sz")).Create(&staff.DayOff{StaffID: st.ID, Day: day}).Error)
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/slots?service_id=%d&date=%s", st.ID, sh.Item.ID, date)).OK().JSON(&fs)
	if len(fs.Slots) != 0 {
		t.Fatalf("free slots on a day off: %v", fs.Slots)
	}
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/slots?service_id=%d&date=tomorrow", st.ID, sh.Item.ID)).Want(400)
	other := newShop(t, "sz", 0)
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/slots?service_id=%d&date=%s", st.ID, other.Item.ID, date)).Want(404)
}
