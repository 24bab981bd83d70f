package settlement

import (
	"context"
	"time"

	"doorstep/app"
	"doorstep/tenants"
)

// Balance is where a payee's money stands.
type Balance struct {
	PayeeType    string `json:"payee_type" doc:"merchant or staff"`
	PayeeID      int64  `json:"payee_id"`
	EarnedFen    int64  `json:"earned_fen" doc:"everything credited to you, less after-sales you bore"`
	PendingFen   int64  `json:"pending_fen" doc:"earned but not yet settled"`
	SettledFen   int64  `json:"settled_fen" doc:"the net of every settled period"`
	RequestedFen int64  `json:"requested_fen" doc:"payouts waiting for approval"`
	PaidOutFen   int64  `json:"paid_out_fen" doc:"payouts approved"`
	AvailableFen int64  `json:"available_fen" doc:"what you may ask to be paid: settled less payouts, less any unsettled debit"`
}

func accountOf(payeeType string) string {
	if payeeType == PayeeStaff {
		return AccStaff
	}
	return AccMerchant
}

// balance computes a payee's balance from the ledger, the settlements and
// the payouts, in the transaction open in ctx if any.
func (s *Service) balance(ctx context.Context, payeeType string, id int64) (Balance, error) {
	b := Balance{PayeeType: payeeType, PayeeID: id}
	db := tenants.DB(ctx)
	if err := db.Model(&LedgerEntry{}).Select("COALESCE(-SUM(amount_fen), 0)").
		Where("account = ? AND owner_id = ? AND txn_kind <> ?", accountOf(payeeType), id, KindPayout).Scan(&b.EarnedFen).Error; err != nil {
		return b, err
	}
	if err := db.Model(&Settlement{}).Select("COALESCE(SUM(net_fen), 0)").
		Where("payee_type = ? AND payee_id = ?", payeeType, id).Scan(&b.SettledFen).Error; err != nil {
		return b, err
	}
	var rows []struct {
		Status string
		Fen    int64
	}
	if err := db.Model(&Payout{}).Select("status, COALESCE(SUM(amount_fen), 0) AS fen").
		Where("payee_type = ? AND payee_id = ? AND status IN ?", payeeType, id, []string{PayoutRequested, PayoutApproved}).
		Group("status").Scan(&rows).Error; err != nil {
		return b, err
	}
	for _, r := range rows {
		switch r.Status {
		case PayoutRequested:
			b.RequestedFen = r.Fen
		case PayoutApproved:
			b.PaidOutFen = r.Fen
		}
	}
	b.PendingFen = b.EarnedFen - b.SettledFen
	b.AvailableFen = b.SettledFen - b.RequestedFen - b.PaidOutFen + min(0, b.PendingFen)
	return b, nil
}

// payeeOf is the payee of type typ the signed-in person acts for: their
// merchant (as its owner) or their staff profile.
func payeeOf(ctx context.Context, typ string) (int64, app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return 0, a, err
	}
	switch {
	case typ == PayeeMerchant && a.Role == app.RoleMerchantOwner && a.MerchantID != 0:
		return a.MerchantID, a, nil
	case typ == PayeeStaff && a.Role == app.RoleStaff && a.StaffID != 0:
		return a.StaffID, a, nil
	}
	return 0, a, ErrNotPayee
}

// MyBalance is the balance of the signed-in payee of type typ: the merchant
// owner's merchant, or the staff member.
func (s *Service) MyBalance(ctx context.Context, typ string) (Balance, error) {
	id, _, err := payeeOf(ctx, typ)
	if err != nil {
		return Balance{}, err
	}
	return s.balance(ctx, typ, id)
}

// Earnings are a staff member's earnings, from the ledger.
type Earnings struct {
	StaffID  int64   `json:"staff_id"`
	TodayFen int64   `json:"today_fen" doc:"since midnight, city time"`
	MonthFen int64   `json:"month_fen" doc:"since the first of the month, city time"`
	TotalFen int64   `json:"total_fen"`
	Balance  Balance `json:"balance"`
}

// MyEarnings is the signed-in staff member's earnings so far today, this
// month and in all, with their balance.
func (s *Service) MyEarnings(ctx context.Context) (Earnings, error) {
	typ := PayeeStaff
	id, _, err := payeeOf(ctx, typ)
	if err != nil {
		return Earnings{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Earnings{}, err
	}
	now := s.now().In(c.Loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, c.Loc).UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, c.Loc).UTC()
	var row struct{ Today, Month, Total int64 }
	err = tenants.DB(ctx).Model(&LedgerEntry{}).
		Select("COALESCE(-SUM(CASE WHEN at >= ? THEN amount_fen ELSE 0 END), 0) AS today, "+
			"COALESCE(-SUM(CASE WHEN at >= ? THEN amount_fen ELSE 0 END), 0) AS month, COALESCE(-SUM(amount_fen), 0) AS total", today, month).
		Where("account = ? AND owner_id = ? AND txn_kind <> ?", AccStaff, id, KindPayout).Scan(&row).Error
	if err != nil {
		return Earnings{}, err
	}
	b, err := s.balance(ctx, typ, id)
	if err != nil {
		return Earnings{}, err
	}
	return Earnings{StaffID: id, TodayFen: row.Today, MonthFen: row.Month, TotalFen: row.Total, Balance: b}, nil
}

type idCursor struct {
	ID int64 `json:"id"`
}

// MySettlements lists the signed-in payee's settlements, newest first.
func (s *Service) MySettlements(ctx context.Context, typ string, p app.Page) (app.List[Settlement], error) {
	id, _, err := payeeOf(ctx, typ)
	if err != nil {
		return app.List[Settlement]{}, err
	}
	var cur idCursor
	if err := app.DecodeCursor(p.Cursor, &cur); err != nil {
		return app.List[Settlement]{}, err
	}
	q := tenants.DB(ctx).Where("payee_type = ? AND payee_id = ?", typ, id)
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := p.Size()
	var rows []Settlement
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[Settlement]{}, err
	}
	return page(rows, n, func(r Settlement) int64 { return r.ID }), nil
}

// page cuts rows fetched with limit n+1 into a list and its next cursor.
func page[T any](rows []T, n int, id func(T) int64) app.List[T] {
	out := app.List[T]{Items: rows}
	if len(rows) > n {
		out.Items = rows[:n]
		out.NextCursor = app.EncodeCursor(idCursor{ID: id(rows[n-1])})
	}
	if out.Items == nil {
		out.Items = []T{}
	}
	return out
}
