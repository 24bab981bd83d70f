package settlement_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"doorstep/app/apptest"
	"doorstep/app/audit"
	"doorstep/app/settlement"
	"doorstep/tenants"
)

// Everything of city bj: a settlement run closes today's period for the
// whole city, so the earnings are made first, then settled once.
func TestPayout_ConcurrentRequestsNeverExceedTheBalanceAndApprovalIsBooked(t *testing.T) {
	sh := newShop(t, "bj", 1)
	cust := newCustomer(t)
	a := address(t, "bj", cust)
	for day := 1; day <= 3; day++ {
		completed(t, sh, 0, cust, a, day, 10)
	}
	owner := client(t, "bj", sh.Owner)
	worker := client(t, "bj", sh.StaffSess[0])
	const merchantEarned, staffEarned = 3 * fixedMerchant, 3 * fixedStaff // 138.24 and 207.36 yuan

	// Nothing is available before the period is settled.
	var bal settlement.Balance
	owner.Get("/v1/merchant/balance").OK().JSON(&bal)
	if bal.PendingFen != merchantEarned || bal.AvailableFen != 0 {
		t.Fatalf("before settlement %+v", bal)
	}
	owner.Post("/v1/merchant/payouts", settlement.PayoutInput{AmountFen: 100}).WantError(409, "insufficient_balance")

	n, err := env.P.Settlement.Settle(cityCtx(t, "bj"), time.Now().Add(48*time.Hour))
	must(t, err)
	if n < 1 {
		t.Fatalf("settled %d periods", n)
	}
	owner.Get("/v1/merchant/balance").OK().JSON(&bal)
	if bal.SettledFen != merchantEarned || bal.PendingFen != 0 || bal.AvailableFen != merchantEarned {
		t.Fatalf("after settlement %+v", bal)
	}

	// Twenty requests at once, each for 30 yuan of 138.24: exactly four fit.
	// The same for the staff member, 50 yuan of 207.36.
	type ask struct {
		c    *apptest.Client
		path string
		fen  int64
	}
	asks := []ask{{owner, "/v1/merchant/payouts", 3000}, {worker, "/v1/staff/me/payouts", 5000}}
	for _, k := range asks {
		var wg sync.WaitGroup
		status := make([]int, 20)
		codes := make([]string, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := k.c.Do("POST", k.path, settlement.PayoutInput{AmountFen: k.fen})
				status[i], codes[i] = r.Status, r.Code()
			}()
		}
		wg.Wait()
		ok := 0
		for i := range 20 {
			switch {
			case status[i] == 201:
				ok++
			case status[i] != 409 || codes[i] != "insufficient_balance":
				t.Fatalf("%s request %d: %d %s", k.path, i, status[i], codes[i])
			}
		}
		if ok != 4 {
			t.Fatalf("%s: %d of 20 requests went through, want 4", k.path, ok)
		}
	}
	owner.Get("/v1/merchant/balance").OK().JSON(&bal)
	if bal.RequestedFen != 4*3000 || bal.AvailableFen != merchantEarned-4*3000 {
		t.Fatalf("merchant after the requests %+v", bal)
	}
	var earn settlement.Earnings
	worker.Get("/v1/staff/me/earnings").OK().JSON(&earn)
	if earn.Balance.RequestedFen != 4*5000 || earn.Balance.AvailableFen != staffEarned-4*5000 {
		t.Fatalf("staff after the requests %+v", earn.Balance)
	}

	// A retried request with its Idempotency-Key is answered once.
	var p1, p2 settlement.Payout
	owner.With("Idempotency-Key", "payout-retry-1").Post("/v1/merchant/payouts", settlement.PayoutInput{AmountFen: 100}).Want(201).JSON(&p1)
	owner.With("Idempotency-Key", "payout-retry-1").Post("/v1/merchant/payouts", settlement.PayoutInput{AmountFen: 100}).Want(201).JSON(&p2)
	if p1.ID == 0 || p1.ID != p2.ID {
		t.Fatalf("retried request made payouts %d and %d", p1.ID, p2.ID)
	}

	// The city approves one and rejects another.
	adm := admin(t, "bj")
	var list struct{ Items []settlement.Payout }
	adm.Get("/v1/admin/payouts?status=requested&payee_type=merchant&limit=100").OK().JSON(&list)
	if len(list.Items) != 5 {
		t.Fatalf("%d merchant payouts waiting, want 5", len(list.Items))
	}
	approve, reject := list.Items[1], list.Items[2]
	worker.Post(fmt.Sprintf("/v1/admin/payouts/%d/approve", approve.ID), nil).WantError(403, "forbidden")
	var got settlement.Payout
	adm.Post(fmt.Sprintf("/v1/admin/payouts/%d/approve", approve.ID), settlement.DecideInput{Note: "已打款"}).OK().JSON(&got)
	if got.Status != settlement.PayoutApproved || got.DecidedAt == nil || got.Note != "已打款" {
		t.Fatalf("approved %+v", got)
	}
	adm.Post(fmt.Sprintf("/v1/admin/payouts/%d/approve", approve.ID), nil).WantError(409, "payout_already_decided")
	adm.Post(fmt.Sprintf("/v1/admin/payouts/%d/reject", reject.ID), settlement.DecideInput{Note: "账户信息有误"}).OK()
	adm.Post(fmt.Sprintf("/v1/admin/payouts/%d/approve", reject.ID), nil).WantError(409, "payout_already_decided")
	adm.Post("/v1/admin/payouts/99999999/approve", nil).WantError(404, "payout_not_found")
	client(t, "sz", granted(t, "sz", "city_admin", 0, 0)).Post(fmt.Sprintf("/v1/admin/payouts/%d/approve", list.Items[3].ID), nil).WantError(404, "payout_not_found")

	// The approval is one balanced ledger transaction, the payee is told, the decision audited.
	var lines struct{ Items []settlement.LedgerEntry }
	adm.Get(fmt.Sprintf("/v1/admin/ledger?txn_id=payout:%d", approve.ID)).OK().JSON(&lines)
	if len(lines.Items) != 2 {
		t.Fatalf("payout transaction %+v", lines.Items)
	}
	for _, l := range lines.Items {
		switch l.Account {
		case settlement.AccMerchant:
			if l.AmountFen != approve.AmountFen || l.OwnerID != sh.Merchant.ID {
				t.Fatalf("payout line %+v", l)
			}
		case settlement.AccPayouts:
			if l.AmountFen != -approve.AmountFen {
				t.Fatalf("payout line %+v", l)
			}
		default:
			t.Fatalf("payout line %+v", l)
		}
	}
	booksBalance(t, "bj")
	eventually(t, 15*time.Second, "the owner's payout notifications", func() error {
		var n int64
		ctx := cityCtx(t, "bj")
		if err := tenants.DB(ctx).Table(tenants.Table(ctx, "notifications")).Where("account_id = ? AND event = ?", sh.Merchant.OwnerID, "payout_update").Count(&n).Error; err != nil {
			return err
		}
		if n != 2 {
			return fmt.Errorf("%d payout notifications", n)
		}
		return nil
	})
	entries, err := env.P.Audit.List(context.Background(), audit.Filter{City: "bj", Action: "payout.approve"})
	must(t, err)
	if len(entries.Items) != 1 || entries.Items[0].TargetID != fmt.Sprint(approve.ID) {
		t.Fatalf("approval audit %+v", entries.Items)
	}

	// Requested (2 of 30 + 1 yuan), paid out (30), rejected (30: available again).
	owner.Get("/v1/merchant/balance").OK().JSON(&bal)
	if bal.RequestedFen != 2*3000+100 || bal.PaidOutFen != 3000 || bal.AvailableFen != merchantEarned-4*3000-100+3000 ||
		bal.EarnedFen != merchantEarned {
		t.Fatalf("merchant after the decisions %+v", bal)
	}
	var mine struct{ Items []settlement.Payout }
	owner.Get("/v1/merchant/payouts").OK().JSON(&mine)
	if len(mine.Items) != 5 || mine.Items[0].ID != p1.ID {
		t.Fatalf("merchant's payouts %+v", mine.Items)
	}
}
