package settlement_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"doorstep/app/booking"
	"doorstep/app/settlement"
	"doorstep/tenants"
)

// Rates of a city that set nothing: commission 10% (HQ's city default), the
// city's share 30% of it, staff 60% of the merchant's share.
//
// A 128-yuan order: commission 12.80 (city 3.84, HQ 8.96), merchant's
// share 115.20 (staff 69.12, merchant 46.08).
const (
	fixedFen       = 12800
	fixedCity      = 384
	fixedPlatform  = 896
	fixedStaff     = 6912
	fixedMerchant  = 4608
	depositFinal   = 23000 // 30 deposit + 200 balance: commission 23.00 (city 6.90, HQ 16.10), staff 124.20, merchant 82.80
	depositCity    = 690
	depositHQ      = 1610
	depositStaff   = 12420
	depositMerch   = 8280
	onTheWayFee    = 6400 // half of 128 once the staff member set off: commission 6.40 (city 1.92, HQ 4.48), merchant 57.60
	feeCity        = 192
	feePlatform    = 448
	feeMerchant    = 5760
	merchantRefund = 3000 // after-sales offer the customer accepts: borne by the merchant
	platformRefund = 2000 // after-sales arbitrated: borne by the platform (city 30%, HQ 70%)
)

func TestLedger_EveryFlowBalancesToZeroForEveryOrder(t *testing.T) {
	sh := newShop(t, "sz", 1)
	cust := newCustomer(t)
	a := address(t, "sz", cust)
	c := client(t, "sz", cust)
	adm := admin(t, "sz")
	st := sh.Staff[0]

	// Fixed price, paid in full and completed.
	fixed := completed(t, sh, 0, cust, a, 3, 9)
	wantAccounts(t, "fixed price", orderBooks(t, adm, fixed.ID), map[string]int64{
		settlement.AccGateway: fixedFen, settlement.AccPlatform: -fixedPlatform, settlement.AccCity: -fixedCity,
		settlement.AccMerchant: -fixedMerchant, settlement.AccStaff: -fixedStaff})

	// Deposit, assigned by the merchant, finished at 230 yuan, balance paid.
	dep := book(t, "sz", cust, booking.BookInput{ServiceItemID: sh.Deposit.ID, SlotStart: slotAt(4, 9), AddressID: a.ID})
	payFor(t, "sz", cust, dep.ID)
	client(t, "sz", sh.Owner).Post(fmt.Sprintf("/v1/merchant/orders/%d/assign", dep.ID), map[string]int64{"staff_id": st.ID}).OK()
	if v := work(t, "sz", sh.StaffSess[0], dep.ID, booking.FinishInput{FinalPriceFen: depositFinal}); v.Status != booking.StAwaitingBalance || v.BalanceFen != 20000 {
		t.Fatalf("deposit order after finishing: %s, balance %d", v.Status, v.BalanceFen)
	}
	held := orderBooks(t, adm, dep.ID)
	wantAccounts(t, "deposit awaiting the balance", held, map[string]int64{settlement.AccGateway: 3000, settlement.AccEscrow: -3000})
	payFor(t, "sz", cust, dep.ID)
	wantAccounts(t, "deposit and balance", orderBooks(t, adm, dep.ID), map[string]int64{
		settlement.AccGateway: depositFinal, settlement.AccPlatform: -depositHQ, settlement.AccCity: -depositCity,
		settlement.AccMerchant: -depositMerch, settlement.AccStaff: -depositStaff})

	// Cancelled by the customer once the staff member set off: half kept.
	late := book(t, "sz", cust, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: st.ID, SlotStart: slotAt(5, 9), AddressID: a.ID})
	payFor(t, "sz", cust, late.ID)
	client(t, "sz", sh.StaffSess[0]).Post(fmt.Sprintf("/v1/staff/jobs/%d/depart", late.ID), nil).OK()
	var v booking.OrderView
	c.Post(fmt.Sprintf("/v1/orders/%d/cancel", late.ID), map[string]string{"reason": "不需要了"}).OK().JSON(&v)
	if v.CancelFeeFen != onTheWayFee {
		t.Fatalf("cancel fee %d", v.CancelFeeFen)
	}
	wantAccounts(t, "cancelled, refund on its way", orderBooks(t, adm, late.ID), map[string]int64{
		settlement.AccGateway: fixedFen, settlement.AccRefundPayable: -(fixedFen - onTheWayFee),
		settlement.AccPlatform: -feePlatform, settlement.AccCity: -feeCity, settlement.AccMerchant: -feeMerchant})
	refundsDone(t, "sz", late.ID, 1)
	wantAccounts(t, "cancelled with a fee", orderBooks(t, adm, late.ID), map[string]int64{
		settlement.AccGateway: onTheWayFee, settlement.AccPlatform: -feePlatform, settlement.AccCity: -feeCity, settlement.AccMerchant: -feeMerchant})

	// Paid after its customer cancelled it: the money goes back by itself.
	gone := book(t, "sz", cust, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(6, 9), AddressID: a.ID})
	res := env.StartPay(t, "sz", cust, gone.ID)
	c.Post(fmt.Sprintf("/v1/orders/%d/cancel", gone.ID), map[string]string{"reason": "算了"}).OK()
	env.SandboxPay(t, res.PaymentNo)
	refundsDone(t, "sz", gone.ID, 1)
	ol := orderBooks(t, adm, gone.ID)
	wantAccounts(t, "late payment refunded", ol, map[string]int64{})
	kinds := map[string]bool{}
	for _, l := range ol.Lines {
		kinds[l.TxnKind] = true
	}
	if !kinds[settlement.KindPayment] || !kinds[settlement.KindLateRefund] || !kinds[settlement.KindRefund] || len(kinds) != 3 {
		t.Fatalf("late payment's transactions: %v", kinds)
	}

	// After-sales: the merchant's offer accepted, borne by the merchant.
	o1 := completed(t, sh, 0, cust, a, 7, 9)
	var cs booking.AfterSaleView
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o1.ID), booking.AfterSaleInput{Reason: "quality", RequestedFen: 5000}).Want(201).JSON(&cs)
	client(t, "sz", sh.Owner).Post(fmt.Sprintf("/v1/merchant/aftersales/%d/reply", cs.ID), booking.ReplyInput{Reply: "抱歉", OfferFen: merchantRefund}).OK()
	c.Post(fmt.Sprintf("/v1/aftersales/%d/accept", cs.ID), nil).OK()
	refundsDone(t, "sz", o1.ID, 1)
	wantAccounts(t, "after-sales borne by the merchant", orderBooks(t, adm, o1.ID), map[string]int64{
		settlement.AccGateway: fixedFen - merchantRefund, settlement.AccPlatform: -fixedPlatform, settlement.AccCity: -fixedCity,
		settlement.AccMerchant: -fixedMerchant + merchantRefund, settlement.AccStaff: -fixedStaff})

	// After-sales: arbitrated by the city, borne by the platform.
	o2 := completed(t, sh, 0, cust, a, 8, 9)
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o2.ID), booking.AfterSaleInput{Reason: "quality", RequestedFen: 5000}).Want(201).JSON(&cs)
	c.Post(fmt.Sprintf("/v1/aftersales/%d/escalate", cs.ID), nil).OK()
	adm.Post(fmt.Sprintf("/v1/admin/aftersales/%d/decide", cs.ID), booking.DecideInput{RefundFen: platformRefund, Bearer: "platform", Note: "平台承担"}).OK()
	refundsDone(t, "sz", o2.ID, 1)
	wantAccounts(t, "after-sales borne by the platform", orderBooks(t, adm, o2.ID), map[string]int64{
		settlement.AccGateway: fixedFen - platformRefund, settlement.AccPlatform: -fixedPlatform + platformRefund*7/10,
		settlement.AccCity: -fixedCity + platformRefund*3/10, settlement.AccMerchant: -fixedMerchant, settlement.AccStaff: -fixedStaff})

	booksBalance(t, "sz")

	// The staff member's earnings, from the ledger: three fixed jobs and the deposit job.
	var earn settlement.Earnings
	client(t, "sz", sh.StaffSess[0]).Get("/v1/staff/me/earnings").OK().JSON(&earn)
	wantStaff := int64(3*fixedStaff + depositStaff)
	if earn.StaffID != st.ID || earn.TodayFen != wantStaff || earn.MonthFen != wantStaff || earn.TotalFen != wantStaff ||
		earn.Balance.PendingFen != wantStaff || earn.Balance.AvailableFen != 0 {
		t.Fatalf("staff earnings %+v, want %d today, this month and in all, all pending", earn, wantStaff)
	}
	// The merchant's balance: nothing settled yet.
	var bal settlement.Balance
	client(t, "sz", sh.Owner).Get("/v1/merchant/balance").OK().JSON(&bal)
	wantMerchant := int64(3*fixedMerchant + depositMerch + feeMerchant - merchantRefund)
	if bal.PayeeID != sh.Merchant.ID || bal.EarnedFen != wantMerchant || bal.PendingFen != wantMerchant || bal.AvailableFen != 0 {
		t.Fatalf("merchant balance %+v, want %d earned and pending", bal, wantMerchant)
	}

	// The city's ledger, filtered: the merchant's lines only.
	var page struct{ Items []settlement.LedgerEntry }
	adm.Get(fmt.Sprintf("/v1/admin/ledger?account=merchant_payable&owner_id=%d&limit=100", sh.Merchant.ID)).OK().JSON(&page)
	var sum int64
	for _, e := range page.Items {
		if e.Account != settlement.AccMerchant || e.OwnerID != sh.Merchant.ID {
			t.Fatalf("filtered ledger holds %+v", e)
		}
		sum -= e.AmountFen
	}
	if sum != wantMerchant || len(page.Items) != 6 {
		t.Fatalf("merchant's lines: %d of them, %d fen", len(page.Items), sum)
	}
	adm.Get("/v1/admin/ledger?account=cash").WantError(400, "invalid_input")

	// Only the city's back office reads the ledger; payees read their own.
	client(t, "sz", sh.StaffSess[0]).Get(fmt.Sprintf("/v1/admin/ledger/orders/%d", fixed.ID)).WantError(403, "forbidden")
	client(t, "sz", sh.Owner).Get("/v1/admin/ledger").WantError(403, "forbidden")
	c.Get("/v1/merchant/balance").WantError(403, "forbidden")
	client(t, "sz", sh.StaffSess[0]).Get("/v1/merchant/balance").WantError(403, "not_a_payee")
	client(t, "sz", sh.Owner).Get("/v1/staff/me/earnings").WantError(403, "not_a_payee")
	adm.Get("/v1/admin/ledger/orders/999999999").WantError(404, "order_not_found")
}

func TestLedger_ARedeliveredEventPostsNothing(t *testing.T) {
	sh := newShop(t, "sz", 1)
	cust := newCustomer(t)
	a := address(t, "sz", cust)
	o := book(t, "sz", cust, booking.BookInput{ServiceItemID: sh.Item.ID, StaffID: sh.Staff[0].ID, SlotStart: slotAt(10, 9), AddressID: a.ID})
	no := payFor(t, "sz", cust, o.ID)
	work(t, "sz", sh.StaffSess[0], o.ID, booking.FinishInput{})
	c := client(t, "sz", cust)
	var cs booking.AfterSaleView
	c.Post(fmt.Sprintf("/v1/orders/%d/aftersale", o.ID), booking.AfterSaleInput{Reason: "quality", RequestedFen: 1000}).Want(201).JSON(&cs)
	c.Post(fmt.Sprintf("/v1/aftersales/%d/escalate", cs.ID), nil).OK()
	admin(t, "sz").Post(fmt.Sprintf("/v1/admin/aftersales/%d/decide", cs.ID), booking.DecideInput{RefundFen: 1000, Bearer: "staff"}).OK()
	refundsDone(t, "sz", o.ID, 1)
	before := countEntries(t, "sz")

	// The provider posts the same payment notification again.
	env.SandboxPay(t, no)

	// Every hook is called again with the same event, in a transaction as
	// its owner would.
	ctx := cityCtx(t, "sz")
	ord, err := env.P.Booking.Get(ctx, o.ID)
	must(t, err)
	p, err := env.P.Payments.PaymentByNo(ctx, no)
	must(t, err)
	rs, err := env.P.Payments.RefundsOf(ctx, o.ID)
	must(t, err)
	var cases []booking.AfterSale
	must(t, tenants.DB(ctx).Where("order_id = ?", o.ID).Find(&cases).Error)
	led := env.P.Settlement
	for range 2 {
		must(t, tenants.WithTx(ctx, func(ctx context.Context) error {
			return errors.Join(led.PaymentReceived(ctx, p), led.OrderCompleted(ctx, ord), led.RefundCompleted(ctx, rs[0]),
				led.AfterSaleClosed(ctx, ord, cases[0]))
		}))
	}
	// Ten at once: the claim lets one through, the others wait and find it.
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = led.Post(ctx, "test:once:"+no, "test", o.ID, []settlement.Line{{Account: settlement.AccPlatform, AmountFen: 1}, {Account: settlement.AccCity, AmountFen: -1}})
		}()
	}
	wg.Wait()
	must(t, errors.Join(errs...))
	if after := countEntries(t, "sz"); after != before+2 {
		t.Fatalf("%d ledger lines after re-delivery, want %d (the test transaction's 2 only)", after, before+2)
	}
	ol := orderBooks(t, admin(t, "sz"), o.ID)
	wantAccounts(t, "after re-delivery", ol, map[string]int64{
		settlement.AccGateway: fixedFen - 1000, settlement.AccPlatform: -fixedPlatform + 1, settlement.AccCity: -fixedCity - 1,
		settlement.AccMerchant: -fixedMerchant, settlement.AccStaff: -fixedStaff + 1000})

	// A transaction that does not balance is refused, and nothing of it is written.
	err = led.Post(ctx, "test:unbalanced:"+no, "test", o.ID, []settlement.Line{{Account: settlement.AccPlatform, AmountFen: 5}, {Account: settlement.AccCity, AmountFen: -4}})
	if err == nil || !strings.Contains(err.Error(), "does not balance") {
		t.Fatalf("unbalanced transaction: %v", err)
	}
	// The ledger is append-only at the database.
	if err := tenants.DB(ctx).Exec("UPDATE "+tenants.Table(ctx, "ledger_entries")+" SET amount_fen = 0 WHERE order_id = ?", o.ID).Error; err == nil {
		t.Fatal("the database let a ledger line change")
	}
	if err := tenants.DB(ctx).Exec("DELETE FROM "+tenants.Table(ctx, "ledger_entries")+" WHERE order_id = ?", o.ID).Error; err == nil {
		t.Fatal("the database let a ledger line go")
	}
	booksBalance(t, "sz")
}
