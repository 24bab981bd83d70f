package settlement_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"doorstep/app/booking"
	"doorstep/app/settlement"
	"doorstep/tenants"
)

func TestPeriods_DailyAndWeeklyStartAndEnd(t *testing.T) {
	cases := []struct {
		day, period, start, after string
	}{
		{"2026-05-13", settlement.PeriodDaily, "2026-05-13", "2026-05-14"},
		{"2026-05-31", settlement.PeriodDaily, "2026-05-31", "2026-06-01"},
		{"2026-05-13", settlement.PeriodWeekly, "2026-05-11", "2026-05-18"}, // Wednesday: Monday to Sunday
		{"2026-05-11", settlement.PeriodWeekly, "2026-05-11", "2026-05-18"}, // Monday
		{"2026-05-17", settlement.PeriodWeekly, "2026-05-11", "2026-05-18"}, // Sunday
		{"2026-12-30", settlement.PeriodWeekly, "2026-12-28", "2027-01-04"},
	}
	for _, c := range cases {
		start := settlement.PeriodStart(settlement.Day(c.day), c.period)
		after := settlement.PeriodAfter(start, c.period)
		if string(start) != c.start || string(after) != c.after {
			t.Errorf("%s %s: period %s to before %s, want %s to before %s", c.period, c.day, start, after, c.start, c.after)
		}
	}
	// A weekly period that starts mid-week (the city switched from daily)
	// runs to that Sunday.
	if after := settlement.PeriodAfter("2026-05-14", settlement.PeriodWeekly); after != "2026-05-18" {
		t.Errorf("weekly from a Thursday ends before %s", after)
	}
}

// Everything of city gz.
func TestSettle_RunTwiceWritesOneRowPerPayeeAndPeriodsFollowWithoutGaps(t *testing.T) {
	sh := newShop(t, "gz", 2)
	cust := newCustomer(t)
	a := address(t, "gz", cust)
	adm := admin(t, "gz")
	hq := env.Client(t).As(env.HQAdmin(t, nextPhone()).AccessToken)

	// This merchant pays 20% commission, the city keeps 40% of it, the
	// merchant gives its staff 50%: a 128-yuan order is commission 25.60
	// (city 10.24, HQ 15.36), merchant 51.20, staff 51.20.
	adm.Patch(fmt.Sprintf("/v1/admin/merchants/%d/commission", sh.Merchant.ID), map[string]int64{"commission_bps": 2000}).OK()
	var set settlement.Settings
	hq.Put("/v1/hq/cities/gz/city-share", settlement.CityShareInput{CityShareBPS: ptr(int64(4000))}).OK().JSON(&set)
	if set.CityShareBPS != 4000 {
		t.Fatalf("settings after HQ's change %+v", set)
	}
	adm.Put("/v1/hq/cities/gz/city-share", settlement.CityShareInput{CityShareBPS: ptr(int64(9000))}).WantError(403, "forbidden")
	owner := client(t, "gz", sh.Owner)
	var share settlement.StaffShare
	owner.Put("/v1/merchant/staff-share", settlement.StaffShareInput{StaffShareBPS: ptr(int64(5000))}).OK().JSON(&share)
	if share.StaffShareBPS != 5000 || !share.Own {
		t.Fatalf("staff share %+v", share)
	}
	owner.Put("/v1/merchant/staff-share", map[string]int64{"staff_share_bps": 10001}).WantError(400, "invalid_input")

	o1 := completed(t, sh, 0, cust, a, 2, 9)
	completed(t, sh, 0, cust, a, 3, 9)
	completed(t, sh, 1, cust, a, 2, 9)
	var cs booking.AfterSaleView
	client(t, "gz", cust).Post(fmt.Sprintf("/v1/orders/%d/aftersale", o1.ID), booking.AfterSaleInput{Reason: "quality", RequestedFen: 1000}).Want(201).JSON(&cs)
	owner.Post(fmt.Sprintf("/v1/merchant/aftersales/%d/reply", cs.ID), booking.ReplyInput{Reply: "退10元", OfferFen: 1000}).OK()
	client(t, "gz", cust).Post(fmt.Sprintf("/v1/aftersales/%d/accept", cs.ID), nil).OK()
	refundsDone(t, "gz", o1.ID, 1)
	ol := orderBooks(t, adm, o1.ID)
	wantAccounts(t, "order at the merchant's rates", ol, map[string]int64{
		settlement.AccGateway: fixedFen - 1000, settlement.AccPlatform: -1536, settlement.AccCity: -1024,
		settlement.AccMerchant: -5120 + 1000, settlement.AccStaff: -5120})

	// Two runs at once, then a third: one row per payee for the period.
	ctx := cityCtx(t, "gz")
	at := time.Now().Add(48 * time.Hour)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = env.P.Settlement.Settle(ctx, at) }()
	}
	wg.Wait()
	must(t, errs[0])
	must(t, errs[1])
	n, err := env.P.Settlement.Settle(ctx, at)
	must(t, err)
	if n != 0 {
		t.Fatalf("a third run settled %d more periods", n)
	}
	var rows []settlement.Settlement
	must(t, tenants.DB(ctx).Order("payee_type, payee_id").Find(&rows).Error)
	today := settlement.DayOf(time.Now(), shanghai)
	want := []settlement.Settlement{
		{PayeeType: "merchant", PayeeID: sh.Merchant.ID, GrossFen: 3 * 5120, NetFen: 3*5120 - 1000},
		{PayeeType: "staff", PayeeID: sh.Staff[0].ID, GrossFen: 2 * 5120, NetFen: 2 * 5120},
		{PayeeType: "staff", PayeeID: sh.Staff[1].ID, GrossFen: 5120, NetFen: 5120},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d settlement rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.PayeeType != w.PayeeType || r.PayeeID != w.PayeeID || r.GrossFen != w.GrossFen || r.NetFen != w.NetFen ||
			r.PeriodStart != today || r.PeriodEnd != today {
			t.Errorf("settlement %d is %+v, want %+v for %s", i, r, w, today)
		}
	}
	var mine struct{ Items []settlement.Settlement }
	owner.Get("/v1/merchant/settlements").OK().JSON(&mine)
	if len(mine.Items) != 1 || mine.Items[0].NetFen != 3*5120-1000 {
		t.Fatalf("merchant's settlements %+v", mine.Items)
	}
	client(t, "gz", sh.StaffSess[1]).Get("/v1/staff/me/settlements").OK().JSON(&mine)
	if len(mine.Items) != 1 || mine.Items[0].PayeeID != sh.Staff[1].ID {
		t.Fatalf("staff member's settlements %+v", mine.Items)
	}

	// Weekly from now on: the next period starts where the last ended and
	// runs to that Sunday, then whole weeks; nothing is settled twice.
	adm.Patch("/v1/admin/settlement/settings", settlement.SettingsUpdate{Period: ptr(settlement.PeriodWeekly)}).OK().JSON(&set)
	if set.Period != settlement.PeriodWeekly || set.CityShareBPS != 4000 || set.StaffShareBPS != settlement.DefaultStaffShareBPS || set.CommissionBPS != 1000 {
		t.Fatalf("settings %+v", set)
	}
	_, err = env.P.Settlement.Settle(ctx, time.Now().Add(30*24*time.Hour))
	must(t, err)
	var runs []struct {
		PeriodStart settlement.Day
		PeriodEnd   settlement.Day
		PeriodKind  string
	}
	must(t, tenants.DB(ctx).Raw("SELECT period_start, period_end, period_kind FROM "+tenants.Table(ctx, "settlement_runs")+" ORDER BY period_start").Scan(&runs).Error)
	if len(runs) < 5 || runs[0].PeriodStart != today {
		t.Fatalf("runs %+v", runs)
	}
	for i, r := range runs {
		if i > 0 && r.PeriodStart != runs[i-1].PeriodEnd.Add(1) {
			t.Fatalf("run %d starts %s, the one before ended %s", i, r.PeriodStart, runs[i-1].PeriodEnd)
		}
		if r.PeriodKind == settlement.PeriodWeekly && r.PeriodEnd.Weekday() != time.Sunday {
			t.Fatalf("weekly run %+v does not end on a Sunday", r)
		}
	}
	var count int64
	must(t, tenants.DB(ctx).Model(&settlement.Settlement{}).Count(&count).Error)
	if count != 3 {
		t.Fatalf("%d settlement rows after the weekly runs", count)
	}
	var bal settlement.Balance
	owner.Get("/v1/merchant/balance").OK().JSON(&bal)
	if bal.AvailableFen != 3*5120-1000 || bal.PendingFen != 0 {
		t.Fatalf("merchant balance %+v", bal)
	}
}

func ptr[T any](v T) *T { return &v }
