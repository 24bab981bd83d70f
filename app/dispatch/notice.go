package dispatch

import (
	"context"
	"encoding/json"

	"doorstep/app/staff"
	"doorstep/tenants"
)

// topic is the bus topic of index changes.
const topic = "dispatch"

// notice tells the other copies of one index change: a staff member's new
// state (Member) or their jobs on a day (LoadID, Load, Day).
type notice struct {
	Origin string  `json:"o"`
	City   string  `json:"c"`
	Member *member `json:"s,omitempty"`
	LoadID int64   `json:"li,omitempty"`
	Load   int     `json:"ld,omitempty"`
	Day    string  `json:"d,omitempty"`
}

// Listen subscribes this copy to the other copies' index changes until ctx
// ends. Call it once per process.
func (s *Service) Listen(ctx context.Context) {
	if s.bus != nil {
		s.bus.Subscribe(ctx, topic, s.heard)
	}
}

func (s *Service) heard(msg string) {
	var n notice
	if err := json.Unmarshal([]byte(msg), &n); err != nil {
		s.log.Warn("unreadable dispatch notice", "err", err)
		return
	}
	if n.Origin == s.origin {
		return
	}
	ci := s.knownIndex(n.City)
	if ci == nil {
		return
	}
	ci.apply(update{member: n.Member, loadID: n.LoadID, load: n.Load, day: n.Day})
}

// change applies an update to this copy's index of city and tells the
// other copies.
func (s *Service) change(ctx context.Context, city string, u update) {
	if ci := s.knownIndex(city); ci != nil {
		ci.apply(u)
	}
	if s.bus == nil {
		return
	}
	b, err := json.Marshal(notice{Origin: s.origin, City: city, Member: u.member, LoadID: u.loadID, Load: u.load, Day: u.day})
	if err != nil {
		return
	}
	s.bus.Publish(context.WithoutCancel(ctx), topic, string(b))
}

// StaffMoved is the staff service's LocationSink: a staff member's duty,
// location, status, skills, area or hours changed (and committed).
func (s *Service) StaffMoved(ctx context.Context, city string, st staff.Staff) {
	m := memberOf(st)
	s.change(ctx, city, update{member: &m})
}

// refreshLoads recounts today's jobs of some staff members of ctx's city
// and puts them in the index (here and in the other copies). It runs after
// an assignment commits.
func (s *Service) refreshLoads(ctx context.Context, ids []int64) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return
	}
	var keep []int64
	for _, id := range ids {
		if id != 0 {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return
	}
	day, start, end := cityDay(s.now(), c.Loc)
	loads, err := dayLoads(ctx, keep, start, end, 0)
	if err != nil {
		s.log.Warn("recount staff jobs; the index catches up at its rebuild", "city", c.Code, "err", err)
		return
	}
	for _, id := range keep {
		s.change(ctx, c.Code, update{loadID: id, load: loads[id], day: day})
	}
}
