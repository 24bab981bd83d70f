package city_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/city"
)

// HQ onboards a city through the API: schema created, migrated, seeded, its
// first admin invited; the admin signs in and acts there; suspend makes its
// customer pages say so and resume reopens it.
func TestCity_OnboardSuspendResumeThroughTheAPI(t *testing.T) {
	e := apptest.New(t)
	hq := e.Client(t).As(e.HQAdmin(t, apptest.Phone(800)).AccessToken)
	var created city.Created
	hq.Post("/v1/hq/cities", map[string]any{"code": "hz", "name": "杭州", "name_en": "Hangzhou", "zone": "Asia/Shanghai", "admin_phone": apptest.Phone(801)}).
		Want(201).JSON(&created)
	if created.City.Code != "hz" || created.AdminID == 0 {
		t.Fatalf("created %+v", created)
	}
	hq.Post("/v1/hq/cities", map[string]any{"code": "hz", "name": "杭州"}).WantError(409, "city_exists")
	hq.Post("/v1/hq/cities", map[string]any{"code": "Hz!", "name": "x"}).WantError(400, "invalid_city_code")
	hq.Post("/v1/hq/cities", map[string]any{"code": "hq", "name": "x"}).WantError(400, "invalid_city_code")
	hq.Post("/v1/hq/cities", map[string]any{"code": "nz", "name": "x", "zone": "Mars/Olympus"}).WantError(400, "invalid_time_zone")
	hq.Post("/v1/hq/cities", map[string]any{"code": "nz", "name": "x", "placement": "nowhere"}).WantError(400, "unknown_placement")

	admin := e.Act(t, apptest.Phone(801), "city:hz", app.RoleCityAdmin)
	e.Client(t).In("hz").As(admin.AccessToken).Get("/v1/admin/operators").OK()

	hq.Post("/v1/hq/cities/hz/suspend", nil).OK()
	e.Client(t).In("hz").Get("/v1/city").WantError(403, "city_suspended")
	e.Client(t).In("hz").As(admin.AccessToken).Get("/v1/admin/operators").OK() // its operators still reach it
	hq.Post("/v1/hq/cities/hz/resume", nil).OK()
	e.Client(t).In("hz").Get("/v1/city").OK()
	e.Client(t).In("nowhere").Get("/v1/city").WantError(404, "city_not_found")
	// a city admin cannot onboard cities, nor list where they live
	e.Client(t).As(admin.AccessToken).Post("/v1/hq/cities", map[string]any{"code": "xx", "name": "x"}).WantError(403, "forbidden")
	e.Client(t).As(admin.AccessToken).Get("/v1/hq/placements").WantError(403, "forbidden")

	// HQ sees the configured placements and where the cities are
	var pls []city.Placement
	hq.Get("/v1/hq/placements").OK().JSON(&pls)
	if len(pls) != 1 || pls[0].Name != "main" || !pls[0].Default || !pls[0].HQ || pls[0].Cities < 1 {
		t.Fatalf("placements %+v", pls)
	}
}

// BenchmarkCityCreate reports how long onboarding one city takes end to end
// (claim the code, create the schema, run every city migration, seed, open).
func BenchmarkCityCreate(b *testing.B) {
	e := apptest.New(b, apptest.NoServe())
	ctx := context.Background()
	b.ResetTimer()
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := e.P.Cities.Create(ctx, apptest.CityInput(fmt.Sprintf("b%04d", i))); err != nil {
			b.Fatal(err)
		}
		if d := time.Since(start); d > worst {
			worst = d
		}
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
}
