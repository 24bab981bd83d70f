package geo_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"doorstep/app/geo"
)

// The dispatch query: staff within 5 km who have skill bit 0 (about one in
// four) and fewer than 8 jobs today (about four in five), nearest 50.
const (
	benchRadiusM = 5000
	benchLimit   = 50
	benchLoadCap = 8
)

func benchKeep(e *geo.Entry) bool { return e.Skills&1 != 0 && e.Load < benchLoadCap }

// benchCity is n on-duty staff spread uniformly over a 40 km × 40 km square
// around Shenzhen, and query centers spread over the same square.
func benchCity(n int) (staff []geo.Entry, queries []geo.Point) {
	rng := rand.New(rand.NewPCG(2024, uint64(n)))
	at := func() geo.Point { return offset(shenzhen, (rng.Float64()-0.5)*40_000, (rng.Float64()-0.5)*40_000) }
	staff = make([]geo.Entry, n)
	for i := range staff {
		staff[i] = geo.Entry{
			ID:         int64(i + 1),
			Pos:        at(),
			OnDuty:     true,
			Skills:     1 << rng.IntN(4),
			Load:       rng.IntN(10),
			Rating:     3 + 2*rng.Float64(),
			MerchantID: int64(1 + rng.IntN(20)),
		}
	}
	queries = make([]geo.Point, 1024)
	for i := range queries {
		queries[i] = at()
	}
	return staff, queries
}

func buildIndex(b *testing.B, cellM float64, staff []geo.Entry) *geo.Index {
	ix := geo.NewIndex(cellM)
	for _, e := range staff {
		if err := ix.Upsert(e); err != nil {
			b.Fatal(err)
		}
	}
	return ix
}

func benchmarkNearby(b *testing.B, n int) {
	staff, queries := benchCity(n)
	for _, cellM := range []float64{500, 1000, 2000} {
		b.Run(fmt.Sprintf("cell=%gm", cellM), func(b *testing.B) {
			ix := buildIndex(b, cellM, staff)
			b.ReportAllocs()
			i, found := 0, 0
			for b.Loop() {
				found += len(ix.Nearby(queries[i%len(queries)], benchRadiusM, benchKeep, benchLimit))
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "found/op")
		})
	}
}

func BenchmarkNearby10k(b *testing.B)  { benchmarkNearby(b, 10_000) }
func BenchmarkNearby100k(b *testing.B) { benchmarkNearby(b, 100_000) }

// BenchmarkBruteForce100k is the query without an index: every distance,
// then a sort of the matches.
func BenchmarkBruteForce100k(b *testing.B) {
	staff, queries := benchCity(100_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		center := queries[i%len(queries)]
		i++
		var out []geo.Candidate
		for k := range staff {
			e := &staff[k]
			if d := geo.Distance(center, e.Pos); d <= benchRadiusM && benchKeep(e) {
				out = append(out, geo.Candidate{Entry: *e, DistanceM: d})
			}
		}
		slices.SortFunc(out, func(a, b geo.Candidate) int {
			return cmp.Or(cmp.Compare(a.DistanceM, b.DistanceM), cmp.Compare(a.ID, b.ID))
		})
		_ = out[:min(len(out), benchLimit)]
	}
}

// BenchmarkNearby100kDuringPings measures the query while a writer applies
// location pings at 20,000 a second (100,000 staff each reporting every five
// seconds), the write load the read lock has to live with.
func BenchmarkNearby100kDuringPings(b *testing.B) {
	staff, queries := benchCity(100_000)
	ix := buildIndex(b, geo.DefaultCellM, staff)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(1, 1))
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range 20 {
				e := &staff[rng.IntN(len(staff))]
				if err := ix.Move(e.ID, offset(e.Pos, rng.Float64()*100-50, rng.Float64()*100-50)); err != nil {
					panic(err)
				}
			}
		}
	})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Nearby(queries[i%len(queries)], benchRadiusM, benchKeep, benchLimit)
		i++
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
}

// BenchmarkMove100k is one location ping: mostly within the same cell, now
// and then into the next one.
func BenchmarkMove100k(b *testing.B) {
	staff, _ := benchCity(100_000)
	ix := buildIndex(b, geo.DefaultCellM, staff)
	rng := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	for b.Loop() {
		e := &staff[rng.IntN(len(staff))]
		e.Pos = offset(e.Pos, rng.Float64()*100-50, rng.Float64()*100-50)
		if err := ix.Move(e.ID, e.Pos); err != nil {
			b.Fatal(err)
		}
	}
}
