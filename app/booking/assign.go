package booking

import (
	"context"
	"fmt"

	"doorstep/app"
	"doorstep/tenants"
)

// Assign gives a paid order without staff (dispatching) to a staff member,
// reserving their time in the same transaction; by is who decides (the
// dispatch engine as the system, a merchant dispatcher, the city). The
// staff member must belong to the order's merchant, be active, have the
// skills and work at that time. A taken time is ErrSlotTaken; an order that
// is no longer dispatching (another assign won) is ErrInvalidTransition.
func (s *Service) Assign(ctx context.Context, orderID, staffID int64, by app.Actor) error {
	return s.assign(ctx, EvAssign, orderID, staffID, by)
}

// Reassign moves an assigned order to another staff member: the old
// reservation is deleted and the new one inserted in one transaction under
// the same rule.
func (s *Service) Reassign(ctx context.Context, orderID, staffID int64, by app.Actor) error {
	return s.assign(ctx, EvReassign, orderID, staffID, by)
}

func (s *Service) assign(ctx context.Context, event string, orderID, staffID int64, by app.Actor) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	pre, err := s.Get(ctx, orderID)
	if err != nil {
		return err
	}
	if _, err := partyOf(by, &pre); err != nil {
		return err
	}
	st, err := s.staff.Get(ctx, staffID)
	if err != nil {
		if notFound(err) {
			return ErrStaffUnavailable
		}
		return err
	}
	// The merchant, skills and time of an order never change, so the
	// staff member is checked before the lock.
	if err := s.checkStaff(ctx, st, Item{MerchantID: pre.MerchantID, SkillMask: pre.SkillMask}, pre.SlotStart, pre.DurationMin, c.Loc); err != nil {
		return err
	}
	var old int64
	_, err = s.fire(ctx, orderID, step{event: event, actor: by, reason: fmt.Sprintf("staff %d", staffID), apply: func(ctx context.Context, o *Order) (string, error) {
		old = o.StaffID
		if old == staffID {
			return "", ErrAlreadyAssigned
		}
		if old != 0 {
			if err := s.release(ctx, o.ID); err != nil {
				return "", err
			}
		}
		if err := s.reserve(ctx, staffID, o.ID, o.SlotStart, o.DurationMin); err != nil {
			return "", err
		}
		now := s.now()
		o.StaffID, o.AssignedAt = staffID, &now
		if err := s.staffChanged(ctx, *o, event, old, by); err != nil {
			return "", err
		}
		if err := s.notify.Tell(ctx, o.CustomerID, "order_assigned", map[string]string{"order_no": o.OrderNo, "staff": st.DisplayName,
			"time": noteTime(o.SlotStart, c.Loc)}, orderData(*o), fmt.Sprint(o.ID, ":", staffID)); err != nil {
			return "", err
		}
		if err := s.notify.Tell(ctx, st.AccountID, "job_assigned", map[string]string{"service": o.Title, "time": noteTime(o.SlotStart, c.Loc),
			"order_no": o.OrderNo}, orderData(*o), fmt.Sprint(o.ID, ":", staffID)); err != nil {
			return "", err
		}
		if old != 0 {
			return "", s.tellStaff(ctx, old, "job_cancelled", *o, c, fmt.Sprint(o.ID, ":", old))
		}
		return "", nil
	}})
	return slotTaken(err)
}

// Unassign takes an assigned order back from its staff member (their time
// is released) and hands it to dispatch again.
func (s *Service) Unassign(ctx context.Context, orderID int64, by app.Actor, reason string) error {
	return s.unassign(ctx, orderID, by, reason)
}

func (s *Service) unassign(ctx context.Context, orderID int64, by app.Actor, reason string) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	_, err = s.fire(ctx, orderID, step{event: EvUnassign, actor: by, reason: reason, apply: func(ctx context.Context, o *Order) (string, error) {
		old := o.StaffID
		if err := s.release(ctx, o.ID); err != nil {
			return "", err
		}
		o.StaffID, o.AssignedAt = 0, nil
		if err := s.staffChanged(ctx, *o, EvUnassign, old, by); err != nil {
			return "", err
		}
		if err := s.out.Add(ctx, TaskDispatch, OrderPayload{OrderID: o.ID}); err != nil {
			return "", err
		}
		if old != 0 {
			return "", s.tellStaff(ctx, old, "job_cancelled", *o, c, fmt.Sprint(o.ID, ":", old))
		}
		return "", nil
	}})
	return err
}
