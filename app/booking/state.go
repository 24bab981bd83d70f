package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/tenants"
)

// Order states.
const (
	StPendingPayment  = "pending_payment"
	StDispatching     = "dispatching" // paid, no staff yet
	StAssigned        = "assigned"
	StOnTheWay        = "on_the_way"
	StArrived         = "arrived"
	StInService       = "in_service"
	StAwaitingBalance = "awaiting_balance" // deposit orders after the service
	StCompleted       = "completed"
	StCancelled       = "cancelled"
	StExpired         = "expired"
	StAfterSales      = "after_sales"
	StRefunded        = "refunded"
)

// States lists every order state.
var States = []string{StPendingPayment, StDispatching, StAssigned, StOnTheWay, StArrived, StInService, StAwaitingBalance,
	StCompleted, StCancelled, StExpired, StAfterSales, StRefunded}

// Order events.
const (
	EvPay            = "pay"
	EvExpire         = "expire"
	EvCancel         = "cancel"
	EvAssign         = "assign"
	EvReassign       = "reassign"
	EvUnassign       = "unassign"
	EvDepart         = "depart"
	EvArrive         = "arrive"
	EvStart          = "start"
	EvFinish         = "finish"
	EvPayBalance     = "pay_balance"
	EvOpenAfterSale  = "open_aftersale"
	EvCloseAfterSale = "close_aftersale"

	evCreate = "create" // the first history row; not a transition
)

// Events lists every transition event.
var Events = []string{EvPay, EvExpire, EvCancel, EvAssign, EvReassign, EvUnassign, EvDepart, EvArrive, EvStart, EvFinish,
	EvPayBalance, EvOpenAfterSale, EvCloseAfterSale}

// Party is who fires an event, as the machine sees it.
type Party string

// Parties.
const (
	PartyCustomer Party = "customer" // the order's customer
	PartyStaff    Party = "staff"    // the order's staff member
	PartyMerchant Party = "merchant" // the order's merchant's owner or dispatchers
	PartyCity     Party = "city"     // the city's operators and HQ
	PartySystem   Party = "system"   // jobs, gateway callbacks, dispatch
)

// Rule is one row of the machine: from which states an event may fire, the
// states it may lead to (the first is the usual one), and who may fire it.
type Rule struct {
	From []string
	To   []string
	Who  []Party
}

// Machine is the order state machine: the only place that says which
// transitions exist.
var Machine = map[string]Rule{
	EvPay:            {From: []string{StPendingPayment}, To: []string{StDispatching, StAssigned}, Who: []Party{PartySystem}},
	EvExpire:         {From: []string{StPendingPayment}, To: []string{StExpired}, Who: []Party{PartySystem}},
	EvCancel:         {From: []string{StPendingPayment, StDispatching, StAssigned, StOnTheWay}, To: []string{StCancelled}, Who: []Party{PartyCustomer, PartyMerchant, PartyCity, PartySystem}},
	EvAssign:         {From: []string{StDispatching}, To: []string{StAssigned}, Who: []Party{PartyMerchant, PartyCity, PartySystem}},
	EvReassign:       {From: []string{StAssigned}, To: []string{StAssigned}, Who: []Party{PartyMerchant, PartyCity, PartySystem}},
	EvUnassign:       {From: []string{StAssigned}, To: []string{StDispatching}, Who: []Party{PartyMerchant, PartyCity, PartySystem}},
	EvDepart:         {From: []string{StAssigned}, To: []string{StOnTheWay}, Who: []Party{PartyStaff}},
	EvArrive:         {From: []string{StOnTheWay}, To: []string{StArrived}, Who: []Party{PartyStaff}},
	EvStart:          {From: []string{StArrived}, To: []string{StInService}, Who: []Party{PartyStaff}},
	EvFinish:         {From: []string{StInService}, To: []string{StCompleted, StAwaitingBalance}, Who: []Party{PartyStaff}},
	EvPayBalance:     {From: []string{StAwaitingBalance}, To: []string{StCompleted}, Who: []Party{PartySystem}},
	EvOpenAfterSale:  {From: []string{StCompleted}, To: []string{StAfterSales}, Who: []Party{PartyCustomer}},
	EvCloseAfterSale: {From: []string{StAfterSales}, To: []string{StCompleted, StRefunded}, Who: []Party{PartyCustomer, PartyCity, PartySystem}},
}

// Allowed tells whether event may fire from state.
func Allowed(state, event string) bool {
	r, ok := Machine[event]
	return ok && slices.Contains(r.From, state)
}

// partyOf says which party an actor is for an order, or a not-found error
// when the order is none of theirs (ids exist in every city; someone
// else's order must look like no order at all).
func partyOf(a app.Actor, o *Order) (Party, error) {
	switch a.Role {
	case "system":
		return PartySystem, nil
	case app.RoleCustomer:
		if a.AccountID != 0 && o.CustomerID == a.AccountID {
			return PartyCustomer, nil
		}
	case app.RoleStaff:
		if a.StaffID != 0 && o.StaffID == a.StaffID {
			return PartyStaff, nil
		}
	case app.RoleMerchantOwner, app.RoleMerchantDispatcher:
		if a.MerchantID != 0 && o.MerchantID == a.MerchantID {
			return PartyMerchant, nil
		}
	case app.RoleCityAdmin, app.RoleCityOperator, app.RoleHQAdmin, app.RoleHQOperator:
		return PartyCity, nil
	}
	return "", ErrOrderNotFound
}

// step is one firing of an event.
type step struct {
	event  string
	reason string
	actor  app.Actor // recorded in the history; decides the party unless party is set
	party  Party     // forced party (internal callers acting as the system)
	// apply runs inside the transaction on the locked order before it is
	// saved: it checks the event's own rules, changes o's fields, does the
	// event's other writes, and returns the target state (one of the
	// rule's To; "" means the first).
	apply func(ctx context.Context, o *Order) (string, error)
}

// fire applies one event to one order: in one transaction it locks the
// row, checks the actor's ownership and party and the current state against
// the machine, runs the event's rules, saves the order with a conditional
// UPDATE (id, status and version), bumps the version, writes the history
// row, and publishes the change once committed. A concurrent transition
// waits on the lock and then finds the state changed: exactly one wins,
// the other gets ErrInvalidTransition and changes nothing.
func (s *Service) fire(ctx context.Context, orderID int64, st step) (Order, error) {
	rule, ok := Machine[st.event]
	if !ok {
		return Order{}, app.Invalid("event", "unknown event "+st.event)
	}
	var out Order
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		var o Order
		err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", orderID).Take(&o).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrOrderNotFound
		}
		if err != nil {
			return err
		}
		party := st.party
		if party == "" {
			if party, err = partyOf(st.actor, &o); err != nil {
				return err
			}
		}
		if !slices.Contains(rule.Who, party) {
			return ErrEventNotAllowed.WithMessage("a %s may not %s an order", party, st.event)
		}
		if !slices.Contains(rule.From, o.Status) {
			return ErrInvalidTransition.WithMessage("cannot %s an order that is %s", st.event, o.Status)
		}
		from, version := o.Status, o.Version
		to := rule.To[0]
		if st.apply != nil {
			t, err := st.apply(ctx, &o)
			if err != nil {
				return err
			}
			if t != "" {
				to = t
			}
		}
		if !slices.Contains(rule.To, to) {
			return fmt.Errorf("order machine: %s may not lead from %s to %s", st.event, from, to)
		}
		now := s.now()
		o.Status, o.Version, o.UpdatedAt = to, version+1, now
		res := tenants.DB(ctx).Model(&o).Where("status = ? AND version = ?", from, version).
			Select("*").Omit("id", "created_at").Updates(&o)
		if res.Error != nil {
			return fmt.Errorf("save order %d: %w", o.ID, res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrInvalidTransition.WithMessage("the order changed meanwhile; reload it")
		}
		ev := Event{OrderID: o.ID, Event: st.event, FromStatus: from, ToStatus: to, ActorID: st.actor.AccountID, ActorRole: actorRole(st.actor, party),
			Reason: clip(st.reason, 500), At: now}
		if err := tenants.DB(ctx).Create(&ev).Error; err != nil {
			return fmt.Errorf("order event: %w", err)
		}
		s.publishAfterCommit(ctx, o, st.event)
		out = o
		return nil
	})
	return out, err
}

func actorRole(a app.Actor, p Party) string {
	if a.Role != "" {
		return a.Role
	}
	return string(p)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// Transition is the general entry point: it fires an event that needs no
// input beyond a reason, for the actor in ctx. Events that need more have
// their own methods: pay and pay_balance (ApplyPayment), assign and
// reassign (Assign, Reassign), arrive (Arrive: a location), finish (Finish),
// open_aftersale (OpenAfterSale).
func (s *Service) Transition(ctx context.Context, orderID int64, event, reason string) error {
	a, err := app.MustActor(ctx)
	if err != nil {
		return err
	}
	switch event {
	case EvCancel:
		_, err = s.cancel(ctx, orderID, a, reason)
	case EvExpire:
		_, err = s.expire(ctx, orderID, a)
	case EvUnassign:
		err = s.unassign(ctx, orderID, a, reason)
	case EvDepart, EvStart:
		_, err = s.staffStep(ctx, orderID, a, event, reason, nil)
	case EvCloseAfterSale:
		_, err = s.closeCase(ctx, orderID, a, "", 0, reason, "")
	case EvPay, EvPayBalance:
		return app.Invalid("event", event+" happens through a payment (ApplyPayment)")
	case EvAssign, EvReassign:
		return app.Invalid("event", event+" needs a staff member (Assign, Reassign)")
	case EvArrive:
		return app.Invalid("event", "arrive needs the staff member's location (Arrive)")
	case EvFinish:
		return app.Invalid("event", "finish needs the service report (Finish)")
	case EvOpenAfterSale:
		return app.Invalid("event", "open_aftersale needs the case (OpenAfterSale)")
	default:
		return app.Invalid("event", "unknown event "+event)
	}
	return err
}
