package booking_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/staff"
	"doorstep/tenants"
)

func TestJobFlow_FixedPriceOrderFromBookingToCompletion(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(10, 9, 0), AddressID: a.ID, Requirements: "有猫"})
	markPaid(t, "sz", o.ID)
	if got := readOrder(t, "sz", o.ID); got.Status != booking.StAssigned || got.PaidFen != 12800 || got.AssignedAt == nil {
		t.Fatalf("after paying: %s paid %d", got.Status, got.PaidFen)
	}
	worker := sh.staffSession(t, st)
	wc := client(t, "sz", worker)

	var jobs struct{ Items []booking.OrderView }
	wc.Get("/v1/staff/jobs").OK().JSON(&jobs)
	if len(jobs.Items) != 1 || jobs.Items[0].ID != o.ID {
		t.Fatalf("jobs %+v", jobs.Items)
	}
	var job booking.JobView
	wc.Get(fmt.Sprintf("/v1/staff/jobs/%d", o.ID)).OK().JSON(&job)
	if job.ContactPhone != "13912345678" || !strings.Contains(job.FullAddress, "1201") {
		t.Fatalf("the assigned staff member does not see the address: %+v", job)
	}
	entries, err := env.P.Audit.List(context.Background(), audit.Filter{City: "sz", Action: "personal_data.reveal", ActorID: worker.ID})
	must(t, err)
	if len(entries.Items) != 1 || entries.Items[0].TargetID != fmt.Sprint(o.ID) {
		t.Fatalf("reveal audit %+v", entries.Items)
	}

	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", o.ID), nil).WantError(409, "invalid_transition")
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).OK()
	r := wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: center.Lat + 0.01, Lng: center.Lng}).WantError(409, "far_from_address")
	if !strings.Contains(string(r.Body), "within 500 m") {
		t.Fatalf("far_from_address says %s", r.Body)
	}
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: inside.Lat + 0.001, Lng: inside.Lng}).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", o.ID), nil).OK()
	var done booking.OrderView
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), booking.FinishInput{Note: "已清洁完毕", Photos: []string{"https://img.example/1.jpg"}}).OK().JSON(&done)
	if done.Status != booking.StCompleted || done.CompletedLocal == "" || done.FinalPriceFen != 12800 {
		t.Fatalf("finished %+v", done)
	}
	ctx := cityCtx(t, "sz")
	var item catalog.ServiceItem
	must(t, tenants.DB(ctx).Where("id = ?", sh.Item.ID).Take(&item).Error)
	var member staff.Staff
	must(t, tenants.DB(ctx).Where("id = ?", st.ID).Take(&member).Error)
	if item.SalesCount != 1 || member.CompletedJobs != 1 {
		t.Fatalf("sales %d, completed jobs %d", item.SalesCount, member.CompletedJobs)
	}
	if len(slotRows(t, "sz", st.ID)) != 2 {
		t.Fatal("a completed order keeps its time in the staff member's history")
	}
	// Once the job is done the address is masked again.
	job = booking.JobView{}
	wc.Get(fmt.Sprintf("/v1/staff/jobs/%d", o.ID)).OK().JSON(&job)
	if job.ContactPhone != "" || job.FullAddress != "" {
		t.Fatal("the address is still revealed after completion")
	}
	var events []booking.EventView
	client(t, "sz", p).Get(fmt.Sprintf("/v1/orders/%d/events", o.ID)).OK().JSON(&events)
	var names []string
	for _, e := range events {
		names = append(names, e.Event.Event)
	}
	if strings.Join(names, ",") != "create,pay,depart,arrive,start,finish" || events[1].ActorRole != "system" || events[2].ActorID != worker.ID || events[2].AtLocal == "" {
		t.Fatalf("history %v %+v", names, events)
	}
	// Reviews mark the order once.
	must(t, env.P.Booking.MarkReviewed(ctx, o.ID))
	if err := env.P.Booking.MarkReviewed(ctx, o.ID); app.KindOf(err) != app.KindConflict {
		t.Fatalf("second MarkReviewed: %v", err)
	}
}

func TestJobFlow_DepositOrderTakesTheFinalPriceAndTheBalance(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Deposit.ID, SlotStart: slotAt(11, 9, 0), AddressID: a.ID})
	markPaid(t, "sz", o.ID)
	if got := readOrder(t, "sz", o.ID); got.Status != booking.StDispatching || got.PaidFen != 3000 {
		t.Fatalf("after the deposit: %s paid %d", got.Status, got.PaidFen)
	}
	owner := client(t, "sz", granted(t, "sz", app.RoleMerchantOwner, sh.Merchant.ID, 0))
	owner.Post(fmt.Sprintf("/v1/merchant/orders/%d/assign", o.ID), map[string]int64{"staff_id": st.ID}).OK()
	owner.Post(fmt.Sprintf("/v1/merchant/orders/%d/assign", o.ID), map[string]int64{"staff_id": st.ID}).WantError(409, "invalid_transition")
	wc := client(t, "sz", sh.staffSession(t, st))
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: inside.Lat, Lng: inside.Lng}).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/start", o.ID), nil).OK()
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), booking.FinishInput{FinalPriceFen: 9999}).WantError(400, "final_price_out_of_range")
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), booking.FinishInput{FinalPriceFen: 50001}).WantError(400, "final_price_out_of_range")
	var fin booking.OrderView
	wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/finish", o.ID), booking.FinishInput{FinalPriceFen: 23000}).OK().JSON(&fin)
	if fin.Status != booking.StAwaitingBalance || fin.TotalFen != 23000 || fin.BalanceFen != 20000 || fin.PayableKind != "balance" || fin.PayableNowFen != 20000 {
		t.Fatalf("after finishing: %+v", fin)
	}
	markPaid(t, "sz", o.ID)
	got := readOrder(t, "sz", o.ID)
	if got.Status != booking.StCompleted || got.PaidFen != 23000 || got.BalanceFen != 0 || got.CompletedAt == nil {
		t.Fatalf("after the balance: %s paid %d balance %d", got.Status, got.PaidFen, got.BalanceFen)
	}
}

func TestCancel_ThroughThePaymentServiceRefundsWhatWasPaidLessTheFee(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	c := client(t, "sz", p)

	// Days ahead: free.
	free := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(12, 9, 0), AddressID: a.ID})
	payFor(t, "sz", p, free.ID)
	var v booking.OrderView
	c.Post(fmt.Sprintf("/v1/orders/%d/cancel", free.ID), map[string]string{"reason": "改时间"}).OK().JSON(&v)
	if v.Status != booking.StCancelled || v.CancelFeeFen != 0 || v.RefundedFen != 12800 || refunded(t, "sz", free.ID) != 12800 {
		t.Fatalf("free cancel: %+v, refund rows %d", v.Order, refunded(t, "sz", free.ID))
	}
	if len(slotRows(t, "sz", st.ID)) != 0 {
		t.Fatal("the cancelled order still holds the staff member's time")
	}
	c.Post(fmt.Sprintf("/v1/orders/%d/cancel", free.ID), map[string]string{"reason": "again"}).WantError(409, "invalid_transition")

	// The staff member set off: half is kept.
	late := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(12, 11, 0), AddressID: a.ID})
	payFor(t, "sz", p, late.ID)
	client(t, "sz", sh.staffSession(t, st)).Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", late.ID), nil).OK()
	c.Post(fmt.Sprintf("/v1/orders/%d/cancel", late.ID), map[string]string{"reason": "不需要了"}).OK().JSON(&v)
	if v.CancelFeeFen != 6400 || v.RefundedFen != 6400 || refunded(t, "sz", late.ID) != 6400 {
		t.Fatalf("on-the-way cancel: fee %d refunded %d, refund rows %d", v.CancelFeeFen, v.RefundedFen, refunded(t, "sz", late.ID))
	}
	// Unpaid: nothing to refund.
	unpaid := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(12, 14, 0), AddressID: a.ID})
	c.Post(fmt.Sprintf("/v1/orders/%d/cancel", unpaid.ID), nil).OK().JSON(&v)
	if v.Status != booking.StCancelled || v.RefundedFen != 0 || refunded(t, "sz", unpaid.ID) != 0 {
		t.Fatalf("unpaid cancel %+v", v.Order)
	}
}

func TestAfterSale_OfferAcceptedOrArbitrated(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	wc := client(t, "sz", sh.staffSession(t, st))
	completed := func(day int) booking.OrderView {
		o := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(day, 9, 0), AddressID: a.ID})
		payFor(t, "sz", p, o.ID)
		for _, step := range []string{"depart", "arrive", "start", "finish"} {
			wc.Post(fmt.Sprintf("/v1/staff/jobs/%d/%s", o.ID, step), booking.Position{Lat: inside.Lat, Lng: inside.Lng}).OK()
		}
		return o
	}
	c := client(t, "sz", p)
	owner := client(t, "sz", granted(t, "sz", app.RoleMerchantOwner, sh.Merchant.ID, 0))
	admin := client(t, "sz", granted(t, "sz", app.RoleCityAdmin, 0, 0))

	// Offer and acceptance.
	o1 := completed(13)
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o1.ID), booking.AfterSaleInput{Reason: "quality", RequestedFen: 99999}).WantError(422, "refund_exceeds_paid")
	var cs booking.AfterSaleView
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o1.ID), booking.AfterSaleInput{Reason: "quality", Detail: "厨房没擦", RequestedFen: 5000}).Want(201).JSON(&cs)
	if cs.Status != booking.CaseOpen || cs.OrderNo != o1.OrderNo || readOrder(t, "sz", o1.ID).Status != booking.StAfterSales {
		t.Fatalf("opened %+v", cs)
	}
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o1.ID), booking.AfterSaleInput{Reason: "quality"}).WantError(409, "invalid_transition")
	c.Post(fmt.Sprintf("/v1/aftersales/%d/accept", cs.ID), nil).WantError(409, "aftersale_invalid_state")
	var list struct{ Items []booking.AfterSaleView }
	owner.Get("/v1/merchant/aftersales?status=open").OK().JSON(&list)
	if len(list.Items) != 1 || list.Items[0].ID != cs.ID {
		t.Fatalf("merchant's open cases %+v", list.Items)
	}
	rival := newShop(t, "sz", 0)
	client(t, "sz", granted(t, "sz", app.RoleMerchantOwner, rival.Merchant.ID, 0)).
		Post(fmt.Sprintf("/v1/merchant/aftersales/%d/reply", cs.ID), booking.ReplyInput{Reply: "x", OfferFen: 1}).WantError(404, "aftersale_not_found")
	owner.Post(fmt.Sprintf("/v1/merchant/aftersales/%d/reply", cs.ID), booking.ReplyInput{Reply: "抱歉，退3000元", OfferFen: 3000}).OK()
	client(t, "sz", newCustomer(t)).Post(fmt.Sprintf("/v1/aftersales/%d/accept", cs.ID), nil).WantError(404, "aftersale_not_found")
	c.Post(fmt.Sprintf("/v1/aftersales/%d/accept", cs.ID), nil).OK().JSON(&cs)
	got := readOrder(t, "sz", o1.ID)
	if cs.Status != booking.CaseClosed || cs.Decision != "accepted" || cs.RefundFen != 3000 || got.Status != booking.StCompleted || got.RefundedFen != 3000 || refunded(t, "sz", o1.ID) != 3000 {
		t.Fatalf("accepted: case %+v, order %s refunded %d, rows %d", cs.AfterSale, got.Status, got.RefundedFen, refunded(t, "sz", o1.ID))
	}
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o1.ID), booking.AfterSaleInput{Reason: "again"}).WantError(409, "aftersale_exists")

	// Escalation and arbitration of the whole amount.
	o2 := completed(14)
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o2.ID), booking.AfterSaleInput{Reason: "no_show", RequestedFen: 12800}).Want(201).JSON(&cs)
	c.Post(fmt.Sprintf("/v1/aftersales/%d/escalate", cs.ID), nil).OK()
	admin.Get("/v1/admin/aftersales?status=arbitrating").OK().JSON(&list)
	if len(list.Items) == 0 || list.Items[0].ID != cs.ID {
		t.Fatalf("city's arbitrating cases %+v", list.Items)
	}
	admin.Post(fmt.Sprintf("/v1/admin/aftersales/%d/decide", cs.ID), booking.DecideInput{RefundFen: 12801, Bearer: "merchant"}).WantError(422, "refund_exceeds_paid")
	admin.Post(fmt.Sprintf("/v1/admin/aftersales/%d/decide", cs.ID), booking.DecideInput{RefundFen: 12800, Bearer: "alien"}).WantError(400, "invalid_input")
	admin.Post(fmt.Sprintf("/v1/admin/aftersales/%d/decide", cs.ID), booking.DecideInput{RefundFen: 12800, Bearer: "staff", Note: "未上门"}).OK().JSON(&cs)
	got = readOrder(t, "sz", o2.ID)
	if cs.Decision != "decided" || cs.Bearer != "staff" || got.Status != booking.StRefunded || refunded(t, "sz", o2.ID) != 12800 {
		t.Fatalf("decided: case %+v order %s", cs.AfterSale, got.Status)
	}
	entries, err := env.P.Audit.List(context.Background(), audit.Filter{City: "sz", Action: "aftersale.decide"})
	must(t, err)
	if len(entries.Items) == 0 || entries.Items[0].TargetID != fmt.Sprint(cs.ID) {
		t.Fatalf("decision not audited: %+v", entries.Items)
	}

	// The window closes seven days after completion.
	o3 := completed(15)
	must(t, tenants.DB(cityCtx(t, "sz")).Model(&booking.Order{}).Where("id = ?", o3.ID).Update("completed_at", time.Now().UTC().Add(-8*24*time.Hour)).Error)
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o3.ID), booking.AfterSaleInput{Reason: "quality"}).WantError(409, "aftersale_window_closed")
}

func TestLists_CustomerMerchantAndCitySeeTheirOwn(t *testing.T) {
	sh := newShop(t, "sz", 0)
	p := newCustomer(t)
	a := address(t, "sz", p, inside)
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(16, 9+i, 0), AddressID: a.ID}).ID)
	}
	c := client(t, "sz", p)
	var page struct {
		Items      []booking.OrderView
		NextCursor string `json:"next_cursor"`
	}
	c.Get("/v1/orders?limit=3").OK().JSON(&page)
	if len(page.Items) != 3 || page.Items[0].ID != ids[4] || page.NextCursor == "" || page.Items[0].SlotLocal == "" || page.Items[0].TimeZone != "Asia/Shanghai" {
		t.Fatalf("first page %+v", page)
	}
	c.Get("/v1/orders?limit=3&cursor=" + page.NextCursor).OK().JSON(&page)
	if len(page.Items) != 2 || page.Items[1].ID != ids[0] || page.NextCursor != "" {
		t.Fatalf("second page %+v", page)
	}
	c.Get("/v1/orders?status=bogus").WantError(400, "invalid_input")
	client(t, "sz", newCustomer(t)).Get("/v1/orders").OK().JSON(&page)
	if len(page.Items) != 0 {
		t.Fatal("a stranger sees orders")
	}
	owner := client(t, "sz", granted(t, "sz", app.RoleMerchantOwner, sh.Merchant.ID, 0))
	date := strings.SplitN(slotAt(16, 0, 0), "T", 2)[0]
	owner.Get("/v1/merchant/orders?status=pending_payment&from=" + date + "&to=" + date).OK().JSON(&page)
	if len(page.Items) != 5 {
		t.Fatalf("merchant sees %d of its orders", len(page.Items))
	}
	admin := client(t, "sz", granted(t, "sz", app.RoleCityAdmin, 0, 0))
	o := readOrder(t, "sz", ids[2])
	admin.Get(fmt.Sprintf("/v1/admin/orders?merchant_id=%d&q=%s", sh.Merchant.ID, o.OrderNo)).OK().JSON(&page)
	if len(page.Items) != 1 || page.Items[0].ID != o.ID {
		t.Fatalf("city search by number: %+v", page.Items)
	}
	c.Get("/v1/admin/orders").WantError(403, "forbidden")
}

// sse reads Server-Sent Events from a stream.
type sse struct {
	res *http.Response
	rd  *bufio.Reader
}

func openStream(t *testing.T, city string, p person, path string) *sse {
	t.Helper()
	req, err := http.NewRequest("GET", env.Base+path, nil)
	must(t, err)
	req.Header.Set("X-City", city)
	req.Header.Set("Authorization", "Bearer "+p.Token)
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { res.Body.Close() })
	return &sse{res: res, rd: bufio.NewReader(res.Body)}
}

// next returns the next status notice, failing after the deadline.
func (s *sse) next(t *testing.T, within time.Duration) booking.Notice {
	t.Helper()
	type out struct {
		n   booking.Notice
		err error
	}
	ch := make(chan out, 1)
	go func() {
		for {
			line, err := s.rd.ReadString('\n')
			if err != nil {
				ch <- out{err: err}
				return
			}
			if data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
				var n booking.Notice
				ch <- out{n: n, err: json.Unmarshal([]byte(data), &n)}
				return
			}
		}
	}()
	select {
	case o := <-ch:
		must(t, o.err)
		return o.n
	case <-time.After(within):
		t.Fatal("no event on the stream")
	}
	return booking.Notice{}
}

func TestStream_StatusChangesReachAnOpenStream(t *testing.T) {
	sh := newShop(t, "sz", 1)
	st := sh.Staff[0]
	p := newCustomer(t)
	a := address(t, "sz", p, inside)

	// An unpaid order cancelled by another request of its customer.
	o1 := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(17, 15, 0), AddressID: a.ID})
	s1 := openStream(t, "sz", p, fmt.Sprintf("/v1/orders/%d/stream", o1.ID))
	if n := s1.next(t, 5*time.Second); n.Status != booking.StPendingPayment || n.OrderID != o1.ID || n.Version != 0 {
		t.Fatalf("first event %+v", n)
	}
	client(t, "sz", p).Post(fmt.Sprintf("/v1/orders/%d/cancel", o1.ID), map[string]string{"reason": "x"}).OK()
	if n := s1.next(t, 5*time.Second); n.Status != booking.StCancelled || n.Event != "cancel" || n.Version != 1 {
		t.Fatalf("after cancel %+v", n)
	}

	// A paid order worked by its staff member: both sides watch.
	o := book(t, "sz", p, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(17, 9, 0), AddressID: a.ID})
	s := openStream(t, "sz", p, fmt.Sprintf("/v1/orders/%d/stream", o.ID))
	if n := s.next(t, 5*time.Second); n.Status != booking.StPendingPayment {
		t.Fatalf("first event %+v", n)
	}
	markPaid(t, "sz", o.ID)
	if n := s.next(t, 5*time.Second); n.Status != booking.StAssigned || n.Event != "pay" {
		t.Fatalf("after paying %+v", n)
	}
	worker := sh.staffSession(t, st)
	ws := openStream(t, "sz", worker, fmt.Sprintf("/v1/staff/jobs/%d/stream", o.ID))
	if n := ws.next(t, 5*time.Second); n.Status != booking.StAssigned {
		t.Fatalf("staff stream first event %+v", n)
	}
	client(t, "sz", worker).Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", o.ID), nil).OK()
	if n := s.next(t, 5*time.Second); n.Status != booking.StOnTheWay || n.Version != 2 {
		t.Fatalf("customer stream after depart %+v", n)
	}
	if n := ws.next(t, 5*time.Second); n.Status != booking.StOnTheWay {
		t.Fatalf("staff stream after depart %+v", n)
	}
	client(t, "sz", worker).Post(fmt.Sprintf("/v1/staff/jobs/%d/arrive", o.ID), booking.Position{Lat: inside.Lat, Lng: inside.Lng}).OK()
	if n := s.next(t, 5*time.Second); n.Status != booking.StArrived {
		t.Fatalf("customer stream after arrive %+v", n)
	}
	// Someone else's order has no stream.
	client(t, "sz", newCustomer(t)).Get(fmt.Sprintf("/v1/orders/%d/stream", o.ID)).WantError(404, "order_not_found")
}
