package city_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/city"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// dump reads every row of every table of a schema (but the migrator's) as
// text, sorted: two dumps are equal when the data is.
func dump(t testing.TB, db *sql.DB, schema string) map[string][]string {
	t.Helper()
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'", schema)
	must(t, err)
	var names []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		names = append(names, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, n := range names {
		rs, err := db.Query("SELECT * FROM `" + schema + "`.`" + n + "`")
		must(t, err)
		cols, _ := rs.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		lines := []string{}
		for rs.Next() {
			must(t, rs.Scan(ptrs...))
			var b strings.Builder
			for _, v := range vals {
				if v == nil {
					b.WriteString("NULL|")
				} else {
					b.WriteString(hex.EncodeToString(v) + "|")
				}
			}
			lines = append(lines, b.String())
		}
		must(t, rs.Err())
		rs.Close()
		sort.Strings(lines)
		out[strings.TrimSuffix(n, "__moved")] = lines // a moved city's old tables
	}
	return out
}

func diffDumps(a, b map[string][]string) []string {
	var out []string
	for n, rows := range a {
		if strings.Join(rows, "\n") != strings.Join(b[n], "\n") {
			out = append(out, fmt.Sprintf("%s (%d rows vs %d)", n, len(rows), len(b[n])))
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			out = append(out, n+" (only on one side)")
		}
	}
	sort.Strings(out)
	return out
}

func mainDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", apptest.MySQLDSN())
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func schemaOn(t testing.TB, db *sql.DB, schema string) bool {
	t.Helper()
	var n int
	must(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", schema).Scan(&n))
	return n == 1
}

func countWhere(t testing.TB, db *sql.DB, schema, table, where string, args ...any) int {
	t.Helper()
	var n int
	must(t, db.QueryRow("SELECT COUNT(*) FROM `"+schema+"`.`"+table+"` WHERE "+where, args...).Scan(&n))
	return n
}

// HQ moves a city to a placement on another MariaDB server: bookings pause
// in that city only while it moves, every table arrives identical, the
// city then answers from the new server, and the old schema is kept. A
// move back onto the kept copy is refused; once it is gone, the city moves
// back over the API and the copy it leaves is dropped on request.
func TestMove_CityMovesToAnotherServerWithItsDataIdentical(t *testing.T) {
	ctx := context.Background()
	_, err := env.P.Cities.Create(ctx, apptest.CityInput("gz"))
	must(t, err)
	schema := env.P.Reg.CitySchema("gz")
	gzShop, szShop := newShop(t, "gz"), newShop(t, "sz")
	gzCust, szCust := newCustomer(t, "gz"), newCustomer(t, "sz")
	bookIn(t, gzShop, gzCust).Want(201)
	// Enough orders to cross insert batches, phones and addresses sealed.
	var bulk []booking.Order
	base := time.Now().UTC().Add(-time.Hour)
	for i := 0; i < 1200; i++ {
		ph := fmt.Sprintf("139%08d", i)
		bulk = append(bulk, booking.Order{OrderNo: fmt.Sprintf("GZ%010d", i), CustomerID: int64(5000 + i%37), MerchantID: gzShop.Merchant.ID, ServiceItemID: gzShop.Item.ID,
			Status: booking.StCompleted, SlotStart: base, SlotEnd: base.Add(time.Hour), DurationMin: 60, Title: "日常保洁 " + fmt.Sprint(i), CategoryCode: "daily_cleaning",
			AddressID: 1, ContactName: "李四", PhoneEnc: env.P.Box.Seal(ph), PhoneMasked: pii.MaskPhone(ph), AddressEnc: env.P.Box.Seal("广州市天河区体育西路" + fmt.Sprint(i) + "号"),
			AddressMasked: "广州市天河区****", Lat: 23.13 + float64(i)/1e7, Lng: 113.32, Requirements: strings.Repeat("需", i%50), PriceModel: booking.PriceFixed,
			PriceFen: int64(10000 + i), TotalFen: int64(10000 + i), PaidFen: int64(10000 + i), FinishPhotos: []string{"a.jpg"},
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond), UpdatedAt: base})
	}
	must(t, tenants.DB(ctxFor(t, "gz")).CreateInBatches(bulk, 300).Error)
	// Let the booking's background work settle (outbox handed over).
	apptest.Eventually(t, 15*time.Second, "gz's outbox drained", func() bool {
		return countWhere(t, mainDB(t), schema, "outbox_messages", "sent_at IS NULL") == 0
	})
	time.Sleep(time.Second)

	hq := env.Client(t).As(hqToken(t))
	src, dst := mainDB(t), target.db(t)
	before, err := env.P.Reg.Lookup("gz") // what a copy that missed the switch would still use
	must(t, err)
	var mu sync.Mutex
	var steps []string
	var gzCopying, gzDuring, szDuring *apptest.Resp
	var gzFlag bool
	var diffs []string
	var srcRows int
	res, err := env.P.HQ.Move(ctx, "gz", city.MoveInput{Placement: "target"}, func(step, detail string) {
		mu.Lock()
		steps = append(steps, step)
		mu.Unlock()
		switch step {
		case city.StepCopied:
			// The first copy runs while the city still takes bookings: an
			// order booked right after the orders were copied must be
			// copied again.
			if strings.HasPrefix(detail, "orders ") && gzCopying == nil {
				gzCopying = bookIn(t, gzShop, gzCust)
			}
		case city.StepVerifying:
			// Paused and drained: what changed since is copied again.
			gzDuring = bookIn(t, gzShop, gzCust)
			szDuring = bookIn(t, szShop, szCust)
			var c city.City
			hq.Get("/v1/hq/cities/gz").OK().JSON(&c)
			gzFlag = c.BookingsPaused
		case city.StepSwitching:
			a, b := dump(t, src, schema), dump(t, dst, schema)
			diffs = diffDumps(a, b)
			srcRows = len(a["orders"])
		}
	})
	must(t, err)
	t.Logf("moved gz: %d tables, %d rows, %d rounds, paused %d ms, took %d ms", len(res.Tables), res.Rows, res.Rounds, res.PausedMillisec, res.TookMillisec)
	if gzDuring.Status != 503 || gzDuring.Code() != "bookings_paused" || !gzFlag {
		t.Fatalf("gz during the move: %d %s (paused flag %v)", gzDuring.Status, gzDuring.Body, gzFlag)
	}
	if gzCopying == nil || gzCopying.Status != 201 {
		t.Fatalf("gz while its first copy runs: %+v", gzCopying)
	}
	if res.Rounds < 2 {
		t.Fatalf("the order booked during the first copy was not copied again: %+v", res)
	}
	if szDuring.Status != 201 {
		t.Fatalf("sz during gz's move: %d %s", szDuring.Status, szDuring.Body)
	}
	if len(diffs) != 0 {
		t.Fatalf("data differs between the old and the new schema at the switch: %v", diffs)
	}
	if srcRows != 1202 {
		t.Fatalf("old schema holds %d orders, want 1202", srcRows)
	}
	if res.From != "main" || res.To != "target" || res.SourceDropped || res.Rows < 1202 {
		t.Fatalf("result: %+v", res)
	}
	for _, tc := range res.Tables {
		if tc.Table == "orders" && tc.Rows != 1202 {
			t.Fatalf("orders copied: %+v", tc)
		}
	}
	var main []string
	copied := 0
	for _, s := range steps {
		if s == city.StepCopied {
			copied++
			continue
		}
		main = append(main, s)
	}
	if strings.Join(main, ",") != "creating,copying,paused,draining,verifying,retiring,switching,resuming,done" || copied < len(res.Tables) {
		t.Fatalf("steps: %v", steps)
	}
	// The city now lives on the target and takes bookings there.
	c, err := env.P.Reg.Lookup("gz")
	must(t, err)
	if c.Placement != "target" || c.BookingsPaused {
		t.Fatalf("registry: placement %s paused %v", c.Placement, c.BookingsPaused)
	}
	var o booking.OrderView
	bookIn(t, gzShop, gzCust).Want(201).JSON(&o)
	if countWhere(t, dst, schema, "orders", "id = ?", o.ID) != 1 || countWhere(t, src, schema, "orders__moved", "order_no = ?", o.OrderNo) != 0 {
		t.Fatal("a new order did not land on the new placement only")
	}
	if !schemaOn(t, src, schema) || countWhere(t, src, schema, "orders__moved", "1 = 1") != 1202 {
		t.Fatal("the old schema was not kept (its tables renamed)")
	}
	// Whatever still aims at the old placement fails; it cannot write where
	// nobody reads.
	stray := booking.Order{OrderNo: "GZSTRAY", Status: booking.StCompleted, SlotStart: base, SlotEnd: base, CreatedAt: base, UpdatedAt: base}
	if err := tenants.DB(tenants.WithCity(ctx, before)).Create(&stray).Error; err == nil || !strings.Contains(err.Error(), "doesn't exist") {
		t.Fatalf("a write through the old placement: %v", err)
	}
	var cross city.CrossList[city.HQOrder]
	hq.Get("/v1/hq/orders?city=gz&limit=1").OK().JSON(&cross)
	if len(cross.Items) != 1 || cross.Items[0].OrderNo != o.OrderNo {
		t.Fatalf("HQ does not see gz on its new placement: %+v", cross)
	}

	// Back onto the kept copy: refused, nothing changes.
	hq.Post("/v1/hq/cities/gz/move", city.MoveInput{Placement: "main"}).WantError(409, "target_schema_exists")
	if c, _ := env.P.Reg.Lookup("gz"); c.Placement != "target" || c.BookingsPaused {
		t.Fatalf("after a refused move: placement %s paused %v", c.Placement, c.BookingsPaused)
	}
	hq.Post("/v1/hq/cities/gz/move", city.MoveInput{Placement: "target"}).WantError(409, "already_on_placement")
	hq.Post("/v1/hq/cities/gz/move", city.MoveInput{Placement: "nowhere"}).WantError(400, "unknown_placement")
	hq.Post("/v1/hq/cities/zz/move", city.MoveInput{Placement: "main"}).WantError(404, "city_not_found")

	// Without the old copy, back over the API, dropping what it leaves.
	must(t, env.P.Reg.DropSchema(ctx, "main", schema))
	var back city.MoveResult
	hq.Post("/v1/hq/cities/gz/move", city.MoveInput{Placement: "main", DropSource: true}).OK().JSON(&back)
	if !back.SourceDropped || back.From != "target" || back.To != "main" {
		t.Fatalf("move back: %+v", back)
	}
	if schemaOn(t, dst, schema) {
		t.Fatal("the source was not dropped")
	}
	if countWhere(t, src, schema, "orders", "id = ?", o.ID) != 1 {
		t.Fatal("the order booked on the target did not come back")
	}
	bookIn(t, gzShop, gzCust).Want(201)
	var moves []city.Move
	hq.Get("/v1/hq/cities/gz/moves").OK().JSON(&moves)
	if len(moves) != 3 || moves[0].Status != city.MoveDone || moves[1].Status != city.MoveFailed || moves[2].Status != city.MoveDone {
		t.Fatalf("moves: %+v", moves)
	}
	var audit struct {
		Items []struct{ Action, Outcome string }
	}
	hq.Get("/v1/hq/audit?action=city.move&limit=10").OK().JSON(&audit)
	if len(audit.Items) < 3 {
		t.Fatalf("moves are not audited: %+v", audit.Items)
	}
}

// A move that fails undoes itself: the target's half-made schema is
// dropped, bookings resume, the city stays where it was. Only one move of
// a city runs at a time.
func TestMove_FailureLeavesTheCityWhereItWas(t *testing.T) {
	ctx := app.WithActor(context.Background(), app.Actor{AccountID: 1, Role: app.RoleHQAdmin, Scope: "hq"})
	_, err := env.P.Cities.Create(ctx, apptest.CityInput("wh"))
	must(t, err)
	schema := env.P.Reg.CitySchema("wh")
	dst := target.db(t)
	stays := func(what string) {
		t.Helper()
		c, err := env.P.Reg.Lookup("wh")
		must(t, err)
		var row city.City
		must(t, env.P.Reg.HQ(ctx).Where("code = 'wh'").Take(&row).Error)
		if c.Placement != "main" || c.BookingsPaused || row.BookingsPaused || row.Placement != "main" {
			t.Fatalf("%s: the city is on %s, paused %v/%v", what, c.Placement, c.BookingsPaused, row.BookingsPaused)
		}
		if schemaOn(t, dst, schema) {
			t.Fatalf("%s: a half-made copy is left on the target", what)
		}
	}

	_, err = env.P.HQ.Move(ctx, "wh", city.MoveInput{Placement: "dead"}, nil)
	if app.KindOf(err) != app.KindUnavailable || !strings.Contains(err.Error(), "move_failed") {
		t.Fatalf("move to an unreachable server: %v", err)
	}
	stays("unreachable target")

	// A source unlike a freshly migrated schema fails after the target was
	// created and migrated.
	must(t, env.P.Reg.HQ(ctx).Exec("ALTER TABLE `"+schema+"`.settings ADD COLUMN stray INT NULL").Error)
	var created bool
	_, err = env.P.HQ.Move(ctx, "wh", city.MoveInput{Placement: "target"}, func(step, _ string) {
		if step == city.StepCopying {
			created = schemaOn(t, dst, schema)
		}
	})
	if !created || app.KindOf(err) != app.KindUnavailable || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("move of a stray schema: created %v, %v", created, err)
	}
	stays("schemas differ")
	must(t, env.P.Reg.HQ(ctx).Exec("ALTER TABLE `"+schema+"`.settings DROP COLUMN stray").Error)

	// A failure once the source tables were retired gives them their names
	// back: the switch finds the city's placement changed under the move.
	_, err = env.P.HQ.Move(ctx, "wh", city.MoveInput{Placement: "target"}, func(step, _ string) {
		if step == city.StepSwitching {
			must(t, env.P.Reg.HQ(ctx).Exec("UPDATE "+env.P.Reg.HQTable("cities")+" SET placement = 'dead' WHERE code = 'wh'").Error)
		}
	})
	if app.KindOf(err) != app.KindUnavailable || !strings.Contains(err.Error(), "placement changed") {
		t.Fatalf("a switch under a changed placement: %v", err)
	}
	must(t, env.P.Reg.HQ(ctx).Exec("UPDATE "+env.P.Reg.HQTable("cities")+" SET placement = 'main' WHERE code = 'wh'").Error)
	must(t, env.P.Reg.Load(ctx))
	stays("switch refused")
	if countWhere(t, mainDB(t), schema, "skills", "1 = 1") == 0 {
		t.Fatal("the source tables did not get their names back")
	}

	// One move at a time.
	release := make(chan struct{})
	inCopy := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := env.P.HQ.Move(ctx, "wh", city.MoveInput{Placement: "target"}, func(step, _ string) {
			if step == city.StepCopying {
				close(inCopy)
				<-release
			}
		})
		done <- err
	}()
	<-inCopy
	_, err = env.P.HQ.Move(ctx, "wh", city.MoveInput{Placement: "target"}, nil)
	close(release)
	if app.KindOf(err) != app.KindConflict || !strings.Contains(err.Error(), "move_in_progress") {
		t.Fatalf("a second move at once: %v", err)
	}
	must(t, <-done)
	if c, _ := env.P.Reg.Lookup("wh"); c.Placement != "target" || c.BookingsPaused {
		t.Fatalf("after the move: %s paused %v", c.Placement, c.BookingsPaused)
	}
	moves, err := env.P.HQ.Moves(ctx, "wh")
	must(t, err)
	if len(moves) != 4 || moves[0].Status != city.MoveDone || moves[1].Status != city.MoveFailed || moves[3].Status != city.MoveFailed {
		t.Fatalf("moves: %+v", moves)
	}
}
