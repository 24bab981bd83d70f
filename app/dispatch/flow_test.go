package dispatch_test

import (
	"fmt"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/dispatch"
	"doorstep/app/merchant"
	"doorstep/app/merchant/merchanttest"
	"doorstep/app/review"
)

// The flow, through HTTP only, as people do it: a shop opens with
// two cleaners who go on duty; a customer books with no staff chosen and
// pays through the sandbox; smart dispatch offers the job to the nearer
// cleaner, who declines; the other gets the offer, accepts, sets off,
// checks in at the address, starts and finishes; the customer reviews.
// On the customer's next order the reviewed cleaner ranks first (past
// staff), and a dispatcher assigns and then reassigns it by hand; every
// decision is on record with its explanation.
func TestFlow_BookPayDeclineAcceptServeReviewThenManualReassignment(t *testing.T) {
	t.Parallel()
	admin := merchanttest.CityAdmin(t, env, "sz", apptest.NewPhone())
	sh := merchanttest.Open(t, env, "sz", admin, apptest.NewPhone(), "安心家政", merchanttest.Area)
	item := merchanttest.AddItem(t, sh.Owner, merchanttest.Item("日常保洁2小时", 15000), true)

	// Two cleaners sign in to the staff app, say where they are and go on duty.
	app1 := func(name string, at float64) (*apptest.Client, int64) {
		phone := apptest.NewPhone()
		v := merchanttest.AddStaff(t, sh.Owner, phone, name)
		c := env.Client(t).In("sz").As(merchanttest.Act(t, env, phone, "city:sz", app.RoleStaff).AccessToken)
		p := near(home, at)
		c.Post("/v1/staff/me/location", map[string]float64{"lat": p.Lat, "lng": p.Lng}).OK()
		c.Post("/v1/staff/me/duty", map[string]bool{"on_duty": true}).OK()
		return c, v.ID
	}
	zhang, zhangID := app1("张师傅", 300)
	li, liID := app1("李师傅", 1200)

	// The customer books and pays.
	cust := env.Client(t).In("sz").As(merchanttest.SignIn(t, env, apptest.NewPhone()).AccessToken)
	var addr booking.Address
	cust.Post("/v1/addresses", booking.AddressInput{Label: "家", ContactName: "陈女士", Phone: "13912345678",
		Address: "广东省深圳市南山区科技园科苑路15号3栋1201", District: "南山区", Lat: home.Lat, Lng: home.Lng}).Want(201).JSON(&addr)
	order := func(days int) booking.OrderView {
		var o booking.OrderView
		cust.Post("/v1/orders", booking.BookInput{ServiceItemID: item.ID, SlotStart: slotAt(days, 10, 0), AddressID: addr.ID}).Want(201).JSON(&o)
		var pay struct {
			PaymentNo string `json:"payment_no"`
		}
		cust.Post(fmt.Sprintf("/v1/orders/%d/pay", o.ID), map[string]string{"method": "sandbox"}).Want(200, 201).JSON(&pay)
		env.Client(t).Post("/v1/sandbox/pay/"+pay.PaymentNo, nil).OK()
		return o
	}
	o := order(2)
	offerFor := func(c *apptest.Client, orderID int64) dispatch.OfferView {
		t.Helper()
		var got dispatch.OfferView
		eventually(t, 20*time.Second, func() string {
			var list []dispatch.OfferView
			c.Get("/v1/staff/offers").OK().JSON(&list)
			for _, v := range list {
				if v.OrderID == orderID {
					got = v
					return ""
				}
			}
			return fmt.Sprintf("no offer of order %d: %+v", orderID, list)
		})
		return got
	}

	// The nearer cleaner is offered the job first, and declines.
	off := offerFor(zhang, o.ID)
	if off.Round != 1 || off.District != "南山区" || off.SecondsLeft <= 0 {
		t.Fatalf("first offer %+v", off)
	}
	zhang.Post(fmt.Sprintf("/v1/staff/offers/%d/decline", off.ID), dispatch.DeclineInput{Reason: "时间冲突"}).OK()
	// The second gets it and accepts.
	off2 := offerFor(li, o.ID)
	var acc dispatch.OfferView
	li.Post(fmt.Sprintf("/v1/staff/offers/%d/accept", off2.ID), nil).OK().JSON(&acc)
	if off2.Round != 2 || acc.Status != dispatch.OfferAccepted {
		t.Fatalf("second offer %+v, accepted %+v", off2, acc)
	}
	var seen booking.OrderView
	cust.Get(fmt.Sprintf("/v1/orders/%d", o.ID)).OK().JSON(&seen)
	if seen.Status != booking.StAssigned || seen.StaffID != liID {
		t.Fatalf("the customer's order %s staff %d", seen.Status, seen.StaffID)
	}
	// The job: set off, check in near the address, start, finish.
	li.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).OK()
	li.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: home.Lat + 0.0005, Lng: home.Lng}).OK()
	li.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", o.ID), nil).OK()
	li.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), booking.FinishInput{Note: "已完成"}).OK()
	cust.Post(fmt.Sprintf("/v1/orders/%d/review", o.ID), review.CreateInput{Overall: 5, Punctuality: 5, Skill: 5, Attitude: 5, Content: "很专业"}).Want(201)

	// A dispatcher reads how it was dispatched.
	dphone := apptest.NewPhone()
	sh.Owner.Post("/v1/merchant/dispatchers", merchant.DispatcherInput{Phone: dphone, Name: "调度小王"}).Want(200, 201)
	disp := env.Client(t).In("sz").As(merchanttest.Act(t, env, dphone, "city:sz", app.RoleMerchantDispatcher).AccessToken)
	var h dispatch.History
	disp.Get(fmt.Sprintf("/v1/merchant/orders/%d/dispatch", o.ID)).OK().JSON(&h)
	if len(h.Decisions) != 2 || len(h.Offers) != 2 || h.Status != booking.StCompleted {
		t.Fatalf("history %+v", h)
	}
	r1, r2 := h.Decisions[1].Explanation, h.Decisions[0].Explanation
	if r1.ChosenStaffID != zhangID || r1.Round != 1 || r2.ChosenStaffID != liID || r2.Round != 2 {
		t.Fatalf("rounds %+v / %+v", r1, r2)
	}
	if c, _ := entryOf(r2, zhangID); c.Rule != dispatch.RuleAlreadyDeclined {
		t.Fatalf("round 2 on the decliner: %+v", c)
	}
	if h.Offers[0].Status != dispatch.OfferDeclined || h.Offers[0].DeclineReason != "时间冲突" || h.Offers[1].Status != dispatch.OfferAccepted {
		t.Fatalf("offers %+v", h.Offers)
	}
	// The city reads it too.
	var ch dispatch.History
	admin.Get(fmt.Sprintf("/v1/admin/orders/%d/dispatch", o.ID)).OK().JSON(&ch)
	if len(ch.Decisions) != 2 {
		t.Fatalf("city's view %+v", ch)
	}
	// Another merchant's dispatcher does not.
	rival := merchanttest.Open(t, env, "sz", admin, apptest.NewPhone(), "别家家政", merchanttest.Area)
	rival.Owner.Get(fmt.Sprintf("/v1/merchant/orders/%d/dispatch", o.ID)).WantError(404, "order_not_found")

	// The next order: the reviewed cleaner ranks first now.
	o2 := order(3)
	off3 := offerFor(li, o2.ID)
	exs := waitDecisions(t, o2.ID, 1)
	if c, _ := entryOf(exs[0], liID); c.Score == nil || c.Score.PastStaff != 1 || !c.Chosen {
		t.Fatalf("past staff on the next order: %+v", exs[0])
	}
	if c, _ := entryOf(exs[0], zhangID); c.Score == nil || c.Score.PastStaff != 0 {
		t.Fatalf("the other on the next order: %+v", exs[0])
	}
	var board dispatch.Board
	disp.Get("/v1/merchant/dispatch/board").OK().JSON(&board)
	var line *dispatch.BoardOrder
	for i := range board.Unassigned {
		if board.Unassigned[i].OrderID == o2.ID {
			line = &board.Unassigned[i]
		}
	}
	if line == nil || line.OpenOffer == nil || line.OpenOffer.ID != off3.ID || line.OpenOffer.StaffName != "李师傅" || line.LastDecision == nil || len(board.Staff) != 2 {
		t.Fatalf("board %+v", board)
	}
	// By hand: to the other cleaner (the open offer closes), then back.
	disp.Post(fmt.Sprintf("/v1/merchant/orders/%d/assign", o2.ID), map[string]int64{"staff_id": zhangID}).OK()
	li.Post(fmt.Sprintf("/v1/staff/offers/%d/accept", off3.ID), nil).WantError(409, "offer_closed")
	disp.Post(fmt.Sprintf("/v1/merchant/orders/%d/reassign", o2.ID), map[string]int64{"staff_id": liID}).OK()
	h = dispatch.History{}
	disp.Get(fmt.Sprintf("/v1/merchant/orders/%d/dispatch", o2.ID)).OK().JSON(&h)
	if len(h.Decisions) != 3 || h.Decisions[0].Mode != dispatch.ModeManual || h.Decisions[0].ChosenStaffID != liID ||
		h.Decisions[1].Mode != dispatch.ModeManual || h.Decisions[1].ChosenStaffID != zhangID || h.Decisions[2].Mode != dispatch.ModeSmart ||
		h.Offers[0].Status != dispatch.OfferWithdrawn || h.Status != booking.StAssigned || h.StaffID != liID {
		t.Fatalf("after the manual reassignment %+v", h)
	}
	if c, _ := entryOf(h.Decisions[0].Explanation, liID); !c.Chosen || c.Rule != "" {
		t.Fatalf("the reassigned pick %+v", c)
	}
	board = dispatch.Board{}
	disp.Get("/v1/merchant/dispatch/board").OK().JSON(&board)
	for _, s := range board.Staff {
		if s.ID == liID && (s.NextJob == nil || s.NextJob.OrderID != o2.ID || s.LocationAgeS == nil || !s.OnDuty) {
			t.Fatalf("board staff %+v", s)
		}
	}
}
