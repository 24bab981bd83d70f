package marketing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/marketing"
	"doorstep/app/notify"
	"doorstep/tenants"
)

func TestClaim_FiftyCustomersRaceForTenGetExactlyTen(t *testing.T) {
	admin := cityAdmin(t, "sz")
	in := couponIn("限量十张", 500)
	in.TotalLimit = 10
	c := createCoupon(t, admin, "/v1/admin/coupons", in)
	const n = 50
	people := make([]person, n)
	for i := range people {
		people[i] = newCustomer(t)
	}
	statuses := make([]int, n)
	codes := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := env.ClientAs(t, "sz", p).Post(fmt.Sprintf("/v1/coupons/%d/claim", c.ID), nil)
			statuses[i], codes[i] = r.Status, r.Code()
		}()
	}
	close(start)
	wg.Wait()
	won, soldOut := 0, 0
	for i := range statuses {
		switch {
		case statuses[i] == 201:
			won++
		case statuses[i] == 409 && codes[i] == "coupon_sold_out":
			soldOut++
		default:
			t.Errorf("claim %d: %d %s", i, statuses[i], codes[i])
		}
	}
	if won != 10 || soldOut != 40 {
		t.Fatalf("%d claims won and %d sold out; want exactly 10 and 40", won, soldOut)
	}
	var held int64
	must(t, tenants.DB(cityCtx(t, "sz")).Model(&marketing.CustomerCoupon{}).Where("coupon_id = ?", c.ID).Count(&held).Error)
	if got := couponRow(t, "sz", c.ID); got.IssuedCount != 10 || held != 10 {
		t.Fatalf("issued_count %d, rows %d; want 10 and 10", got.IssuedCount, held)
	}
}

func TestClaim_OneCustomerClaimingTwiceAtOnceGetsOne(t *testing.T) {
	admin := cityAdmin(t, "sz")
	c := createCoupon(t, admin, "/v1/admin/coupons", couponIn("每人一张", 300))
	for round := 0; round < 5; round++ {
		p := newCustomer(t)
		var wg sync.WaitGroup
		res := make([]int, 4)
		codes := make([]string, 4)
		start := make(chan struct{})
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := env.ClientAs(t, "sz", p).Post(fmt.Sprintf("/v1/coupons/%d/claim", c.ID), nil)
				res[i], codes[i] = r.Status, r.Code()
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for i := range res {
			switch {
			case res[i] == 201:
				ok++
			case res[i] == 409 && codes[i] == "coupon_limit_reached":
			default:
				t.Fatalf("round %d claim %d: %d %s", round, i, res[i], codes[i])
			}
		}
		if ok != 1 || len(mine(t, "sz", p, "available")) != 1 {
			t.Fatalf("round %d: %d claims went through for one customer with per_customer_limit 1", round, ok)
		}
	}
	if got := couponRow(t, "sz", c.ID); got.IssuedCount != 5 {
		t.Fatalf("issued_count %d after 5 customers, want 5", got.IssuedCount)
	}
}

func TestPricing_TwoBookingsRacingForOneCouponOnlyOneUsesIt(t *testing.T) {
	admin := cityAdmin(t, "sz")
	s := openShop(t, "sz", admin, "竞价家政")
	c := createCoupon(t, s.Owner, "/v1/merchant/coupons", couponIn("店铺立减20", 2000))
	for round := 0; round < 3; round++ {
		for _, chosen := range []bool{false, true} {
			p := newCustomer(t)
			addr := address(t, "sz", p)
			h := claim(t, "sz", p, c.ID)
			var wg sync.WaitGroup
			type result struct {
				status int
				code   string
				order  booking.OrderView
			}
			results := make([]result, 2)
			start := make(chan struct{})
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					in := booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(2+i, 10, 0), AddressID: addr.ID}
					if chosen {
						in.CouponID = h.ID
					}
					r := env.ClientAs(t, "sz", p).Post("/v1/orders", in)
					results[i].status, results[i].code = r.Status, r.Code()
					if r.Status == 201 {
						_ = json.Unmarshal(r.Body, &results[i].order)
					}
				}()
			}
			close(start)
			wg.Wait()
			used, plain, refused := 0, 0, 0
			for _, r := range results {
				switch {
				case r.status == 201 && r.order.CouponID == h.ID && r.order.DiscountFen == 2000 && r.order.TotalFen == 8000:
					used++
				case r.status == 201 && !chosen && r.order.CouponID == 0 && r.order.DiscountFen == 0 && r.order.TotalFen == 10000:
					plain++
				case r.status == 409 && chosen && r.code == "coupon_unavailable":
					refused++
				default:
					t.Fatalf("round %d chosen=%v: %d %s %+v", round, chosen, r.status, r.code, r.order)
				}
			}
			if used != 1 || plain+refused != 1 {
				t.Fatalf("round %d chosen=%v: %d used the coupon, %d priced without, %d refused", round, chosen, used, plain, refused)
			}
			if got := heldRow(t, "sz", h.ID); got.Status != marketing.HeldUsed || got.OrderID == 0 {
				t.Fatalf("customer coupon after the race: %+v", got)
			}
		}
	}
	if got := couponRow(t, "sz", c.ID); got.UsedCount != 6 {
		t.Fatalf("used_count %d after 6 races, want 6", got.UsedCount)
	}
}

func TestPricing_BestCouponAppliedAndAChosenOneHonoured(t *testing.T) {
	admin := cityAdmin(t, "sz")
	s := openShop(t, "sz", admin, "优选家政")
	small := createCoupon(t, s.Owner, "/v1/merchant/coupons", couponIn("立减5", 500))
	pct := couponIn("九折", 0)
	pct.Kind, pct.PercentBPS, pct.CapFen = marketing.KindPercent, 1000, 1500 // 10% off 100 yuan = 10 yuan
	percent := createCoupon(t, admin, "/v1/admin/coupons", pct)
	soon := couponIn("立减10 即将过期", 1000)
	soon.ValidTo = time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	expiring := createCoupon(t, admin, "/v1/admin/coupons", soon)

	p := newCustomer(t)
	addr := address(t, "sz", p)
	hs := claim(t, "sz", p, small.ID)
	hp := claim(t, "sz", p, percent.ID)
	he := claim(t, "sz", p, expiring.ID)

	// 10 yuan from the percent coupon and 10 from the one ending soonest: the tie goes to the soonest.
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: addr.ID})
	if o.CouponID != he.ID || o.DiscountFen != 1000 || o.TotalFen != 9000 {
		t.Fatalf("best coupon: got coupon %d discount %d total %d; want %d, 1000, 9000", o.CouponID, o.DiscountFen, o.TotalFen, he.ID)
	}
	// Then the percent one (10 yuan) beats the 5 yuan one.
	o = book(t, "sz", p, booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(3, 10, 0), AddressID: addr.ID})
	if o.CouponID != hp.ID || o.DiscountFen != 1000 {
		t.Fatalf("second best: coupon %d discount %d; want %d 1000", o.CouponID, o.DiscountFen, hp.ID)
	}
	// The percent coupon on the 200 yuan item: 20 yuan, capped at 15. Claim another to check the cap.
	p2 := newCustomer(t)
	a2 := address(t, "sz", p2)
	claim(t, "sz", p2, percent.ID)
	o = book(t, "sz", p2, booking.BookInput{ServiceItemID: s.Repair.ID, SlotStart: slotAt(2, 14, 0), AddressID: a2.ID})
	if o.DiscountFen != 1500 || o.TotalFen != 18500 {
		t.Fatalf("percent coupon capped: discount %d total %d; want 1500 and 18500", o.DiscountFen, o.TotalFen)
	}
	// A chosen coupon is used even when another would give more.
	p3 := newCustomer(t)
	a3 := address(t, "sz", p3)
	h5 := claim(t, "sz", p3, small.ID)
	claim(t, "sz", p3, percent.ID)
	o = book(t, "sz", p3, booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: a3.ID, CouponID: h5.ID})
	if o.CouponID != h5.ID || o.DiscountFen != 500 || o.TotalFen != 9500 {
		t.Fatalf("chosen coupon: %+v", o)
	}
	// Someone else's coupon is no coupon at all; a used one is unavailable.
	env.ClientAs(t, "sz", p3).Post("/v1/orders", booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(4, 10, 0), AddressID: a3.ID, CouponID: hs.ID}).
		WantError(404, "coupon_not_found")
	env.ClientAs(t, "sz", p3).Post("/v1/orders", booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(4, 10, 0), AddressID: a3.ID, CouponID: h5.ID}).
		WantError(409, "coupon_unavailable")
	used := mine(t, "sz", p, "used")
	if len(used) != 2 || used[0].OrderID == 0 {
		t.Fatalf("used coupons: %+v", used)
	}
}

func TestPricing_MinimumSpendCategoriesAndTheIssuingShop(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "甲家政")
	b := openShop(t, "sz", admin, "乙家政")

	minSpend := couponIn("满150减30", 3000)
	minSpend.MinSpendFen = 15000
	ms := createCoupon(t, admin, "/v1/admin/coupons", minSpend)
	housekeeping := couponIn("家政类减8", 800)
	housekeeping.CategoryCodes = []string{"housekeeping"} // the parent of daily_cleaning
	hk := createCoupon(t, admin, "/v1/admin/coupons", housekeeping)
	shopA := createCoupon(t, a.Owner, "/v1/merchant/coupons", couponIn("甲店减6", 600))
	b.Owner.Post("/v1/merchant/coupons", func() marketing.CouponInput {
		in := couponIn("乙店只用甲的服务", 100)
		in.ItemIDs = []int64{a.Item.ID}
		return in
	}()).WantError(400, "invalid_input")

	p := newCustomer(t)
	addr := address(t, "sz", p)
	hms := claim(t, "sz", p, ms.ID)
	hhk := claim(t, "sz", p, hk.ID)
	ha := claim(t, "sz", p, shopA.ID)
	c := env.ClientAs(t, "sz", p)

	// Below the minimum spend: refused when chosen, skipped when picking.
	c.Post("/v1/orders", booking.BookInput{ServiceItemID: b.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: addr.ID, CouponID: hms.ID}).
		WantError(422, "coupon_not_applicable")
	// Shop A's coupon on shop B's service: refused when chosen.
	c.Post("/v1/orders", booking.BookInput{ServiceItemID: b.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: addr.ID, CouponID: ha.ID}).
		WantError(422, "coupon_not_applicable")
	// On shop B's cleaning (100 yuan) only the housekeeping coupon applies.
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: b.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: addr.ID})
	if o.CouponID != hhk.ID || o.DiscountFen != 800 {
		t.Fatalf("shop B cleaning: coupon %d discount %d; want the housekeeping coupon %d, 800", o.CouponID, o.DiscountFen, hhk.ID)
	}
	// The housekeeping coupon does not reach air conditioning (repair); the chosen min-spend one does at 200 yuan.
	c.Post("/v1/orders", booking.BookInput{ServiceItemID: a.Repair.ID, SlotStart: slotAt(3, 10, 0), AddressID: addr.ID, CouponID: hhk.ID}).
		WantError(409, "coupon_unavailable") // used by the order above
	p2 := newCustomer(t)
	a2 := address(t, "sz", p2)
	h2 := claim(t, "sz", p2, hk.ID)
	env.ClientAs(t, "sz", p2).Post("/v1/orders", booking.BookInput{ServiceItemID: a.Repair.ID, SlotStart: slotAt(3, 10, 0), AddressID: a2.ID, CouponID: h2.ID}).
		WantError(422, "coupon_not_applicable")
	o = book(t, "sz", p, booking.BookInput{ServiceItemID: a.Repair.ID, SlotStart: slotAt(3, 10, 0), AddressID: addr.ID})
	if o.CouponID != hms.ID || o.DiscountFen != 3000 || o.TotalFen != 17000 {
		t.Fatalf("shop A repair: coupon %d discount %d total %d; want the min-spend coupon, 3000, 17000", o.CouponID, o.DiscountFen, o.TotalFen)
	}
	// Shop A's own coupon applies to shop A's cleaning.
	o = book(t, "sz", p, booking.BookInput{ServiceItemID: a.Item.ID, SlotStart: slotAt(4, 10, 0), AddressID: addr.ID})
	if o.CouponID != ha.ID || o.DiscountFen != 600 {
		t.Fatalf("shop A cleaning: coupon %d discount %d; want its own coupon", o.CouponID, o.DiscountFen)
	}
	// Available for an item lists only coupons that apply to it.
	var av []marketing.AvailableCoupon
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/coupons/available?item_id=%d", b.Repair.ID)).OK().JSON(&av)
	for _, x := range av {
		if x.ID == shopA.ID || x.ID == hk.ID {
			t.Fatalf("coupon %d listed for a service it does not cover", x.ID)
		}
	}
}

func TestPricing_CancelledAndExpiredOrdersGiveTheCouponBack(t *testing.T) {
	admin := cityAdmin(t, "sz")
	s := openShop(t, "sz", admin, "退券家政")
	c := createCoupon(t, s.Owner, "/v1/merchant/coupons", couponIn("立减15", 1500))
	p := newCustomer(t)
	addr := address(t, "sz", p)
	h := claim(t, "sz", p, c.ID)

	o := book(t, "sz", p, booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: addr.ID})
	if o.CouponID != h.ID || couponRow(t, "sz", c.ID).UsedCount != 1 {
		t.Fatalf("booking did not use the coupon: %+v", o)
	}
	env.ClientAs(t, "sz", p).Post(fmt.Sprintf("/v1/orders/%d/cancel", o.ID), booking.CancelInput{Reason: "改期"}).OK()
	if got := heldRow(t, "sz", h.ID); got.Status != marketing.HeldAvailable || got.OrderID != 0 || couponRow(t, "sz", c.ID).UsedCount != 0 {
		t.Fatalf("after cancel: %+v, used_count %d", got, couponRow(t, "sz", c.ID).UsedCount)
	}
	if av := mine(t, "sz", p, "available"); len(av) != 1 || av[0].ID != h.ID {
		t.Fatalf("available after cancel: %+v", av)
	}

	// Book again with it; let the order pass its pay deadline and expire.
	o = book(t, "sz", p, booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(3, 10, 0), AddressID: addr.ID, CouponID: h.ID})
	if o.CouponID != h.ID {
		t.Fatalf("rebooking did not use the returned coupon: %+v", o)
	}
	ctx := app.WithActor(cityCtx(t, "sz"), app.System)
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("id = ?", o.ID).Update("pay_deadline", time.Now().UTC().Add(-time.Minute)).Error)
	payload, _ := json.Marshal(booking.ExpirePayload{OrderID: o.ID})
	must(t, env.P.Booking.HandleExpire(ctx, payload))
	got, err := env.P.Booking.Get(ctx, o.ID)
	must(t, err)
	if got.Status != booking.StExpired {
		t.Fatalf("order is %s, want expired", got.Status)
	}
	if h2 := heldRow(t, "sz", h.ID); h2.Status != marketing.HeldAvailable || couponRow(t, "sz", c.ID).UsedCount != 0 {
		t.Fatalf("after expiry: %+v", h2)
	}
	// Releasing twice changes nothing.
	must(t, tenants.WithTx(ctx, func(ctx context.Context) error { return env.P.Marketing.Release(ctx, h.ID) }))
	if couponRow(t, "sz", c.ID).UsedCount != 0 {
		t.Fatal("a second release changed the used count")
	}
}

func TestNewCustomerOffer_RefusedAfterTheFirstCompletedOrder(t *testing.T) {
	admin := cityAdmin(t, "sz")
	s := openShop(t, "sz", admin, "新客家政")
	in := couponIn("新客立减30", 3000)
	in.Audience = marketing.AudienceNew
	in.PerCustomerLimit = 2
	nc := createCoupon(t, admin, "/v1/admin/coupons", in)

	p := newCustomer(t)
	addr := address(t, "sz", p)
	held := claim(t, "sz", p, nc.ID)
	done := completeOrder(t, "sz", s, p, addr, 2)
	if done.CouponID != held.ID || done.DiscountFen != 3000 {
		t.Fatalf("the first order did not take the new-customer offer: %+v", done)
	}
	env.ClientAs(t, "sz", p).Post(fmt.Sprintf("/v1/coupons/%d/claim", nc.ID), nil).WantError(409, "coupon_new_customers_only")
	var av []marketing.AvailableCoupon
	env.ClientAs(t, "sz", p).Get("/v1/coupons/available").OK().JSON(&av)
	for _, c := range av {
		if c.ID == nc.ID {
			t.Fatal("a new-customer offer is offered to a customer with a completed order")
		}
	}
	// A new-customer coupon granted before does not apply any more either.
	must(t, tenants.DB(cityCtx(t, "sz")).Create(&marketing.CustomerCoupon{CouponID: nc.ID, AccountID: p.ID, Status: marketing.HeldAvailable,
		Source: marketing.SourceGrant, ClaimedAt: time.Now().UTC(), ExpiresAt: time.Now().UTC().Add(24 * time.Hour)}).Error)
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(4, 10, 0), AddressID: addr.ID})
	if o.CouponID != 0 || o.DiscountFen != 0 {
		t.Fatalf("a new-customer coupon applied after the first completed order: %+v", o)
	}
	// In another city the customer is new.
	bj := createCoupon(t, cityAdmin(t, "bj"), "/v1/admin/coupons", in)
	claim(t, "bj", p, bj.ID)
}

func TestCoupons_IssuersSeeAndChangeOnlyTheirOwn(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "甲店铺")
	b := openShop(t, "sz", admin, "乙店铺")
	ca := createCoupon(t, a.Owner, "/v1/merchant/coupons", couponIn("甲店券", 500))
	b.Owner.Get(fmt.Sprintf("/v1/merchant/coupons/%d", ca.ID)).WantError(404, "coupon_not_found")
	b.Owner.Patch(fmt.Sprintf("/v1/merchant/coupons/%d", ca.ID), map[string]string{"status": "stopped"}).WantError(404, "coupon_not_found")
	var list app.List[marketing.Coupon]
	b.Owner.Get("/v1/merchant/coupons").OK().JSON(&list)
	for _, c := range list.Items {
		if c.MerchantID != b.ID {
			t.Fatalf("merchant B lists coupon %d of merchant %d", c.ID, c.MerchantID)
		}
	}
	// Customers cannot issue; merchants cannot use the city's endpoints.
	p := newCustomer(t)
	env.ClientAs(t, "sz", p).Post("/v1/merchant/coupons", couponIn("x", 1)).WantError(403, "forbidden")
	a.Owner.Post("/v1/admin/coupons", couponIn("x", 1)).WantError(403, "forbidden")
	// Pause stops claims; resume allows them; stop is final.
	a.Owner.Patch(fmt.Sprintf("/v1/merchant/coupons/%d", ca.ID), map[string]string{"status": "paused"}).OK()
	env.ClientAs(t, "sz", p).Post(fmt.Sprintf("/v1/coupons/%d/claim", ca.ID), nil).WantError(409, "coupon_not_claimable")
	a.Owner.Patch(fmt.Sprintf("/v1/merchant/coupons/%d", ca.ID), map[string]string{"status": "active"}).OK()
	h := claim(t, "sz", p, ca.ID)
	admin.Patch(fmt.Sprintf("/v1/admin/coupons/%d", ca.ID), map[string]string{"title": "城市改名"}).WantError(403, "forbidden")
	admin.Patch(fmt.Sprintf("/v1/admin/coupons/%d", ca.ID), map[string]string{"status": "stopped"}).OK()
	a.Owner.Patch(fmt.Sprintf("/v1/merchant/coupons/%d", ca.ID), map[string]string{"status": "active"}).WantError(409, "coupon_stopped")
	env.ClientAs(t, "sz", newCustomer(t)).Post(fmt.Sprintf("/v1/coupons/%d/claim", ca.ID), nil).WantError(409, "coupon_not_claimable")
	// Claimed before the stop: still usable.
	addr := address(t, "sz", p)
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: a.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: addr.ID})
	if o.CouponID != h.ID {
		t.Fatalf("a coupon claimed before its stop was not used: %+v", o)
	}
	// Bad terms are 400 with the field.
	bad := couponIn("坏券", 0)
	admin.Post("/v1/admin/coupons", bad).WantError(400, "invalid_input")
	bad = couponIn("坏类目", 100)
	bad.CategoryCodes = []string{"no_such_category"}
	admin.Post("/v1/admin/coupons", bad).WantError(400, "invalid_input")
}

func TestGrant_CityGivesACouponByPhoneAndTellsTheCustomer(t *testing.T) {
	admin := cityAdmin(t, "sz")
	in := couponIn("客服补偿券", 2000)
	in.Claimable = new(bool) // grant only
	c := createCoupon(t, admin, "/v1/admin/coupons", in)
	p := newCustomer(t)
	env.ClientAs(t, "sz", p).Post(fmt.Sprintf("/v1/coupons/%d/claim", c.ID), nil).WantError(409, "coupon_not_claimable")
	var h marketing.MyCoupon
	admin.Post(fmt.Sprintf("/v1/admin/coupons/%d/grant", c.ID), marketing.GrantInput{Phone: p.Phone}).Want(201).JSON(&h)
	if h.Source != marketing.SourceGrant || h.Status != marketing.HeldAvailable {
		t.Fatalf("granted: %+v", h)
	}
	admin.Post(fmt.Sprintf("/v1/admin/coupons/%d/grant", c.ID), marketing.GrantInput{Phone: "13700000000"}).WantError(404, "account_not_found")
	eventually(t, "the coupon_granted notice", func() bool {
		var box notify.Inbox
		env.ClientAs(t, "sz", p).Get("/v1/inbox").OK().JSON(&box)
		for _, n := range box.Items {
			if n.Event == "coupon_granted" {
				return true
			}
		}
		return false
	})
}
