package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/merchant"
	"doorstep/tenants"
)

// DecisionView is one stored decision with its explanation.
type DecisionView struct {
	ID            int64       `json:"id"`
	Round         int         `json:"round"`
	Mode          string      `json:"mode" doc:"smart | manual"`
	Outcome       string      `json:"outcome" doc:"offered | escalated | assigned"`
	Reason        string      `json:"reason,omitempty"`
	ChosenStaffID int64       `json:"chosen_staff_id"`
	Considered    int         `json:"considered"`
	Qualified     int         `json:"qualified"`
	TookUS        int64       `json:"took_us"`
	ActorID       int64       `json:"actor_id,omitempty"`
	CreatedAt     time.Time   `json:"created_at"`
	CreatedLocal  string      `json:"created_local"`
	Explanation   Explanation `json:"explanation"`
}

// History is how an order was dispatched: its decisions, newest first, and
// its offers by round.
type History struct {
	OrderID   int64          `json:"order_id"`
	OrderNo   string         `json:"order_no"`
	Status    string         `json:"status"`
	StaffID   int64          `json:"staff_id"`
	Decisions []DecisionView `json:"decisions"`
	Offers    []Offer        `json:"offers"`
}

// orderForDispatch returns an order the actor may dispatch or read the
// dispatch of: any of the city for its operators, their own merchant's
// for merchant users; anyone else's is not found.
func orderForDispatch(ctx context.Context, s *Service, orderID int64) (booking.Order, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return booking.Order{}, err
	}
	o, err := s.booking.Get(ctx, orderID)
	if errors.Is(err, booking.ErrOrderNotFound) {
		return o, ErrOrderNotFound
	}
	if err != nil {
		return o, err
	}
	switch {
	case merchant.IsCityOps(a):
		return o, nil
	case (a.Role == app.RoleMerchantOwner || a.Role == app.RoleMerchantDispatcher) && a.MerchantID != 0 && o.MerchantID == a.MerchantID:
		return o, nil
	}
	return booking.Order{}, ErrOrderNotFound
}

// Decisions reads the newest decisions of an order (at most limit).
func decisions(ctx context.Context, orderID int64, limit int) ([]DecisionRow, error) {
	var rows []DecisionRow
	err := tenants.DB(ctx).Where("order_id = ?", orderID).Order("id DESC").Limit(limit).Find(&rows).Error
	return rows, err
}

func decisionView(r DecisionRow, loc *time.Location) DecisionView {
	v := DecisionView{ID: r.ID, Round: r.Round, Mode: r.Mode, Outcome: r.Outcome, Reason: r.Reason, ChosenStaffID: r.ChosenStaffID,
		Considered: r.Considered, Qualified: r.Qualified, TookUS: r.TookUS, ActorID: r.ActorID, CreatedAt: r.CreatedAt,
		CreatedLocal: r.CreatedAt.In(loc).Format("2006-01-02 15:04:05")}
	_ = json.Unmarshal([]byte(r.Explanation), &v.Explanation)
	if v.Explanation.Candidates == nil {
		v.Explanation.Candidates = []Considered{}
	}
	return v
}

// History tells a dispatcher (or the city) how an order was dispatched:
// every decision with its explanation and every offer.
func (s *Service) History(ctx context.Context, orderID int64) (History, error) {
	o, err := orderForDispatch(ctx, s, orderID)
	if err != nil {
		return History{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return History{}, err
	}
	rows, err := decisions(ctx, orderID, 50)
	if err != nil {
		return History{}, err
	}
	h := History{OrderID: o.ID, OrderNo: o.OrderNo, Status: o.Status, StaffID: o.StaffID, Decisions: make([]DecisionView, 0, len(rows)), Offers: []Offer{}}
	for _, r := range rows {
		h.Decisions = append(h.Decisions, decisionView(r, c.Loc))
	}
	if err := tenants.DB(ctx).Where("order_id = ?", orderID).Order("round").Find(&h.Offers).Error; err != nil {
		return History{}, err
	}
	return h, nil
}
