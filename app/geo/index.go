package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
)

// DefaultCellM is the grid cell size NewIndex uses when given none. On a
// 40 km city with 5 km queries for the nearest 50 (index_bench_test.go), 1 km
// is the fastest at 100,000 staff (22 µs, against 24 µs at 500 m and 28 µs
// at 2 km) and within 10% of the fastest at 10,000: smaller cells spend the
// query looking up nearly empty cells, larger ones reading people who are
// too far away.
const DefaultCellM = 1000

// minCellM is the smallest cell NewIndex accepts: below it GPS noise alone
// moves people between cells on most pings, and queries look up more empty
// cells than they save entries.
const minCellM = 50

// ErrNotIndexed is returned when an update names someone the index does not hold.
var ErrNotIndexed = errors.New("not in the index")

// Entry is one staff member as dispatch sees them.
type Entry struct {
	ID         int64
	Pos        Point
	OnDuty     bool
	Skills     uint64 // bitset of the skills the person is certified for
	Load       int    // jobs taken today
	Rating     float64
	MerchantID int64
}

// Candidate is an entry Nearby found, with its distance from the query center.
type Candidate struct {
	Entry
	DistanceM float64
}

// Index is an in-memory grid of the staff of one city, answering "who is on
// duty within r meters of here" without looking at anyone far away.
//
// Only on-duty staff live in the grid; off-duty staff sit in a map by id, so
// the night shift of a city costs a query nothing.
//
// The grid has rows of equal latitude height and, per row, columns of equal
// longitude width computed from the row's middle latitude, so every cell is
// about cellM × cellM on the ground from Sanya (18°) to Mohe (53°) and beyond.
// A single reference latitude would make cells at the other end of a city
// skewed, and the index would need to know its city. Because a query computes,
// row by row, the exact longitude span of the circle (on the sphere) inside
// that row's latitude band and maps it with the same row's column width, it
// visits only cells that can hold a point within the radius and cannot miss
// one, at any latitude. The grid does not wrap at the 180th meridian.
//
// One sync.RWMutex guards everything. A query holds the read lock for tens of
// microseconds; a location or duty write holds the write lock for well under a
// microsecond. Go's RWMutex makes new readers queue behind a waiting writer,
// so a stream of dispatch queries cannot starve location updates, and a write
// waits at most for the queries already running. Sharding by cell would not
// buy more on two cores, and a query spanning shards could see a person who
// is moving between cells twice or not at all.
//
// Build one with NewIndex; the zero Index is not usable.
type Index struct {
	cellDeg float64 // row height in degrees of latitude

	mu      sync.RWMutex
	cells   map[cellKey]*cell
	onDuty  map[int64]slotRef
	offDuty map[int64]Entry
}

type cellKey struct{ row, col int32 }

type cell struct{ slots []slot }

// slot is an on-duty entry with its position as a unit vector, so a query can
// reject anyone outside the circle by chord length, without trigonometry.
type slot struct {
	x, y, z float64
	Entry
}

type slotRef struct {
	key cellKey
	i   int
}

// NewIndex returns an empty index with cells of about cellM meters a side:
// DefaultCellM when cellM <= 0, and no less than 50 m.
func NewIndex(cellM float64) *Index {
	if !(cellM > 0) {
		cellM = DefaultCellM
	}
	cellM = max(cellM, minCellM)
	return &Index{
		cellDeg: cellM / metersPerDegree,
		cells:   make(map[cellKey]*cell),
		onDuty:  make(map[int64]slotRef),
		offDuty: make(map[int64]Entry),
	}
}

// Upsert adds e or replaces the entry with its ID. Staff whose location is
// not known yet stay out of the index until their first fix, so e.Pos must
// be valid.
func (ix *Index) Upsert(e Entry) error {
	if err := e.Pos.check(); err != nil {
		return fmt.Errorf("index staff %d: %w", e.ID, err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.put(e)
	return nil
}

// Move records a new location of id and keeps everything else.
func (ix *Index) Move(id int64, p Point) error {
	if err := p.check(); err != nil {
		return fmt.Errorf("move staff %d: %w", id, err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.get(id)
	if !ok {
		return fmt.Errorf("move staff %d: %w", id, ErrNotIndexed)
	}
	e.Pos = p
	ix.put(e)
	return nil
}

// SetDuty puts id on or off duty, keeping their last location.
func (ix *Index) SetDuty(id int64, on bool) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.get(id)
	if !ok {
		return fmt.Errorf("set duty of staff %d: %w", id, ErrNotIndexed)
	}
	if e.OnDuty != on {
		e.OnDuty = on
		ix.put(e)
	}
	return nil
}

// Remove drops id and reports whether it was there.
func (ix *Index) Remove(id int64) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ref, ok := ix.onDuty[id]; ok {
		ix.unlink(id, ref)
		return true
	}
	if _, ok := ix.offDuty[id]; ok {
		delete(ix.offDuty, id)
		return true
	}
	return false
}

// Get returns a copy of the entry of id.
func (ix *Index) Get(id int64) (Entry, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.get(id)
}

// Len is the number of entries, on duty or not.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.onDuty) + len(ix.offDuty)
}

// Nearby returns the on-duty entries within radiusM meters of center for
// which keep returns true, nearest first (ties by ID), at most limit of them
// (all when limit <= 0). A nil keep keeps everyone.
//
// keep runs under the index's read lock with a pointer into the index: it
// must not modify or retain the entry, and must not call the index (a nested
// read lock deadlocks once a writer is waiting). It may be skipped for
// entries that could not make the result anyway.
func (ix *Index) Nearby(center Point, radiusM float64, keep func(e *Entry) bool, limit int) []Candidate {
	if !center.Valid() || !(radiusM > 0) {
		return nil
	}
	q := newSearch(center, radiusM, keep, limit)
	ix.collect(&q)
	q.sort()
	return q.out
}

// collect offers q every entry in the cells its circle can touch. The defer
// matters: a keep that panics must not leave the index locked for good.
func (ix *Index) collect(q *search) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	sp := ix.span(q.center, q.radiusM)
	switch {
	case sp.cellCount() > float64(2*len(ix.cells)):
		// A radius spanning far more cells than exist (a province-wide search,
		// a sparse grid): walk the cells there are instead.
		for key, c := range ix.cells {
			if lo, hi, ok := sp.cols(key.row); ok && key.col >= lo && key.col <= hi {
				q.scan(c)
			}
		}
	case q.limit > 0 && sp.rowHi-sp.rowLo < maxRingRows:
		ix.collectNearestFirst(q, sp)
	default:
		for row := sp.rowLo; row <= sp.rowHi; row++ {
			lo, hi, _ := sp.cols(row)
			for col := lo; col <= hi; col++ {
				ix.scanCell(q, row, col)
			}
		}
	}
}

// maxRingRows bounds the table of row spans collectNearestFirst keeps on the
// stack; taller spans are walked row by row.
const maxRingRows = 256

// rowSpan is the columns [lo, hi] of one row that a circle can touch, and
// mid, the column of the circle's center, which is always among them.
type rowSpan struct{ lo, hi, mid int32 }

// collectNearestFirst walks the span in square rings of cells around the
// center cell. Dispatch asks for the nearest few, and once limit entries are
// held the farthest of them is a new, smaller radius: the span shrinks to it
// and the walk stops at the first ring that lies wholly outside. With
// 100,000 staff over a 40 km city, the nearest 50 within 5 km come from about
// 10 of the 99 cells a row-by-row walk reads.
func (ix *Index) collectNearestFirst(q *search, sp span) {
	var table [maxRingRows]rowSpan
	base := sp.rowLo
	rows := table[:sp.rowHi-base+1]
	for i := range rows {
		row := base + int32(i)
		rows[i].lo, rows[i].hi, _ = sp.cols(row)
		rows[i].mid = int32(math.Floor(q.center.Lng / ix.colDeg(row)))
	}
	radius := q.radiusM
	center := ix.row(q.center.Lat)
	last := base + int32(len(rows)) - 1
	for k := int32(0); ; k++ {
		// Every row's span holds its mid column and the rows are contiguous
		// around the center row, so once a ring misses the span, all wider
		// rings do too.
		touched := false
		for row := max(center-k, base); row <= min(center+k, last); row++ {
			r := rows[row-base]
			if r.lo > r.hi {
				continue // outside the shrunken span
			}
			if row == center-k || row == center+k {
				for col := max(r.mid-k, r.lo); col <= min(r.mid+k, r.hi); col++ {
					touched = true
					ix.scanCell(q, row, col)
				}
				continue
			}
			if col := r.mid - k; col >= r.lo {
				touched = true
				ix.scanCell(q, row, col)
			}
			if col := r.mid + k; k > 0 && col <= r.hi {
				touched = true
				ix.scanCell(q, row, col)
			}
		}
		if !touched {
			return
		}
		if len(q.out) == q.limit && q.out[0].DistanceM < 0.9*radius {
			radius = q.out[0].DistanceM
			sp = ix.span(q.center, radius)
			for i := range rows {
				row := base + int32(i)
				lo, hi, ok := sp.cols(row)
				if !ok {
					lo, hi = 1, 0
				}
				rows[i].lo, rows[i].hi = lo, hi
			}
		}
	}
}

func (ix *Index) scanCell(q *search, row, col int32) {
	q.cells++
	if c := ix.cells[cellKey{row, col}]; c != nil {
		q.scan(c)
	}
}

func (ix *Index) get(id int64) (Entry, bool) {
	if ref, ok := ix.onDuty[id]; ok {
		return ix.cells[ref.key].slots[ref.i].Entry, true
	}
	e, ok := ix.offDuty[id]
	return e, ok
}

// put stores e in place of any entry with its ID. Callers hold the write lock.
func (ix *Index) put(e Entry) {
	var key cellKey
	if e.OnDuty {
		key = ix.keyOf(e.Pos)
	}
	if ref, ok := ix.onDuty[e.ID]; ok {
		if e.OnDuty && ref.key == key {
			// Most location pings stay in their cell: no map churn.
			ix.cells[key].slots[ref.i] = newSlot(e)
			return
		}
		ix.unlink(e.ID, ref)
	} else {
		delete(ix.offDuty, e.ID)
	}
	if !e.OnDuty {
		ix.offDuty[e.ID] = e
		return
	}
	c := ix.cells[key]
	if c == nil {
		c = &cell{}
		ix.cells[key] = c
	}
	c.slots = append(c.slots, newSlot(e))
	ix.onDuty[e.ID] = slotRef{key, len(c.slots) - 1}
}

// unlink takes an on-duty entry out of its cell by moving the cell's last
// slot into its place.
func (ix *Index) unlink(id int64, ref slotRef) {
	c := ix.cells[ref.key]
	last := len(c.slots) - 1
	if ref.i != last {
		c.slots[ref.i] = c.slots[last]
		ix.onDuty[c.slots[ref.i].ID] = ref
	}
	c.slots[last] = slot{}
	c.slots = c.slots[:last]
	if last == 0 {
		// Empty cells go, so stray GPS fixes do not leave the map growing.
		delete(ix.cells, ref.key)
	}
	delete(ix.onDuty, id)
}

func newSlot(e Entry) slot {
	x, y, z := unitVector(e.Pos)
	return slot{x: x, y: y, z: z, Entry: e}
}

func unitVector(p Point) (x, y, z float64) {
	sinLat, cosLat := math.Sincos(p.Lat * rad)
	sinLng, cosLng := math.Sincos(p.Lng * rad)
	return cosLat * cosLng, cosLat * sinLng, sinLat
}

func (ix *Index) row(lat float64) int32 { return int32(math.Floor(lat / ix.cellDeg)) }

// colDeg is the column width of a row in degrees of longitude. Rows near the
// poles are capped at 89° so the width stays finite.
func (ix *Index) colDeg(row int32) float64 {
	mid := (float64(row) + 0.5) * ix.cellDeg
	return ix.cellDeg / math.Cos(min(max(mid, -89), 89)*rad)
}

func (ix *Index) keyOf(p Point) cellKey {
	row := ix.row(p.Lat)
	return cellKey{row, int32(math.Floor(p.Lng / ix.colDeg(row)))}
}

// Margins that absorb rounding, so a point Distance puts on the rim is never
// in a cell the span leaves out. 1e-9° is about 0.1 mm.
const (
	spanSlackDeg = 1e-9
	spanSlackRel = 1e-9
)

// span is the set of cells a circle can touch.
type span struct {
	ix            *Index
	rowLo, rowHi  int32
	lng           float64 // center longitude, degrees
	lat           float64 // center latitude, radians
	d             float64 // angular radius, radians
	latLo, latHi  float64 // the circle's latitude range, radians
	tangent       float64 // latitude where the circle is widest, radians
	havD          float64 // haversine of d
	polar         bool    // the circle covers a pole: every longitude
	widestHalfDeg float64 // the circle's largest longitude half-width, degrees
}

func (ix *Index) span(center Point, radiusM float64) span {
	s := span{ix: ix, lng: center.Lng, lat: center.Lat * rad, d: min(radiusM/EarthRadiusM, math.Pi)}
	s.latLo, s.latHi = s.lat-s.d, s.lat+s.d
	s.polar = s.latHi >= math.Pi/2 || s.latLo <= -math.Pi/2
	s.latLo, s.latHi = max(s.latLo, -math.Pi/2), min(s.latHi, math.Pi/2)
	s.rowLo = ix.row(max(s.latLo/rad-spanSlackDeg, -90))
	s.rowHi = ix.row(min(s.latHi/rad+spanSlackDeg, 90))
	if s.polar {
		s.widestHalfDeg = 180
		return s
	}
	s.tangent = math.Asin(math.Sin(s.lat) / math.Cos(s.d))
	s.havD = hav(s.d)
	s.widestHalfDeg = s.halfWidthDeg(s.tangent)
	return s
}

func hav(x float64) float64 {
	s := math.Sin(x / 2)
	return s * s
}

// halfWidthDeg is how far in longitude the circle reaches at latitude phi,
// from hav(d) = hav(Δlat) + cos(lat1)·cos(lat2)·hav(Δlng), which unlike the
// cosine form keeps its precision for circles of a few meters.
func (s *span) halfWidthDeg(phi float64) float64 {
	h := (s.havD - hav(phi-s.lat)) / (math.Cos(phi) * math.Cos(s.lat))
	switch {
	case h <= 0:
		return 0
	case h >= 1:
		return 180
	}
	return 2 * math.Asin(math.Sqrt(h)) / rad
}

// cols returns the columns of row the circle can touch; ok is false for a
// row outside the span.
func (s *span) cols(row int32) (lo, hi int32, ok bool) {
	if row < s.rowLo || row > s.rowHi {
		return 0, 0, false
	}
	half := 180.0
	if !s.polar {
		// The half-width rises up to the tangent latitude and falls after
		// it, so its largest value within the row's band is at the band
		// point nearest the tangent.
		bandLo := max(float64(row)*s.ix.cellDeg*rad, s.latLo)
		bandHi := min(float64(row+1)*s.ix.cellDeg*rad, s.latHi)
		phi := min(max(s.tangent, bandLo), bandHi)
		half = s.halfWidthDeg(phi)
	}
	half = half*(1+spanSlackRel) + spanSlackDeg
	w := s.ix.colDeg(row)
	return int32(math.Floor((s.lng - half) / w)), int32(math.Floor((s.lng + half) / w)), true
}

// cellCount is an upper bound on the cells in the span, to choose between
// walking the span and walking the map.
func (s *span) cellCount() float64 {
	rows := float64(s.rowHi-s.rowLo) + 1
	return rows * (2*(s.widestHalfDeg+spanSlackDeg)/s.ix.cellDeg + 2)
}

// search is the state of one Nearby call.
type search struct {
	center     Point
	cx, cy, cz float64
	radiusM    float64
	// maxChord2 is the squared chord beyond which nobody can make the
	// result: the radius, or once limit entries are held, the farthest of them.
	maxChord2 float64
	keep      func(*Entry) bool
	limit     int
	cells     int // looked up, for tests of the walk
	// out is a max-heap on (distance, id) while limit entries are held, so
	// the one to evict is at out[0]; unordered otherwise.
	out []Candidate
}

func newSearch(center Point, radiusM float64, keep func(*Entry) bool, limit int) search {
	q := search{center: center, radiusM: radiusM, keep: keep, limit: max(limit, 0)}
	q.cx, q.cy, q.cz = unitVector(center)
	q.maxChord2 = chord2(radiusM)
	return q
}

// chord2 is the squared straight-line distance, on the unit sphere, of two
// points distM apart along the surface, plus slack so the test never rejects
// a point that Distance, with its own rounding, would accept.
func chord2(distM float64) float64 {
	c := 2 * math.Sin(min(distM/EarthRadiusM, math.Pi)/2)
	return c*c*(1+1e-9) + 1e-14
}

func (q *search) scan(c *cell) {
	for i := range c.slots {
		s := &c.slots[i]
		dx, dy, dz := s.x-q.cx, s.y-q.cy, s.z-q.cz
		if dx*dx+dy*dy+dz*dz > q.maxChord2 {
			continue
		}
		if q.keep != nil && !q.keep(&s.Entry) {
			continue
		}
		// The same function the rest of the product uses, so "within 5 km"
		// means the same here as on the customer's screen.
		d := Distance(q.center, s.Pos)
		if d > q.radiusM {
			continue
		}
		q.offer(&s.Entry, d)
	}
}

func (q *search) offer(e *Entry, d float64) {
	if q.limit == 0 {
		q.out = append(q.out, Candidate{*e, d})
		return
	}
	if len(q.out) < q.limit {
		if q.out == nil {
			q.out = make([]Candidate, 0, min(q.limit, 256))
		}
		q.out = append(q.out, Candidate{*e, d})
		q.up(len(q.out) - 1)
		if len(q.out) == q.limit {
			q.maxChord2 = chord2(q.out[0].DistanceM)
		}
		return
	}
	c := Candidate{*e, d}
	if !less(&c, &q.out[0]) {
		return
	}
	q.out[0] = c
	q.down(0, len(q.out))
	q.maxChord2 = chord2(q.out[0].DistanceM)
}

// sort puts out nearest first. A heap sorts in place without copying
// candidates into a comparison function, which at 72 bytes apiece is most of
// the cost of slices.SortFunc here.
func (q *search) sort() {
	if q.limit == 0 {
		slices.SortFunc(q.out, func(a, b Candidate) int {
			return cmp.Or(cmp.Compare(a.DistanceM, b.DistanceM), cmp.Compare(a.ID, b.ID))
		})
		return
	}
	for n := len(q.out) - 1; n > 0; n-- {
		q.out[0], q.out[n] = q.out[n], q.out[0]
		q.down(0, n)
	}
}

func less(a, b *Candidate) bool {
	return a.DistanceM < b.DistanceM || (a.DistanceM == b.DistanceM && a.ID < b.ID)
}

// up and down keep out a max-heap. Hand-written because container/heap
// boxes every pushed value in an interface, one allocation per candidate.
func (q *search) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !less(&q.out[p], &q.out[i]) {
			return
		}
		q.out[p], q.out[i] = q.out[i], q.out[p]
		i = p
	}
}

func (q *search) down(i, n int) {
	for {
		big := i
		if l := 2*i + 1; l < n && less(&q.out[big], &q.out[l]) {
			big = l
		}
		if r := 2*i + 2; r < n && less(&q.out[big], &q.out[r]) {
			big = r
		}
		if big == i {
			return
		}
		q.out[i], q.out[big] = q.out[big], q.out[i]
		i = big
	}
}
