package dispatch_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"doorstep/app/dispatch"
	"doorstep/tenants"
)

// The full decision over a 40 km x 40 km city: the index query (the
// merchant's nearest 50 on duty within 5 km), the facts about them (from
// memory, as the database would answer), the hard filters, the scores and
// the explanation's JSON. The target is under 1 ms at 100,000
// staff; brute force over every staff member is the baseline.
func benchmarkDecide(b *testing.B, n int, withDB bool) {
	city := dispatch.NewBenchCity(n, shanghai)
	ctx := context.Background()
	if withDB {
		ctx = cityCtx(b)
		seedBusy(b, ctx, city)
		city.UseDatabaseBusy()
	}
	b.ReportAllocs()
	i, considered, size, chosen := 0, 0, 0, 0
	for b.Loop() {
		id, c, sz, err := city.Decide(ctx, i)
		if err != nil {
			b.Fatal(err)
		}
		i++
		considered += c
		size += sz
		if id != 0 {
			chosen++
		}
	}
	b.ReportMetric(float64(considered)/float64(i), "considered/op")
	b.ReportMetric(float64(size)/float64(i), "json-bytes/op")
	b.ReportMetric(float64(chosen)/float64(i), "chosen/op")
}

func BenchmarkDecide10k(b *testing.B)  { benchmarkDecide(b, 10_000, false) }
func BenchmarkDecide100k(b *testing.B) { benchmarkDecide(b, 100_000, false) }

// BenchmarkDecide100kWithBusyQuery is the same decision with one real
// set-based reservations query against MariaDB (staff_slots holding the
// bench city's reservations).
func BenchmarkDecide100kWithBusyQuery(b *testing.B) { benchmarkDecide(b, 100_000, true) }

// BenchmarkDecideBruteForce100k judges the same nearest 50 found by
// measuring every staff member's distance.
func BenchmarkDecideBruteForce100k(b *testing.B) {
	city := dispatch.NewBenchCity(100_000, shanghai)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := city.BruteForce(ctx, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

var seeded = map[int]bool{}

// seedBusy writes the bench city's reservations into staff_slots once (ids
// far above the tests' staff), at the bench jobs' time.
func seedBusy(b *testing.B, ctx context.Context, city *dispatch.BenchCity) {
	ids := city.BusyIDs()
	if seeded[len(ids)] {
		return
	}
	seeded[len(ids)] = true
	start := city.JobStart()
	const base = 1_000_000_000
	table := tenants.Table(ctx, "staff_slots")
	now := time.Now().UTC()
	for lo := 0; lo < len(ids); lo += 1000 {
		hi := min(lo+1000, len(ids))
		var sb strings.Builder
		args := make([]any, 0, 4*(hi-lo))
		sb.WriteString("INSERT IGNORE INTO " + table + " (staff_id, slot_start, order_id, created_at) VALUES ")
		for k, id := range ids[lo:hi] {
			if k > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("(?,?,?,?)")
			args = append(args, id, start, base+id, now)
		}
		if err := tenants.DB(ctx).Exec(sb.String(), args...).Error; err != nil {
			b.Fatal(fmt.Errorf("seed reservations: %w", err))
		}
	}
}
