package dispatch

import (
	"context"
	"fmt"
	"time"

	"doorstep/app/booking"
	"doorstep/app/geo"
	"doorstep/app/review"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// candidateLimit is how many of the nearest staff a decision judges first;
// when all of them fail the hard filters and there may be more, it looks
// again at widerLimit.
const (
	candidateLimit = 50
	widerLimit     = 400
)

// factSource reads the facts of one decision about its candidates.
type factSource interface {
	facts(ctx context.Context, j job, ids []int64, entryLoads bool) (facts, error)
}

// dbFacts reads the facts from the city's database, one set-based query
// each (about the candidates only).
type dbFacts struct{ s *Service }

func (d dbFacts) facts(ctx context.Context, j job, ids []int64, entryLoads bool) (facts, error) {
	var f facts
	m, err := d.s.merchants.Get(ctx, j.MerchantID)
	if err != nil {
		return f, fmt.Errorf("merchant %d: %w", j.MerchantID, err)
	}
	f.area = m.Area
	if len(ids) == 0 {
		return f, nil
	}
	if f.busy, err = busyStaff(ctx, ids, j.Start, j.UnitsEnd, j.OrderID); err != nil {
		return f, err
	}
	if f.dayOff, err = daysOff(ctx, ids, j.Day); err != nil {
		return f, err
	}
	if j.CertSkills != 0 {
		if f.certs, err = validCerts(ctx, ids, j); err != nil {
			return f, err
		}
	}
	if !entryLoads {
		_, start, end := cityDay(j.Start, j.Loc)
		if f.loads, err = dayLoads(ctx, ids, start, end, j.OrderID); err != nil {
			return f, err
		}
	}
	if f.past, err = pastStaff(ctx, ids, j.CustomerID); err != nil {
		return f, err
	}
	if f.refused, err = refusedBy(ctx, j.OrderID); err != nil {
		return f, err
	}
	return f, nil
}

func idSet(ctx context.Context, q string, args ...any) (map[int64]bool, error) {
	var ids []int64
	if err := tenants.DB(ctx).Raw(q, args...).Scan(&ids).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// busyStaff tells which of ids hold a reservation among the 30-minute
// units [start, unitsEnd) for another order: exactly the units the job
// would take, so "busy" means the slot insert would fail.
func busyStaff(ctx context.Context, ids []int64, start, unitsEnd time.Time, except int64) (map[int64]bool, error) {
	out, err := idSet(ctx, "SELECT DISTINCT staff_id FROM "+tenants.Table(ctx, "staff_slots")+
		" WHERE staff_id IN ? AND slot_start >= ? AND slot_start < ? AND order_id <> ?", ids, start.UTC(), unitsEnd.UTC(), except)
	if err != nil {
		return nil, fmt.Errorf("busy staff: %w", err)
	}
	return out, nil
}

func daysOff(ctx context.Context, ids []int64, day string) (map[int64]bool, error) {
	out, err := idSet(ctx, "SELECT staff_id FROM "+tenants.Table(ctx, "staff_days_off")+" WHERE staff_id IN ? AND day = ?", ids, day)
	if err != nil {
		return nil, fmt.Errorf("days off: %w", err)
	}
	return out, nil
}

// validCerts maps each of ids to the job's certified skills they hold a
// verified certification for that is not expired on the job's date.
func validCerts(ctx context.Context, ids []int64, j job) (map[int64]uint64, error) {
	codes := make([]string, 0, len(j.CertCodes))
	for c := range j.CertCodes {
		codes = append(codes, c)
	}
	var rows []struct {
		StaffID   int64
		SkillCode string
	}
	err := tenants.DB(ctx).Raw("SELECT staff_id, skill_code FROM "+tenants.Table(ctx, "certifications")+
		" WHERE staff_id IN ? AND status = ? AND skill_code IN ? AND (expires_on IS NULL OR expires_on >= ?)",
		ids, staff.CertVerified, codes, j.Day).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("certifications: %w", err)
	}
	out := make(map[int64]uint64, len(rows))
	for _, r := range rows {
		out[r.StaffID] |= j.CertCodes[r.SkillCode]
	}
	return out, nil
}

// pastStaff tells which of ids served the customer before and got 4 stars
// or more for it.
func pastStaff(ctx context.Context, ids []int64, customerID int64) (map[int64]bool, error) {
	out, err := idSet(ctx, "SELECT DISTINCT staff_id FROM "+tenants.Table(ctx, "reviews")+
		" WHERE customer_id = ? AND staff_id IN ? AND overall >= 4 AND status = ?", customerID, ids, review.StatusVisible)
	if err != nil {
		return nil, fmt.Errorf("past staff: %w", err)
	}
	return out, nil
}

func refusedBy(ctx context.Context, orderID int64) (map[int64]bool, error) {
	out, err := idSet(ctx, "SELECT staff_id FROM "+tenants.Table(ctx, "dispatch_offers")+" WHERE order_id = ? AND status IN ?", orderID, refused)
	if err != nil {
		return nil, fmt.Errorf("refused offers: %w", err)
	}
	return out, nil
}

// jobOf describes an order for the decision under a policy.
func (s *Service) jobOf(ctx context.Context, o booking.Order, pol Policy) (job, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return job{}, err
	}
	day, _, _ := cityDay(o.SlotStart, c.Loc)
	units := (o.DurationMin + 29) / 30
	if units < 1 {
		units = 1
	}
	j := job{OrderID: o.ID, MerchantID: o.MerchantID, CustomerID: o.CustomerID, Skills: o.SkillMask, Start: o.SlotStart.UTC(),
		UnitsEnd: o.SlotStart.UTC().Add(time.Duration(units) * booking.SlotUnit), DurMin: o.DurationMin,
		At: geo.Point{Lat: o.Lat, Lng: o.Lng}, Day: day, Loc: c.Loc}
	if pol.RequireValidCert && len(pol.CertSkills) > 0 && o.SkillMask != 0 {
		skills, err := s.catalog.Skills(ctx)
		if err != nil {
			return job{}, err
		}
		need := map[string]bool{}
		for _, code := range pol.CertSkills {
			need[code] = true
		}
		for _, sk := range skills {
			if sk.Bit < 0 || sk.Bit > 63 || !need[sk.Code] {
				continue
			}
			if bit := uint64(1) << uint(sk.Bit); o.SkillMask&bit != 0 {
				if j.CertCodes == nil {
					j.CertCodes = map[string]uint64{}
				}
				j.CertCodes[sk.Code] = bit
				j.CertSkills |= bit
			}
		}
	}
	return j, nil
}

// near returns up to limit of the merchant's located staff within the
// radius of the job, nearest first, with what dispatch knows of each.
func (ci *cityIndex) near(j job, radiusM float64, limit int) []candidate {
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	mid := j.MerchantID
	found := ci.ix.Nearby(mid, j.At, radiusM, nil, limit)
	out := make([]candidate, len(found))
	for i, f := range found {
		m := ci.members[f.ID]
		if m == nil { // never: every entry is put with its member
			m = &member{ID: f.ID, MerchantID: f.MerchantID}
		}
		out[i] = candidate{e: f.Entry, dist: f.DistanceM, m: m}
	}
	return out
}

// one returns a staff member as a candidate for j whether or not the index
// holds them (a dispatcher may pick someone off duty or never located).
func (s *Service) one(ctx context.Context, ci *cityIndex, j job, staffID int64) (candidate, error) {
	ci.mu.RLock()
	e, ok := ci.ix.Get(staffID)
	m, known := ci.members[staffID]
	ci.mu.RUnlock()
	if !ok || !known {
		st, err := s.staff.Get(ctx, staffID)
		if err != nil {
			return candidate{}, err
		}
		fresh := memberOf(st)
		m, e = &fresh, fresh.entry(0)
	}
	c := candidate{e: e, m: m}
	if m.Located {
		c.dist = geo.Distance(j.At, m.Pos)
	}
	return c, nil
}

// decide judges the merchant's staff near the job: the nearest
// candidateLimit first and, when none of them qualifies and there may be
// more, the nearest widerLimit. pick (manual decisions) is judged too,
// wherever they are.
func (s *Service) decide(ctx context.Context, ci *cityIndex, j job, pol Policy, src factSource, entryLoads bool, pick int64) (Explanation, error) {
	var ex Explanation
	for _, limit := range []int{candidateLimit, widerLimit} {
		cands := ci.near(j, float64(pol.RadiusM), limit)
		found := len(cands)
		if pick != 0 && !hasStaff(cands, pick) {
			c, err := s.one(ctx, ci, j, pick)
			if err != nil {
				return ex, err
			}
			cands = append(cands, c)
		}
		ids := make([]int64, len(cands))
		for i, c := range cands {
			ids[i] = c.e.ID
		}
		f, err := src.facts(ctx, j, ids, entryLoads)
		if err != nil {
			return ex, err
		}
		ex = judge(j, pol, cands, f)
		if ex.Qualified > 0 || found < limit {
			break
		}
	}
	return ex, nil
}

func hasStaff(cs []candidate, id int64) bool {
	for _, c := range cs {
		if c.e.ID == id {
			return true
		}
	}
	return false
}
