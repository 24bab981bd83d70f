package stats

import (
	"testing"
	"time"
)

// A city's day is its own midnight to midnight in UTC: eight hours behind
// for Shanghai, and 23 or 25 hours long across a daylight-saving change.
func TestDay_BoundsFollowTheCityZone(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	ny, _ := time.LoadLocation("America/New_York")
	for _, tc := range []struct {
		day   string
		loc   *time.Location
		start string
		hours float64
	}{
		{"2025-01-15", sh, "2025-01-14T16:00:00Z", 24},
		{"2025-03-09", ny, "2025-03-09T05:00:00Z", 23},
		{"2025-11-02", ny, "2025-11-02T04:00:00Z", 25},
		{"2024-02-29", time.UTC, "2024-02-29T00:00:00Z", 24},
	} {
		s, e, err := bounds(tc.day, tc.loc)
		if err != nil {
			t.Fatal(err)
		}
		if s.Format(time.RFC3339) != tc.start || e.Sub(s).Hours() != tc.hours {
			t.Errorf("%s in %s: %s + %.0fh, want %s + %.0fh", tc.day, tc.loc, s.Format(time.RFC3339), e.Sub(s).Hours(), tc.start, tc.hours)
		}
	}
	if _, _, err := bounds("2025-02-30", sh); err == nil {
		t.Error("2025-02-30 accepted")
	}
}

func TestDay_RangesDefaultAndAreCapped(t *testing.T) {
	for _, tc := range []struct {
		from, to, today string
		wantFrom        string
		wantTo          string
		ok              bool
	}{
		{"", "", "2025-03-01", "2025-02-23", "2025-03-01", true},
		{"2024-01-02", "2025-01-01", "x", "2024-01-02", "2025-01-01", true},
		{"2024-01-01", "2025-01-01", "x", "", "", false},
		{"2025-01-02", "2025-01-01", "x", "", "", false},
		{"", "2025-01-10", "x", "2025-01-04", "2025-01-10", true},
	} {
		f, to, err := span(tc.from, tc.to, tc.today)
		if (err == nil) != tc.ok || (tc.ok && (f != tc.wantFrom || to != tc.wantTo)) {
			t.Errorf("span(%q, %q): %s %s %v", tc.from, tc.to, f, to, err)
		}
	}
	if got := days("2024-02-27", "2024-03-01"); len(got) != 4 || got[2] != "2024-02-29" {
		t.Errorf("days %v", got)
	}
}

// Ratios round half up and are derived from their parts, also over days.
func TestMeasures_RatiosAreDerivedFromTheirParts(t *testing.T) {
	if ratio(2, 3, 10000) != 6667 || ratio(1, 3, 10000) != 3333 || ratio(1, 2, 1) != 1 || ratio(5, 0, 100) != 0 {
		t.Fatal("ratio rounding")
	}
	days := []map[string]int64{
		{ReviewsCount: 1, RatingSum: 5, ReviewsSatisfied: 1, ActiveStaff: 3, OrdersCompleted: 4, AfterSalesOpened: 1},
		{ReviewsCount: 3, RatingSum: 6, ReviewsSatisfied: 0, ActiveStaff: 3, OrdersCompleted: 0, AfterSalesOpened: 1},
	}
	got := sum(days, CityMeasures, false)
	if got[RatingAvg] != 275 || got[Satisfaction] != 2500 || got[AfterSaleRate] != 5000 {
		t.Fatalf("totals %v", got)
	}
	if _, ok := got[ActiveStaff]; ok {
		t.Fatal("distinct people added over days")
	}
	if sum(days, CityMeasures, true)[ActiveStaff] != 6 {
		t.Fatal("distinct people not added over cities")
	}
	for _, m := range Measures {
		if m.Kind == KindRatio && (!known(CityMeasures, m.num) || !known(CityMeasures, m.den)) {
			t.Errorf("%s is derived from a measure that is not kept", m.Name)
		}
		if m.Merchant && m.Kind == KindRatio && (!known(MerchantMeasures, m.num) || !known(MerchantMeasures, m.den)) {
			t.Errorf("%s is kept per merchant but its parts are not", m.Name)
		}
	}
}
