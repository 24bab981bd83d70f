package dispatch_test

import (
	"fmt"
	"testing"
	"time"

	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/dispatch"
	"doorstep/app/geo"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// Each hard filter excludes exactly whom it should: in every case the
// nearest staff member breaks one rule and a farther one qualifies; the
// stored explanation names the rule for the first and chooses the second.
func TestDecision_EachHardFilterExcludesExactlyWhomItShould(t *testing.T) {
	const days, hour = 3, 10
	slot := slotTime(days, hour, 0)
	slotDay := slot.In(shanghai)
	dayUTC := time.Date(slotDay.Year(), slotDay.Month(), slotDay.Day(), 0, 0, 0, 0, time.UTC)
	cases := []struct {
		rule string
		// setup adds the staff who break the rule (nearest first) and
		// returns them with the item to book.
		setup func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem)
		// control, when set, adds the qualifying staff member instead of
		// the default cleaner 1.5 km away.
		control func(t *testing.T, sh *shop) worker
		// then runs after the first decision; it returns the decision to check.
		then func(t *testing.T, o booking.OrderView, bad []worker, first dispatch.Explanation) dispatch.Explanation
	}{
		{rule: dispatch.RuleMissingSkill, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			return []worker{sh.addStaff(t, "深度保洁工", near(home, 200), bitDeepCleaning)}, sh.Cleaning
		}},
		{rule: dispatch.RuleCertInvalid, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			pending := sh.addStaff(t, "待审护工", near(home, 200), bitNursing)
			expired := sh.addStaff(t, "过期护工", near(home, 300), bitNursing)
			certify(t, pending.Staff, staff.CertPending, nil)
			before := dayUTC.AddDate(0, 0, -1)
			certify(t, expired.Staff, staff.CertVerified, &before)
			return []worker{pending, expired}, sh.Nursing
		}, control: func(t *testing.T, sh *shop) worker {
			ok := sh.addStaff(t, "持证护工", near(home, 1500), bitNursing)
			onDay := dayUTC
			certify(t, ok.Staff, staff.CertVerified, &onDay)
			return ok
		}},
		{rule: dispatch.RuleLowRating, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			sh.setPolicy(t, dispatch.PolicyInput{MinRating: ptr(4.0)})
			return []worker{sh.addStaff(t, "差评师傅", near(home, 200), bitCleaning, func(st *staff.Staff) { st.RatingSum, st.RatingCount = 6, 2 })}, sh.Cleaning
		}},
		{rule: dispatch.RuleOutOfArea, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			far := &geo.Area{Center: near(home, 10_000), RadiusM: 2000}
			return []worker{sh.addStaff(t, "北区师傅", near(home, 200), bitCleaning, func(st *staff.Staff) { st.Area = far })}, sh.Cleaning
		}},
		{rule: dispatch.RuleNotWorking, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			weekday := sh.addStaff(t, "休息日师傅", near(home, 200), bitCleaning, func(st *staff.Staff) { st.WorkDays = 127 &^ (1 << int(slotDay.Weekday())) })
			hours := sh.addStaff(t, "下午班师傅", near(home, 300), bitCleaning, func(st *staff.Staff) { st.WorkStartMin = 14 * 60 })
			off := sh.addStaff(t, "请假师傅", near(home, 400), bitCleaning)
			must(t, tenants.DB(cityCtx(t)).Create(&staff.DayOff{StaffID: off.ID, Day: dayUTC}).Error)
			return []worker{weekday, hours, off}, sh.Cleaning
		}},
		{rule: dispatch.RuleBusy, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			w := sh.addStaff(t, "忙碌师傅", near(home, 200), bitCleaning)
			other := newCustomer(t)
			// Another customer booked them from 09:30 to 10:30: it overlaps.
			book(t, other, booking.BookInput{ServiceItemID: sh.Cleaning.ID, StaffID: w.ID, SlotStart: slotAt(days, hour-1, 30), AddressID: address(t, other, home).ID})
			return []worker{w}, sh.Cleaning
		}},
		{rule: dispatch.RuleOverDailyCap, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			sh.setPolicy(t, dispatch.PolicyInput{DailyLoadCap: ptr(1)})
			w := sh.addStaff(t, "满单师傅", near(home, 200), bitCleaning)
			other := newCustomer(t)
			o := book(t, other, booking.BookInput{ServiceItemID: sh.Cleaning.ID, StaffID: w.ID, SlotStart: slotAt(days, 15, 0), AddressID: address(t, other, home).ID})
			markPaid(t, o.ID)
			return []worker{w}, sh.Cleaning
		}},
		{rule: dispatch.RuleAlreadyDeclined, setup: func(t *testing.T, sh *shop) ([]worker, catalog.ServiceItem) {
			return []worker{sh.addStaff(t, "拒单师傅", near(home, 200), bitCleaning)}, sh.Cleaning
		}, then: func(t *testing.T, o booking.OrderView, bad []worker, first dispatch.Explanation) dispatch.Explanation {
			if first.ChosenStaffID != bad[0].ID {
				t.Fatalf("round 1 went to %d, want the nearest, %d", first.ChosenStaffID, bad[0].ID)
			}
			off := waitOffer(t, o.ID, 1)
			client(t, bad[0].Account).Post(fmt.Sprintf("/v1/staff/offers/%d/decline", off.ID), dispatch.DeclineInput{Reason: "太远"}).OK()
			return waitDecisions(t, o.ID, 2)[1]
		}},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			sh := newShop(t)
			bad, item := tc.setup(t, sh)
			var good worker
			if tc.control != nil {
				good = tc.control(t, sh)
			} else {
				good = sh.addStaff(t, "合格师傅", near(home, 1500), bitCleaning)
			}
			o := paidOrder(t, item, days, hour)
			ex := waitDecisions(t, o.ID, 1)[0]
			if tc.then != nil {
				ex = tc.then(t, o, bad, ex)
			}
			for _, b := range bad {
				c, ok := entryOf(ex, b.ID)
				if !ok || c.Rule != tc.rule || c.Score != nil || c.Chosen {
					t.Fatalf("%s (%d) in the explanation: %+v (present %v), want rule %s; explanation %+v", b.DisplayName, b.ID, c, ok, tc.rule, ex)
				}
			}
			c, ok := entryOf(ex, good.ID)
			if !ok || c.Rule != "" || c.Score == nil || !c.Chosen || c.Rank != 1 || ex.ChosenStaffID != good.ID || ex.Outcome != dispatch.OutcomeOffered {
				t.Fatalf("the qualifying staff member: %+v; explanation %+v", c, ex)
			}
			if ex.Considered != len(bad)+1 || ex.Qualified != 1 {
				t.Fatalf("considered %d, qualified %d", ex.Considered, ex.Qualified)
			}
		})
	}
}

func certify(t testing.TB, st staff.Staff, status string, expires *time.Time) {
	t.Helper()
	c := staff.Certification{StaffID: st.ID, MerchantID: st.MerchantID, Name: "护士执业证书", SkillCode: "nursing", Issuer: "卫健委",
		DocumentURL: "https://img.example.com/cert.jpg", ExpiresOn: expires, Status: status, CreatedAt: time.Now().UTC()}
	must(t, tenants.DB(cityCtx(t)).Create(&c).Error)
}

// The index query keeps to the order's merchant: another merchant's staff
// member standing at the address is never considered (nor shown to this
// merchant). The rule itself guards any other source of candidates.
func TestDecision_WrongMerchantNeverConsideredAndExcludedByRule(t *testing.T) {
	t.Parallel()
	sh, rival := newShop(t), newShop(t)
	theirs := rival.addStaff(t, "别家师傅", near(home, 10), bitCleaning)
	ours := sh.addStaff(t, "自家师傅", near(home, 2000), bitCleaning)
	o := paidOrder(t, sh.Cleaning, 4, 10)
	ex := waitDecisions(t, o.ID, 1)[0]
	if _, ok := entryOf(ex, theirs.ID); ok || ex.ChosenStaffID != ours.ID {
		t.Fatalf("explanation %+v", ex)
	}

	pol := dispatch.DefaultPolicy()
	area := geo.Area{Center: center, RadiusM: 20000}
	got := dispatch.Judge(1, bitCleaning, home, area, pol, []geo.Entry{
		{ID: 10, Pos: near(home, 100), OnDuty: true, Skills: bitCleaning, MerchantID: 2},
		{ID: 11, Pos: near(home, 900), OnDuty: true, Skills: bitCleaning, MerchantID: 1},
	})
	if got.Candidates[0].Rule != dispatch.RuleWrongMerchant || got.Candidates[1].Rule != "" || got.BestStaffID != 11 {
		t.Fatalf("judged %+v", got)
	}
}

// Staff off duty are not offered jobs: the index query finds on-duty staff
// only, and a dispatcher who assigns someone off duty by hand gets the
// assignment, recorded as a manual decision that names not_on_duty for the
// pick (an override).
func TestDecision_NotOnDutyIsNeverOfferedAndShownWhenPickedByHand(t *testing.T) {
	t.Parallel()
	sh := newShop(t)
	away := sh.addStaff(t, "下班师傅", near(home, 50), bitCleaning, offDuty)
	on := sh.addStaff(t, "在岗师傅", near(home, 1000), bitCleaning)
	o := paidOrder(t, sh.Cleaning, 4, 11)
	ex := waitDecisions(t, o.ID, 1)[0]
	if _, ok := entryOf(ex, away.ID); ok || ex.ChosenStaffID != on.ID {
		t.Fatalf("smart decision %+v", ex)
	}
	dispatcher := granted(t, "merchant_dispatcher", sh.Merchant.ID, 0)
	client(t, dispatcher).Post(fmt.Sprintf("/v1/merchant/orders/%d/assign", o.ID), map[string]int64{"staff_id": away.ID}).OK()
	var h dispatch.History
	client(t, dispatcher).Get(fmt.Sprintf("/v1/merchant/orders/%d/dispatch", o.ID)).OK().JSON(&h)
	manual := h.Decisions[0]
	pick, ok := entryOf(manual.Explanation, away.ID)
	if manual.Mode != dispatch.ModeManual || manual.Outcome != dispatch.OutcomeAssigned || manual.ChosenStaffID != away.ID ||
		manual.ActorID != dispatcher.ID || !ok || !pick.Chosen || pick.Rule != dispatch.RuleNotOnDuty || manual.Explanation.BestStaffID != on.ID {
		t.Fatalf("manual decision %+v", manual)
	}
	// The open offer closed with the manual assignment.
	if offs := offersOf(t, o.ID); len(offs) != 1 || offs[0].Status != dispatch.OfferWithdrawn {
		t.Fatalf("offers %+v", offs)
	}

	got := dispatch.Judge(1, bitCleaning, home, geo.Area{Center: center, RadiusM: 20000}, dispatch.DefaultPolicy(), []geo.Entry{
		{ID: 10, Pos: near(home, 100), OnDuty: false, Skills: bitCleaning, MerchantID: 1},
	})
	if got.Candidates[0].Rule != dispatch.RuleNotOnDuty || got.Qualified != 0 {
		t.Fatalf("judged %+v", got)
	}
}
