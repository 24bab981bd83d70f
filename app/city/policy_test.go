package city_test

import (
	"context"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/city"
	"doorstep/tenants"
)

func settingsOf(t testing.TB, code string) booking.Settings {
	t.Helper()
	st, err := env.P.Booking.Settings(ctxFor(t, code))
	must(t, err)
	return st
}

// HQ's platform policies are every city's booking rules until a city sets
// its own; a city's own value survives HQ's later changes and goes back to
// HQ's on reset. New cities start with HQ's commission default.
func TestPolicies_CitiesFollowHQDefaultsUnlessTheySetTheirOwn(t *testing.T) {
	hqTok := hqToken(t)
	hq := env.Client(t).As(hqTok)
	t.Cleanup(func() {
		env.Client(t).As(hqTok).Put("/v1/hq/policies", map[string]any{"commission_bps": 1000, "free_cancel_hours": 2, "cancel_fee_bps": 2000,
			"on_the_way_fee_bps": 5000, "aftersale_window_days": 7, "payment_timeout_min": 15}).OK()
		env.Client(t).In("sz").As(adminToken(t, "sz")).Put("/v1/admin/policies", map[string]any{"reset": []string{"cancel_fee_bps"}}).OK()
	})
	var p city.Policies
	hq.Get("/v1/hq/policies").OK().JSON(&p)
	if p.CommissionBPS != 1000 || p.FreeCancelHours != 2 || p.CancelFeeBPS != 2000 || p.OnTheWayFeeBPS != 5000 || p.AfterSaleWindowDays != 7 || p.PaymentTimeoutMin != 15 {
		t.Fatalf("built-in policies: %+v", p)
	}
	hq.Put("/v1/hq/policies", map[string]any{"commission_bps": 1500, "free_cancel_hours": 5, "cancel_fee_bps": 3000, "on_the_way_fee_bps": 6000,
		"aftersale_window_days": 10, "payment_timeout_min": 20}).OK().JSON(&p)
	if p.CommissionBPS != 1500 || p.FreeCancelHours != 5 || len(p.Set) != 6 || p.UpdatedAt == nil {
		t.Fatalf("after PUT: %+v", p)
	}
	for _, code := range []string{"sz", "bj"} {
		st := settingsOf(t, code)
		if st.FreeCancelBefore != 5*time.Hour || st.CancelFeeBPS != 3000 || st.OnTheWayFeeBPS != 6000 || st.AfterSaleWindow != 10*24*time.Hour || st.PaymentTimeout != 20*time.Minute {
			t.Fatalf("%s's booking rules do not follow HQ: %+v", code, st)
		}
	}
	// Inside a city transaction booking reads them from the cache, never HQ.
	must(t, tenants.WithTx(ctxFor(t, "sz"), func(ctx context.Context) error {
		st, err := env.P.Booking.Settings(ctx)
		if err == nil && st.FreeCancelBefore != 5*time.Hour {
			t.Errorf("in a transaction: %+v", st)
		}
		return err
	}))

	sz := env.Client(t).In("sz").As(adminToken(t, "sz"))
	var cp city.CityPolicies
	sz.Get("/v1/admin/policies").OK().JSON(&cp)
	if cp.City != "sz" || cp.FreeCancelHours != (city.PolicyValue{Value: 5, Source: "hq", Platform: 5}) || cp.CommissionBPS != 1000 {
		t.Fatalf("sz's view: %+v", cp)
	}
	sz.Put("/v1/admin/policies", map[string]any{"free_cancel_hours": 1, "cancel_fee_bps": 1000}).OK().JSON(&cp)
	if cp.FreeCancelHours != (city.PolicyValue{Value: 1, Source: "city", Platform: 5}) || cp.CancelFeeBPS.Source != "city" || cp.PaymentTimeoutMin.Source != "hq" {
		t.Fatalf("sz's own: %+v", cp)
	}
	if st := settingsOf(t, "sz"); st.FreeCancelBefore != time.Hour || st.CancelFeeBPS != 1000 {
		t.Fatalf("sz's booking rules: %+v", st)
	}
	if st := settingsOf(t, "bj"); st.FreeCancelBefore != 5*time.Hour || st.CancelFeeBPS != 3000 {
		t.Fatalf("bj changed with sz: %+v", st)
	}
	// HQ changes again: bj follows, sz keeps its own.
	hq.Put("/v1/hq/policies", map[string]any{"free_cancel_hours": 6}).OK()
	if st := settingsOf(t, "bj"); st.FreeCancelBefore != 6*time.Hour {
		t.Fatalf("bj: %+v", st)
	}
	if st := settingsOf(t, "sz"); st.FreeCancelBefore != time.Hour {
		t.Fatalf("sz lost its own value: %+v", st)
	}
	sz.Put("/v1/admin/policies", map[string]any{"reset": []string{"free_cancel_hours"}}).OK().JSON(&cp)
	if cp.FreeCancelHours != (city.PolicyValue{Value: 6, Source: "hq", Platform: 6}) || cp.CancelFeeBPS.Value != 1000 {
		t.Fatalf("after reset: %+v", cp)
	}
	if st := settingsOf(t, "sz"); st.FreeCancelBefore != 6*time.Hour || st.CancelFeeBPS != 1000 {
		t.Fatalf("sz after reset: %+v", st)
	}
	// HQ reads (and sets) a city's own values through the city.
	var bjView city.CityPolicies
	env.Client(t).In("bj").As(hqTok).Get("/v1/admin/policies").OK().JSON(&bjView)
	if bjView.City != "bj" || bjView.FreeCancelHours.Source != "hq" {
		t.Fatalf("HQ's view of bj: %+v", bjView)
	}

	sz.Put("/v1/admin/policies", map[string]any{"cancel_fee_bps": 20000}).WantError(400, "invalid_input")
	sz.Put("/v1/admin/policies", map[string]any{"free_cancel_hours": -1}).WantError(400, "invalid_input")
	sz.Put("/v1/admin/policies", map[string]any{"reset": []string{"commission_bps"}}).WantError(400, "invalid_input")
	hq.Put("/v1/hq/policies", map[string]any{"commission_bps": 9000}).WantError(400, "invalid_input")
	hq.Put("/v1/hq/policies", map[string]any{"cancel_fee_bps": 12.5}).WantError(400, "invalid_input")
	hq.Put("/v1/hq/policies", map[string]any{"payment_timeout_min": 0}).WantError(400, "invalid_input")
	_, op := session(t, "city:sz", app.RoleCityOperator, 0, 0)
	env.Client(t).In("sz").As(op).Get("/v1/admin/policies").WantError(403, "forbidden")
	_, hqOp := session(t, "hq", app.RoleHQOperator, 0, 0)
	env.Client(t).As(hqOp).Get("/v1/hq/policies").OK()
	env.Client(t).As(hqOp).Put("/v1/hq/policies", map[string]any{"free_cancel_hours": 3}).WantError(403, "forbidden")

	created, err := env.P.Cities.Create(context.Background(), apptest.CityInput("cd"))
	must(t, err)
	if created.City.CommissionBPS != 1500 {
		t.Fatalf("a new city's commission: %d, want HQ's 1500", created.City.CommissionBPS)
	}
	var audit struct {
		Items []struct{ Action, City string }
	}
	hq.Get("/v1/hq/audit?action=city_policy.update&limit=5").OK().JSON(&audit)
	if len(audit.Items) < 2 || audit.Items[0].City != "sz" {
		t.Fatalf("city policy changes are not audited: %+v", audit.Items)
	}
	hq.Get("/v1/hq/audit?action=platform_policy.update&limit=5").OK().JSON(&audit)
	if len(audit.Items) < 2 {
		t.Fatalf("platform policy changes are not audited: %+v", audit.Items)
	}
}
