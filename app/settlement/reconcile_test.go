package settlement_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"doorstep/app/booking"
	"doorstep/app/payment"
	"doorstep/app/payment/sandboxpay"
	"doorstep/app/settlement"
)

func sandboxTrades(ctx context.Context) *gorm.DB {
	return env.P.Reg.HQ(ctx).Table(env.P.Reg.HQTable("sandbox_trades"))
}

func sandboxRefunds(ctx context.Context) *gorm.DB {
	return env.P.Reg.HQ(ctx).Table(env.P.Reg.HQTable("sandbox_refunds"))
}

// Everything of city sh: its payments and refunds of the day are this
// test's only.
func TestReconcile_FindsEachPlantedDifferenceExactlyOnce(t *testing.T) {
	sh := newShop(t, "sh", 0)
	cust := newCustomer(t)
	a := address(t, "sh", cust)
	c := client(t, "sh", cust)
	ctx := cityCtx(t, "sh")

	// Five paid orders; three of them cancelled long before their slot and
	// refunded in full.
	var orders []booking.OrderView
	var pays []payment.Payment
	for i := range 5 {
		o := book(t, "sh", cust, booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slotAt(10+i, 9), AddressID: a.ID})
		p, err := env.P.Payments.PaymentByNo(ctx, payFor(t, "sh", cust, o.ID))
		must(t, err)
		orders, pays = append(orders, o), append(pays, p)
	}
	refunds := map[int]payment.Refund{}
	for _, i := range []int{2, 3, 4} {
		c.Post(fmt.Sprintf("/v1/orders/%d/cancel", orders[i].ID), map[string]string{"reason": "改期"}).OK()
		refundsDone(t, "sh", orders[i].ID, 1)
		rs, err := env.P.Payments.RefundsOf(ctx, orders[i].ID)
		must(t, err)
		refunds[i] = rs[0]
	}
	day := settlement.DayOf(*pays[0].PaidAt, payment.Shanghai)
	adm := admin(t, "sh")

	// Before anything is planted the books and the bill agree.
	var rep settlement.Reconciliation
	adm.Post("/v1/admin/reconciliations", settlement.ReconcileInput{Day: string(day), Method: "sandbox"}).OK().JSON(&rep)
	if rep.Status != settlement.ReconMatched || len(rep.Differences) != 0 || rep.OursCount != 8 || rep.TheirsCount != 8 {
		t.Fatalf("clean day: %+v", rep)
	}

	// Plant one difference of each kind, for payments and for refunds.
	now := time.Now().UTC()
	stamp := now.In(payment.Shanghai).Format("060102150405")
	fakeTrade := "Psh" + stamp + "99999999"
	fakeRefund := "Rsh" + stamp + "99999999"
	hq := context.Background()
	must(t, sandboxTrades(hq).Where("out_trade_no = ?", pays[0].PaymentNo).Delete(&sandboxpay.Trade{}).Error)
	must(t, sandboxTrades(hq).Create(&sandboxpay.Trade{OutTradeNo: fakeTrade, TradeNo: "SBFAKE" + stamp, City: "sh", Subject: "planted",
		AmountFen: 4321, NotifyURL: "http://127.0.0.1/", Status: sandboxpay.StatusPaid, CreatedAt: now, PaidAt: &now}).Error)
	must(t, sandboxTrades(hq).Where("out_trade_no = ?", pays[1].PaymentNo).Update("amount_fen", 12900).Error)
	must(t, sandboxRefunds(hq).Where("out_refund_no = ?", refunds[2].RefundNo).Delete(&sandboxpay.Refund{}).Error)
	must(t, sandboxRefunds(hq).Create(&sandboxpay.Refund{OutRefundNo: fakeRefund, RefundID: "SRFAKE" + stamp, OutTradeNo: pays[4].PaymentNo,
		AmountFen: 100, Status: "succeeded", CreatedAt: now, CompletedAt: &now}).Error)
	must(t, sandboxRefunds(hq).Where("out_refund_no = ?", refunds[3].RefundNo).Update("amount_fen", 12000).Error)
	// Another city's trade on the same bill is not this city's business.
	must(t, sandboxTrades(hq).Create(&sandboxpay.Trade{OutTradeNo: "Pbj" + stamp + "99999999", TradeNo: "SBFAKEBJ" + stamp, City: "bj",
		AmountFen: 500, NotifyURL: "http://127.0.0.1/", Status: sandboxpay.StatusPaid, CreatedAt: now, PaidAt: &now}).Error)

	want := []string{
		"payment " + settlement.MissingTheirs + " " + pays[0].PaymentNo + " 12800/0",
		"payment " + settlement.MissingOurs + " " + fakeTrade + " 0/4321",
		"payment " + settlement.AmountMismatch + " " + pays[1].PaymentNo + " 12800/12900",
		"refund " + settlement.MissingTheirs + " " + refunds[2].RefundNo + " 12800/0",
		"refund " + settlement.MissingOurs + " " + fakeRefund + " 0/100",
		"refund " + settlement.AmountMismatch + " " + refunds[3].RefundNo + " 12800/12000",
	}
	sort.Strings(want)
	for run := 1; run <= 2; run++ {
		adm.Post("/v1/admin/reconciliations", settlement.ReconcileInput{Day: string(day), Method: "sandbox"}).OK().JSON(&rep)
		var got []string
		for _, d := range rep.Differences {
			no := d.OutTradeNo
			if d.Kind == "refund" {
				no = d.OutRefundNo
			}
			got = append(got, fmt.Sprintf("%s %s %s %d/%d", d.Kind, d.Problem, no, d.OursFen, d.TheirsFen))
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("run %d found:\n%s\nwant:\n%s", run, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if rep.Status != settlement.ReconDifferences || rep.OursCount != 8 || rep.TheirsCount != 8 || rep.Day != day || rep.Method != "sandbox" {
			t.Fatalf("run %d report %+v", run, rep)
		}
	}
	for _, d := range rep.Differences {
		if d.Problem == settlement.MissingOurs && !strings.Contains(d.Note, "no such") {
			t.Errorf("missing on our side without a note: %+v", d)
		}
		if d.Problem != settlement.MissingOurs && d.OrderID == 0 {
			t.Errorf("a difference of ours without its order: %+v", d)
		}
	}

	// The report of the day was replaced, not added to.
	var list struct{ Items []settlement.Reconciliation }
	adm.Get("/v1/admin/reconciliations?method=sandbox&limit=100").OK().JSON(&list)
	n := 0
	for _, r := range list.Items {
		if r.Day == day {
			n++
			if len(r.Differences) != 6 {
				t.Fatalf("stored report %+v", r)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d reports for %s", n, day)
	}

	// A quiet day matches; a future day, a disabled method or a bad date is refused.
	adm.Post("/v1/admin/reconciliations", settlement.ReconcileInput{Day: "2020-01-01", Method: "sandbox"}).OK().JSON(&rep)
	if rep.Status != settlement.ReconMatched || rep.OursCount != 0 || rep.TheirsCount != 0 {
		t.Fatalf("quiet day %+v", rep)
	}
	adm.Post("/v1/admin/reconciliations", settlement.ReconcileInput{Day: string(day.Add(2)), Method: "sandbox"}).WantError(400, "invalid_day")
	adm.Post("/v1/admin/reconciliations", settlement.ReconcileInput{Day: "2026-13-01", Method: "sandbox"}).WantError(400, "invalid_day")
	adm.Post("/v1/admin/reconciliations", settlement.ReconcileInput{Day: string(day), Method: "alipay"}).WantError(400, "payment_method_unavailable")
	client(t, "sh", sh.Owner).Post("/v1/admin/reconciliations", settlement.ReconcileInput{Day: string(day), Method: "sandbox"}).WantError(403, "forbidden")

	// The daily job reconciles yesterday for every method.
	must(t, env.P.Settlement.HandleReconcile(ctx, nil))
}

func TestReconcile_ABillLineIsTheCitysByItsNumber(t *testing.T) {
	cases := []struct {
		no, prefix, code string
		want             bool
	}{
		{"Psz26052712000012345678", "P", "sz", true},
		{"Rsz26052712000012345678", "R", "sz", true},
		{"Rsz26052712000012345678", "P", "sz", false},
		{"Psz126052712000012345678", "P", "sz", false}, // city sz1
		{"Psz126052712000012345678", "P", "sz1", true},
		{"Psz2605271200001234567", "P", "sz", false}, // a digit short
		{"Psz2605271200001234567x", "P", "sz", false},
		{"Pbj26052712000012345678", "P", "sz", false},
		{"4200001234202605271234567890", "P", "sz", false}, // someone else's trade on the account
	}
	for _, c := range cases {
		if got := payment.IsCityNumber(c.no, c.prefix, c.code); got != c.want {
			t.Errorf("IsCityNumber(%q, %q, %q) = %v", c.no, c.prefix, c.code, got)
		}
	}
}
