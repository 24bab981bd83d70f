package stats_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/stats"
)

var bom = []byte("\xEF\xBB\xBF")

// readCSV checks an answer is a CSV attachment with a BOM and parses it.
func readCSV(t *testing.T, r *apptest.Resp) [][]string {
	t.Helper()
	r.OK()
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) || !strings.Contains(cd, ".csv") {
		t.Fatalf("content disposition %q", cd)
	}
	if !bytes.HasPrefix(r.Body, bom) {
		t.Fatalf("no UTF-8 BOM: % x", r.Body[:min(8, len(r.Body))])
	}
	if !bytes.Contains(r.Body, []byte("\r\n")) {
		t.Fatal("lines do not end in CRLF")
	}
	rd := csv.NewReader(bytes.NewReader(r.Body[len(bom):]))
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("not valid CSV: %v\n%s", err, r.Body)
	}
	return rows
}

// The orders export survives commas, quotes, line breaks and Chinese in
// what customers typed, defuses formulas, and pages through every order
// (newest first) with GET /v1/admin/orders' filters.
func TestCSV_OrdersExportEscapesWhatCustomersTypedAndPagesThroughAll(t *testing.T) {
	city := freshCity(t)
	sh := newShop(t, city, 12800, 0)
	// 250 older rows so the export pages (100 a page) several times.
	day := daysAgo(3)
	for i := 0; i < 250; i++ {
		pastOrder(t, city, sh.Merchant.ID, 1000+int64(i), localAt(day, 9, 0, i, 0), booking.StPendingPayment)
	}
	c := newCustomer(t)
	ad := address(t, city, c)
	tricky := "门口有猫，请轻敲门, \"别按门铃\"\n二楼右转;\r\n谢谢"
	formula := "=HYPERLINK(\"http://evil.example\",\"点我\")"
	o1 := book(t, city, c, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(3, 10), AddressID: ad.ID, Requirements: tricky})
	o2 := book(t, city, c, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(3, 12), AddressID: ad.ID, Requirements: formula})
	admin := client(t, city, granted(t, city, app.RoleCityAdmin, 0, 0))
	mine := fmt.Sprintf("merchant_id=%d", sh.Merchant.ID)

	rows := readCSV(t, admin.Get("/v1/admin/orders.csv?"+mine))
	header := rows[0]
	if header[0] != "id" || !slices.Contains(header, "requirements") || !slices.Contains(header, "phone") {
		t.Fatalf("header %v", header)
	}
	col := func(name string) int { return slices.Index(header, name) }
	if len(rows) != 1+252 {
		t.Fatalf("%d rows, want 252 orders and the header", len(rows)-1)
	}
	byNo := map[string][]string{}
	var ids []string
	for _, r := range rows[1:] {
		if len(r) != len(header) {
			t.Fatalf("row of %d fields, header %d: %v", len(r), len(header), r)
		}
		byNo[r[col("order_no")]] = r
		ids = append(ids, r[col("id")])
	}
	if got := byNo[o1.OrderNo][col("requirements")]; got != strings.ReplaceAll(tricky, "\r\n", "\n") {
		// encoding/csv reads \r\n inside a quoted field as \n, as Excel does.
		t.Fatalf("requirements came back as %q, want %q", got, tricky)
	}
	if got := byNo[o2.OrderNo][col("requirements")]; got != "'"+formula {
		t.Fatalf("a formula is exported as %q, want it defused with a leading apostrophe", got)
	}
	if got := byNo[o1.OrderNo][col("phone")]; strings.Contains(got, "12345678") || got == "" {
		t.Fatalf("phone exported as %q, want it masked", got)
	}
	if byNo[o1.OrderNo][col("title")] != "日常保洁" || byNo[o1.OrderNo][col("total_fen")] != "12800" {
		t.Fatalf("row %v", byNo[o1.OrderNo])
	}
	if ids[0] != fmt.Sprint(o2.ID) || ids[1] != fmt.Sprint(o1.ID) {
		t.Fatalf("not newest first: %v", ids[:3])
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("order %s exported twice", id)
		}
		seen[id] = true
	}

	// The list's filters apply: the 250 have their slots two days after
	// they were placed, the day before none has.
	rows = readCSV(t, admin.Get("/v1/admin/orders.csv?"+mine+"&from="+addDay(day, 2)+"&to="+addDay(day, 2)))
	if len(rows) != 1+250 {
		t.Fatalf("%d rows on the day of the 250 slots", len(rows)-1)
	}
	rows = readCSV(t, admin.Get("/v1/admin/orders.csv?"+mine+"&from="+addDay(day, 1)+"&to="+addDay(day, 1)))
	if len(rows) != 1 {
		t.Fatalf("%d rows for a day without slots", len(rows)-1)
	}
	admin.Get("/v1/admin/orders.csv?status=bogus").WantError(400, "invalid_input")
	client(t, city, sh.Owner).Get("/v1/admin/orders.csv").WantError(403, "forbidden")
}

// Figures and trends come as CSV too: a day column then one column per
// measure, zeros for days without figures.
func TestCSV_FiguresAndTrendsAsSpreadsheets(t *testing.T) {
	city := freshCity(t)
	day := daysAgo(50)
	pastOrder(t, city, 5, 1, localAt(day, 10, 0, 0, 0), booking.StPendingPayment)
	pastOrder(t, city, 5, 2, localAt(day, 11, 0, 0, 0), booking.StPendingPayment)
	rollup(t, city, day)
	admin := client(t, city, granted(t, city, app.RoleCityAdmin, 0, 0))

	rows := readCSV(t, admin.Get("/v1/admin/figures?format=csv&from="+addDay(day, -1)+"&to="+day+"&measures=orders_placed,new_customers"))
	want := [][]string{{"day", "orders_placed", "new_customers"}, {addDay(day, -1), "0", "0"}, {day, "2", "2"}}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Fatalf("figures csv %v, want %v", rows, want)
	}
	rows = readCSV(t, admin.Get("/v1/admin/figures?format=csv&from="+day+"&to="+day))
	if len(rows[0]) != 1+len(stats.CityMeasures) || rows[1][0] != day {
		t.Fatalf("all measures csv %v", rows)
	}
	rows = readCSV(t, admin.Get("/v1/admin/figures/trend?format=csv&measure=orders_placed&from="+day+"&to="+addDay(day, 1)))
	if !slices.EqualFunc(rows, [][]string{{"day", "orders_placed"}, {day, "2"}, {addDay(day, 1), "0"}}, slices.Equal) {
		t.Fatalf("trend csv %v", rows)
	}
	// An error is still an error, not a broken file.
	admin.Get("/v1/admin/figures?format=csv&measures=nope").WantError(400, "unknown_measure")

	// HQ exports all cities the same way.
	must(t, env.P.Stats.HandlePlatform(app.WithActor(t.Context(), app.System), nil))
	_, err := env.P.Stats.HQRollup(app.WithActor(t.Context(), app.System), stats.HQRollupInput{Day: day, City: city})
	must(t, err)
	rows = readCSV(t, client(t, "", hqAdmin(t)).Get("/v1/hq/figures?format=csv&city="+city+"&measures=orders_placed&from="+day+"&to="+day))
	if !slices.EqualFunc(rows, [][]string{{"day", "orders_placed"}, {day, "2"}}, slices.Equal) {
		t.Fatalf("hq csv %v", rows)
	}
}
