package dispatch_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"doorstep/app/booking"
	"doorstep/app/dispatch"
	"doorstep/tenants"
)

// The staff app lists an open offer with its countdown and no address:
// the district and the distance only.
func TestOffers_StaffSeeTheirOpenOfferWithoutTheAddress(t *testing.T) {
	t.Parallel()
	sh := newShop(t)
	w := sh.addStaff(t, "李师傅", near(home, 300), bitCleaning)
	other := sh.addStaff(t, "王师傅", near(home, 3000), bitCleaning)
	o := paidOrder(t, sh.Cleaning, 5, 9)
	waitOffer(t, o.ID, 1)
	var got []dispatch.OfferView
	r := client(t, w.Account).Get("/v1/staff/offers").OK().JSON(&got)
	if len(got) != 1 || got[0].OrderID != o.ID || got[0].District != "南山区" || got[0].SecondsLeft < 50 || got[0].SecondsLeft > 60 ||
		got[0].DistanceM < 250 || got[0].DistanceM > 650 || got[0].Service != "日常保洁" {
		t.Fatalf("offers %+v", got)
	}
	for _, secret := range []string{"13912345678", "科苑路", "1201"} {
		if contains(r.Body, secret) {
			t.Fatalf("the offer shows %q: %s", secret, r.Body)
		}
	}
	var none []dispatch.OfferView
	client(t, other.Account).Get("/v1/staff/offers").OK().JSON(&none)
	if len(none) != 0 {
		t.Fatalf("someone else's offers: %+v", none)
	}
	client(t, other.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", got[0].ID), nil).WantError(404, "offer_not_found")
	// The job_offered notice reached the staff member with the countdown.
	eventually(t, 10*time.Second, func() string {
		for _, n := range inbox(t, w.Account.ID) {
			if n.Event == "job_offered" && contains([]byte(n.Body), "60") {
				return ""
			}
		}
		return "no job_offered notice"
	})
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// Two staff members accepting the same order at once: exactly one wins,
// the other gets 409, and only the winner's time is reserved.
func TestAccept_TwoStaffAtOnceExactlyOneWins(t *testing.T) {
	t.Parallel()
	for attempt := 0; attempt < 3; attempt++ {
		sh := newShop(t)
		a := sh.addStaff(t, "甲", near(home, 100), bitCleaning)
		b := sh.addStaff(t, "乙", near(home, 900), bitCleaning)
		o := paidOrder(t, sh.Cleaning, 6, 9+attempt)
		first := waitOffer(t, o.ID, 1)
		if first.StaffID != a.ID {
			t.Fatalf("round 1 went to %d", first.StaffID)
		}
		// A second open offer of the same order (two rounds racing): both
		// are within their deadlines.
		now := time.Now().UTC()
		second := dispatch.Offer{OrderID: o.ID, Round: 2, StaffID: b.ID, Status: dispatch.OfferOpen, OfferedAt: now, Deadline: now.Add(time.Minute)}
		must(t, tenants.DB(cityCtx(t)).Create(&second).Error)

		var wg sync.WaitGroup
		codes := make([]int, 2)
		start := make(chan struct{})
		for i, x := range []struct {
			w   worker
			off int64
		}{{a, first.ID}, {b, second.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i] = client(t, x.w.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", x.off), nil).Status
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				wins++
			case http.StatusConflict:
			default:
				t.Fatalf("accept answered %v", codes)
			}
		}
		if wins != 1 {
			t.Fatalf("accepts answered %v, want exactly one 200", codes)
		}
		winner := a
		if codes[1] == http.StatusOK {
			winner = b
		}
		got := readOrder(t, o.ID)
		if got.Status != booking.StAssigned || got.StaffID != winner.ID {
			t.Fatalf("order %s staff %d, winner %d", got.Status, got.StaffID, winner.ID)
		}
		var slots []booking.Slot
		must(t, tenants.DB(cityCtx(t)).Where("order_id = ?", o.ID).Find(&slots).Error)
		if len(slots) != 2 || slots[0].StaffID != winner.ID || slots[1].StaffID != winner.ID {
			t.Fatalf("reservations %+v", slots)
		}
		accepted := 0
		for _, off := range offersOf(t, o.ID) {
			if off.Status == dispatch.OfferAccepted {
				accepted++
			} else if off.Status != dispatch.OfferWithdrawn {
				t.Fatalf("offer %+v", off)
			}
		}
		if accepted != 1 {
			t.Fatalf("%d offers accepted", accepted)
		}
	}
}

// An accepted offer is answered the same on a second tap; a declined one
// cannot be accepted afterwards; the slot taken meanwhile fails the accept
// with 409 slot_taken and moves to the next round.
func TestAccept_RepeatAndSlotTakenMeanwhile(t *testing.T) {
	t.Parallel()
	sh := newShop(t)
	a := sh.addStaff(t, "甲", near(home, 100), bitCleaning)
	b := sh.addStaff(t, "乙", near(home, 900), bitCleaning)
	o := paidOrder(t, sh.Cleaning, 7, 10)
	off := waitOffer(t, o.ID, 1)
	// Meanwhile a customer books a.
	other := newCustomer(t)
	book(t, other, booking.BookInput{ServiceItemID: sh.Cleaning.ID, StaffID: a.ID, SlotStart: slotAt(7, 10, 0), AddressID: address(t, other, home).ID})
	client(t, a.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", off.ID), nil).WantError(409, "slot_taken")
	if offs := offersOf(t, o.ID); offs[0].Status != dispatch.OfferFailed {
		t.Fatalf("offer after a failed accept: %+v", offs[0])
	}
	next := waitOffer(t, o.ID, 2)
	if next.StaffID != b.ID {
		t.Fatalf("round 2 went to %d", next.StaffID)
	}
	var v dispatch.OfferView
	client(t, b.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", next.ID), nil).OK().JSON(&v)
	client(t, b.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", next.ID), nil).OK().JSON(&v)
	if v.Status != dispatch.OfferAccepted {
		t.Fatalf("second tap %+v", v)
	}
	client(t, b.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/decline", next.ID), nil).WantError(409, "offer_closed")
	if got := readOrder(t, o.ID); got.Status != booking.StAssigned || got.StaffID != b.ID {
		t.Fatalf("order %+v", got)
	}
	// The staff member's counters moved: a received and failed, b accepted.
	var rows []struct {
		ID             int64
		OffersReceived int64
		OffersAccepted int64
	}
	ctx := cityCtx(t)
	must(t, tenants.DB(ctx).Table(tenants.Table(ctx, "staff")).Select("id, offers_received, offers_accepted").Where("id IN ?", []int64{a.ID, b.ID}).Order("id").Scan(&rows).Error)
	if rows[0].OffersReceived != 1 || rows[0].OffersAccepted != 0 || rows[1].OffersReceived != 1 || rows[1].OffersAccepted != 1 {
		t.Fatalf("counters %+v", rows)
	}
}

// An offer nobody answers times out (here the first for real, at its
// deadline) and goes to the next candidate; after max_rounds the order
// stays dispatching, the decision says escalated, and the owner and the
// dispatchers find dispatch_escalated in their inboxes. A late accept is
// refused, and a repeated timeout changes nothing.
func TestTimeout_MovesOnThenEscalatesToTheDispatchers(t *testing.T) {
	t.Parallel()
	sh := newShop(t)
	sh.setPolicy(t, dispatch.PolicyInput{OfferTimeoutS: ptr(15), MaxRounds: ptr(2)})
	d1 := granted(t, "merchant_dispatcher", sh.Merchant.ID, 0)
	d2 := granted(t, "merchant_dispatcher", sh.Merchant.ID, 0)
	a := sh.addStaff(t, "甲", near(home, 100), bitCleaning)
	b := sh.addStaff(t, "乙", near(home, 900), bitCleaning)
	c := sh.addStaff(t, "丙", near(home, 1900), bitCleaning)
	o := paidOrder(t, sh.Cleaning, 8, 10)

	first := waitOffer(t, o.ID, 1)
	if first.StaffID != a.ID || first.Deadline.Sub(first.OfferedAt) != 15*time.Second {
		t.Fatalf("round 1 %+v", first)
	}
	// The real timeout task runs at the deadline.
	var second dispatch.Offer
	eventually(t, 40*time.Second, func() string {
		offs := offersOf(t, o.ID)
		if len(offs) < 2 {
			return fmt.Sprintf("offers %+v", offs)
		}
		second = offs[1]
		return ""
	})
	if offs := offersOf(t, o.ID); offs[0].Status != dispatch.OfferExpired || second.StaffID != b.ID {
		t.Fatalf("after the timeout: %+v", offs)
	}
	client(t, a.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", first.ID), nil).WantError(409, "offer_closed")
	ctx := cityCtx(t)
	must(t, env.P.Dispatch.Expire(ctx, first.ID)) // a repeated timeout of a closed offer

	// Round 2 runs out too (its deadline moved into the past, then its
	// timeout delivered).
	must(t, tenants.DB(ctx).Model(&dispatch.Offer{}).Where("id = ?", second.ID).Update("deadline", time.Now().UTC().Add(-time.Second)).Error)
	client(t, b.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", second.ID), nil).WantError(409, "offer_expired")
	must(t, env.P.Dispatch.Expire(ctx, second.ID))

	exs := waitDecisions(t, o.ID, 3)
	last := exs[2]
	if last.Outcome != dispatch.OutcomeEscalated || last.Reason != dispatch.ReasonMaxRounds || last.ChosenStaffID != 0 || last.Round != 3 {
		t.Fatalf("escalation %+v", last)
	}
	if got := readOrder(t, o.ID); got.Status != booking.StDispatching || got.StaffID != 0 {
		t.Fatalf("order after escalation %+v", got)
	}
	if offs := offersOf(t, o.ID); len(offs) != 2 {
		t.Fatalf("c was offered after max rounds: %+v", offs)
	}
	for _, id := range []int64{sh.Owner.ID, d1.ID, d2.ID} {
		eventually(t, 10*time.Second, func() string {
			for _, n := range inbox(t, id) {
				if n.Event == "dispatch_escalated" && contains([]byte(n.Body), o.OrderNo) {
					return ""
				}
			}
			return fmt.Sprintf("account %d has no dispatch_escalated notice", id)
		})
	}
	// A repeated dispatch task after the escalation offers nobody.
	must(t, env.P.Dispatch.Dispatch(ctx, o.ID))
	if offs := offersOf(t, o.ID); len(offs) != 2 {
		t.Fatalf("offers after a repeated task: %+v", offs)
	}
	// The board shows the order waiting, with the escalation.
	var board dispatch.Board
	client(t, d1).Get("/v1/merchant/dispatch/board").OK().JSON(&board)
	if len(board.Unassigned) != 1 || board.Unassigned[0].OrderID != o.ID || board.Unassigned[0].LastDecision == nil ||
		board.Unassigned[0].LastDecision.Outcome != dispatch.OutcomeEscalated || board.Unassigned[0].OpenOffer != nil {
		t.Fatalf("board %+v", board.Unassigned)
	}
	_ = c
}

// An order cancelled while its offer is open takes the offer off the staff
// member's list; accepting it is 409, and its timeout withdraws it without
// holding it against the staff member.
func TestOffer_OrderCancelledMeanwhileWithdrawsTheOffer(t *testing.T) {
	t.Parallel()
	sh := newShop(t)
	w := sh.addStaff(t, "甲", near(home, 100), bitCleaning)
	c := newCustomer(t)
	o := book(t, c, booking.BookInput{ServiceItemID: sh.Cleaning.ID, SlotStart: slotAt(10, 10, 0), AddressID: address(t, c, home).ID})
	payFor(t, c, o.ID)
	off := waitOffer(t, o.ID, 1)
	client(t, c).Post(fmt.Sprintf("/v1/orders/%d/cancel", o.ID), map[string]string{"reason": "不需要了"}).OK()
	var list []dispatch.OfferView
	client(t, w.Account).Get("/v1/staff/offers").OK().JSON(&list)
	if len(list) != 0 {
		t.Fatalf("offers of a cancelled order: %+v", list)
	}
	client(t, w.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/accept", off.ID), nil).WantError(409, "offer_closed")
	client(t, w.Account).Post(fmt.Sprintf("/v1/staff/offers/%d/decline", off.ID), nil).WantError(409, "offer_closed")
	ctx := cityCtx(t)
	must(t, tenants.DB(ctx).Model(&dispatch.Offer{}).Where("id = ?", off.ID).Update("deadline", time.Now().UTC().Add(-time.Second)).Error)
	must(t, env.P.Dispatch.Expire(ctx, off.ID))
	if offs := offersOf(t, o.ID); len(offs) != 1 || offs[0].Status != dispatch.OfferWithdrawn {
		t.Fatalf("offers %+v", offs)
	}
	var received int64
	must(t, tenants.DB(ctx).Table(tenants.Table(ctx, "staff")).Select("offers_received").Where("id = ?", w.ID).Scan(&received).Error)
	if received != 0 {
		t.Fatalf("the withdrawn offer counted: %d", received)
	}
}
