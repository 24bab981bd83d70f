package booking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/tenants"
)

// units are the 30-minute units [start, start+dur) covers, ascending.
func units(start time.Time, durMin int) []time.Time {
	n := (durMin + int(SlotUnit/time.Minute) - 1) / int(SlotUnit/time.Minute)
	if n < 1 {
		n = 1
	}
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.Add(time.Duration(i) * SlotUnit).UTC()
	}
	return out
}

// reserve takes every unit of the order's time for a staff member with ONE
// multi-row INSERT in ascending order, inside the caller's transaction. The
// primary key (staff_id, slot_start) refuses any overlap: a duplicate key
// is ErrSlotTaken and the caller's transaction writes nothing. Deadlocks
// among racing inserts are retried by tenants.WithTx.
func (s *Service) reserve(ctx context.Context, staffID, orderID int64, start time.Time, durMin int) error {
	us := units(start, durMin)
	now := s.now()
	var b strings.Builder
	args := make([]any, 0, 4*len(us))
	b.WriteString("INSERT INTO " + tenants.Table(ctx, "staff_slots") + " (staff_id, slot_start, order_id, created_at) VALUES ")
	for i, u := range us {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("(?,?,?,?)")
		args = append(args, staffID, u, orderID, now)
	}
	if err := tenants.DB(ctx).Exec(b.String(), args...).Error; err != nil {
		if tenants.IsDuplicate(err) {
			return ErrSlotTaken
		}
		return fmt.Errorf("reserve slots: %w", err)
	}
	return nil
}

// release frees every unit an order holds.
func (s *Service) release(ctx context.Context, orderID int64) error {
	if err := tenants.DB(ctx).Where("order_id = ?", orderID).Delete(&Slot{}).Error; err != nil {
		return fmt.Errorf("release slots: %w", err)
	}
	return nil
}

// slotTaken turns a failure to win a contested slot into the client's
// answer: a deadlock that outlived WithTx's retries means others are booking
// the same time, never a server fault.
func slotTaken(err error) error {
	if err != nil && tenants.Retryable(err) {
		return ErrSlotTaken.WithMessage("others are booking this time right now; pick another time or try again")
	}
	return err
}

// minuteOfDay is the local minute of t.
func minuteOfDay(t time.Time) int { return t.Hour()*60 + t.Minute() }

func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// openAt checks [start, start+dur) against the merchant's opening hours of
// that local weekday.
func openAt(m Merchant, start time.Time, durMin int, loc *time.Location) error {
	ls := start.In(loc)
	h, ok := m.OpeningHours[int(ls.Weekday())]
	if !ok || h[1] <= h[0] {
		return ErrOutsideHours.WithMessage("the merchant is closed on %s", ls.Format("Monday 2006-01-02"))
	}
	sm := minuteOfDay(ls)
	if sm < h[0] || sm+durMin > h[1] {
		return ErrOutsideHours.WithMessage("the merchant serves from %s to %s on that day; a %d-minute service starting at %s does not fit",
			hhmm(h[0]), hhmm(h[1]), durMin, ls.Format("15:04"))
	}
	return nil
}

// localDate is the city's calendar date of t, as a date at midnight UTC
// (how DATE columns read).
func localDate(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// checkStaff tells whether a staff member can do the item at that time:
// same merchant, active, skilled, working that weekday and those hours, not
// a day off. It does not look at reservations: the slot insert does.
func (s *Service) checkStaff(ctx context.Context, st StaffMember, item Item, start time.Time, durMin int, loc *time.Location) error {
	if st.MerchantID != item.MerchantID || st.Status != staffActive {
		return ErrStaffUnavailable
	}
	if st.SkillMask&item.SkillMask != item.SkillMask {
		return ErrStaffNotQualified
	}
	ls := start.In(loc)
	if st.WorkDays&(1<<int(ls.Weekday())) == 0 {
		return ErrStaffNotWorking.WithMessage("%s does not work on %ss", st.DisplayName, ls.Weekday())
	}
	sm := minuteOfDay(ls)
	if sm < st.WorkStartMin || sm+durMin > st.WorkEndMin {
		return ErrStaffNotWorking.WithMessage("%s works from %s to %s", st.DisplayName, hhmm(st.WorkStartMin), hhmm(st.WorkEndMin))
	}
	day := localDate(start, loc)
	off, err := s.staff.DaysOff(ctx, st.ID, day, day)
	if err != nil {
		return fmt.Errorf("days off of staff %d: %w", st.ID, err)
	}
	for _, d := range off {
		if d.Format(time.DateOnly) == day.Format(time.DateOnly) {
			return ErrStaffDayOff.WithMessage("%s is off on %s", st.DisplayName, day.Format(time.DateOnly))
		}
	}
	return nil
}

// FreeSlot is one start time a staff member could take a service at.
type FreeSlot struct {
	Start      time.Time `json:"start"`       // UTC
	End        time.Time `json:"end"`         // UTC
	StartLocal string    `json:"start_local"` // city time, "10:00"
	EndLocal   string    `json:"end_local"`
}

// FreeSlots is the answer of GET /v1/staff/:id/slots.
type FreeSlots struct {
	StaffID     int64      `json:"staff_id"`
	ServiceID   int64      `json:"service_id"`
	Date        string     `json:"date"`
	TimeZone    string     `json:"time_zone"`
	DurationMin int        `json:"duration_min"`
	Slots       []FreeSlot `json:"slots"`
}

// FreeSlots lists the 30-minute start times on a local date when a staff
// member could take a service: inside working hours and the merchant's
// opening hours, not on a day off, not overlapping a reservation, at least
// the lead time ahead and at most the booking horizon.
func (s *Service) FreeSlots(ctx context.Context, staffID, serviceID int64, date string) (FreeSlots, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return FreeSlots{}, err
	}
	day, err := time.ParseInLocation(time.DateOnly, date, c.Loc)
	if err != nil {
		return FreeSlots{}, app.Invalid("date", "YYYY-MM-DD")
	}
	out := FreeSlots{StaffID: staffID, ServiceID: serviceID, Date: date, TimeZone: c.Zone, Slots: []FreeSlot{}}
	item, err := s.cat.Item(ctx, serviceID)
	if err != nil {
		if notFound(err) {
			return out, app.NotFound("service")
		}
		return out, err
	}
	st, err := s.staff.Get(ctx, staffID)
	if err != nil {
		if notFound(err) {
			return out, app.NotFound("staff")
		}
		return out, err
	}
	if item.Status != itemOn || st.MerchantID != item.MerchantID || st.Status != staffActive {
		return out, app.NotFound("service")
	}
	out.DurationMin = item.DurationMin
	if st.SkillMask&item.SkillMask != item.SkillMask {
		return out, nil
	}
	m, err := s.mer.Get(ctx, item.MerchantID)
	if err != nil {
		return out, err
	}
	if m.Status != merchantActive {
		return out, nil
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return out, err
	}
	wd := int(day.Weekday())
	h, open := m.OpeningHours[wd]
	if !open || st.WorkDays&(1<<wd) == 0 {
		return out, nil
	}
	d0 := localDate(day, c.Loc)
	off, err := s.staff.DaysOff(ctx, st.ID, d0, d0)
	if err != nil {
		return out, err
	}
	if len(off) > 0 {
		return out, nil
	}
	slots, err := s.freeStarts(ctx, day, c.Loc, item.DurationMin, set, []shift{{staffID: st.ID, from: max(h[0], st.WorkStartMin), to: min(h[1], st.WorkEndMin)}})
	if err != nil {
		return out, err
	}
	out.Slots = slots
	return out, nil
}

// shift is when one staff member can serve on a day: [from, to) in
// minutes from local midnight, their working hours within the merchant's
// opening hours.
type shift struct {
	staffID  int64
	from, to int
}

// freeStarts lists the 30-minute start times on a local day (day is its
// midnight in loc) at which at least one of the shifts can take a service
// of durMin minutes: the whole service inside the shift, none of its
// 30-minute units reserved, at least the lead time from now and at most the
// booking horizon. The reservations of every shift's staff member are read
// in ONE query.
func (s *Service) freeStarts(ctx context.Context, day time.Time, loc *time.Location, durMin int, set Settings, shifts []shift) ([]FreeSlot, error) {
	out := []FreeSlot{}
	now := s.now()
	earliest, latest := now.Add(set.LeadTime), now.Add(set.MaxAhead)
	dayEnd := day.AddDate(0, 0, 1)
	if len(shifts) == 0 || durMin <= 0 || !dayEnd.After(earliest) || day.After(latest) {
		return out, nil
	}
	ids := make([]int64, 0, len(shifts))
	lo, hi := 24*60, 0
	for _, sh := range shifts {
		ids = append(ids, sh.staffID)
		lo, hi = min(lo, sh.from), max(hi, sh.to)
	}
	var taken []Slot
	if err := tenants.DB(ctx).Select("staff_id, slot_start").Where("staff_id IN ? AND slot_start >= ? AND slot_start < ?", ids,
		day.UTC(), dayEnd.Add(time.Duration(durMin)*time.Minute).UTC()).Find(&taken).Error; err != nil {
		return nil, fmt.Errorf("reservations: %w", err)
	}
	busy := make(map[int64]map[int64]bool, len(ids))
	for _, t := range taken {
		if busy[t.StaffID] == nil {
			busy[t.StaffID] = map[int64]bool{}
		}
		busy[t.StaffID][t.SlotStart.Unix()] = true
	}
	free := func(staffID int64, us []time.Time) bool {
		b := busy[staffID]
		for _, u := range us {
			if b[u.Unix()] {
				return false
			}
		}
		return true
	}
	for at := (lo + 29) / 30 * 30; at+durMin <= hi; at += 30 {
		start := time.Date(day.Year(), day.Month(), day.Day(), at/60, at%60, 0, 0, loc)
		if start.Before(earliest) || start.After(latest) {
			continue
		}
		us := units(start, durMin)
		for _, sh := range shifts {
			if at >= sh.from && at+durMin <= sh.to && free(sh.staffID, us) {
				end := start.Add(time.Duration(durMin) * time.Minute)
				out = append(out, FreeSlot{Start: start.UTC(), End: end.UTC(), StartLocal: start.Format("15:04"), EndLocal: end.Format("15:04")})
				break
			}
		}
	}
	return out, nil
}

// ServiceSlots is the answer of GET /v1/services/:id/slots.
type ServiceSlots struct {
	ServiceID   int64      `json:"service_id"`
	MerchantID  int64      `json:"merchant_id"`
	Date        string     `json:"date"`
	TimeZone    string     `json:"time_zone"`
	DurationMin int        `json:"duration_min"`
	Slots       []FreeSlot `json:"slots"`
}

// staffHours is what availability reads of a staff member.
type staffHours struct {
	ID           int64
	WorkStartMin int
	WorkEndMin   int
	WorkDays     int
}

// ServiceSlots lists the 30-minute start times on a local date at which a
// service can be booked without choosing a staff member: at least one
// active staff member of the item's merchant whose skills cover the item is
// working, not on a day off and has none of the service's time reserved,
// within the merchant's opening hours, the lead time and the booking
// horizon. It reads the merchant's qualified staff, their days off and
// their reservations with one query each, whatever their number.
func (s *Service) ServiceSlots(ctx context.Context, serviceID int64, date string) (ServiceSlots, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return ServiceSlots{}, err
	}
	day, err := time.ParseInLocation(time.DateOnly, date, c.Loc)
	if err != nil {
		return ServiceSlots{}, app.Invalid("date", "YYYY-MM-DD")
	}
	out := ServiceSlots{ServiceID: serviceID, Date: date, TimeZone: c.Zone, Slots: []FreeSlot{}}
	item, err := s.cat.Item(ctx, serviceID)
	if err != nil {
		if notFound(err) {
			return out, app.NotFound("service")
		}
		return out, err
	}
	if item.Status != itemOn {
		return out, app.NotFound("service")
	}
	out.MerchantID, out.DurationMin = item.MerchantID, item.DurationMin
	m, err := s.mer.Get(ctx, item.MerchantID)
	if err != nil {
		if notFound(err) {
			return out, nil
		}
		return out, err
	}
	wd := int(day.Weekday())
	h, open := m.OpeningHours[wd]
	if m.Status != merchantActive || !open || h[1] <= h[0] {
		return out, nil
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return out, err
	}
	var staff []staffHours
	if err := tenants.DB(ctx).Raw("SELECT id, work_start_min, work_end_min, work_days FROM "+tenants.Table(ctx, "staff")+
		" WHERE merchant_id = ? AND status = ? AND (skill_mask & ?) = ? ORDER BY id", item.MerchantID, staffActive, item.SkillMask, item.SkillMask).
		Scan(&staff).Error; err != nil {
		return out, fmt.Errorf("qualified staff: %w", err)
	}
	working := make([]int64, 0, len(staff))
	for _, st := range staff {
		if st.WorkDays&(1<<wd) != 0 {
			working = append(working, st.ID)
		}
	}
	if len(working) == 0 {
		return out, nil
	}
	var off []int64
	if err := tenants.DB(ctx).Raw("SELECT staff_id FROM "+tenants.Table(ctx, "staff_days_off")+" WHERE staff_id IN ? AND day = ?",
		working, localDate(day, c.Loc).Format(time.DateOnly)).Scan(&off).Error; err != nil {
		return out, fmt.Errorf("days off: %w", err)
	}
	isOff := make(map[int64]bool, len(off))
	for _, id := range off {
		isOff[id] = true
	}
	var shifts []shift
	for _, st := range staff {
		if st.WorkDays&(1<<wd) == 0 || isOff[st.ID] {
			continue
		}
		if from, to := max(h[0], st.WorkStartMin), min(h[1], st.WorkEndMin); to-from >= item.DurationMin {
			shifts = append(shifts, shift{staffID: st.ID, from: from, to: to})
		}
	}
	if out.Slots, err = s.freeStarts(ctx, day, c.Loc, item.DurationMin, set, shifts); err != nil {
		return out, err
	}
	return out, nil
}
