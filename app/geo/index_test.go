package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

var shenzhenCenter = Point{Lat: 22.54, Lng: 114.06}

// around returns a point uniformly spread over the disc of radiusM around c.
func around(rng *rand.Rand, c Point, radiusM float64) Point {
	return destinationOf(c, rng.Float64()*360, radiusM*math.Sqrt(rng.Float64()))
}

// destinationOf is the point distM from p along the great circle starting at
// bearingDeg clockwise from north.
func destinationOf(p Point, bearingDeg, distM float64) Point {
	d, b := distM/EarthRadiusM, bearingDeg*rad
	lat1, lng1 := p.Lat*rad, p.Lng*rad
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(b))
	lng2 := lng1 + math.Atan2(math.Sin(b)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	return Point{Lat: lat2 / rad, Lng: lng2 / rad}
}

// bruteForce is what Nearby must return, computed the slow, obvious way.
func bruteForce(all map[int64]Entry, center Point, radiusM float64, keep func(*Entry) bool, limit int) []Candidate {
	var out []Candidate
	for _, e := range all {
		if !e.OnDuty {
			continue
		}
		if d := Distance(center, e.Pos); d <= radiusM && (keep == nil || keep(&e)) {
			out = append(out, Candidate{e, d})
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(a.DistanceM, b.DistanceM), cmp.Compare(a.ID, b.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func sameCandidates(got, want []Candidate) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d candidates, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("candidate %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	return nil
}

type filter struct {
	name string
	keep func(*Entry) bool
}

func randomFilter(rng *rand.Rand) filter {
	skill := uint64(1) << rng.IntN(8)
	loadCap := rng.IntN(10)
	merchant := int64(1 + rng.IntN(5))
	minRating := 3 + 2*rng.Float64()
	switch rng.IntN(6) {
	case 0:
		return filter{"everyone", nil}
	case 1:
		return filter{"accept all", func(*Entry) bool { return true }}
	case 2:
		return filter{fmt.Sprintf("skill %b", skill), func(e *Entry) bool { return e.Skills&skill != 0 }}
	case 3:
		return filter{fmt.Sprintf("skill %b, load < %d", skill, loadCap), func(e *Entry) bool { return e.Skills&skill != 0 && e.Load < loadCap }}
	case 4:
		return filter{fmt.Sprintf("merchant %d", merchant), func(e *Entry) bool { return e.MerchantID == merchant }}
	default:
		return filter{fmt.Sprintf("rating >= %.2f", minRating), func(e *Entry) bool { return e.Rating >= minRating }}
	}
}

// offices are where several staff report from at once, so distances tie.
var offices = []Point{{Lat: 22.5431, Lng: 114.0579}, {Lat: 22.5329, Lng: 113.9305}, {Lat: 22.6, Lng: 114.1}}

func randomEntry(rng *rand.Rand, id int64) Entry {
	pos := around(rng, shenzhenCenter, 30_000)
	if rng.IntN(20) == 0 {
		pos = offices[rng.IntN(len(offices))]
	}
	return Entry{
		ID:         id,
		Pos:        pos,
		OnDuty:     rng.IntN(4) != 0,
		Skills:     rng.Uint64() & 0xff,
		Load:       rng.IntN(10),
		Rating:     3 + 2*rng.Float64(),
		MerchantID: int64(1 + rng.IntN(5)),
	}
}

func TestIndex_NearbyMatchesBruteForce(t *testing.T) {
	for _, cellM := range []float64{300, DefaultCellM, 2500} {
		t.Run(fmt.Sprintf("cell=%vm", cellM), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(cellM)))
			ix := NewIndex(cellM)
			all := make(map[int64]Entry)
			nextID := int64(1)
			for range 5000 {
				e := randomEntry(rng, nextID)
				nextID++
				all[e.ID] = e
				if err := ix.Upsert(e); err != nil {
					t.Fatal(err)
				}
			}
			for round := range 4 {
				if ix.Len() != len(all) {
					t.Fatalf("round %d: Len() = %d, want %d", round, ix.Len(), len(all))
				}
				for range 250 {
					center := around(rng, shenzhenCenter, 35_000)
					radius := 500 * math.Pow(40, rng.Float64()) // 500 m – 20 km
					f := randomFilter(rng)
					limit := []int{0, 1, 5, 50, 500}[rng.IntN(5)]
					got := ix.Nearby(center, radius, f.keep, limit)
					want := bruteForce(all, center, radius, f.keep, limit)
					if err := sameCandidates(got, want); err != nil {
						t.Fatalf("round %d: Nearby(%v, %.0f m, %s, %d): %v", round, center, radius, f.name, limit, err)
					}
				}
				// Then the city moves on: pings within and across cells, shift
				// changes, people leaving and joining.
				ids := make([]int64, 0, len(all))
				for id := range all {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				for range 2000 {
					id := ids[rng.IntN(len(ids))]
					e, ok := all[id]
					if !ok {
						continue // removed earlier this round
					}
					switch rng.IntN(6) {
					case 0, 1:
						e.Pos = destinationOf(e.Pos, rng.Float64()*360, rng.Float64()*200)
						if err := ix.Move(id, e.Pos); err != nil {
							t.Fatal(err)
						}
					case 2:
						e.Pos = around(rng, shenzhenCenter, 30_000)
						e.Load++
						if err := ix.Upsert(e); err != nil {
							t.Fatal(err)
						}
					case 3:
						e.OnDuty = !e.OnDuty
						if err := ix.SetDuty(id, e.OnDuty); err != nil {
							t.Fatal(err)
						}
					case 4:
						if !ix.Remove(id) {
							t.Fatalf("Remove(%d) found nobody", id)
						}
						delete(all, id)
						continue
					case 5:
						e = randomEntry(rng, nextID)
						nextID++
						if err := ix.Upsert(e); err != nil {
							t.Fatal(err)
						}
					}
					all[e.ID] = e
				}
				for id, want := range all {
					if got, ok := ix.Get(id); !ok || got != want {
						t.Fatalf("round %d: Get(%d) = %+v, %v; want %+v", round, id, got, ok, want)
					}
				}
			}
		})
	}
}

// The rim is where a grid that guesses a longitude step per city loses
// people; walk it at every latitude China spans.
func TestIndex_FindsEveryoneJustInsideTheRadiusAtChineseLatitudes(t *testing.T) {
	for _, cellM := range []float64{500, 1000, 2000} {
		for lat := 18.0; lat <= 54; lat += 4 {
			for _, radius := range []float64{500, 5000, 20_000} {
				center := Point{Lat: lat + 0.123, Lng: 100 + lat/2}
				ix := NewIndex(cellM)
				inside := map[int64]bool{}
				for deg := range 720 {
					bearing := float64(deg) / 2
					in := destinationOf(center, bearing, radius*(1-1e-7))
					out := destinationOf(center, bearing, radius*(1+1e-7))
					for _, e := range []Entry{{ID: int64(2 * deg), Pos: in, OnDuty: true}, {ID: int64(2*deg + 1), Pos: out, OnDuty: true}} {
						if err := ix.Upsert(e); err != nil {
							t.Fatal(err)
						}
					}
					if Distance(center, in) <= radius {
						inside[int64(2*deg)] = true
					}
					if Distance(center, out) <= radius {
						t.Fatalf("test setup: %v is not outside", out)
					}
				}
				got := ix.Nearby(center, radius, nil, 0)
				if len(got) != len(inside) || len(inside) != 720 {
					t.Errorf("cell %v m, center %v, radius %v m: found %d of %d on the rim", cellM, center, radius, len(got), len(inside))
				}
				for _, c := range got {
					if !inside[c.ID] {
						t.Errorf("cell %v m, center %v, radius %v m: found %d at %.3f m", cellM, center, radius, c.ID, c.DistanceM)
					}
				}
			}
		}
	}
}

// A query must not touch cells that cannot hold anyone within the radius.
// The first and last cell a query visits in each row are checked against
// their nearest boundary point, sampled finely; the cells between them are
// nearer to the circle's center line, hence touched as well.
func TestIndex_VisitsOnlyCellsTheCircleCanTouch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		cellM := []float64{500, 1000, 2000}[rng.IntN(3)]
		ix := NewIndex(cellM)
		center := Point{Lat: 18 + 36*rng.Float64(), Lng: 75 + 60*rng.Float64()}
		radius := 500 * math.Pow(40, rng.Float64())
		sp := ix.span(center, radius)
		visited, boxCells := 0, 0
		for row := sp.rowLo; row <= sp.rowHi; row++ {
			lo, hi, ok := sp.cols(row)
			if !ok {
				t.Fatalf("row %d of the span is outside it", row)
			}
			visited += int(hi-lo) + 1
			for _, col := range []int32{lo, hi} {
				if d := cellDistance(ix, center, cellKey{row, col}); d > radius+cellM/100 {
					t.Fatalf("cell %v m, center %v, radius %.0f m: cell (%d,%d) is %.0f m away", cellM, center, radius, row, col, d)
				}
			}
			w := ix.colDeg(row)
			boxCells += int(math.Floor((center.Lng+sp.widestHalfDeg)/w)-math.Floor((center.Lng-sp.widestHalfDeg)/w)) + 1
		}
		if radius > 4*cellM && visited >= boxCells {
			t.Errorf("cell %v m, radius %.0f m: visits %d cells, as many as the bounding box (%d)", cellM, radius, visited, boxCells)
		}
	}
}

func spanCells(sp span) int {
	n := 0
	for row := sp.rowLo; row <= sp.rowHi; row++ {
		lo, hi, _ := sp.cols(row)
		n += int(hi-lo) + 1
	}
	return n
}

// Dispatch wants the nearest few: once they are found the walk must stop
// rather than look at every cell out to the radius, and it must never look
// beyond the cells the radius allows.
func TestIndex_NearestFirstStopsOnceTheNearestAreFound(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	ix := NewIndex(1000)
	for id := range int64(20_000) {
		if err := ix.Upsert(Entry{ID: id, Pos: around(rng, shenzhenCenter, 20_000), OnDuty: true}); err != nil {
			t.Fatal(err)
		}
	}
	all := spanCells(ix.span(shenzhenCenter, 5000))
	q := newSearch(shenzhenCenter, 5000, nil, 20)
	ix.collect(&q)
	if len(q.out) != 20 || q.cells > all/4 {
		t.Errorf("nearest 20 of 16 per km²: %d found in %d of %d cells", len(q.out), q.cells, all)
	}
	q = newSearch(shenzhenCenter, 5000, nil, 0)
	ix.collect(&q)
	if q.cells != all {
		t.Errorf("everyone within 5 km: %d of %d cells looked up", q.cells, all)
	}
	for range 500 {
		center := around(rng, shenzhenCenter, 25_000)
		radius := 500 * math.Pow(40, rng.Float64())
		q := newSearch(center, radius, nil, 1+rng.IntN(300))
		ix.collect(&q)
		if all := spanCells(ix.span(center, radius)); q.cells > all {
			t.Fatalf("center %v, radius %.0f m, limit %d: %d cells looked up, the span has %d", center, radius, q.limit, q.cells, all)
		}
	}
}

// cellDistance is how far the nearest point of a cell is from p, by sampling
// its boundary (p is never inside a cell it is tested against and far away).
func cellDistance(ix *Index, p Point, k cellKey) float64 {
	latLo, latHi := float64(k.row)*ix.cellDeg, float64(k.row+1)*ix.cellDeg
	w := ix.colDeg(k.row)
	lngLo, lngHi := float64(k.col)*w, float64(k.col+1)*w
	if p.Lat >= latLo && p.Lat < latHi && p.Lng >= lngLo && p.Lng < lngHi {
		return 0
	}
	best := math.Inf(1)
	const steps = 400
	for i := range steps + 1 {
		f := float64(i) / steps
		lat, lng := latLo+f*(latHi-latLo), lngLo+f*(lngHi-lngLo)
		for _, q := range []Point{{lat, lngLo}, {lat, lngHi}, {latLo, lng}, {latHi, lng}} {
			best = min(best, Distance(p, q))
		}
	}
	return best
}

func TestIndex_NearbyAcrossTheCountryWalksTheCells(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	ix := NewIndex(0)
	all := map[int64]Entry{}
	cities := []Point{shenzhenCenter, {Lat: 39.9087, Lng: 116.3975}, {Lat: 31.2304, Lng: 121.4737}, {Lat: 45.75, Lng: 126.63}, {Lat: 18.25, Lng: 109.5}}
	for id := range int64(2000) {
		e := Entry{ID: id, Pos: around(rng, cities[id%5], 20_000), OnDuty: id%3 != 0, Load: int(id % 7)}
		all[id] = e
		if err := ix.Upsert(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, radius := range []float64{1_200_000, 2_000_000, 3_500_000, 30_000_000, math.Inf(1)} {
		for _, limit := range []int{0, 10} {
			got := ix.Nearby(shenzhenCenter, radius, nil, limit)
			if err := sameCandidates(got, bruteForce(all, shenzhenCenter, radius, nil, limit)); err != nil {
				t.Errorf("radius %v m, limit %d: %v", radius, limit, err)
			}
		}
	}
	if got := len(ix.Nearby(shenzhenCenter, math.Inf(1), nil, 0)); got != 1333 {
		t.Errorf("an unbounded radius found %d, want all 1333 on duty", got)
	}
}

func TestIndex_MovesDutyAndRemovalShowInTheNextQuery(t *testing.T) {
	ix := NewIndex(1000)
	home := shenzhenCenter
	wang := Entry{ID: 1, Pos: destinationOf(home, 90, 300), OnDuty: true, Skills: 0b01, Rating: 4.9, MerchantID: 7}
	li := Entry{ID: 2, Pos: destinationOf(home, 0, 2500), OnDuty: true, Skills: 0b11, MerchantID: 7}
	for _, e := range []Entry{wang, li} {
		if err := ix.Upsert(e); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []int64 {
		var out []int64
		for _, c := range ix.Nearby(home, 3000, nil, 0) {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("start: %v", got)
	}

	// Wang drives 5 km east, several cells away.
	if err := ix.Move(1, destinationOf(home, 90, 5000)); err != nil {
		t.Fatal(err)
	}
	if got := ids(); !slices.Equal(got, []int64{2}) {
		t.Fatalf("after Wang moved away: %v", got)
	}
	if got := ix.Nearby(destinationOf(home, 90, 5000), 100, nil, 0); len(got) != 1 || got[0].ID != 1 || got[0].Rating != 4.9 || got[0].DistanceM > 0.01 {
		t.Fatalf("Wang at his new place: %+v", got)
	}

	// Li ends his shift; his location and tags are kept for the morning.
	if err := ix.SetDuty(2, false); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 0 {
		t.Fatalf("after Li went off duty: %v", got)
	}
	if e, ok := ix.Get(2); !ok || e.OnDuty || e.Pos != li.Pos || e.Skills != 0b11 {
		t.Fatalf("Li off duty: %+v, %v", e, ok)
	}
	// A ping while off duty moves him without putting him back on duty.
	if err := ix.Move(2, destinationOf(home, 0, 1000)); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 0 {
		t.Fatalf("after an off-duty ping: %v", got)
	}
	if err := ix.SetDuty(2, true); err != nil {
		t.Fatal(err)
	}
	if got := ix.Nearby(home, 3000, nil, 0); len(got) != 1 || got[0].ID != 2 || math.Abs(got[0].DistanceM-1000) > 0.01 {
		t.Fatalf("Li back on duty: %+v", got)
	}

	// Upsert replaces tags too.
	li.Pos, li.Load = destinationOf(home, 0, 1000), 5
	if err := ix.Upsert(li); err != nil {
		t.Fatal(err)
	}
	if got := ix.Nearby(home, 3000, func(e *Entry) bool { return e.Load < 5 }, 0); len(got) != 0 {
		t.Fatalf("Li at load 5 passed a load < 5 filter: %+v", got)
	}

	if !ix.Remove(2) || ix.Remove(2) {
		t.Fatal("Remove should find Li once")
	}
	if _, ok := ix.Get(2); ok || ix.Len() != 1 {
		t.Fatalf("after removing Li: Len %d", ix.Len())
	}
	if !ix.Remove(1) || ix.Len() != 0 || len(ix.cells) != 0 {
		t.Fatalf("after removing everyone: Len %d, %d cells left", ix.Len(), len(ix.cells))
	}
}

func TestIndex_EqualDistancesGoByID(t *testing.T) {
	ix := NewIndex(0)
	office := destinationOf(shenzhenCenter, 45, 1200)
	for _, id := range []int64{9, 3, 7, 1, 5} {
		if err := ix.Upsert(Entry{ID: id, Pos: office, OnDuty: true}); err != nil {
			t.Fatal(err)
		}
	}
	var got []int64
	for _, c := range ix.Nearby(shenzhenCenter, 2000, nil, 3) {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, []int64{1, 3, 5}) {
		t.Fatalf("three of five at one office: %v, want [1 3 5]", got)
	}
}

func TestIndex_RefusesUnknownStaffAndImpossibleFixes(t *testing.T) {
	ix := NewIndex(0)
	if err := ix.Upsert(Entry{ID: 1, OnDuty: true}); !errors.Is(err, ErrInvalidPoint) {
		t.Errorf("Upsert at 0,0: %v", err)
	}
	if err := ix.Upsert(Entry{ID: 1, Pos: Point{Lat: 114.06, Lng: 22.54}}); !errors.Is(err, ErrInvalidPoint) {
		t.Errorf("Upsert with lat and lng swapped: %v", err)
	}
	if err := ix.Move(1, shenzhenCenter); !errors.Is(err, ErrNotIndexed) {
		t.Errorf("Move of an unknown id: %v", err)
	}
	if err := ix.SetDuty(1, true); !errors.Is(err, ErrNotIndexed) {
		t.Errorf("SetDuty of an unknown id: %v", err)
	}
	if err := ix.Upsert(Entry{ID: 1, Pos: shenzhenCenter, OnDuty: true}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Move(1, Point{Lat: math.NaN(), Lng: 114}); !errors.Is(err, ErrInvalidPoint) {
		t.Errorf("Move to NaN: %v", err)
	}
	if e, _ := ix.Get(1); e.Pos != shenzhenCenter {
		t.Errorf("a refused move changed the position to %v", e.Pos)
	}
	for _, q := range []struct {
		c Point
		r float64
	}{{Point{}, 1000}, {shenzhenCenter, 0}, {shenzhenCenter, -5}, {shenzhenCenter, math.NaN()}} {
		if got := ix.Nearby(q.c, q.r, nil, 0); got != nil {
			t.Errorf("Nearby(%v, %v) = %v, want nil", q.c, q.r, got)
		}
	}
}

func TestIndex_PanickingFilterLeavesTheIndexUsable(t *testing.T) {
	ix := NewIndex(0)
	if err := ix.Upsert(Entry{ID: 1, Pos: shenzhenCenter, OnDuty: true}); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		ix.Nearby(shenzhenCenter, 1000, func(*Entry) bool { panic("bad filter") }, 0)
	}()
	if err := ix.Move(1, destinationOf(shenzhenCenter, 0, 10)); err != nil {
		t.Fatal(err)
	}
}

func TestIndex_NearbyAllocatesOnlyTheResult(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	ix := NewIndex(0)
	for id := range int64(10_000) {
		if err := ix.Upsert(Entry{ID: id, Pos: around(rng, shenzhenCenter, 20_000), OnDuty: true, Skills: 1 << (id % 4)}); err != nil {
			t.Fatal(err)
		}
	}
	keep := func(e *Entry) bool { return e.Skills&1 != 0 }
	for _, limit := range []int{50, 200} {
		var n int
		allocs := testing.AllocsPerRun(50, func() { n = len(ix.Nearby(shenzhenCenter, 10_000, keep, limit)) })
		if n != limit || allocs > 1 {
			t.Errorf("limit %d: %d results in %v allocations, want %d in 1", limit, n, allocs, limit)
		}
	}
}

// Dispatch reads while location pings and shift changes write; run with
// -race. Readers check what must hold for any consistent state.
func TestIndex_DispatchDuringLocationUpdates(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	ix := NewIndex(0)
	const staff = 3000
	for id := range int64(staff) {
		if err := ix.Upsert(randomEntry(rng, id)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for range 3000 {
				id := rng.Int64N(staff)
				var err error
				switch rng.IntN(10) {
				case 0:
					err = ix.SetDuty(id, rng.IntN(2) == 0)
				case 1:
					ix.Remove(id)
				case 2:
					err = ix.Upsert(randomEntry(rng, id))
				default:
					err = ix.Move(id, around(rng, shenzhenCenter, 30_000))
				}
				if err != nil && !errors.Is(err, ErrNotIndexed) { // another writer may have removed id
					errs <- err
					return
				}
			}
		})
	}
	for r := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 42))
			for range 300 {
				center := around(rng, shenzhenCenter, 30_000)
				radius := 500 + 10_000*rng.Float64()
				skill := uint64(1) << rng.IntN(8)
				got := ix.Nearby(center, radius, func(e *Entry) bool { return e.Skills&skill != 0 }, 20)
				for i, c := range got {
					if !c.OnDuty || c.Skills&skill == 0 || c.DistanceM > radius || (i > 0 && got[i-1].DistanceM > c.DistanceM) {
						errs <- fmt.Errorf("reader got %+v at %d", c, i)
						return
					}
				}
				ix.Get(rng.Int64N(staff))
				ix.Len()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
