package settlement

import (
	"context"
	"slices"
	"strings"

	"doorstep/app"
	"doorstep/tenants"
)

// LedgerQuery filters the city's ledger lines.
type LedgerQuery struct {
	OrderID int64  `query:"order_id" validate:"gte=0"`
	Account string `query:"account" doc:"one account of the chart, e.g. merchant_payable"`
	OwnerID int64  `query:"owner_id" validate:"gte=0" doc:"with account: the merchant, staff member or city"`
	TxnID   string `query:"txn_id" validate:"max=64" doc:"e.g. pay:Psz2405011200001234"`
	Cursor  string `query:"cursor"`
	Limit   int    `query:"limit"`
}

// Ledger lists the city's ledger lines, newest first (city back office).
func (s *Service) Ledger(ctx context.Context, f LedgerQuery) (app.List[LedgerEntry], error) {
	q := tenants.DB(ctx).Model(&LedgerEntry{})
	if f.OrderID > 0 {
		q = q.Where("order_id = ?", f.OrderID)
	}
	if f.Account != "" {
		if !slices.Contains(Accounts, f.Account) {
			return app.List[LedgerEntry]{}, app.Invalid("account", "one of "+strings.Join(Accounts, ", "))
		}
		q = q.Where("account = ?", f.Account)
		if f.OwnerID > 0 {
			q = q.Where("owner_id = ?", f.OwnerID)
		}
	}
	if f.TxnID != "" {
		q = q.Where("txn_id = ?", f.TxnID)
	}
	var cur idCursor
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[LedgerEntry]{}, err
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []LedgerEntry
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[LedgerEntry]{}, err
	}
	return page(rows, n, func(e LedgerEntry) int64 { return e.ID }), nil
}

// OrderLedger is every ledger line of one order.
type OrderLedger struct {
	OrderID  int64            `json:"order_id"`
	Lines    []LedgerEntry    `json:"lines"`
	SumFen   int64            `json:"sum_fen" doc:"always 0: every transaction balances"`
	Accounts map[string]int64 `json:"accounts" doc:"each account's balance for this order (escrow 0 once the order is closed)"`
}

// OrderLines returns the ledger lines of one order of the city, oldest
// first, with their sum and the balance of each account.
func (s *Service) OrderLines(ctx context.Context, orderID int64) (OrderLedger, error) {
	var n int64
	if err := tenants.DB(ctx).Raw("SELECT COUNT(*) FROM "+tenants.Table(ctx, "orders")+" WHERE id = ?", orderID).Scan(&n).Error; err != nil {
		return OrderLedger{}, err
	}
	if n == 0 {
		return OrderLedger{}, ErrOrderNotFound
	}
	out := OrderLedger{OrderID: orderID, Lines: []LedgerEntry{}, Accounts: map[string]int64{}}
	if err := tenants.DB(ctx).Where("order_id = ?", orderID).Order("id").Find(&out.Lines).Error; err != nil {
		return OrderLedger{}, err
	}
	for _, e := range out.Lines {
		out.SumFen += e.AmountFen
		out.Accounts[e.Account] += e.AmountFen
	}
	return out, nil
}
