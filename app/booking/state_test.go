package booking_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/tenants"
)

// machineWorld is what the state machine tests act with: a shop, its
// staff, a customer, sessions as each party, and a booking service that
// refunds through a recording fake.
type machineWorld struct {
	sh       *shop
	svc      *booking.Service
	refunds  *fakeRefunder
	customer app.Actor
	staff1   app.Actor
	merchant app.Actor
	city     app.Actor
	base     context.Context
	next     int
}

func newMachineWorld(t *testing.T) *machineWorld {
	sh := newShop(t, "sz", 3)
	cust := newCustomer(t)
	f := &fakeRefunder{}
	return &machineWorld{sh: sh, svc: env.P.Booking.ForTest(f, nil), refunds: f, base: cityCtx(t, "sz"),
		customer: app.Actor{AccountID: cust.ID, Role: app.RoleCustomer},
		staff1:   app.Actor{AccountID: 1, Role: app.RoleStaff, Scope: "city:sz", MerchantID: sh.Merchant.ID, StaffID: sh.Staff[0].ID},
		merchant: app.Actor{AccountID: 2, Role: app.RoleMerchantOwner, Scope: "city:sz", MerchantID: sh.Merchant.ID},
		city:     app.Actor{AccountID: 3, Role: app.RoleCityAdmin, Scope: "city:sz"}}
}

func (w *machineWorld) as(a app.Actor) context.Context { return app.WithActor(w.base, a) }

// order inserts an order of the world's customer and first staff member
// in a state, with the fields that state implies, at a time of its own.
func (w *machineWorld) order(t *testing.T, state string) booking.Order {
	t.Helper()
	w.next++
	day, hour := 1+w.next/10, 8+w.next%10
	start := slotTime(day, hour, 0)
	now := time.Now().UTC().Truncate(time.Microsecond)
	deadline := now.Add(15 * time.Minute)
	o := booking.Order{OrderNo: fmt.Sprintf("SZT%d%06d", now.UnixNano()%1e9, w.next), CustomerID: w.customer.AccountID, MerchantID: w.sh.Merchant.ID,
		ServiceItemID: w.sh.Item.ID, StaffID: w.sh.Staff[0].ID, StaffChosen: true, Status: state, SlotStart: start, SlotEnd: start.Add(time.Hour),
		DurationMin: 60, Title: w.sh.Item.Title, CategoryCode: "daily_cleaning", SkillMask: 1, AddressID: 1, ContactName: "张三",
		PhoneEnc: env.P.Box.Seal("13912345678"), PhoneMasked: "139****5678", AddressEnc: env.P.Box.Seal("深圳市南山区科苑路15号"), AddressMasked: "深圳市南山区****",
		Lat: inside.Lat, Lng: inside.Lng, PriceModel: "fixed", PriceFen: 12800, TotalFen: 12800, PayDeadline: &deadline,
		FinishPhotos: []string{}, CreatedAt: now, UpdatedAt: now}
	if state != booking.StPendingPayment {
		o.PaidFen, o.PaidAt = 12800, &now
	}
	switch state {
	case booking.StPendingPayment:
		past := now.Add(-time.Second)
		o.PayDeadline = &past // so expire may fire
	case booking.StAwaitingBalance:
		o.PriceModel, o.PriceFen, o.PriceMaxFen, o.DepositFen, o.PaidFen, o.FinalPriceFen, o.TotalFen, o.BalanceFen = "deposit", 10000, 50000, 3000, 3000, 12800, 12800, 9800
	case booking.StCompleted, booking.StAfterSales, booking.StRefunded:
		done := now.Add(-time.Hour)
		o.CompletedAt = &done
	}
	ctx := w.base
	must(t, tenants.DB(ctx).Create(&o).Error)
	if state == booking.StAfterSales {
		must(t, tenants.DB(ctx).Create(&booking.AfterSale{OrderID: o.ID, CustomerID: o.CustomerID, MerchantID: o.MerchantID, StaffID: o.StaffID,
			Reason: "quality", Photos: []string{}, Status: booking.CaseOpen, CreatedAt: now, UpdatedAt: now}).Error)
	}
	return o
}

// fire fires event on an order the way its real caller does.
func (w *machineWorld) fire(ctx context.Context, o booking.Order, event string) error {
	svc := w.svc
	switch event {
	case booking.EvPay, booking.EvPayBalance:
		kind, amount := "full", o.TotalFen
		if event == booking.EvPayBalance {
			kind, amount = "balance", o.BalanceFen
		}
		var accepted bool
		err := tenants.WithTx(w.as(app.System), func(ctx context.Context) error {
			var err error
			accepted, err = svc.ApplyPayment(ctx, o.ID, 1000+o.ID, kind, amount)
			return err
		})
		if err == nil && !accepted {
			// What the payment service hears instead of a 409: refund it.
			return booking.ErrInvalidTransition
		}
		return err
	case booking.EvExpire:
		return svc.Transition(w.as(app.System), o.ID, event, "")
	case booking.EvCancel:
		return svc.Transition(w.as(w.customer), o.ID, event, "changed my mind")
	case booking.EvAssign:
		return svc.Assign(ctx, o.ID, w.sh.Staff[1].ID, w.merchant)
	case booking.EvReassign:
		return svc.Reassign(ctx, o.ID, w.sh.Staff[1].ID, w.merchant)
	case booking.EvUnassign:
		return svc.Transition(w.as(w.merchant), o.ID, event, "")
	case booking.EvDepart:
		_, err := svc.Depart(w.as(w.staff1), o.ID)
		return err
	case booking.EvArrive:
		_, err := svc.Arrive(w.as(w.staff1), o.ID, booking.Position{Lat: o.Lat, Lng: o.Lng})
		return err
	case booking.EvStart:
		_, err := svc.Start(w.as(w.staff1), o.ID)
		return err
	case booking.EvFinish:
		_, err := svc.Finish(w.as(w.staff1), o.ID, booking.FinishInput{Note: "done"})
		return err
	case booking.EvOpenAfterSale:
		_, err := svc.OpenAfterSale(w.as(w.customer), o.ID, booking.AfterSaleInput{Reason: "quality"})
		return err
	case booking.EvCloseAfterSale:
		return svc.Transition(w.as(w.city), o.ID, event, "")
	}
	return fmt.Errorf("no caller for %s", event)
}

func TestStateMachine_EveryStateEventPair(t *testing.T) {
	w := newMachineWorld(t)
	ctx := w.base
	for _, state := range booking.States {
		for _, event := range booking.Events {
			o := w.order(t, state)
			var eventsBefore int64
			must(t, tenants.DB(ctx).Model(&booking.Event{}).Where("order_id = ?", o.ID).Count(&eventsBefore).Error)
			err := w.fire(app.WithActor(ctx, w.merchant), o, event)
			after := readOrder(t, "sz", o.ID)
			var eventsAfter int64
			must(t, tenants.DB(ctx).Model(&booking.Event{}).Where("order_id = ?", o.ID).Count(&eventsAfter).Error)
			if booking.Allowed(state, event) {
				rule := booking.Machine[event]
				if err != nil {
					t.Errorf("%s --%s--> : %v", state, event, err)
					continue
				}
				if !slices.Contains(rule.To, after.Status) || after.Version != o.Version+1 || eventsAfter != eventsBefore+1 {
					t.Errorf("%s --%s--> %s v%d (%d events): want one of %v, v%d", state, event, after.Status, after.Version, eventsAfter-eventsBefore, rule.To, o.Version+1)
				}
				continue
			}
			if app.KindOf(err) != app.KindConflict || !errors.Is(err, booking.ErrInvalidTransition) {
				t.Errorf("%s --%s-->: got %v, want 409 invalid_transition", state, event, err)
			}
			if after.Status != o.Status || after.Version != o.Version || !after.UpdatedAt.Equal(o.UpdatedAt) || after.StaffID != o.StaffID ||
				after.PaidFen != o.PaidFen || after.RefundedFen != o.RefundedFen || eventsAfter != eventsBefore {
				t.Errorf("%s --%s-->: refused but the order changed: %+v", state, event, after)
			}
		}
	}
	// The allowed transitions' side effects: a paid cancellation was
	// refunded in full (the slot was days away), the reassigned order's time
	// moved to the new staff member.
	if len(w.refunds.calls) == 0 {
		t.Error("no cancellation was refunded")
	}
}

func TestStateMachine_ConcurrentTransitionsHaveExactlyOneWinner(t *testing.T) {
	w := newMachineWorld(t)
	race := func(name string, fns ...func() error) []error {
		errs := make([]error, len(fns))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, f := range fns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = f()
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, booking.ErrInvalidTransition):
			default:
				t.Errorf("%s: unexpected %v", name, err)
			}
		}
		if wins != 1 {
			t.Errorf("%s: %d winners (%v)", name, wins, errs)
		}
		return errs
	}
	for i := 0; i < 5; i++ {
		o := w.order(t, booking.StOnTheWay)
		errs := race("cancel vs arrive", func() error { return w.fire(w.base, o, booking.EvCancel) }, func() error { return w.fire(w.base, o, booking.EvArrive) })
		got := readOrder(t, "sz", o.ID)
		if errs[0] == nil && (got.Status != booking.StCancelled || got.RefundedFen != 6400 || got.CancelFeeFen != 6400) {
			t.Errorf("cancel won but the order is %s refunded %d fee %d", got.Status, got.RefundedFen, got.CancelFeeFen)
		}
		if errs[1] == nil && (got.Status != booking.StArrived || got.RefundedFen != 0 || len(w.refunds.For(o.ID)) != 0) {
			t.Errorf("arrive won but the order is %s with refunds %v", got.Status, w.refunds.For(o.ID))
		}
	}
	for i := 0; i < 5; i++ {
		o := w.order(t, booking.StDispatching)
		must(t, tenants.DB(w.base).Model(&booking.Order{}).Where("id = ?", o.ID).Update("staff_id", 0).Error)
		s2, s3 := w.sh.Staff[1].ID, w.sh.Staff[2].ID
		race("two assigns",
			func() error { return w.svc.Assign(w.base, o.ID, s2, w.merchant) },
			func() error { return w.svc.Assign(w.base, o.ID, s3, w.merchant) })
		got := readOrder(t, "sz", o.ID)
		var slots []booking.Slot
		must(t, tenants.DB(w.base).Where("order_id = ?", o.ID).Find(&slots).Error)
		if got.Status != booking.StAssigned || len(slots) != 2 || slots[0].StaffID != got.StaffID || slots[1].StaffID != got.StaffID {
			t.Errorf("after two assigns: %s staff %d slots %+v", got.Status, got.StaffID, slots)
		}
	}
	o := w.order(t, booking.StAssigned)
	fns := make([]func() error, 20)
	for i := range fns {
		fns[i] = func() error { return w.fire(w.base, o, booking.EvDepart) }
	}
	race("twenty departs", fns...)
	if got := readOrder(t, "sz", o.ID); got.Version != 1 {
		t.Errorf("version %d after one depart", got.Version)
	}
}

func TestCancel_FeeAndRefundThroughTheRefunderAtEachBoundary(t *testing.T) {
	w := newMachineWorld(t)
	clock := time.Now().UTC().Truncate(time.Second)
	svc := env.P.Booking.ForTest(w.refunds, func() time.Time { return clock })
	cancel := func(o booking.Order) booking.Order {
		t.Helper()
		must(t, svc.Transition(w.as(w.customer), o.ID, booking.EvCancel, "plans changed"))
		return readOrder(t, "sz", o.ID)
	}
	at := func(state string, slotIn time.Duration) booking.Order {
		o := w.order(t, state)
		must(t, tenants.DB(w.base).Model(&booking.Order{}).Where("id = ?", o.ID).
			Updates(map[string]any{"slot_start": clock.Add(slotIn), "slot_end": clock.Add(slotIn + time.Hour)}).Error)
		o.SlotStart = clock.Add(slotIn)
		return o
	}
	cases := []struct {
		name       string
		o          booking.Order
		fee, rfund int64
	}{
		{"unpaid: free, nothing to refund", at(booking.StPendingPayment, time.Hour), 0, 0},
		{"exactly two hours before: free", at(booking.StAssigned, 2*time.Hour), 0, 12800},
		{"a second later: 20%", at(booking.StAssigned, 2*time.Hour-time.Second), 2560, 10240},
		{"dispatching, late: 20%", at(booking.StDispatching, 30*time.Minute), 2560, 10240},
		{"on the way: 50%", at(booking.StOnTheWay, 3*time.Hour), 6400, 6400},
	}
	for _, c := range cases {
		if c.o.Status == booking.StPendingPayment {
			must(t, tenants.DB(w.base).Model(&booking.Order{}).Where("id = ?", c.o.ID).Update("pay_deadline", clock.Add(time.Hour)).Error)
		}
		got := cancel(c.o)
		calls := w.refunds.For(c.o.ID)
		var refundedNow int64
		for _, r := range calls {
			refundedNow += r.Amount
			if r.Source != "cancel" {
				t.Errorf("%s: refund source %q", c.name, r.Source)
			}
		}
		if got.Status != booking.StCancelled || got.CancelFeeFen != c.fee || got.RefundedFen != c.rfund || refundedNow != c.rfund || (c.rfund == 0) != (len(calls) == 0) {
			t.Errorf("%s: %s fee %d refunded %d, refunder got %v; want fee %d refund %d", c.name, got.Status, got.CancelFeeFen, got.RefundedFen, calls, c.fee, c.rfund)
		}
	}
	// Another customer cannot cancel, and the merchant's cancellation is free.
	o := at(booking.StOnTheWay, time.Hour)
	if err := svc.Transition(w.as(app.Actor{AccountID: 424242, Role: app.RoleCustomer}), o.ID, booking.EvCancel, ""); !errors.Is(err, booking.ErrOrderNotFound) {
		t.Fatalf("a stranger cancelled: %v", err)
	}
	must(t, svc.Transition(w.as(w.merchant), o.ID, booking.EvCancel, "no staff available"))
	if got := readOrder(t, "sz", o.ID); got.CancelFeeFen != 0 || got.RefundedFen != 12800 {
		t.Fatalf("merchant cancel: fee %d refunded %d", got.CancelFeeFen, got.RefundedFen)
	}
}
