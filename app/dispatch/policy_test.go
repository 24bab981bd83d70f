package dispatch_test

import (
	"context"
	"testing"

	"doorstep/app/audit"
	"doorstep/app/dispatch"
	"doorstep/tenants"
)

// The city sets its default policy (validated, audited); a merchant's
// owner overrides it for the merchant and drops the override again; the
// effective policy is the merchant's, else the city's, else the built-in
// one. Not parallel: the city default would reach the other tests' shops.
func TestPolicy_CityDefaultMerchantOverrideAndValidation(t *testing.T) {
	ctx := cityCtx(t)
	t.Cleanup(func() {
		must(t, tenants.DB(ctx).Exec("DELETE FROM "+tenants.Table(ctx, "dispatch_policies")+" WHERE merchant_id = 0").Error)
	})
	admin := client(t, granted(t, "city_admin", 0, 0))
	var v dispatch.PolicyView
	admin.Get("/v1/admin/dispatch-policy").OK().JSON(&v)
	if v.Source != dispatch.SourceBuiltIn || v.Policy.OfferTimeoutS != 60 || v.Policy.MaxRounds != 3 || v.Policy.DailyLoadCap != 6 {
		t.Fatalf("built-in %+v", v)
	}
	for _, bad := range []struct {
		in    dispatch.PolicyInput
		field string
	}{
		{dispatch.PolicyInput{RadiusM: ptr(100)}, "radius_m"},
		{dispatch.PolicyInput{RadiusM: ptr(60000)}, "radius_m"},
		{dispatch.PolicyInput{OfferTimeoutS: ptr(10)}, "offer_timeout_s"},
		{dispatch.PolicyInput{OfferTimeoutS: ptr(3600)}, "offer_timeout_s"},
		{dispatch.PolicyInput{Weights: &dispatch.Weights{}}, "weights"},
		{dispatch.PolicyInput{Weights: &dispatch.Weights{Distance: -1, Rating: 2}}, "weights.distance"},
		{dispatch.PolicyInput{MinRating: ptr(6.0)}, "min_rating"},
		{dispatch.PolicyInput{CertSkills: &[]string{"Nursing!"}}, "cert_skills"},
	} {
		r := admin.Put("/v1/admin/dispatch-policy", bad.in).WantError(400, "invalid_input")
		if !contains(r.Body, bad.field) {
			t.Fatalf("%+v: %s", bad.in, r.Body)
		}
	}
	admin.Put("/v1/admin/dispatch-policy", dispatch.PolicyInput{RadiusM: ptr(8000), MaxRounds: ptr(4)}).OK().JSON(&v)
	if v.Source != dispatch.SourceCity || v.Policy.RadiusM != 8000 || v.Policy.MaxRounds != 4 || v.Policy.OfferTimeoutS != 60 || v.UpdatedAt == nil {
		t.Fatalf("city %+v", v)
	}
	entries, err := env.P.Audit.List(context.Background(), audit.Filter{City: "sz", Action: "dispatch_policy.update"})
	must(t, err)
	if len(entries.Items) == 0 || entries.Items[0].TargetID != "city" {
		t.Fatalf("audit %+v", entries.Items)
	}

	sh := newShop(t)
	owner := client(t, sh.Owner)
	owner.Get("/v1/merchant/dispatch-policy").OK().JSON(&v)
	if v.Source != dispatch.SourceCity || v.Policy.RadiusM != 8000 {
		t.Fatalf("merchant before its own %+v", v)
	}
	// The owner may not change the city's policy, however the role matrix reads.
	owner.Put("/v1/admin/dispatch-policy", dispatch.PolicyInput{RadiusM: ptr(9000)}).WantError(403, "city_operator_required")
	client(t, granted(t, "merchant_dispatcher", sh.Merchant.ID, 0)).Put("/v1/merchant/dispatch-policy", dispatch.PolicyInput{RadiusM: ptr(9000)}).Want(403)

	owner.Put("/v1/merchant/dispatch-policy", dispatch.PolicyInput{OfferTimeoutS: ptr(30)}).OK().JSON(&v)
	if v.Source != dispatch.SourceMerchant || v.MerchantID != sh.Merchant.ID || v.Policy.OfferTimeoutS != 30 || v.Policy.RadiusM != 8000 || v.Policy.MaxRounds != 4 {
		t.Fatalf("merchant's own %+v", v)
	}
	// The shop still sees what the city's default is, without a city role.
	if v.CityDefault == nil || v.CityDefault.OfferTimeoutS != 60 || v.CityDefault.RadiusM != 8000 {
		t.Fatalf("city default beside the merchant's own: %+v", v.CityDefault)
	}
	eff, err := env.P.Dispatch.Effective(ctx, sh.Merchant.ID)
	must(t, err)
	if eff.Policy.OfferTimeoutS != 30 {
		t.Fatalf("effective %+v", eff)
	}
	owner.Delete("/v1/merchant/dispatch-policy", nil).OK().JSON(&v)
	if v.Source != dispatch.SourceCity || v.Policy.OfferTimeoutS != 60 {
		t.Fatalf("after dropping the override %+v", v)
	}
}
