package settlement

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/payment"
	"doorstep/tenants"
)

// Line is one leg of a ledger transaction.
type Line struct {
	Account   string
	OwnerID   int64
	AmountFen int64 // debit positive, credit negative
	Memo      string
}

// Post writes one ledger transaction in the transaction open in ctx (or
// its own): it claims txnID in ledger_txns, then writes the lines, every one
// with orderID. A txnID posted before posts nothing and is no error, so an
// event delivered twice is booked once. Lines that do not sum to zero are
// refused; zero-amount lines are left out, and a transaction with no line
// left is not written at all.
func (s *Service) Post(ctx context.Context, txnID, kind string, orderID int64, lines []Line) error {
	if txnID == "" || len(txnID) > 64 {
		return fmt.Errorf("ledger: transaction id %q: 1 to 64 characters", txnID)
	}
	var sum int64
	keep := make([]Line, 0, len(lines))
	for _, l := range lines {
		sum += l.AmountFen
		if l.AmountFen != 0 {
			keep = append(keep, l)
		}
	}
	if sum != 0 {
		return fmt.Errorf("ledger: transaction %s does not balance: its lines sum to %d fen", txnID, sum)
	}
	if len(keep) == 0 {
		return nil
	}
	return tenants.WithTx(ctx, func(ctx context.Context) error {
		now := s.now()
		res := tenants.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&txn{TxnID: txnID, TxnKind: kind, OrderID: orderID, LineCount: len(keep), At: now})
		if res.Error != nil {
			return fmt.Errorf("ledger: claim %s: %w", txnID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // posted before: a repeated event
		}
		rows := make([]LedgerEntry, len(keep))
		for i, l := range keep {
			rows[i] = LedgerEntry{TxnID: txnID, TxnKind: kind, OrderID: orderID, Account: l.Account, OwnerID: l.OwnerID, AmountFen: l.AmountFen,
				Memo: clip(l.Memo, 255), At: now}
		}
		if err := tenants.DB(ctx).Create(&rows).Error; err != nil {
			return fmt.Errorf("ledger: post %s: %w", txnID, err)
		}
		return nil
	})
}

// ---- payment.Ledger ----

// PaymentReceived books a payment the provider confirmed: the provider
// holds the money, held for the order.
func (s *Service) PaymentReceived(ctx context.Context, p payment.Payment) error {
	memo := fmt.Sprintf("%s %s payment %s", p.Method, p.Kind, p.PaymentNo)
	return s.Post(ctx, "pay:"+p.PaymentNo, KindPayment, p.OrderID, []Line{
		{Account: AccGateway, AmountFen: p.AmountFen, Memo: memo},
		{Account: AccEscrow, AmountFen: -p.AmountFen, Memo: memo},
	})
}

// PaymentReturned books a payment the order could not take (paid late, or
// for an amount it no longer asks) as owed back to the customer.
func (s *Service) PaymentReturned(ctx context.Context, p payment.Payment, r payment.Refund) error {
	memo := fmt.Sprintf("%s payment %s returned by refund %s", r.Source, p.PaymentNo, r.RefundNo)
	return s.Post(ctx, "late:"+p.PaymentNo, KindLateRefund, p.OrderID, []Line{
		{Account: AccEscrow, AmountFen: r.AmountFen, Memo: memo},
		{Account: AccRefundPayable, AmountFen: -r.AmountFen, Memo: memo},
	})
}

// RefundCompleted books a refund the provider has made: the money left the
// provider and is no longer owed.
func (s *Service) RefundCompleted(ctx context.Context, r payment.Refund) error {
	memo := fmt.Sprintf("%s refund %s", r.Source, r.RefundNo)
	return s.Post(ctx, "refund:"+r.RefundNo, KindRefund, r.OrderID, []Line{
		{Account: AccRefundPayable, AmountFen: r.AmountFen, Memo: memo},
		{Account: AccGateway, AmountFen: -r.AmountFen, Memo: memo},
	})
}

// ---- booking.Ledger ----

// OrderCompleted releases what a completed order holds: the deposit excess
// refunded at the finish goes back to the customer, the rest is split
// between HQ, the city, the merchant and the order's staff member.
func (s *Service) OrderCompleted(ctx context.Context, o booking.Order) error {
	if o.PaidFen <= 0 {
		return nil
	}
	id := "complete:" + o.OrderNo
	if done, err := s.posted(ctx, id); done || err != nil {
		return err
	}
	keep := o.PaidFen - o.RefundedFen
	split, err := s.split(ctx, o, keep, true, "service")
	if err != nil {
		return err
	}
	s.checkEscrow(ctx, o.ID, o.PaidFen, "complete")
	lines := append([]Line{
		{Account: AccEscrow, AmountFen: o.PaidFen, Memo: "released at completion"},
		{Account: AccRefundPayable, AmountFen: -o.RefundedFen, Memo: "deposit above the final price"},
	}, split...)
	return s.Post(ctx, id, KindCompletion, o.ID, lines)
}

// OrderCancelled releases what a cancelled order holds: refundFen back to
// the customer, the fee split like a service without a staff share.
func (s *Service) OrderCancelled(ctx context.Context, o booking.Order, feeFen, refundFen int64) error {
	if feeFen < 0 || refundFen < 0 {
		return fmt.Errorf("ledger: cancellation of order %d: fee %d, refund %d", o.ID, feeFen, refundFen)
	}
	id := "cancel:" + o.OrderNo
	if done, err := s.posted(ctx, id); feeFen+refundFen == 0 || done || err != nil {
		return err
	}
	split, err := s.split(ctx, o, feeFen, false, "cancellation fee")
	if err != nil {
		return err
	}
	s.checkEscrow(ctx, o.ID, feeFen+refundFen, "cancel")
	lines := append([]Line{
		{Account: AccEscrow, AmountFen: feeFen + refundFen, Memo: "released at cancellation"},
		{Account: AccRefundPayable, AmountFen: -refundFen, Memo: "cancellation refund"},
	}, split...)
	return s.Post(ctx, id, KindCancellation, o.ID, lines)
}

// AfterSaleClosed takes an after-sales refund back from who bears it.
func (s *Service) AfterSaleClosed(ctx context.Context, o booking.Order, cs booking.AfterSale) error {
	x := cs.RefundFen
	if x <= 0 {
		return nil
	}
	memo := fmt.Sprintf("after-sales case %d, borne by %s", cs.ID, cs.Bearer)
	lines := []Line{{Account: AccRefundPayable, AmountFen: -x, Memo: memo}}
	switch {
	case cs.Bearer == "platform":
		r, err := s.ratesFor(ctx, o.MerchantID)
		if err != nil {
			return err
		}
		c, err := tenants.MustCity(ctx)
		if err != nil {
			return err
		}
		city := app.Percent(x, r.cityShare)
		lines = append(lines, Line{Account: AccCity, OwnerID: c.ID, AmountFen: city, Memo: memo},
			Line{Account: AccPlatform, AmountFen: x - city, Memo: memo})
	case cs.Bearer == "staff" && o.StaffID != 0:
		lines = append(lines, Line{Account: AccStaff, OwnerID: o.StaffID, AmountFen: x, Memo: memo})
	default: // merchant, or staff on an order that had none
		lines = append(lines, Line{Account: AccMerchant, OwnerID: o.MerchantID, AmountFen: x, Memo: memo})
	}
	return s.Post(ctx, "aftersale:"+strconv.FormatInt(cs.ID, 10), KindAfterSale, o.ID, lines)
}

// split credits amount to HQ, the city, the merchant and (withStaff) the
// order's staff member at the order's rates. The credits sum to amount.
func (s *Service) split(ctx context.Context, o booking.Order, amount int64, withStaff bool, what string) ([]Line, error) {
	if amount <= 0 {
		return nil, nil
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.ratesFor(ctx, o.MerchantID)
	if err != nil {
		return nil, err
	}
	commission := app.Percent(amount, r.commission)
	city := app.Percent(commission, r.cityShare)
	merchantShare := amount - commission
	var staff int64
	if withStaff && o.StaffID != 0 {
		staff = app.Percent(merchantShare, r.staffShare)
	}
	base := fmt.Sprintf("%s %s yuan", what, app.FormatYuan(amount))
	return []Line{
		{Account: AccPlatform, AmountFen: -(commission - city), Memo: fmt.Sprintf("%s: commission %d bps, HQ share", base, r.commission)},
		{Account: AccCity, OwnerID: c.ID, AmountFen: -city, Memo: fmt.Sprintf("%s: commission %d bps, city share %d bps", base, r.commission, r.cityShare)},
		{Account: AccMerchant, OwnerID: o.MerchantID, AmountFen: -(merchantShare - staff), Memo: base + ": merchant share"},
		{Account: AccStaff, OwnerID: o.StaffID, AmountFen: -staff, Memo: fmt.Sprintf("%s: staff share %d bps", base, r.staffShare)},
	}, nil
}

// posted tells whether a transaction was posted already (Post knows it
// too; asking first spares the checks of a repeated event).
func (s *Service) posted(ctx context.Context, txnID string) (bool, error) {
	var n int64
	err := tenants.DB(ctx).Model(&txn{}).Where("txn_id = ?", txnID).Count(&n).Error
	return n > 0, err
}

// checkEscrow warns when an order's escrow does not hold what its release
// takes: a payment that was never booked (orders paid before the ledger
// existed, or marked paid by tests without money). The release is booked
// all the same, so the order's escrow shows the gap instead of hiding it.
func (s *Service) checkEscrow(ctx context.Context, orderID, release int64, what string) {
	var held int64
	err := tenants.DB(ctx).Model(&LedgerEntry{}).Select("COALESCE(-SUM(amount_fen), 0)").Where("order_id = ? AND account = ?", orderID, AccEscrow).Scan(&held).Error
	if err != nil {
		s.log.WarnContext(ctx, "ledger: read escrow", "order_id", orderID, "err", err)
		return
	}
	if held != release {
		s.log.WarnContext(ctx, "ledger: order escrow does not hold what is released", "order_id", orderID, "event", what, "held_fen", held, "release_fen", release)
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
