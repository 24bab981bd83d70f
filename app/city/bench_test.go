package city_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"doorstep/app/apptest"
	"doorstep/app/city"
)

// BenchmarkCrossCityOrders100Cities times one page (20 orders) of HQ's
// order list over 100 city schemas on one placement, 50 orders each: the
// fan-out (16 cities at a time, a deadline each), the merge and the cursor.
func BenchmarkCrossCityOrders100Cities(b *testing.B) {
	e := apptest.New(b, apptest.NoServe())
	reg := e.P.Reg
	raw, err := os.ReadFile("../../migrations/city/04002_orders.sql")
	if err != nil {
		b.Fatal(err)
	}
	ddl := string(raw)
	ddl = ddl[strings.Index(ddl, "CREATE TABLE"):strings.Index(ddl, "-- +goose Down")]
	root, err := sql.Open("mysql", apptest.MySQLDSN())
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	const cities, perCity = 100, 50
	now := time.Now().UTC().Truncate(time.Second)
	start := time.Now()
	for i := 0; i < cities; i++ {
		code := fmt.Sprintf("c%03d", i)
		schema := reg.CitySchema(code)
		var vals []string
		var args []any
		for j := 0; j < perCity; j++ {
			at := now.Add(-time.Duration(j*cities+i) * time.Second)
			vals = append(vals, "(?, 1, 1, 1, 'completed', ?, ?, 60, '日常保洁', 'cleaning', 1, '张三', x'01', '139****5678', x'01', '深圳市南山区****', 22.5, 113.9, 'fixed', 12800, 12800, ?, ?)")
			args = append(args, fmt.Sprintf("%s%010d", strings.ToUpper(code), j), at, at.Add(time.Hour), at, at)
		}
		for _, q := range []string{
			"CREATE DATABASE `" + schema + "`",
			strings.Replace(ddl, "CREATE TABLE orders", "CREATE TABLE `"+schema+"`.orders", 1),
		} {
			if _, err := root.Exec(q); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := root.Exec("INSERT INTO `"+schema+"`.orders (order_no, customer_id, merchant_id, service_item_id, status, slot_start, slot_end, duration_min,"+
			" title, category_code, address_id, contact_name, phone_enc, phone_masked, address_enc, address_masked, lat, lng, price_model, price_fen, total_fen,"+
			" created_at, updated_at) VALUES "+strings.Join(vals, ", "), args...); err != nil {
			b.Fatal(err)
		}
		if _, err := root.Exec("INSERT INTO `"+reg.HQSchema()+"`.cities (code, name, zone, status, placement, schema_name, created_at, updated_at)"+
			" VALUES (?, ?, 'Asia/Shanghai', 'active', 'main', ?, ?, ?)", code, code, schema, now, now); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	if err := reg.Load(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("made %d cities with %d orders each in %s", cities, perCity, time.Since(start).Round(time.Millisecond))
	h := e.P.HQ
	page := func(cursor string) city.CrossList[city.HQOrder] {
		pg, err := h.Orders(ctx, city.OrdersQuery{Limit: 20, Cursor: cursor})
		if err != nil {
			b.Fatal(err)
		}
		if pg.Partial || len(pg.Items) != 20 {
			b.Fatalf("partial %v (%+v), %d items", pg.Partial, pg.MissingCities, len(pg.Items))
		}
		return pg
	}
	first := page("")
	if first.Items[0].City != "c000" || first.Items[1].City != "c001" {
		b.Fatalf("not newest first across cities: %s, %s", first.Items[0].City, first.Items[1].City)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		page("")
	}
	b.StopTimer()
	// The second page, for the record: 100 positions in the cursor.
	t0 := time.Now()
	page(first.NextCursor)
	b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "page2-ms")
	b.ReportMetric(float64(len(first.NextCursor)), "cursor-bytes")
}
