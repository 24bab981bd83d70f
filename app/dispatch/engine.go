package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/outbox"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// HandleDispatch is the TaskOrder handler: one round of smart dispatch.
func (s *Service) HandleDispatch(ctx context.Context, data []byte) error {
	var p booking.OrderPayload
	if err := json.Unmarshal(data, &p); err != nil || p.OrderID <= 0 {
		return fmt.Errorf("dispatch payload %q: %w", data, app.ErrPermanent)
	}
	err := s.Dispatch(ctx, p.OrderID)
	if errors.Is(err, booking.ErrOrderNotFound) {
		return fmt.Errorf("dispatch order %d: %w: %w", p.OrderID, err, app.ErrPermanent)
	}
	return err
}

// roundState is where an order's smart dispatch stands.
type roundState struct {
	open bool // an offer is waiting for an answer
	last int  // the highest round so far (0: none)
	used int  // offers refused, timed out or failed: rounds spent
}

func rounds(ctx context.Context, orderID int64) (roundState, error) {
	var rows []Offer
	if err := tenants.DB(ctx).Select("id, status, round").Where("order_id = ?", orderID).Find(&rows).Error; err != nil {
		return roundState{}, fmt.Errorf("offers of order %d: %w", orderID, err)
	}
	var st roundState
	for _, r := range rows {
		st.last = max(st.last, r.Round)
		switch r.Status {
		case OfferOpen:
			st.open = true
		case OfferDeclined, OfferExpired, OfferFailed:
			st.used++
		}
	}
	return st, nil
}

// lockOrder reads an order with a row lock: every change dispatch makes to
// an order's offers happens under it, in the same order as booking's own
// transitions (order first), so two rounds, an accept and a timeout of the
// same order run one after the other.
func lockOrder(ctx context.Context, id int64) (booking.Order, error) {
	var o booking.Order
	err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, ErrOrderNotFound
	}
	return o, err
}

func lockOffer(ctx context.Context, id int64) (Offer, error) {
	var off Offer
	err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&off).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return off, ErrOfferNotFound
	}
	return off, err
}

func getOffer(ctx context.Context, id int64) (Offer, error) {
	var off Offer
	err := tenants.DB(ctx).Where("id = ?", id).Take(&off).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return off, ErrOfferNotFound
	}
	return off, err
}

// Dispatch runs one round of smart dispatch for an order of ctx's city. It
// acts only on an order still dispatching with no open offer (a repeated
// task changes nothing): it decides, and in one transaction either offers
// the job to the chosen staff member (the offer, its timeout task and the
// notice) or, when nobody qualifies or the policy's rounds are spent,
// records the escalation and tells the merchant's owner and dispatchers.
// The order stays dispatching for them to assign by hand.
func (s *Service) Dispatch(ctx context.Context, orderID int64) error {
	o, err := s.booking.Get(ctx, orderID)
	if err != nil {
		return err
	}
	if o.Status != booking.StDispatching {
		return nil
	}
	st, err := rounds(ctx, orderID)
	if err != nil || st.open {
		return err
	}
	pv, err := s.Effective(ctx, o.MerchantID)
	if err != nil {
		return err
	}
	pol := pv.Policy
	began := time.Now()
	ex := Explanation{OrderID: o.ID, SlotStart: o.SlotStart, RadiusM: pol.RadiusM, Weights: pol.Weights, Candidates: []Considered{}}
	if st.used >= pol.MaxRounds {
		ex.Reason = ReasonMaxRounds
	} else {
		ci, err := s.cityIndexFor(ctx)
		if err != nil {
			return err
		}
		j, err := s.jobOf(ctx, o, pol)
		if err != nil {
			return err
		}
		if ex, err = s.decide(ctx, ci, j, pol, dbFacts{s}, j.Day == ci.day(), 0); err != nil {
			return err
		}
		ex.ChosenStaffID = ex.BestStaffID
		if ex.ChosenStaffID == 0 {
			ex.Reason = ReasonNoCandidate
		}
	}
	ex.Round, ex.Mode, ex.BestStaffID = st.last+1, ModeSmart, 0
	ex.Outcome = OutcomeOffered
	var tell []int64
	if ex.ChosenStaffID == 0 {
		ex.Outcome = OutcomeEscalated
		if tell, err = s.escalationRecipients(ctx, o.MerchantID); err != nil {
			return err
		}
	}
	var chosen Considered
	for i := range ex.Candidates {
		if ex.Candidates[i].StaffID == ex.ChosenStaffID && ex.ChosenStaffID != 0 {
			ex.Candidates[i].Chosen = true
			chosen = ex.Candidates[i]
		}
	}
	ex.TookUS = time.Since(began).Microseconds()
	c, _ := tenants.MustCity(ctx)
	return tenants.WithTx(ctx, func(ctx context.Context) error {
		o, err := lockOrder(ctx, orderID)
		if err != nil {
			return err
		}
		cur, err := rounds(ctx, orderID)
		if err != nil {
			return err
		}
		if o.Status != booking.StDispatching || cur.open || cur.last != st.last {
			return nil // another round or an assignment got here first
		}
		dec, err := s.record(ctx, ex, 0)
		if err != nil {
			return err
		}
		if ex.ChosenStaffID == 0 {
			params := map[string]string{"order_no": o.OrderNo, "rounds": fmt.Sprint(st.used)}
			data := map[string]string{"order_id": fmt.Sprint(o.ID), "order_no": o.OrderNo}
			for _, id := range tell {
				if err := s.notify.Tell(ctx, id, "dispatch_escalated", params, data, fmt.Sprint(o.ID, ":", ex.Round, ":", id)); err != nil {
					return err
				}
			}
			return nil
		}
		member, err := s.staff.Get(ctx, ex.ChosenStaffID)
		if err != nil {
			return err
		}
		at := s.now()
		off := Offer{OrderID: o.ID, Round: ex.Round, StaffID: ex.ChosenStaffID, Status: OfferOpen, DistanceM: chosen.DistanceM,
			DecisionID: dec.ID, OfferedAt: at, Deadline: at.Add(pol.OfferTimeout())}
		if chosen.Score != nil {
			off.Score = chosen.Score.Total
		}
		if err := tenants.DB(ctx).Create(&off).Error; err != nil {
			return fmt.Errorf("offer order %d: %w", o.ID, err)
		}
		if err := s.out.Add(ctx, TaskOfferTimeout, OfferPayload{OfferID: off.ID}, outbox.At(off.Deadline)); err != nil {
			return err
		}
		return s.notify.Tell(ctx, member.AccountID, "job_offered", map[string]string{"service": o.Title,
			"time": o.SlotStart.In(c.Loc).Format("01-02 15:04"), "seconds": fmt.Sprint(pol.OfferTimeoutS), "order_no": o.OrderNo},
			map[string]string{"offer_id": fmt.Sprint(off.ID), "order_id": fmt.Sprint(o.ID)}, fmt.Sprint(off.ID))
	})
}

// record writes a decision and its explanation.
func (s *Service) record(ctx context.Context, ex Explanation, actorID int64) (DecisionRow, error) {
	b, err := json.Marshal(ex)
	if err != nil {
		return DecisionRow{}, err
	}
	row := DecisionRow{OrderID: ex.OrderID, Round: ex.Round, Mode: ex.Mode, ChosenStaffID: ex.ChosenStaffID, Outcome: ex.Outcome,
		Reason: ex.Reason, Considered: ex.Considered, Qualified: ex.Qualified, Explanation: string(b), TookUS: ex.TookUS,
		ActorID: actorID, CreatedAt: s.now()}
	if err := tenants.DB(ctx).Create(&row).Error; err != nil {
		return row, fmt.Errorf("record dispatch decision: %w", err)
	}
	return row, nil
}

// escalationRecipients are the merchant's owner and dispatchers (reads
// HQ: outside any city transaction).
func (s *Service) escalationRecipients(ctx context.Context, merchantID int64) ([]int64, error) {
	m, err := s.merchants.Get(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	out := []int64{m.OwnerID}
	if s.people != nil {
		ids, err := s.people.Dispatchers(ctx, merchantID)
		if err != nil {
			return nil, fmt.Errorf("dispatchers of merchant %d: %w", merchantID, err)
		}
		for _, id := range ids {
			if id != m.OwnerID {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// HandleOfferTimeout is the TaskOfferTimeout handler.
func (s *Service) HandleOfferTimeout(ctx context.Context, data []byte) error {
	var p OfferPayload
	if err := json.Unmarshal(data, &p); err != nil || p.OfferID <= 0 {
		return fmt.Errorf("offer timeout payload %q: %w", data, app.ErrPermanent)
	}
	err := s.Expire(ctx, p.OfferID)
	if errors.Is(err, ErrOfferNotFound) || errors.Is(err, ErrOrderNotFound) {
		return fmt.Errorf("offer %d: %w: %w", p.OfferID, err, app.ErrPermanent)
	}
	return err
}

// Expire closes an offer whose deadline passed unanswered and starts the
// next round. An offer already answered or withdrawn is left alone, so the
// timeout of an accepted offer does nothing; one whose order no longer
// waits for staff (cancelled meanwhile) is withdrawn, not held against the
// staff member.
func (s *Service) Expire(ctx context.Context, offerID int64) error {
	off, err := getOffer(ctx, offerID)
	if err != nil || off.Status != OfferOpen {
		return err
	}
	var ended *Offer
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		ended = nil
		o, err := lockOrder(ctx, off.OrderID)
		if err != nil {
			return err
		}
		cur, err := lockOffer(ctx, offerID)
		if err != nil || cur.Status != OfferOpen {
			return err
		}
		if now := s.now(); now.Before(cur.Deadline.Add(-time.Second)) {
			// Delivered early (clocks differ): come back at the deadline.
			return s.out.Add(ctx, TaskOfferTimeout, OfferPayload{OfferID: cur.ID}, outbox.At(cur.Deadline))
		}
		if o.Status != booking.StDispatching {
			// The order was cancelled or assigned another way: nobody let
			// it time out.
			return tenants.DB(ctx).Model(&Offer{}).Where("id = ?", cur.ID).
				Updates(map[string]any{"status": OfferWithdrawn, "responded_at": s.now()}).Error
		}
		if err := s.close(ctx, &cur, OfferExpired, "", o); err != nil {
			return err
		}
		ended = &cur
		return nil
	})
	if err == nil && ended != nil {
		s.counted(ctx, ended.StaffID, false)
	}
	return err
}

// close ends an open offer with a refusal (declined, expired, failed): it
// counts one more offer received by the staff member and, while the order
// still waits for staff, queues the next round. Callers hold the order's
// and the offer's locks.
func (s *Service) close(ctx context.Context, off *Offer, status, reason string, o booking.Order) error {
	now := s.now()
	off.Status, off.RespondedAt, off.DeclineReason = status, &now, clip(reason, 255)
	if err := tenants.DB(ctx).Model(&Offer{}).Where("id = ?", off.ID).
		Updates(map[string]any{"status": status, "responded_at": now, "decline_reason": off.DeclineReason}).Error; err != nil {
		return fmt.Errorf("close offer %d: %w", off.ID, err)
	}
	if err := bumpOffers(ctx, off.StaffID, false); err != nil {
		return err
	}
	if o.Status == booking.StDispatching {
		return s.out.Add(ctx, TaskOrder, booking.OrderPayload{OrderID: o.ID})
	}
	return nil
}

// bumpOffers counts an answered offer on the staff member's row (the
// acceptance history scoring reads).
func bumpOffers(ctx context.Context, staffID int64, accepted bool) error {
	set := map[string]any{"offers_received": gorm.Expr("offers_received + 1")}
	if accepted {
		set["offers_accepted"] = gorm.Expr("offers_accepted + 1")
	}
	if err := tenants.DB(ctx).Model(&staff.Staff{}).Where("id = ?", staffID).UpdateColumns(set).Error; err != nil {
		return fmt.Errorf("count offer of staff %d: %w", staffID, err)
	}
	return nil
}

// counted brings this copy's acceptance history of a staff member up to
// date after an answer committed; the other copies read it at their
// rebuild (it only weighs in the score).
func (s *Service) counted(ctx context.Context, staffID int64, accepted bool) {
	c, ok := tenants.CityFrom(ctx)
	if !ok {
		return
	}
	ci := s.knownIndex(c.Code)
	if ci == nil {
		return
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if old, ok := ci.members[staffID]; ok {
		m := *old
		m.OffersReceived++
		if accepted {
			m.OffersAccepted++
		}
		ci.members[staffID] = &m
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
