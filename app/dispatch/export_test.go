package dispatch

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"doorstep/app/geo"
)

// Judge runs the pure decision over hand-made candidates (each a member
// working every day, all day, in the merchant's area) for a job of
// merchantID needing skills at a point: the rules no index query can
// produce (another merchant's staff, staff off duty) are tested with it.
func Judge(merchantID int64, skills uint64, at geo.Point, area geo.Area, pol Policy, entries []geo.Entry) Explanation {
	start := time.Date(2030, 1, 7, 10, 0, 0, 0, time.UTC)
	j := job{OrderID: 1, MerchantID: merchantID, Skills: skills, Start: start, UnitsEnd: start.Add(time.Hour), DurMin: 60, At: at,
		Day: "2030-01-07", Loc: time.UTC}
	cands := make([]candidate, len(entries))
	for i, e := range entries {
		cands[i] = candidate{e: e, dist: geo.Distance(at, e.Pos), m: &member{ID: e.ID, MerchantID: e.MerchantID, Name: "staff",
			Skills: e.Skills, WorkStartMin: 0, WorkEndMin: 24 * 60, WorkDays: 127, Active: true, OnDuty: e.OnDuty, Pos: e.Pos, Located: true}}
	}
	return judge(j, pol, cands, facts{area: area})
}

// BenchCity is a city of n on-duty staff of 20 merchants spread uniformly
// over 40 km x 40 km around Shenzhen, with the facts a decision reads from
// the database held in memory (reservations, days off, past service), and
// 1024 jobs at random addresses for random merchants, today.
type BenchCity struct {
	ci    *cityIndex
	jobs  []job
	pol   Policy
	facts *memFacts
	svc   *Service
}

var benchCenter = geo.Point{Lat: 22.5431, Lng: 113.9298}

func offset(p geo.Point, northM, eastM float64) geo.Point {
	return geo.Point{Lat: p.Lat + northM/111195.0, Lng: p.Lng + eastM/(111195.0*math.Cos(p.Lat*math.Pi/180))}
}

// NewBenchCity builds the city; loc is the city's zone.
func NewBenchCity(n int, loc *time.Location) *BenchCity {
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	at := func() geo.Point { return offset(benchCenter, (rng.Float64()-0.5)*40_000, (rng.Float64()-0.5)*40_000) }
	today, _, _ := cityDay(time.Now(), loc)
	ci := &cityIndex{code: "bench", ix: newGrid(0), members: make(map[int64]*member, n), loadDay: today, builtAt: time.Now()}
	mf := &memFacts{area: geo.Area{Center: benchCenter, RadiusM: 40_000}, busy: map[int64]bool{}, dayOff: map[int64]bool{}, past: map[int64]bool{}}
	for i := range n {
		id := int64(i + 1)
		count := int64(rng.IntN(20))
		m := member{ID: id, MerchantID: int64(1 + rng.IntN(20)), AccountID: id, Name: "师傅", Skills: 1 << rng.IntN(4),
			WorkStartMin: 8 * 60, WorkEndMin: 20 * 60, WorkDays: 127, Active: true, OnDuty: true, Pos: at(), Located: true,
			RatingCount: count, OffersReceived: int64(rng.IntN(50))}
		if count > 0 {
			m.Rating = 3 + 2*rng.Float64()
		}
		m.OffersAccepted = m.OffersReceived * int64(rng.IntN(10)) / 10
		if err := ci.ix.Upsert(m.entry(rng.IntN(8))); err != nil {
			panic(err)
		}
		ci.members[id] = &m
		switch r := rng.IntN(100); {
		case r < 10:
			mf.busy[id] = true
		case r < 13:
			mf.dayOff[id] = true
		case r < 14:
			mf.past[id] = true
		}
	}
	now := time.Now().In(loc)
	start := time.Date(now.Year(), now.Month(), now.Day(), 14, 0, 0, 0, loc).UTC()
	jobs := make([]job, 1024)
	for i := range jobs {
		jobs[i] = job{OrderID: int64(i + 1), MerchantID: int64(1 + rng.IntN(20)), CustomerID: int64(rng.IntN(1000)), Skills: 1,
			Start: start, UnitsEnd: start.Add(2 * time.Hour), DurMin: 120, At: at(), Day: today, Loc: loc}
	}
	return &BenchCity{ci: ci, jobs: jobs, pol: DefaultPolicy(), facts: mf, svc: &Service{}}
}

// UseDatabaseBusy makes decisions read reservations from the database of
// the city in the context they are given (one real set-based query each).
func (b *BenchCity) UseDatabaseBusy() { b.facts.dbBusy = true }

// Decide makes the i-th job's full decision: the index query, the facts,
// the hard filters, the scores and the explanation's JSON. It returns the
// chosen staff member and how many candidates were judged.
func (b *BenchCity) Decide(ctx context.Context, i int) (chosen int64, considered int, size int, err error) {
	j := b.jobs[i%len(b.jobs)]
	ex, err := b.svc.decide(ctx, b.ci, j, b.pol, b.facts, true, 0)
	if err != nil {
		return 0, 0, 0, err
	}
	ex.ChosenStaffID = ex.BestStaffID
	raw, err := json.Marshal(ex)
	return ex.ChosenStaffID, ex.Considered, len(raw), err
}

// BruteForce is the same decision without the index: every staff member's
// distance, the merchant's within the radius sorted by distance, the
// nearest 50 judged.
func (b *BenchCity) BruteForce(ctx context.Context, i int) (int64, error) {
	j := b.jobs[i%len(b.jobs)]
	var cands []candidate
	for id, m := range b.ci.members {
		if m.MerchantID != j.MerchantID {
			continue
		}
		if d := geo.Distance(j.At, m.Pos); d <= float64(b.pol.RadiusM) {
			e, _ := b.ci.ix.Get(id)
			cands = append(cands, candidate{e: e, dist: d, m: m})
		}
	}
	sortByDistance(cands)
	cands = cands[:min(len(cands), candidateLimit)]
	ids := make([]int64, len(cands))
	for k, c := range cands {
		ids[k] = c.e.ID
	}
	f, err := b.facts.facts(ctx, j, ids, true)
	if err != nil {
		return 0, err
	}
	ex := judge(j, b.pol, cands, f)
	_, err = json.Marshal(ex)
	return ex.BestStaffID, err
}

// BusyIDs lists the staff the bench city holds as having a reservation.
func (b *BenchCity) BusyIDs() []int64 {
	out := make([]int64, 0, len(b.facts.busy))
	for id := range b.facts.busy {
		out = append(out, id)
	}
	return out
}

// JobStart is when the bench city's jobs start.
func (b *BenchCity) JobStart() time.Time { return b.jobs[0].Start }

// memFacts answers a decision's facts from memory, as the database would:
// only the candidates' hits.
type memFacts struct {
	area               geo.Area
	busy, dayOff, past map[int64]bool
	dbBusy             bool
}

func (m *memFacts) facts(ctx context.Context, j job, ids []int64, _ bool) (facts, error) {
	f := facts{area: m.area, busy: map[int64]bool{}, dayOff: map[int64]bool{}, past: map[int64]bool{}, refused: map[int64]bool{}}
	for _, id := range ids {
		if m.busy[id] {
			f.busy[id] = true
		}
		if m.dayOff[id] {
			f.dayOff[id] = true
		}
		if m.past[id] {
			f.past[id] = true
		}
	}
	if m.dbBusy {
		var err error
		if f.busy, err = busyStaff(ctx, ids, j.Start, j.UnitsEnd, j.OrderID); err != nil {
			return f, err
		}
	}
	return f, nil
}

func sortByDistance(cs []candidate) {
	slices.SortFunc(cs, func(a, b candidate) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.e.ID, b.e.ID)) })
}
