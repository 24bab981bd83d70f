package dispatch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"doorstep/app/booking"
	"doorstep/app/geo"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// member is what dispatch knows of one staff member besides the index
// entry's tags: enough to judge the hard filters and to name them in the
// explanation without reading the staff table per decision. It travels in
// the bus notices, so its JSON is part of the copies' protocol.
type member struct {
	ID             int64     `json:"id"`
	MerchantID     int64     `json:"m"`
	AccountID      int64     `json:"a"`
	Name           string    `json:"n"`
	Skills         uint64    `json:"sk"`
	Area           *geo.Area `json:"ar,omitempty"` // nil: the merchant's area
	WorkStartMin   int       `json:"ws"`
	WorkEndMin     int       `json:"we"`
	WorkDays       int       `json:"wd"`
	Active         bool      `json:"ac"`
	OnDuty         bool      `json:"on"`
	Pos            geo.Point `json:"p"`
	Located        bool      `json:"l"`
	LocatedAt      time.Time `json:"la"`
	Rating         float64   `json:"r"` // average stars, 0 when unrated
	RatingCount    int64     `json:"rc"`
	OffersReceived int64     `json:"or"`
	OffersAccepted int64     `json:"oa"`
}

func memberOf(st staff.Staff) member {
	m := member{ID: st.ID, MerchantID: st.MerchantID, AccountID: st.AccountID, Name: st.DisplayName, Skills: st.SkillMask, Area: st.Area,
		WorkStartMin: st.WorkStartMin, WorkEndMin: st.WorkEndMin, WorkDays: st.WorkDays, Active: st.Status == staff.StatusActive,
		OnDuty: st.OnDuty, Pos: geo.Point{Lat: st.Lat, Lng: st.Lng}, RatingCount: st.RatingCount,
		OffersReceived: st.OffersReceived, OffersAccepted: st.OffersAccepted}
	if st.LocatedAt != nil {
		m.Located, m.LocatedAt = m.Pos.Valid(), *st.LocatedAt
	}
	if st.RatingCount > 0 {
		m.Rating = float64(st.RatingSum) / float64(st.RatingCount)
	}
	return m
}

// indexed tells whether m belongs in the index: active with a known place.
func (m member) indexed() bool { return m.Active && m.Located }

func (m member) entry(load int) geo.Entry {
	return geo.Entry{ID: m.ID, Pos: m.Pos, OnDuty: m.OnDuty, Skills: m.Skills, Load: load, Rating: m.Rating, MerchantID: m.MerchantID}
}

// update is one change to a city's index: a staff member's new state, or a
// staff member's jobs on the load day. Updates hold whole values, so
// applying one twice, or one the rebuild already read, is harmless.
type update struct {
	member *member
	loadID int64
	load   int
	day    string
}

// cityIndex is the in-memory view of one city's staff: the geo grid of the
// located, active staff (on duty in the grid, off duty beside it) and what
// dispatch knows of each. It is built from the staff table on first use,
// rebuilt in the background when older than the rebuild interval or when
// the city's day turned (loads are per day), and kept current in between
// by the staff service's LocationSink (this copy) and bus notices (others).
type cityIndex struct {
	code string

	buildMu sync.Mutex // one build at a time

	mu       sync.RWMutex
	ix       *grid
	members  map[int64]*member // values are never changed in place: readers may keep one
	loadDay  string            // city date the entries' Load counts jobs of
	builtAt  time.Time
	building bool
	pending  []update // updates applied while a build runs, replayed on its result
}

func (ci *cityIndex) built() bool {
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	return ci.ix != nil
}

// apply applies one update; a build running meanwhile gets it too.
func (ci *cityIndex) apply(u update) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.ix != nil {
		applyTo(ci.ix, ci.members, ci.loadDay, u)
	}
	if ci.building {
		ci.pending = append(ci.pending, u)
	}
}

func applyTo(ix *grid, members map[int64]*member, loadDay string, u update) {
	if u.member == nil {
		if u.day != loadDay {
			return
		}
		if e, ok := ix.Get(u.loadID); ok && e.Load != u.load {
			e.Load = u.load
			_ = ix.Upsert(e)
		}
		return
	}
	m := *u.member
	if !m.indexed() {
		ix.Remove(m.ID)
		delete(members, m.ID)
		return
	}
	load := 0
	if e, ok := ix.Get(m.ID); ok {
		load = e.Load
	}
	if err := ix.Upsert(m.entry(load)); err != nil {
		ix.Remove(m.ID)
		delete(members, m.ID)
		return
	}
	members[m.ID] = &m
}

// loadStatuses are the order states that count as a staff member's job of
// the day (the daily cap and the load score).
var loadStatuses = []string{booking.StAssigned, booking.StOnTheWay, booking.StArrived, booking.StInService, booking.StAwaitingBalance,
	booking.StCompleted, booking.StAfterSales}

// cityDay is the city's calendar date of t and that day's bounds in UTC.
func cityDay(t time.Time, loc *time.Location) (day string, start, end time.Time) {
	l := t.In(loc)
	s := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	return s.Format(time.DateOnly), s.UTC(), s.AddDate(0, 0, 1).UTC()
}

// dayLoads counts the jobs of a city day per staff member: of ids when
// given, of everyone otherwise; except is an order not to count.
func dayLoads(ctx context.Context, ids []int64, start, end time.Time, except int64) (map[int64]int, error) {
	q := tenants.DB(ctx).Table(tenants.Table(ctx, "orders")).Select("staff_id, COUNT(*) AS n").
		Where("slot_start >= ? AND slot_start < ? AND status IN ? AND id <> ?", start, end, loadStatuses, except)
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]int{}, nil
		}
		q = q.Where("staff_id IN ?", ids)
	} else {
		q = q.Where("staff_id > 0")
	}
	var rows []struct {
		StaffID int64
		N       int
	}
	if err := q.Group("staff_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("jobs per staff member: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.StaffID] = r.N
	}
	return out, nil
}

// cityIndexFor returns the index of ctx's city, building it the first time
// (callers wait for that build) and starting a background rebuild when it
// is stale.
func (s *Service) cityIndexFor(ctx context.Context) (*cityIndex, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	ci := s.cities[c.Code]
	if ci == nil {
		ci = &cityIndex{code: c.Code}
		s.cities[c.Code] = ci
	}
	s.mu.Unlock()
	if !ci.built() {
		ci.buildMu.Lock()
		defer ci.buildMu.Unlock()
		if !ci.built() {
			if err := s.build(ctx, ci); err != nil {
				return nil, err
			}
		}
		return ci, nil
	}
	today, _, _ := cityDay(s.now(), c.Loc)
	ci.mu.RLock()
	stale := s.now().Sub(ci.builtAt) > s.rebuildEvery || ci.loadDay != today
	ci.mu.RUnlock()
	if stale && ci.buildMu.TryLock() {
		bctx := detached(ctx)
		go func() {
			defer ci.buildMu.Unlock()
			tctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
			defer cancel()
			if err := s.build(tctx, ci); err != nil {
				s.log.Warn("rebuild dispatch index; the old one stays", "city", ci.code, "err", err)
			}
		}()
	}
	return ci, nil
}

// knownIndex returns a city's index if this copy has one (built or being
// built), nil otherwise: a change to a city this copy never dispatched in
// needs no work, the first build reads it from the database.
func (s *Service) knownIndex(code string) *cityIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cities[code]
}

// build reads every located, active staff member of ctx's city and today's
// jobs per staff member into a fresh index, replays what changed while it
// read, and swaps it in. Callers hold ci.buildMu.
func (s *Service) build(ctx context.Context, ci *cityIndex) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	ci.mu.Lock()
	ci.building, ci.pending = true, nil
	ci.mu.Unlock()
	defer func() {
		ci.mu.Lock()
		ci.building, ci.pending = false, nil
		ci.mu.Unlock()
	}()
	now := s.now()
	day, start, end := cityDay(now, c.Loc)
	rows, err := s.staff.ListOnDuty(ctx)
	if err != nil {
		return fmt.Errorf("staff of %s: %w", c.Code, err)
	}
	loads, err := dayLoads(ctx, nil, start, end, 0)
	if err != nil {
		return err
	}
	ix := newGrid(s.cellM)
	members := make(map[int64]*member, len(rows))
	for _, r := range rows {
		m := memberOf(r)
		if !m.indexed() {
			continue
		}
		if err := ix.Upsert(m.entry(loads[m.ID])); err != nil {
			continue
		}
		members[m.ID] = &m
	}
	ci.mu.Lock()
	for _, u := range ci.pending {
		applyTo(ix, members, day, u)
	}
	ci.ix, ci.members, ci.loadDay, ci.builtAt = ix, members, day, now
	ci.mu.Unlock()
	return nil
}

// Indexed returns what this copy's index of ctx's city holds for a staff
// member (building the index if it is not yet): for operations and tests.
func (s *Service) Indexed(ctx context.Context, staffID int64) (geo.Entry, bool, error) {
	ci, err := s.cityIndexFor(ctx)
	if err != nil {
		return geo.Entry{}, false, err
	}
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	e, ok := ci.ix.Get(staffID)
	return e, ok, nil
}

// Rebuild reads ctx's city's index afresh now (after bulk changes the
// staff service did not report one by one).
func (s *Service) Rebuild(ctx context.Context) error {
	ci, err := s.cityIndexFor(ctx)
	if err != nil {
		return err
	}
	ci.buildMu.Lock()
	defer ci.buildMu.Unlock()
	return s.build(ctx, ci)
}

// day is the city date the entries' loads count.
func (ci *cityIndex) day() string {
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	return ci.loadDay
}
