package dispatch

import (
	"context"
	"fmt"
	"time"

	"doorstep/app/booking"
	"doorstep/tenants"
)

// Risks of an order on the board.
const (
	RiskUnassignedSoon = "unassigned_soon" // dispatching, and the slot starts within two hours
	RiskNotDeparted    = "not_departed"    // assigned, and the staff member has not set off though the slot is near
)

// unassignedSoon is how close a slot still without staff counts as at risk.
const unassignedSoon = 2 * time.Hour

// boardLimit bounds each list of the board.
const boardLimit = 200

// DecisionBrief is the last decision of an order, as the board shows it.
type DecisionBrief struct {
	ID            int64     `json:"id"`
	Round         int       `json:"round"`
	Mode          string    `json:"mode"`
	Outcome       string    `json:"outcome"`
	Reason        string    `json:"reason,omitempty"`
	ChosenStaffID int64     `json:"chosen_staff_id"`
	Considered    int       `json:"considered"`
	Qualified     int       `json:"qualified"`
	CreatedAt     time.Time `json:"created_at"`
}

// OfferBrief is an order's open offer on the board.
type OfferBrief struct {
	ID          int64     `json:"id"`
	StaffID     int64     `json:"staff_id"`
	StaffName   string    `json:"staff_name"`
	Round       int       `json:"round"`
	Deadline    time.Time `json:"deadline"`
	SecondsLeft int       `json:"seconds_left"`
}

// BoardOrder is an order on the board.
type BoardOrder struct {
	OrderID        int64          `json:"order_id"`
	OrderNo        string         `json:"order_no"`
	Service        string         `json:"service"`
	Status         string         `json:"status"`
	SlotStart      time.Time      `json:"slot_start"`
	SlotLocal      string         `json:"slot_local"`
	MinutesToStart int            `json:"minutes_to_start"`
	StaffID        int64          `json:"staff_id,omitempty"`
	StaffName      string         `json:"staff_name,omitempty"`
	Risk           string         `json:"risk,omitempty" doc:"unassigned_soon | not_departed"`
	LastDecision   *DecisionBrief `json:"last_decision,omitempty"`
	OpenOffer      *OfferBrief    `json:"open_offer,omitempty"`
}

// JobBrief is a staff member's next job.
type JobBrief struct {
	OrderID   int64     `json:"order_id"`
	OrderNo   string    `json:"order_no"`
	Service   string    `json:"service"`
	Status    string    `json:"status"`
	SlotStart time.Time `json:"slot_start"`
	SlotLocal string    `json:"slot_local"`
}

// BoardStaff is a staff member on the board.
type BoardStaff struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	OnDuty       bool      `json:"on_duty"`
	LocationAgeS *int64    `json:"location_age_s" doc:"seconds since the last location report; null: never"`
	TodayLoad    int       `json:"today_load" doc:"jobs today (city date)"`
	NextJob      *JobBrief `json:"next_job"`
}

// Board is the manual dispatch board of one merchant.
type Board struct {
	Now        time.Time    `json:"now"`
	TimeZone   string       `json:"time_zone"`
	Unassigned []BoardOrder `json:"unassigned" doc:"paid orders waiting for staff, the soonest slot first"`
	AtRisk     []BoardOrder `json:"at_risk" doc:"orders whose slot is near without staff on the way"`
	Staff      []BoardStaff `json:"staff"`
}

// activeJob are the states of a job not yet done.
var activeJob = []string{booking.StAssigned, booking.StOnTheWay, booking.StArrived, booking.StInService}

// Board is the signed-in merchant's dispatch board: paid orders waiting
// for staff and orders at risk (a slot within two hours still without
// staff; an assigned job whose staff member has not set off depart_alert_min
// before the slot), each with its last decision and open offer; and the
// staff with duty, location age, today's jobs and next job.
func (s *Service) Board(ctx context.Context) (Board, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return Board{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Board{}, err
	}
	pv, err := s.Effective(ctx, a.MerchantID)
	if err != nil {
		return Board{}, err
	}
	now := s.now()
	b := Board{Now: now, TimeZone: c.Zone, Unassigned: []BoardOrder{}, AtRisk: []BoardOrder{}, Staff: []BoardStaff{}}

	members, err := s.staff.Qualified(ctx, a.MerchantID, 0)
	if err != nil {
		return Board{}, err
	}
	names := make(map[int64]string, len(members))
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		names[m.ID] = m.DisplayName
		ids = append(ids, m.ID)
	}

	var waiting, late []booking.Order
	if err := tenants.DB(ctx).Where("merchant_id = ? AND status = ?", a.MerchantID, booking.StDispatching).
		Order("slot_start, id").Limit(boardLimit).Find(&waiting).Error; err != nil {
		return Board{}, fmt.Errorf("orders waiting for staff: %w", err)
	}
	alert := now.Add(time.Duration(pv.Policy.DepartAlertMin) * time.Minute)
	if err := tenants.DB(ctx).Where("merchant_id = ? AND status = ? AND slot_start <= ?", a.MerchantID, booking.StAssigned, alert).
		Order("slot_start, id").Limit(boardLimit).Find(&late).Error; err != nil {
		return Board{}, fmt.Errorf("orders not departed: %w", err)
	}
	orderIDs := make([]int64, 0, len(waiting))
	for _, o := range waiting {
		orderIDs = append(orderIDs, o.ID)
	}
	last, open, err := s.dispatchState(ctx, orderIDs)
	if err != nil {
		return Board{}, err
	}
	line := func(o booking.Order) BoardOrder {
		bo := BoardOrder{OrderID: o.ID, OrderNo: o.OrderNo, Service: o.Title, Status: o.Status, SlotStart: o.SlotStart,
			SlotLocal: o.SlotStart.In(c.Loc).Format("2006-01-02 15:04"), MinutesToStart: int(o.SlotStart.Sub(now).Minutes()),
			StaffID: o.StaffID, StaffName: names[o.StaffID], LastDecision: last[o.ID]}
		if off, ok := open[o.ID]; ok {
			ob := &OfferBrief{ID: off.ID, StaffID: off.StaffID, StaffName: names[off.StaffID], Round: off.Round, Deadline: off.Deadline}
			if off.Deadline.After(now) {
				ob.SecondsLeft = int(off.Deadline.Sub(now).Seconds())
			}
			bo.OpenOffer = ob
		}
		return bo
	}
	for _, o := range waiting {
		bo := line(o)
		b.Unassigned = append(b.Unassigned, bo)
		if o.SlotStart.Sub(now) <= unassignedSoon {
			bo.Risk = RiskUnassignedSoon
			b.AtRisk = append(b.AtRisk, bo)
		}
	}
	for _, o := range late {
		bo := line(o)
		bo.Risk = RiskNotDeparted
		b.AtRisk = append(b.AtRisk, bo)
	}

	if len(ids) == 0 {
		return b, nil
	}
	_, start, end := cityDay(now, c.Loc)
	loads, err := dayLoads(ctx, ids, start, end, 0)
	if err != nil {
		return Board{}, err
	}
	var upcoming []booking.Order
	if err := tenants.DB(ctx).Select("id, order_no, title, status, staff_id, slot_start").
		Where("staff_id IN ? AND status IN ? AND slot_end >= ? AND slot_start < ?", ids, activeJob, now, now.Add(8*24*time.Hour)).
		Order("slot_start, id").Find(&upcoming).Error; err != nil {
		return Board{}, fmt.Errorf("next jobs: %w", err)
	}
	next := map[int64]*JobBrief{}
	for _, o := range upcoming {
		if _, ok := next[o.StaffID]; !ok {
			next[o.StaffID] = &JobBrief{OrderID: o.ID, OrderNo: o.OrderNo, Service: o.Title, Status: o.Status, SlotStart: o.SlotStart,
				SlotLocal: o.SlotStart.In(c.Loc).Format("2006-01-02 15:04")}
		}
	}
	for _, m := range members {
		bs := BoardStaff{ID: m.ID, Name: m.DisplayName, OnDuty: m.OnDuty, TodayLoad: loads[m.ID], NextJob: next[m.ID]}
		if m.LocatedAt != nil {
			age := int64(now.Sub(*m.LocatedAt).Seconds())
			bs.LocationAgeS = &age
		}
		b.Staff = append(b.Staff, bs)
	}
	return b, nil
}

// dispatchState reads the last decision and the open offer of each order.
func (s *Service) dispatchState(ctx context.Context, orderIDs []int64) (map[int64]*DecisionBrief, map[int64]Offer, error) {
	last := map[int64]*DecisionBrief{}
	open := map[int64]Offer{}
	if len(orderIDs) == 0 {
		return last, open, nil
	}
	var rows []DecisionRow
	err := tenants.DB(ctx).Select("id, order_id, round, mode, outcome, reason, chosen_staff_id, considered, qualified, created_at").
		Where("id IN (SELECT MAX(id) FROM "+tenants.Table(ctx, "dispatch_decisions")+" WHERE order_id IN ? GROUP BY order_id)", orderIDs).
		Find(&rows).Error
	if err != nil {
		return nil, nil, fmt.Errorf("last decisions: %w", err)
	}
	for _, r := range rows {
		last[r.OrderID] = &DecisionBrief{ID: r.ID, Round: r.Round, Mode: r.Mode, Outcome: r.Outcome, Reason: r.Reason,
			ChosenStaffID: r.ChosenStaffID, Considered: r.Considered, Qualified: r.Qualified, CreatedAt: r.CreatedAt}
	}
	var offers []Offer
	if err := tenants.DB(ctx).Where("order_id IN ? AND status = ?", orderIDs, OfferOpen).Find(&offers).Error; err != nil {
		return nil, nil, fmt.Errorf("open offers: %w", err)
	}
	for _, o := range offers {
		open[o.OrderID] = o
	}
	return last, open, nil
}
