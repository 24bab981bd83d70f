package settlement

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/payment"
	"doorstep/tenants"
)

// ReconcileInput asks for one day's reconciliation of one method.
type ReconcileInput struct {
	Day    string `json:"day" validate:"required" doc:"the provider's day (Asia/Shanghai), 2006-01-02"`
	Method string `json:"method" validate:"required,max=16" doc:"an enabled payment method, e.g. sandbox"`
}

// ReconciliationQuery filters reports.
type ReconciliationQuery struct {
	Method string `query:"method"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// HandleReconcile is the settlement:reconcile task for ctx's city: the
// previous day (city time) for every enabled method.
func (s *Service) HandleReconcile(ctx context.Context, _ []byte) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	day := DayOf(s.now(), c.Loc).Add(-1)
	var errs []error
	for _, m := range s.gw.Methods() {
		if _, err := s.reconcile(ctx, day, m); err != nil {
			errs = append(errs, fmt.Errorf("reconcile %s %s: %w", m, day, err))
		}
	}
	return errors.Join(errs...)
}

// Reconcile runs one day's reconciliation of one method on demand (city
// back office) and returns its report; audited.
func (s *Service) Reconcile(ctx context.Context, in ReconcileInput) (Reconciliation, error) {
	day, err := ParseDay(in.Day)
	if err != nil || day.Start(payment.Shanghai).After(s.now()) {
		return Reconciliation{}, ErrBadDay
	}
	if _, ok := s.gw.Gateway(in.Method); !ok {
		return Reconciliation{}, ErrMethodUnavailable.WithMessage("payment method %q is not enabled; use one of %v", in.Method, s.gw.Methods())
	}
	r, err := s.reconcile(ctx, day, in.Method)
	if err != nil {
		return Reconciliation{}, err
	}
	s.audit.Record(ctx, "reconciliation.run", "reconciliation", fmt.Sprintf("%s/%s", day, in.Method), "ok",
		map[string]any{"status": r.Status, "differences": len(r.Differences)})
	return r, nil
}

// ours is one of our payments or refunds of the day.
type ours struct {
	Num     string
	OrderID int64
	Fen     int64
}

// reconcile compares one day (Asia/Shanghai, the providers' zone) of our
// paid payments and completed refunds of a method with the method's bill,
// keeping the bill lines numbered for ctx's city, and stores the report in
// place of any earlier one for that day and method. The bill is fetched
// outside any transaction.
func (s *Service) reconcile(ctx context.Context, day Day, method string) (Reconciliation, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Reconciliation{}, err
	}
	g, ok := s.gw.Gateway(method)
	if !ok {
		return Reconciliation{}, ErrMethodUnavailable
	}
	from := day.Start(payment.Shanghai)
	to := from.Add(24 * time.Hour)
	bill, err := g.Bill(ctx, from)
	if err != nil {
		return Reconciliation{}, fmt.Errorf("bill of %s: %w", day, err)
	}
	var pays, refs []ours
	if err := tenants.DB(ctx).Model(&payment.Payment{}).Select("payment_no AS num, order_id, amount_fen AS fen").
		Where("method = ? AND status = ? AND paid_at >= ? AND paid_at < ?", method, payment.StatusPaid, from.UTC(), to.UTC()).
		Scan(&pays).Error; err != nil {
		return Reconciliation{}, err
	}
	if err := tenants.DB(ctx).Raw("SELECT r.refund_no AS num, r.order_id, r.amount_fen AS fen FROM "+tenants.Table(ctx, "refunds")+" AS r JOIN "+
		tenants.Table(ctx, "payments")+" AS p ON p.id = r.payment_id WHERE p.method = ? AND r.status = ? AND r.completed_at >= ? AND r.completed_at < ?",
		method, payment.RefundStatusSucceeded, from.UTC(), to.UTC()).Scan(&refs).Error; err != nil {
		return Reconciliation{}, err
	}
	theirPays, theirRefs := map[string]int64{}, map[string]int64{}
	theirs := 0
	for _, l := range bill {
		switch l.Kind {
		case "payment":
			if payment.IsCityNumber(l.OutTradeNo, "P", c.Code) {
				theirPays[l.OutTradeNo] += l.AmountFen
				theirs++
			}
		case "refund":
			if payment.IsCityNumber(l.OutRefundNo, "R", c.Code) {
				theirRefs[l.OutRefundNo] += l.AmountFen
				theirs++
			}
		}
	}
	diffs := compare("payment", pays, theirPays)
	diffs = append(diffs, compare("refund", refs, theirRefs)...)
	if err := s.explain(ctx, diffs); err != nil {
		return Reconciliation{}, err
	}
	r := Reconciliation{Day: day, Method: method, Status: ReconMatched, OursCount: len(pays) + len(refs), TheirsCount: theirs,
		Differences: diffs, CreatedAt: s.now()}
	if len(diffs) > 0 {
		r.Status = ReconDifferences
	}
	err = tenants.DB(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "day"}, {Name: "method"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "ours_count", "theirs_count", "differences", "created_at"}),
	}).Create(&r).Error
	if err != nil {
		return Reconciliation{}, fmt.Errorf("store reconciliation: %w", err)
	}
	var stored Reconciliation
	if err := tenants.DB(ctx).Where("day = ? AND method = ?", day, method).Take(&stored).Error; err != nil {
		return Reconciliation{}, err
	}
	if stored.Differences == nil {
		stored.Differences = []Difference{}
	}
	return stored, nil
}

// compare lists every difference between our lines and the bill's once,
// ordered by number.
func compare(kind string, mine []ours, theirs map[string]int64) []Difference {
	byNo := map[string]ours{}
	for _, o := range mine {
		byNo[o.Num] = o
	}
	keys := make([]string, 0, len(byNo)+len(theirs))
	for k := range byNo {
		keys = append(keys, k)
	}
	for k := range theirs {
		if _, ok := byNo[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := []Difference{}
	for _, k := range keys {
		o, have := byNo[k]
		t, they := theirs[k]
		d := Difference{Kind: kind, OrderID: o.OrderID, OursFen: o.Fen, TheirsFen: t}
		if kind == "payment" {
			d.OutTradeNo = k
		} else {
			d.OutRefundNo = k
		}
		switch {
		case have && !they:
			d.Problem = MissingTheirs
		case !have && they:
			d.Problem = MissingOurs
		case o.Fen != t:
			d.Problem = AmountMismatch
		default:
			continue
		}
		out = append(out, d)
	}
	return out
}

// explain notes what we know of a line missing on our side: a payment or
// refund we have in another state or on another day, or none at all.
func (s *Service) explain(ctx context.Context, diffs []Difference) error {
	for i := range diffs {
		d := &diffs[i]
		if d.Problem != MissingOurs {
			continue
		}
		if d.Kind == "payment" {
			var p payment.Payment
			err := tenants.DB(ctx).Where("payment_no = ?", d.OutTradeNo).Take(&p).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				d.Note = "no such payment of ours"
			case err != nil:
				return err
			default:
				d.OrderID = p.OrderID
				d.Note = "ours is " + p.Status
				if p.PaidAt != nil {
					d.Note += " at " + p.PaidAt.In(payment.Shanghai).Format(time.DateTime)
				}
			}
			continue
		}
		var r payment.Refund
		err := tenants.DB(ctx).Where("refund_no = ?", d.OutRefundNo).Take(&r).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			d.Note = "no such refund of ours"
		case err != nil:
			return err
		default:
			d.OrderID = r.OrderID
			d.Note = "ours is " + r.Status
			if r.CompletedAt != nil {
				d.Note += " at " + r.CompletedAt.In(payment.Shanghai).Format(time.DateTime)
			}
		}
	}
	return nil
}

// Reconciliations lists the city's reports, the newest first (a re-run
// keeps its report's place).
func (s *Service) Reconciliations(ctx context.Context, f ReconciliationQuery) (app.List[Reconciliation], error) {
	q := tenants.DB(ctx)
	if f.Method != "" {
		q = q.Where("method = ?", f.Method)
	}
	var cur idCursor
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[Reconciliation]{}, err
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []Reconciliation
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[Reconciliation]{}, err
	}
	for i := range rows {
		if rows[i].Differences == nil {
			rows[i].Differences = []Difference{}
		}
	}
	return page(rows, n, func(r Reconciliation) int64 { return r.ID }), nil
}
