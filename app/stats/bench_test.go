package stats_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/tenants"
)

// The daily rollup over 100,000 orders: one city-local day of 100,000
// orders with their history (about 515,000 order events), 80,000 payments,
// 10,000 refunds, 30,000 reviews, 1,400 after-sales cases and 35,000
// dispatch offers, over 200 merchants, plus 20,000 older orders of
// returning customers. Each op recomputes the day and writes every figure
// (the day's rows are deleted before each op, off the clock).
//
//	go test ./app/stats -run '^$' -bench RollupDay100k -benchtime 5x
func BenchmarkRollupDay100kOrders(b *testing.B) {
	ctx, day := benchDay(b)
	table := tenants.Table(ctx, "figures")
	var n int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		must(b, tenants.DB(ctx).Exec("DELETE FROM "+table+" WHERE day = ?", day).Error)
		b.StartTimer()
		var err error
		if n, err = env.P.Stats.RollupDay(ctx, day); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if want := 23 + 200*8; n != want {
		b.Fatalf("rollup wrote %d rows, want %d", n, want)
	}
	var placed int64
	must(b, tenants.DB(ctx).Raw("SELECT value FROM "+table+" WHERE day = ? AND merchant_id = 0 AND measure = 'orders_placed'", day).Scan(&placed).Error)
	if placed != 100000 {
		b.Fatalf("orders_placed %d", placed)
	}
}

// BenchmarkRollupDay100kOrdersUnchanged is the scheduled case: the same day
// again with nothing new, so nothing is written.
func BenchmarkRollupDay100kOrdersUnchanged(b *testing.B) {
	ctx, day := benchDay(b)
	if _, err := env.P.Stats.RollupDay(ctx, day); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := env.P.Stats.RollupDay(ctx, day)
		if err != nil || n != 0 {
			b.Fatalf("re-run wrote %d rows: %v", n, err)
		}
	}
}

var (
	benchOnce sync.Once
	benchCtx  context.Context
	benchErr  error
)

const benchDayStr = "2025-06-18"

// benchDay makes city "bm" and fills its day once per test binary.
func benchDay(b *testing.B) (context.Context, string) {
	b.Helper()
	benchOnce.Do(func() {
		start := time.Now()
		ctx := context.Background()
		if _, benchErr = env.P.Cities.Create(ctx, apptest.CityInput("bm")); benchErr != nil {
			return
		}
		c, err := env.P.Reg.Lookup("bm")
		if err != nil {
			benchErr = err
			return
		}
		benchCtx = app.WithActor(tenants.WithCity(ctx, c), app.System)
		benchErr = seed(benchCtx, c.Loc)
		b.Logf("seeded city bm in %s", time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchCtx, benchDayStr
}

// inserter batches rows into multi-row INSERTs of up to 2,000 rows.
type inserter struct {
	ctx   context.Context
	head  string
	rows  []string
	total int
}

func (in *inserter) add(format string, args ...any) error {
	in.rows = append(in.rows, fmt.Sprintf(format, args...))
	if len(in.rows) == 2000 {
		return in.flush()
	}
	return nil
}

func (in *inserter) flush() error {
	if len(in.rows) == 0 {
		return nil
	}
	err := tenants.DB(in.ctx).Exec(in.head + strings.Join(in.rows, ",")).Error
	in.total += len(in.rows)
	in.rows = in.rows[:0]
	return err
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// seed writes the benchmark's day with explicit ids, so the history rows
// name their orders without reading them back.
func seed(ctx context.Context, loc *time.Location) error {
	d, _ := time.ParseInLocation(time.DateOnly, benchDayStr, loc)
	t := func(n string) string { return tenants.Table(ctx, n) }
	orders := &inserter{ctx: ctx, head: "INSERT INTO " + t("orders") + " (id, order_no, customer_id, merchant_id, service_item_id, staff_id, status, slot_start, slot_end," +
		" duration_min, title, category_code, address_id, contact_name, phone_enc, phone_masked, address_enc, address_masked, lat, lng, price_model," +
		" price_fen, total_fen, paid_fen, paid_at, created_at, updated_at) VALUES "}
	events := &inserter{ctx: ctx, head: "INSERT INTO " + t("order_events") + " (order_id, event, from_status, to_status, actor_role, at) VALUES "}
	pays := &inserter{ctx: ctx, head: "INSERT INTO " + t("payments") + " (id, payment_no, order_id, customer_id, kind, method, amount_fen, status, paid_at, expires_at, created_at, updated_at) VALUES "}
	refunds := &inserter{ctx: ctx, head: "INSERT INTO " + t("refunds") + " (refund_no, payment_id, order_id, amount_fen, source, status, created_at, completed_at) VALUES "}
	reviews := &inserter{ctx: ctx, head: "INSERT INTO " + t("reviews") + " (order_id, customer_id, merchant_id, service_item_id, staff_id, overall, punctuality, skill, attitude, photos, created_at, updated_at) VALUES "}
	cases := &inserter{ctx: ctx, head: "INSERT INTO " + t("aftersales") + " (order_id, customer_id, merchant_id, staff_id, reason, photos, status, created_at, updated_at) VALUES "}
	offers := &inserter{ctx: ctx, head: "INSERT INTO " + t("dispatch_offers") + " (order_id, round, staff_id, status, offered_at, deadline, responded_at) VALUES "}

	const day, history = 100000, 20000
	var payID int64
	for i := 1; i <= day+history; i++ {
		var created time.Time
		if i <= history {
			created = d.AddDate(0, 0, -1-i%30).Add(time.Duration(i%86400) * time.Second) // returning customers' older orders
		} else {
			created = d.Add(time.Duration(int64(i-history-1) * int64(24*time.Hour) / day)) // spread over the day
		}
		cust := 1000000 + i%60000
		merch := 1 + i%200
		staffID := 1 + i%2000
		kind := i % 10
		if i <= history {
			kind = 9
		}
		status := map[bool]string{true: "completed", false: "pending_payment"}[kind <= 6]
		switch kind {
		case 7:
			status = "cancelled"
		case 8:
			status = "expired"
		}
		paid := kind <= 7
		paidAt, paidSQL := created.Add(3*time.Minute), "NULL"
		if paid {
			paidSQL = "'" + ts(paidAt) + "'"
		}
		if err := orders.add("(%d,'BM%010d',%d,%d,%d,%d,'%s','%s','%s',60,'日常保洁','cleaning',1,'李',x'01','138****0000',x'01','南山区****',22.5,113.9,'fixed',10000,10000,%d,%s,'%s','%s')",
			i, i, cust, merch, merch, staffID, status, ts(created.Add(48*time.Hour)), ts(created.Add(49*time.Hour)), map[bool]int{true: 10000}[paid], paidSQL, ts(created), ts(created)); err != nil {
			return err
		}
		ev := func(name, from, to string, at time.Time) error {
			return events.add("(%d,'%s','%s','%s','system','%s')", i, name, from, to, ts(at))
		}
		if err := ev("create", "", "pending_payment", created); err != nil {
			return err
		}
		if paid {
			payID++
			if err := pays.add("(%d,'PBM%010d',%d,%d,'full','sandbox',10000,'paid','%s','%s','%s','%s')", payID, payID, i, cust, ts(paidAt), ts(paidAt), ts(created), ts(paidAt)); err != nil {
				return err
			}
			if err := ev("pay", "pending_payment", "dispatching", paidAt); err != nil {
				return err
			}
		}
		switch {
		case kind <= 6:
			at := paidAt
			if i%2 == 0 { // dispatched, with an offer
				at = at.Add(time.Duration(30+i%300) * time.Second)
				if err := ev("assign", "dispatching", "assigned", at); err != nil {
					return err
				}
				if err := offers.add("(%d,1,%d,'%s','%s','%s','%s')", i, staffID, map[bool]string{true: "accepted", false: "declined"}[i%10 != 0],
					ts(at.Add(-20*time.Second)), ts(at.Add(40*time.Second)), ts(at)); err != nil {
					return err
				}
			}
			for j, step := range [][3]string{{"depart", "assigned", "on_the_way"}, {"arrive", "on_the_way", "arrived"}, {"start", "arrived", "in_service"}, {"finish", "in_service", "completed"}} {
				if err := ev(step[0], step[1], step[2], at.Add(time.Duration(j+1)*time.Minute)); err != nil {
					return err
				}
			}
			done := at.Add(5 * time.Minute)
			if kind <= 2 {
				if err := reviews.add("(%d,%d,%d,%d,%d,%d,5,5,5,'[]','%s','%s')", i, cust, merch, merch, staffID, 1+i%5, ts(done), ts(done)); err != nil {
					return err
				}
			}
			if i%50 == 0 {
				if err := cases.add("(%d,%d,%d,%d,'quality','[]','open','%s','%s')", i, cust, merch, staffID, ts(done), ts(done)); err != nil {
					return err
				}
			}
		case kind == 7:
			at := paidAt.Add(10 * time.Minute)
			if err := ev("cancel", "dispatching", "cancelled", at); err != nil {
				return err
			}
			if err := refunds.add("('RBM%010d',%d,%d,10000,'cancel','succeeded','%s','%s')", i, payID, i, ts(at), ts(at.Add(time.Minute))); err != nil {
				return err
			}
		case kind == 8:
			if err := ev("expire", "pending_payment", "expired", created.Add(15*time.Minute)); err != nil {
				return err
			}
		}
	}
	for _, in := range []*inserter{orders, events, pays, refunds, reviews, cases, offers} {
		if err := in.flush(); err != nil {
			return err
		}
	}
	// Statistics as a live server would have them after a day of writes.
	return tenants.DB(ctx).Exec("ANALYZE TABLE " + t("orders") + ", " + t("order_events") + ", " + t("payments") + ", " + t("refunds") + ", " + t("reviews") + ", " + t("dispatch_offers")).Error
}
