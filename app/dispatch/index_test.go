package dispatch_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/dispatch"
	"doorstep/app/geo"
	"doorstep/app/staff"
	"doorstep/jobs"
	"doorstep/tenants"
)

// Location, duty and status changes made through the staff app and the
// back office reach this copy's index at once (the staff service's sink)
// and another copy's through Redis: a second dispatch service on the same
// Redis sees each of them.
func TestIndex_LocationAndDutyChangesReachThisCopyAndAnother(t *testing.T) {
	t.Parallel()
	sh := newShop(t)
	w := sh.addStaff(t, "移动师傅", near(home, 100), bitCleaning)
	ctx := cityCtx(t)

	rdb := redis.NewClient(&redis.Options{Addr: apptest.RedisAddr(), DB: env.RDB})
	defer rdb.Close()
	other := dispatch.New(dispatch.Deps{Booking: env.P.Booking, Staff: env.P.Staff, Merchants: env.P.Merchants, Catalog: env.P.Catalog,
		Notify: env.P.Notify, Outbox: env.P.Outbox, Audit: env.P.Audit, Bus: jobs.NewBus(rdb, env.Prefix, apptest.Logger()), Log: apptest.Logger()})
	lctx, stop := context.WithCancel(context.Background())
	defer stop()
	other.Listen(lctx)

	// Both copies have built their index of the city.
	for _, copy := range []*dispatch.Service{env.P.Dispatch, other} {
		e, ok, err := copy.Indexed(ctx, w.ID)
		must(t, err)
		if !ok || !e.OnDuty || geo.Distance(e.Pos, near(home, 100)) > 1 {
			t.Fatalf("before: %+v %v", e, ok)
		}
	}
	staffApp := client(t, w.Account)
	sees := func(what string, want func(e geo.Entry, ok bool) bool, act func()) {
		t.Helper()
		act()
		for i, copy := range []*dispatch.Service{env.P.Dispatch, other} {
			deadline := time.Now().Add(5 * time.Second)
			for {
				e, ok, err := copy.Indexed(ctx, w.ID)
				must(t, err)
				if want(e, ok) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("copy %d does not see %s: %+v %v", i, what, e, ok)
				}
				// Notices published before the other copy's subscription
				// was live are lost by design (its rebuild catches up): act
				// again, as the app's next report would.
				time.Sleep(200 * time.Millisecond)
				if i == 1 {
					act()
				}
			}
		}
	}
	moved := near(home, 4000)
	sees("the move", func(e geo.Entry, ok bool) bool { return ok && geo.Distance(e.Pos, moved) < 1 }, func() {
		staffApp.Post("/v1/staff/me/location", map[string]float64{"lat": moved.Lat, "lng": moved.Lng}).OK()
	})
	sees("going off duty", func(e geo.Entry, ok bool) bool { return ok && !e.OnDuty }, func() {
		staffApp.Post("/v1/staff/me/duty", map[string]bool{"on_duty": false}).OK()
	})
	sees("coming back on duty", func(e geo.Entry, ok bool) bool { return ok && e.OnDuty }, func() {
		staffApp.Post("/v1/staff/me/duty", map[string]bool{"on_duty": true}).OK()
	})
	sees("the skill change", func(e geo.Entry, ok bool) bool { return ok && e.Skills == bitCleaning|bitDeepCleaning }, func() {
		client(t, sh.Owner).Patch(fmt.Sprintf("/v1/merchant/staff/%d", w.ID), map[string]any{"skills": []string{"cleaning", "deep_cleaning"}}).OK()
	})
	sees("the deactivation", func(e geo.Entry, ok bool) bool { return !ok }, func() {
		client(t, sh.Owner).Post(fmt.Sprintf("/v1/merchant/staff/%d/deactivate", w.ID), nil).OK()
	})
	// Nobody left to offer: the order escalates at once.
	o := paidOrder(t, sh.Cleaning, 9, 10)
	ex := waitDecisions(t, o.ID, 1)[0]
	if ex.Outcome != dispatch.OutcomeEscalated || ex.Reason != dispatch.ReasonNoCandidate || ex.Considered != 0 {
		t.Fatalf("decision %+v", ex)
	}
}

// An assignment refreshes the staff member's load of today in the index
// (and the other copies'): the order is moved to today's noon before it is
// paid, whatever the time now.
func TestIndex_AssignmentRefreshesTodaysLoad(t *testing.T) {
	t.Parallel()
	sh := newShop(t)
	w := sh.addStaff(t, "今日师傅", near(home, 100), bitCleaning, func(st *staff.Staff) { st.WorkStartMin, st.WorkEndMin = 0, 24*60 })
	ctx := cityCtx(t)
	before, ok, err := env.P.Dispatch.Indexed(ctx, w.ID)
	must(t, err)
	if !ok || before.Load != 0 {
		t.Fatalf("before %+v", before)
	}
	c := newCustomer(t)
	o := book(t, c, booking.BookInput{ServiceItemID: sh.Cleaning.ID, SlotStart: slotAt(1, 10, 0), AddressID: address(t, c, home).ID})
	now := time.Now().In(shanghai)
	noon := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, shanghai).UTC()
	must(t, tenants.DB(ctx).Model(&booking.Order{}).Where("id = ?", o.ID).Updates(map[string]any{"slot_start": noon, "slot_end": noon.Add(time.Hour)}).Error)
	markPaid(t, o.ID)
	off := waitOffer(t, o.ID, 1)
	if off.StaffID != w.ID {
		t.Fatalf("offer %+v", off)
	}
	client(t, w.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", off.ID), nil).OK()
	e, _, err := env.P.Dispatch.Indexed(ctx, w.ID)
	must(t, err)
	if e.Load != 1 {
		t.Fatalf("load after the assignment %d", e.Load)
	}
}
