package journey_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/city"
	"doorstep/app/geo"
	"doorstep/app/merchant/merchanttest"
	"doorstep/tenants"
)

type order struct {
	ID            int64  `json:"id"`
	OrderNo       string `json:"order_no"`
	Status        string `json:"status"`
	PayableNowFen int64  `json:"payable_now_fen"`
	PaidFen       int64  `json:"paid_fen"`
	RefundedFen   int64  `json:"refunded_fen"`
	BalanceFen    int64  `json:"balance_fen"`
	StaffID       int64  `json:"staff_id"`
}

// pay pays what an order owes now through the sandbox gateway: the payment
// is created, the sandbox cashier pays, and its signed notification comes
// back over HTTP to the notify endpoint like a real provider's.
func pay(t *testing.T, c *apptest.Client, orderID int64) {
	t.Helper()
	var p struct {
		PaymentNo string `json:"payment_no"`
		AmountFen int64  `json:"amount_fen"`
	}
	c.Post(fmt.Sprintf("/v1/orders/%d/pay", orderID), map[string]string{"method": "sandbox"}).Want(200, 201).JSON(&p)
	c.Post("/v1/sandbox/pay/"+p.PaymentNo, nil).OK()
}

func waitStatus(t *testing.T, c *apptest.Client, orderID int64, want ...string) order {
	t.Helper()
	var o order
	apptest.Eventually(t, 15*time.Second, fmt.Sprintf("order %d reaches %v", orderID, want), func() bool {
		c.Get(fmt.Sprintf("/v1/orders/%d", orderID)).OK().JSON(&o)
		for _, w := range want {
			if o.Status == w {
				return true
			}
		}
		return false
	})
	return o
}

func tomorrowAt(hour int) string {
	d := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, d.Location()).Format(time.RFC3339)
}

// A customer signs up with an SMS code, browses, picks a staff member and a
// slot, pays the deposit through the sandbox callback, follows the order
// while the staff member goes on site, pays the balance, reviews, and opens
// after-sales; a second order is cancelled and a third expires unpaid.
func TestJourney_CustomerFromSignUpToAfterSales(t *testing.T) {
	e := apptest.New(t, apptest.Cities("sz"))
	admin := merchanttest.CityAdmin(t, e, "sz", apptest.Phone(9001))
	shop := merchanttest.Open(t, e, "sz", admin, apptest.Phone(9002), "安心家政", merchanttest.Area, "housekeeping")
	item := merchanttest.AddItem(t, shop.Owner, catalog.ItemInput{CategoryCode: "deep_cleaning", Title: "新居开荒保洁", Description: "按面积计价，上门评估后定价。",
		PriceModel: catalog.PriceDeposit, DepositFen: 5000, PriceFen: 30000, PriceMaxFen: 80000, DurationMin: 240, Skills: []string{"deep_cleaning"}}, true)
	st := merchanttest.AddStaff(t, shop.Owner, apptest.Phone(9003), "王阿姨", "cleaning", "deep_cleaning")
	staffSess := merchanttest.Act(t, e, apptest.Phone(9003), "city:sz", app.RoleStaff)
	worker := e.Client(t).In("sz").As(staffSess.AccessToken)

	// Sign up: a new number gets an account.
	me := merchanttest.SignIn(t, e, apptest.Phone(9100))
	if !me.NewAccount {
		t.Fatal("a first sign-in by SMS should create the account")
	}
	cu := e.Client(t).In("sz").As(me.AccessToken)

	// Browse and look.
	var found struct {
		Items []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	cu.Get("/v1/services?q=" + url.QueryEscape("开荒")).OK().JSON(&found)
	if len(found.Items) != 1 || found.Items[0].ID != item.ID {
		t.Fatalf("search found %+v", found.Items)
	}
	cu.Get(fmt.Sprintf("/v1/services/%d", item.ID)).OK()
	cu.Get(fmt.Sprintf("/v1/services/%d/staff", item.ID)).OK()
	var profile map[string]any
	cu.Get(fmt.Sprintf("/v1/staff/%d/profile", st.ID)).OK().JSON(&profile)
	if _, leaked := profile["phone"]; leaked {
		t.Fatal("a staff profile shows a phone number")
	}
	slotDay := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")
	cu.Get(fmt.Sprintf("/v1/staff/%d/slots?service_id=%d&date=%s", st.ID, item.ID, slotDay)).OK()

	var addr booking.Address
	cu.Post("/v1/addresses", booking.AddressInput{Label: "家", ContactName: "小新", Phone: apptest.Phone(9100), Address: "南山区科苑路15号科兴科学园A栋1201",
		District: "南山区", Lat: merchanttest.Shenzhen.Lat + 0.001, Lng: merchanttest.Shenzhen.Lng + 0.001}).Want(201).JSON(&addr)

	// Book with the chosen staff member, pay the deposit.
	var o order
	cu.With("Idempotency-Key", "journey-1").Post("/v1/orders", booking.BookInput{ServiceItemID: item.ID, StaffID: st.ID, SlotStart: tomorrowAt(10),
		AddressID: addr.ID, Requirements: "新房，约90平米"}).Want(201).JSON(&o)
	if o.Status != "pending_payment" || o.PayableNowFen != 5000 {
		t.Fatalf("booked %+v", o)
	}
	pay(t, cu, o.ID)
	o = waitStatus(t, cu, o.ID, "assigned")
	if o.PaidFen != 5000 || o.StaffID != st.ID {
		t.Fatalf("after the deposit %+v", o)
	}

	// The staff member goes on site; the customer follows.
	here := map[string]float64{"lat": merchanttest.Shenzhen.Lat + 0.001, "lng": merchanttest.Shenzhen.Lng + 0.001}
	worker.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).OK()
	waitStatus(t, cu, o.ID, "on_the_way")
	worker.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), here).OK()
	worker.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", o.ID), nil).OK()
	worker.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), map[string]any{"note": "已完成开荒", "final_price_fen": 45000}).OK()
	o = waitStatus(t, cu, o.ID, "awaiting_balance")
	if o.BalanceFen != 40000 || o.PayableNowFen != 40000 {
		t.Fatalf("balance %+v", o)
	}
	pay(t, cu, o.ID)
	o = waitStatus(t, cu, o.ID, "completed")
	if o.PaidFen != 45000 {
		t.Fatalf("paid %d after the balance", o.PaidFen)
	}
	var events []struct{ Event string }
	cu.Get(fmt.Sprintf("/v1/orders/%d/events", o.ID)).OK().JSON(&events)
	if len(events) < 7 {
		t.Fatalf("history has %d events", len(events))
	}

	// Review, then after-sales.
	cu.Post(fmt.Sprintf("/v1/orders/%d/review", o.ID), map[string]any{"overall": 5, "punctuality": 5, "skill": 4, "attitude": 5, "content": "很干净"}).Want(201)
	cu.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o.ID), map[string]any{"reason": "quality", "detail": "阳台玻璃没擦", "requested_fen": 5000}).Want(200, 201)
	waitStatus(t, cu, o.ID, "after_sales")

	// Every step reached the customer's inbox.
	var inbox struct {
		Items []struct{ Event string } `json:"items"`
	}
	apptest.Eventually(t, 15*time.Second, "notifications", func() bool {
		cu.Get("/v1/inbox?limit=50").OK().JSON(&inbox)
		seen := map[string]bool{}
		for _, n := range inbox.Items {
			seen[n.Event] = true
		}
		return seen["order_paid"] && seen["order_on_the_way"] && seen["order_completed"]
	})

	// Cancel path: a paid order cancelled long before its slot is refunded in full.
	var c2 order
	cu.Post("/v1/orders", booking.BookInput{ServiceItemID: item.ID, SlotStart: tomorrowAt(16), AddressID: addr.ID}).Want(201).JSON(&c2)
	pay(t, cu, c2.ID)
	waitStatus(t, cu, c2.ID, "dispatching", "assigned")
	cu.Post(fmt.Sprintf("/v1/orders/%d/cancel", c2.ID), map[string]string{"reason": "行程有变"}).OK()
	apptest.Eventually(t, 15*time.Second, "the cancelled order is refunded", func() bool {
		c2 = waitStatus(t, cu, c2.ID, "cancelled")
		return c2.RefundedFen == 5000
	})

	// Expiry path: an unpaid order past its deadline expires and frees the slot.
	var c3 order
	cu.Post("/v1/orders", booking.BookInput{ServiceItemID: item.ID, StaffID: st.ID, SlotStart: tomorrowAt(15), AddressID: addr.ID}).Want(201).JSON(&c3)
	sz, _ := e.P.Reg.Lookup("sz")
	ctx := tenants.WithCity(context.Background(), sz)
	if err := tenants.DB(ctx).Model(&booking.Order{}).Where("id = ?", c3.ID).Update("pay_deadline", time.Now().UTC().Add(-time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.P.Booking.HandleExpireSweep(app.WithActor(ctx, app.System), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, cu, c3.ID, "expired")
	cu.Post("/v1/orders", booking.BookInput{ServiceItemID: item.ID, StaffID: st.ID, SlotStart: tomorrowAt(15), AddressID: addr.ID}).Want(201)
}

// HQ onboards a city; its admin approves a merchant; a booking is paid and
// completed; after-sales ends in a partial refund decided by the city; the
// ledger balances for every order; the day's rollup shows it; HQ's
// cross-city order list includes it.
func TestJourney_HQOnboardsACityThroughToFigures(t *testing.T) {
	e := apptest.New(t, apptest.Cities("sz"))
	hq := e.Client(t).As(e.HQAdmin(t, apptest.Phone(9200)).AccessToken)
	var created city.Created
	hq.Post("/v1/hq/cities", map[string]any{"code": "hz", "name": "杭州", "zone": "Asia/Shanghai", "admin_phone": apptest.Phone(9201)}).Want(201).JSON(&created)
	adminSess := merchanttest.Act(t, e, apptest.Phone(9201), "city:hz", app.RoleCityAdmin)
	admin := e.Client(t).In("hz").As(adminSess.AccessToken)

	hzCentre := geo.Point{Lat: 30.2741, Lng: 120.1551}
	shop := merchanttest.Open(t, e, "hz", admin, apptest.Phone(9202), "西湖家政", geo.Area{Center: hzCentre, RadiusM: 20000}, "housekeeping")
	item := merchanttest.AddItem(t, shop.Owner, merchanttest.Item("日常保洁 2小时", 20000), true)
	st := merchanttest.AddStaff(t, shop.Owner, apptest.Phone(9203), "钱阿姨")
	worker := e.Client(t).In("hz").As(merchanttest.Act(t, e, apptest.Phone(9203), "city:hz", app.RoleStaff).AccessToken)

	cu := e.Client(t).In("hz").As(merchanttest.SignIn(t, e, apptest.Phone(9204)).AccessToken)
	var addr booking.Address
	cu.Post("/v1/addresses", booking.AddressInput{ContactName: "小杭", Phone: apptest.Phone(9204), Address: "西湖区文三路100号", District: "西湖区",
		Lat: hzCentre.Lat + 0.002, Lng: hzCentre.Lng + 0.002}).Want(201).JSON(&addr)
	var o order
	cu.Post("/v1/orders", booking.BookInput{ServiceItemID: item.ID, SlotStart: tomorrowAt(9), AddressID: addr.ID}).Want(201).JSON(&o)
	pay(t, cu, o.ID)
	waitStatus(t, cu, o.ID, "dispatching", "assigned")
	if o = waitStatus(t, cu, o.ID, "dispatching", "assigned"); o.Status == "dispatching" {
		shop.Owner.Post(fmt.Sprintf("/v1/merchant/orders/%d/assign", o.ID), map[string]int64{"staff_id": st.ID}).OK()
	}
	here := map[string]float64{"lat": hzCentre.Lat + 0.002, "lng": hzCentre.Lng + 0.002}
	for _, step := range []string{"depart", "arrive", "start", "finish"} {
		worker.Post(fmt.Sprintf("/v1/staff/jobs/%d/%s", o.ID, step), here).OK()
	}
	waitStatus(t, cu, o.ID, "completed")

	// After-sales: the merchant offers too little, the customer escalates,
	// the city decides a partial refund borne by the merchant.
	var as struct {
		ID int64 `json:"id"`
	}
	cu.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o.ID), map[string]any{"reason": "quality", "detail": "卫生间未清洁", "requested_fen": 10000}).Want(200, 201).JSON(&as)
	shop.Owner.Post(fmt.Sprintf("/v1/merchant/aftersales/%d/reply", as.ID), map[string]any{"reply": "可补偿20元", "offer_fen": 2000}).OK()
	cu.Post(fmt.Sprintf("/v1/aftersales/%d/escalate", as.ID), nil).OK()
	admin.Post(fmt.Sprintf("/v1/admin/aftersales/%d/decide", as.ID), map[string]any{"refund_fen": 6000, "bearer": "merchant", "note": "部分区域未清洁，退款30%"}).OK()
	apptest.Eventually(t, 15*time.Second, "the partial refund lands", func() bool {
		o = waitStatus(t, cu, o.ID, "completed", "refunded")
		return o.RefundedFen == 6000
	})
	// The provider confirms it: the customer is told the refund is done.
	apptest.Eventually(t, 20*time.Second, "the refund_done notice", func() bool {
		var inbox struct {
			Items []struct{ Event string } `json:"items"`
		}
		cu.Get("/v1/inbox?limit=50").OK().JSON(&inbox)
		for _, n := range inbox.Items {
			if n.Event == "refund_done" {
				return true
			}
		}
		return false
	})

	// The ledger balances for the order.
	var led struct {
		SumFen int64 `json:"sum_fen"`
		Lines  []any `json:"lines"`
	}
	admin.Get(fmt.Sprintf("/v1/admin/ledger/orders/%d", o.ID)).OK().JSON(&led)
	if led.SumFen != 0 || len(led.Lines) == 0 {
		t.Fatalf("ledger of the order: %d lines summing to %d", len(led.Lines), led.SumFen)
	}

	// The day's rollup shows it.
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	admin.Post("/v1/admin/figures/rollup", map[string]string{"day": today}).OK()
	var fig struct {
		Totals map[string]int64 `json:"totals"`
	}
	admin.Get("/v1/admin/figures?from=" + today + "&to=" + today).OK().JSON(&fig)
	if fig.Totals["orders_placed"] != 1 || fig.Totals["orders_paid"] != 1 || fig.Totals["orders_completed"] != 1 ||
		fig.Totals["gmv_fen"] != 20000 || fig.Totals["refunds_fen"] != 6000 || fig.Totals["aftersales_opened"] != 1 {
		t.Fatalf("figures of the day: %v", fig.Totals)
	}

	// HQ's cross-city list includes it.
	var cross struct {
		Items []struct {
			City    string `json:"city"`
			OrderNo string `json:"order_no"`
		} `json:"items"`
		Partial bool `json:"partial"`
	}
	hq.Get("/v1/hq/orders?limit=50").OK().JSON(&cross)
	seen := false
	for _, it := range cross.Items {
		seen = seen || (it.City == "hz" && it.OrderNo == o.OrderNo)
	}
	if !seen || cross.Partial {
		t.Fatalf("HQ's cross-city list: %+v", cross)
	}
	// ...and the city admin of hz sees nothing of sz.
	admin.With("X-City", "sz").Get("/v1/admin/orders").WantError(403, "wrong_city")
}
