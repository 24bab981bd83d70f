package settlement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/tenants"
)

// PayoutInput asks for a payout.
type PayoutInput struct {
	AmountFen int64 `json:"amount_fen" validate:"required,gt=0,lte=100000000000"`
}

// DecideInput approves or rejects a payout.
type DecideInput struct {
	Note string `json:"note" validate:"max=255"`
}

// PayoutQuery filters payouts.
type PayoutQuery struct {
	Status    string `query:"status" doc:"requested, approved or rejected; empty for all"`
	PayeeType string `query:"payee_type" doc:"merchant or staff; empty for both"`
	Cursor    string `query:"cursor"`
	Limit     int    `query:"limit"`
}

// RequestPayout asks for in.AmountFen of the available balance of the
// signed-in payee of type typ to be paid out. The payee's row is locked
// while the balance is read and the request written, so concurrent requests
// take turns and never together exceed what is available.
func (s *Service) RequestPayout(ctx context.Context, typ string, in PayoutInput) (Payout, error) {
	id, a, err := payeeOf(ctx, typ)
	if err != nil {
		return Payout{}, err
	}
	if in.AmountFen <= 0 {
		return Payout{}, app.Invalid("amount_fen", "must be positive")
	}
	// The lock row exists before any request's transaction: inserting it
	// inside would make concurrent first requests deadlock on the new key.
	if err := tenants.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&payee{PayeeType: typ, PayeeID: id, CreatedAt: s.now()}).Error; err != nil {
		return Payout{}, fmt.Errorf("payee row: %w", err)
	}
	var p Payout
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var lock payee
		if err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("payee_type = ? AND payee_id = ?", typ, id).Take(&lock).Error; err != nil {
			return fmt.Errorf("lock payee %s %d: %w", typ, id, err)
		}
		b, err := s.balance(ctx, typ, id)
		if err != nil {
			return err
		}
		if in.AmountFen > b.AvailableFen {
			return ErrInsufficient.WithMessage("you may ask for at most %s yuan now", app.FormatYuan(max(b.AvailableFen, 0)))
		}
		p = Payout{PayeeType: typ, PayeeID: id, AmountFen: in.AmountFen, Status: PayoutRequested, RequestedBy: a.AccountID, CreatedAt: s.now()}
		return tenants.DB(ctx).Create(&p).Error
	})
	if err != nil {
		return Payout{}, err
	}
	s.audit.Record(ctx, "payout.request", "payout", strconv.FormatInt(p.ID, 10), "ok", map[string]any{"payee_type": typ, "payee_id": id, "amount_fen": p.AmountFen})
	return p, nil
}

// MyPayouts lists the signed-in payee's payouts, newest first.
func (s *Service) MyPayouts(ctx context.Context, typ string, pg app.Page) (app.List[Payout], error) {
	id, _, err := payeeOf(ctx, typ)
	if err != nil {
		return app.List[Payout]{}, err
	}
	return s.listPayouts(ctx, tenants.DB(ctx).Where("payee_type = ? AND payee_id = ?", typ, id), pg)
}

// Payouts lists the city's payouts, newest first (city back office).
func (s *Service) Payouts(ctx context.Context, f PayoutQuery) (app.List[Payout], error) {
	q := tenants.DB(ctx)
	if f.Status != "" {
		if !slices.Contains([]string{PayoutRequested, PayoutApproved, PayoutRejected}, f.Status) {
			return app.List[Payout]{}, app.Invalid("status", "requested, approved or rejected")
		}
		q = q.Where("status = ?", f.Status)
	}
	if f.PayeeType != "" {
		if f.PayeeType != PayeeMerchant && f.PayeeType != PayeeStaff {
			return app.List[Payout]{}, app.Invalid("payee_type", "merchant or staff")
		}
		q = q.Where("payee_type = ?", f.PayeeType)
	}
	return s.listPayouts(ctx, q, app.Page{Cursor: f.Cursor, Limit: f.Limit})
}

func (s *Service) listPayouts(ctx context.Context, q *gorm.DB, pg app.Page) (app.List[Payout], error) {
	var cur idCursor
	if err := app.DecodeCursor(pg.Cursor, &cur); err != nil {
		return app.List[Payout]{}, err
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := pg.Size()
	var rows []Payout
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[Payout]{}, err
	}
	return page(rows, n, func(p Payout) int64 { return p.ID }), nil
}

// ApprovePayout approves a requested payout of the city: the payout
// transaction is posted, the payee told, and the decision audited.
func (s *Service) ApprovePayout(ctx context.Context, id int64, in DecideInput) (Payout, error) {
	return s.decide(ctx, id, PayoutApproved, in.Note)
}

// RejectPayout rejects a requested payout: the amount is available again.
func (s *Service) RejectPayout(ctx context.Context, id int64, in DecideInput) (Payout, error) {
	return s.decide(ctx, id, PayoutRejected, in.Note)
}

var payoutStatusText = map[string][2]string{PayoutApproved: {"已通过，款项将打入您的账户", "approved; the money is on its way"}, PayoutRejected: {"未通过", "rejected"}}

func (s *Service) decide(ctx context.Context, id int64, status, note string) (Payout, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Payout{}, err
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 255 {
		return Payout{}, app.Invalid("note", "at most 255 characters")
	}
	var p Payout
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrPayoutNotFound
		}
		if err != nil {
			return err
		}
		if p.Status != PayoutRequested {
			return ErrPayoutState.WithMessage("this payout is %s already", p.Status)
		}
		now := s.now()
		p.Status, p.DecidedBy, p.DecidedAt, p.Note = status, a.AccountID, &now, note
		if err := tenants.DB(ctx).Model(&Payout{}).Where("id = ? AND status = ?", p.ID, PayoutRequested).
			Updates(map[string]any{"status": p.Status, "decided_by": p.DecidedBy, "decided_at": now, "note": note}).Error; err != nil {
			return err
		}
		if status == PayoutApproved {
			memo := fmt.Sprintf("payout %d approved", p.ID)
			if err := s.Post(ctx, "payout:"+strconv.FormatInt(p.ID, 10), KindPayout, 0, []Line{
				{Account: accountOf(p.PayeeType), OwnerID: p.PayeeID, AmountFen: p.AmountFen, Memo: memo},
				{Account: AccPayouts, AmountFen: -p.AmountFen, Memo: memo},
			}); err != nil {
				return err
			}
		}
		who, err := s.payeeAccount(ctx, p.PayeeType, p.PayeeID)
		if err != nil {
			return err
		}
		text := payoutStatusText[status]
		return s.tell.Tell(ctx, who, "payout_update", map[string]string{"amount": app.FormatYuan(p.AmountFen), "status.zh": text[0], "status.en": text[1]},
			map[string]string{"payout_id": strconv.FormatInt(p.ID, 10)}, fmt.Sprintf("%d:%s", p.ID, status))
	})
	if err != nil {
		return Payout{}, err
	}
	action := "payout.approve"
	if status == PayoutRejected {
		action = "payout.reject"
	}
	s.audit.Record(ctx, action, "payout", strconv.FormatInt(p.ID, 10), "ok",
		map[string]any{"payee_type": p.PayeeType, "payee_id": p.PayeeID, "amount_fen": p.AmountFen, "note": note})
	return p, nil
}

// payeeAccount is the account to tell about a payee's payout: the
// merchant's owner, or the staff member.
func (s *Service) payeeAccount(ctx context.Context, typ string, id int64) (int64, error) {
	table, col := "merchants", "owner_id"
	if typ == PayeeStaff {
		table, col = "staff", "account_id"
	}
	var acct int64
	err := tenants.DB(ctx).Raw("SELECT "+col+" FROM "+tenants.Table(ctx, table)+" WHERE id = ?", id).Scan(&acct).Error
	if err != nil {
		return 0, fmt.Errorf("%s %d: %w", typ, id, err)
	}
	return acct, nil // 0 (gone) tells nobody
}
