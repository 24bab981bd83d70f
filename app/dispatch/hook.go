package dispatch

import (
	"context"
	"fmt"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/tenants"
)

// StaffChanged is booking's StaffHook: it runs inside the transaction that
// assigns, reassigns or unassigns an order (or confirms the staff member a
// customer chose). Any assignment closes the order's open offers; one made
// by a person (a merchant dispatcher or the city, not smart dispatch's own
// accept) is recorded as a manual decision, with the chosen staff member
// judged by the same rules as smart dispatch (a rule they break is shown,
// as an override) beside whom smart dispatch would rank first. Once
// committed, the staff members' loads in the index are recounted.
//
// Recording here rather than in an HTTP wrapper means every way of
// assigning (merchant, city, future callers) is recorded, atomically with
// the assignment itself.
func (s *Service) StaffChanged(ctx context.Context, o booking.Order, event string, previous int64, by app.Actor) error {
	switch event {
	case booking.EvAssign, booking.EvReassign:
		res := tenants.DB(ctx).Model(&Offer{}).Where("order_id = ? AND status = ?", o.ID, OfferOpen).
			Updates(map[string]any{"status": OfferWithdrawn, "responded_at": s.now()})
		if res.Error != nil {
			return fmt.Errorf("withdraw offers of order %d: %w", o.ID, res.Error)
		}
		if by.Role != "system" {
			if err := s.recordManual(ctx, o, by); err != nil {
				return err
			}
		}
	case booking.EvUnassign, booking.EvPay:
	default:
		return nil
	}
	after := detached(ctx)
	ids := []int64{o.StaffID, previous}
	tenants.AfterCommit(ctx, func() { s.refreshLoads(after, ids) })
	return nil
}

// recordManual records a person's assignment as a manual decision.
func (s *Service) recordManual(ctx context.Context, o booking.Order, by app.Actor) error {
	began := time.Now()
	pv, err := s.Effective(ctx, o.MerchantID)
	if err != nil {
		return err
	}
	pol := pv.Policy
	st, err := rounds(ctx, o.ID)
	if err != nil {
		return err
	}
	ci, err := s.cityIndexFor(ctx)
	if err != nil {
		return err
	}
	j, err := s.jobOf(ctx, o, pol)
	if err != nil {
		return err
	}
	ex, err := s.decide(ctx, ci, j, pol, dbFacts{s}, false, o.StaffID)
	if err != nil {
		return err
	}
	for i := range ex.Candidates {
		if ex.Candidates[i].StaffID == o.StaffID {
			ex.Candidates[i].Chosen = true
		}
	}
	ex.Round, ex.Mode, ex.Outcome, ex.ChosenStaffID = st.last, ModeManual, OutcomeAssigned, o.StaffID
	ex.TookUS = time.Since(began).Microseconds()
	_, err = s.record(ctx, ex, by.AccountID)
	return err
}
