package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/tenants"
)

// After-sales case states.
const (
	CaseOpen        = "open"        // the customer asked; the merchant has not replied
	CaseReplied     = "replied"     // the merchant replied, maybe with an offer
	CaseArbitrating = "arbitrating" // the customer escalated to the city
	CaseClosed      = "closed"
)

// Bearers of an after-sales refund.
var bearers = []string{"merchant", "platform", "staff"}

// AfterSaleInput opens a case on a completed order.
type AfterSaleInput struct {
	Reason       string   `json:"reason" validate:"required,max=64" doc:"quality, damage, no_show, overcharge, other ..."`
	Detail       string   `json:"detail" validate:"max=1000"`
	Photos       []string `json:"photos" validate:"max=9,dive,max=512"`
	RequestedFen int64    `json:"requested_fen" validate:"gte=0" doc:"the refund the customer asks for"`
}

// ReplyInput is the merchant's answer to a case.
type ReplyInput struct {
	Reply    string `json:"reply" validate:"required,max=1000"`
	OfferFen int64  `json:"offer_fen" validate:"gte=0" doc:"refund the merchant offers; the customer may accept it"`
}

// DecideInput is the city's arbitration of a case.
type DecideInput struct {
	RefundFen int64  `json:"refund_fen" validate:"gte=0"`
	Bearer    string `json:"bearer" validate:"required,oneof=merchant platform staff" doc:"who bears the refund"`
	Note      string `json:"note" validate:"max=1000"`
}

// AfterSaleView is a case as the API shows it.
type AfterSaleView struct {
	AfterSale
	OrderNo      string `json:"order_no"`
	CreatedLocal string `json:"created_local"`
}

func (s *Service) caseView(ctx context.Context, cs AfterSale) (AfterSaleView, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	var no string
	if err := tenants.DB(ctx).Model(&Order{}).Where("id = ?", cs.OrderID).Pluck("order_no", &no).Error; err != nil {
		return AfterSaleView{}, err
	}
	if cs.Photos == nil {
		cs.Photos = []string{}
	}
	return AfterSaleView{AfterSale: cs, OrderNo: no, CreatedLocal: localText(cs.CreatedAt, c.Loc)}, nil
}

// caseFor loads a case the actor may see: the customer's own, the
// merchant's, or any for the city.
func (s *Service) caseFor(ctx context.Context, a app.Actor, id int64, lock bool) (AfterSale, error) {
	var cs AfterSale
	q := tenants.DB(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ?", id).Take(&cs).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return cs, ErrAfterSaleNotFound
	}
	if err != nil {
		return cs, err
	}
	switch a.Role {
	case app.RoleCustomer:
		if cs.CustomerID != a.AccountID {
			return cs, ErrAfterSaleNotFound
		}
	case app.RoleMerchantOwner, app.RoleMerchantDispatcher:
		if a.MerchantID == 0 || cs.MerchantID != a.MerchantID {
			return cs, ErrAfterSaleNotFound
		}
	case app.RoleCityAdmin, app.RoleCityOperator, app.RoleHQAdmin, app.RoleHQOperator, "system":
	default:
		return cs, ErrAfterSaleNotFound
	}
	return cs, nil
}

// AfterSaleCase returns one case to whoever may see it.
func (s *Service) AfterSaleCase(ctx context.Context, id int64) (AfterSaleView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	cs, err := s.caseFor(ctx, a, id, false)
	if err != nil {
		return AfterSaleView{}, err
	}
	return s.caseView(ctx, cs)
}

// OpenAfterSale opens the customer's case on their completed order within
// the city's window after completion; the order goes to after_sales.
func (s *Service) OpenAfterSale(ctx context.Context, orderID int64, in AfterSaleInput) (AfterSaleView, error) {
	a, err := customer(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || len([]rune(reason)) > 64 || len([]rune(in.Detail)) > 1000 || len(in.Photos) > 9 || in.RequestedFen < 0 {
		return AfterSaleView{}, app.Invalid("reason", "a reason of at most 64 characters, detail of at most 1000, at most 9 photos")
	}
	var cs AfterSale
	_, err = s.fire(ctx, orderID, step{event: EvOpenAfterSale, actor: a, reason: reason, apply: func(ctx context.Context, o *Order) (string, error) {
		now := s.now()
		if o.CompletedAt == nil || now.After(o.CompletedAt.Add(set.AfterSaleWindow)) {
			return "", ErrAfterSaleWindow.WithMessage("after-sales service can be asked for within %d days of completion", int(set.AfterSaleWindow.Hours()/24))
		}
		if in.RequestedFen > o.PaidFen-o.RefundedFen {
			return "", ErrRefundTooLarge.WithMessage("at most %s yuan is left to refund on this order", app.FormatYuan(o.PaidFen-o.RefundedFen))
		}
		cs = AfterSale{OrderID: o.ID, CustomerID: o.CustomerID, MerchantID: o.MerchantID, StaffID: o.StaffID, Reason: reason,
			Detail: strings.TrimSpace(in.Detail), Photos: append([]string{}, in.Photos...), RequestedFen: in.RequestedFen, Status: CaseOpen,
			CreatedAt: now, UpdatedAt: now}
		if err := tenants.DB(ctx).Create(&cs).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return "", ErrAfterSaleExists
			}
			return "", fmt.Errorf("open aftersale: %w", err)
		}
		return "", s.tellCase(ctx, cs, *o, [2]string{"已提交，等待商家处理", "received; waiting for the merchant"}, true)
	}})
	if err != nil {
		return AfterSaleView{}, err
	}
	return s.caseView(ctx, cs)
}

// tellCase tells the customer (and, when merchantToo, the merchant's owner)
// that a case moved.
func (s *Service) tellCase(ctx context.Context, cs AfterSale, o Order, status [2]string, merchantToo bool) error {
	key := fmt.Sprint(cs.ID, ":", cs.Status, ":", cs.UpdatedAt.UnixMicro())
	data := orderData(o)
	data["aftersale_id"] = fmt.Sprint(cs.ID)
	params := map[string]string{"order_no": o.OrderNo, "status.zh": status[0], "status.en": status[1]}
	if err := s.notify.Tell(ctx, cs.CustomerID, "aftersale_update", params, data, key); err != nil {
		return err
	}
	if !merchantToo {
		return nil
	}
	m, err := s.mer.Get(ctx, cs.MerchantID)
	if err != nil {
		return fmt.Errorf("merchant %d: %w", cs.MerchantID, err)
	}
	return s.notify.Tell(ctx, m.OwnerID, "aftersale_update", params, data, key+":m")
}

// ReplyAfterSale records the merchant's reply and offer on an open case.
func (s *Service) ReplyAfterSale(ctx context.Context, caseID int64, in ReplyInput) (AfterSaleView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	if a.MerchantID == 0 {
		return AfterSaleView{}, app.ErrForbidden
	}
	if strings.TrimSpace(in.Reply) == "" || len([]rune(in.Reply)) > 1000 || in.OfferFen < 0 {
		return AfterSaleView{}, app.Invalid("reply", "1 to 1000 characters, offer_fen >= 0")
	}
	var cs AfterSale
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if cs, err = s.caseFor(ctx, a, caseID, true); err != nil {
			return err
		}
		if cs.Status != CaseOpen && cs.Status != CaseReplied {
			return ErrAfterSaleState.WithMessage("a case that is %s takes no reply", cs.Status)
		}
		o, err := s.Get(ctx, cs.OrderID)
		if err != nil {
			return err
		}
		if in.OfferFen > o.PaidFen-o.RefundedFen {
			return ErrRefundTooLarge.WithMessage("at most %s yuan is left to refund on this order", app.FormatYuan(o.PaidFen-o.RefundedFen))
		}
		now := s.now()
		cs.MerchantReply, cs.MerchantOfferFen, cs.RepliedAt, cs.Status, cs.UpdatedAt = strings.TrimSpace(in.Reply), in.OfferFen, &now, CaseReplied, now
		if err := tenants.DB(ctx).Save(&cs).Error; err != nil {
			return err
		}
		return s.tellCase(ctx, cs, o, [2]string{fmt.Sprintf("商家已回复，提出退款%s元", app.FormatYuan(in.OfferFen)),
			fmt.Sprintf("the merchant replied and offers a refund of %s yuan", app.FormatYuan(in.OfferFen))}, false)
	})
	if err != nil {
		return AfterSaleView{}, err
	}
	return s.caseView(ctx, cs)
}

// EscalateAfterSale sends the customer's case to the city for arbitration.
func (s *Service) EscalateAfterSale(ctx context.Context, caseID int64) (AfterSaleView, error) {
	a, err := customer(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	var cs AfterSale
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if cs, err = s.caseFor(ctx, a, caseID, true); err != nil {
			return err
		}
		if cs.Status != CaseOpen && cs.Status != CaseReplied {
			return ErrAfterSaleState.WithMessage("a case that is %s cannot be escalated", cs.Status)
		}
		o, err := s.Get(ctx, cs.OrderID)
		if err != nil {
			return err
		}
		cs.Status, cs.UpdatedAt = CaseArbitrating, s.now()
		if err := tenants.DB(ctx).Save(&cs).Error; err != nil {
			return err
		}
		return s.tellCase(ctx, cs, o, [2]string{"已提交平台仲裁", "sent to the platform for arbitration"}, true)
	})
	if err != nil {
		return AfterSaleView{}, err
	}
	return s.caseView(ctx, cs)
}

// AcceptAfterSale accepts the merchant's offer: it is refunded and the
// case closes.
func (s *Service) AcceptAfterSale(ctx context.Context, caseID int64) (AfterSaleView, error) {
	a, err := customer(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	cs, err := s.caseFor(ctx, a, caseID, false)
	if err != nil {
		return AfterSaleView{}, err
	}
	cs, err = s.closeCase(ctx, cs.OrderID, a, "accepted", -1, "", "merchant")
	if err != nil {
		return AfterSaleView{}, err
	}
	tenants.AfterCommit(ctx, func() {
		s.audit.Record(bg(ctx), "aftersale.accept", "aftersale", fmt.Sprint(cs.ID), "ok", map[string]any{"order_id": cs.OrderID, "refund_fen": cs.RefundFen})
	})
	return s.caseView(ctx, cs)
}

// DecideAfterSale is the city's arbitration: the refund is paid back, its
// bearer recorded, and the case closes.
func (s *Service) DecideAfterSale(ctx context.Context, caseID int64, in DecideInput) (AfterSaleView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return AfterSaleView{}, err
	}
	if !slices.Contains(bearers, in.Bearer) || in.RefundFen < 0 || len([]rune(in.Note)) > 1000 {
		return AfterSaleView{}, app.Invalid("bearer", "merchant, platform or staff; refund_fen >= 0; note at most 1000 characters")
	}
	cs, err := s.caseFor(ctx, a, caseID, false)
	if err != nil {
		return AfterSaleView{}, err
	}
	cs, err = s.closeCase(ctx, cs.OrderID, a, "decided", in.RefundFen, in.Note, in.Bearer)
	if err != nil {
		return AfterSaleView{}, err
	}
	tenants.AfterCommit(ctx, func() {
		s.audit.Record(bg(ctx), "aftersale.decide", "aftersale", fmt.Sprint(cs.ID), "ok",
			map[string]any{"order_id": cs.OrderID, "refund_fen": cs.RefundFen, "bearer": cs.Bearer})
	})
	return s.caseView(ctx, cs)
}

// closeCase fires close_aftersale on the order of a case: refund (-1: the
// merchant's offer, which the case must carry) is paid back through the
// Refunder, the case closes with the decision, and the order returns to
// completed, or becomes refunded when everything paid has been returned.
func (s *Service) closeCase(ctx context.Context, orderID int64, a app.Actor, decision string, refund int64, note, bearer string) (AfterSale, error) {
	_, refunder, _ := s.hooks()
	var cs AfterSale
	_, err := s.fire(ctx, orderID, step{event: EvCloseAfterSale, actor: a, reason: strings.TrimSpace(decision + " " + note), apply: func(ctx context.Context, o *Order) (string, error) {
		err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("order_id = ?", o.ID).Take(&cs).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return "", err
		}
		found := err == nil
		if found && cs.Status == CaseClosed {
			return "", ErrAfterSaleState.WithMessage("the case is closed")
		}
		amount := refund
		switch decision {
		case "accepted":
			if !found || cs.Status != CaseReplied {
				return "", ErrAfterSaleState.WithMessage("there is no merchant offer to accept")
			}
			amount = cs.MerchantOfferFen
		case "":
			decision, amount = "closed", 0
		}
		if amount > o.PaidFen-o.RefundedFen {
			return "", ErrRefundTooLarge.WithMessage("at most %s yuan is left to refund on this order", app.FormatYuan(o.PaidFen-o.RefundedFen))
		}
		if amount > 0 {
			if refunder == nil {
				return "", ErrRefundsUnavailable
			}
			if err := refunder.RefundOrder(ctx, o.ID, amount, "after-sales "+decision, "aftersale"); err != nil {
				return "", fmt.Errorf("refund order %d: %w", o.ID, err)
			}
			o.RefundedFen += amount
		}
		to := StCompleted
		if o.PaidFen > 0 && o.RefundedFen >= o.PaidFen {
			to = StRefunded
		}
		if !found {
			return to, nil
		}
		now := s.now()
		cs.Status, cs.Decision, cs.RefundFen, cs.Bearer, cs.DecisionNote, cs.UpdatedAt = CaseClosed, decision, amount, bearer, strings.TrimSpace(note), now
		if decision == "decided" || decision == "closed" {
			cs.DecidedBy, cs.DecidedAt = a.AccountID, &now
		}
		if err := tenants.DB(ctx).Save(&cs).Error; err != nil {
			return "", err
		}
		if l := s.ledgerHook(); l != nil {
			if err := l.AfterSaleClosed(ctx, *o, cs); err != nil {
				return "", fmt.Errorf("ledger: %w", err)
			}
		}
		status := [2]string{"已处理完毕", "closed"}
		if amount > 0 {
			status = [2]string{fmt.Sprintf("已处理完毕，退款%s元将原路退回", app.FormatYuan(amount)),
				fmt.Sprintf("closed; %s yuan will be refunded to your original payment method", app.FormatYuan(amount))}
		}
		return to, s.tellCase(ctx, cs, *o, status, true)
	}})
	return cs, err
}

// AfterSaleQuery filters cases.
type AfterSaleQuery struct {
	Status  string `query:"status" doc:"open, replied, arbitrating or closed; empty for all"`
	OrderID int64  `query:"order_id" validate:"gte=0" doc:"the case of one order (at most one); 0 for all"`
	Cursor  string `query:"cursor"`
	Limit   int    `query:"limit"`
}

// ListAfterSales lists the cases the actor may see, newest first: a
// customer's own, a merchant's, or the whole city's.
func (s *Service) ListAfterSales(ctx context.Context, f AfterSaleQuery) (app.List[AfterSaleView], error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return app.List[AfterSaleView]{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return app.List[AfterSaleView]{}, err
	}
	q := tenants.DB(ctx).Model(&AfterSale{})
	switch a.Role {
	case app.RoleCustomer:
		q = q.Where("customer_id = ?", a.AccountID)
	case app.RoleMerchantOwner, app.RoleMerchantDispatcher:
		if a.MerchantID == 0 {
			return app.List[AfterSaleView]{}, app.ErrForbidden
		}
		q = q.Where("merchant_id = ?", a.MerchantID)
	case app.RoleCityAdmin, app.RoleCityOperator, app.RoleHQAdmin, app.RoleHQOperator:
	default:
		return app.List[AfterSaleView]{}, app.ErrForbidden
	}
	if f.Status != "" {
		if !slices.Contains([]string{CaseOpen, CaseReplied, CaseArbitrating, CaseClosed}, f.Status) {
			return app.List[AfterSaleView]{}, app.Invalid("status", "open, replied, arbitrating or closed")
		}
		q = q.Where("status = ?", f.Status)
	}
	if f.OrderID < 0 {
		return app.List[AfterSaleView]{}, app.Invalid("order_id", "must be >= 0")
	}
	if f.OrderID > 0 {
		q = q.Where("order_id = ?", f.OrderID)
	}
	var cur idCursor
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[AfterSaleView]{}, err
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []AfterSale
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[AfterSaleView]{}, err
	}
	out := app.List[AfterSaleView]{Items: []AfterSaleView{}}
	if len(rows) > n {
		out.NextCursor = app.EncodeCursor(idCursor{ID: rows[n-1].ID})
		rows = rows[:n]
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.OrderID
	}
	nos := map[int64]string{}
	if len(ids) > 0 {
		var os []Order
		if err := tenants.DB(ctx).Select("id, order_no").Where("id IN ?", ids).Find(&os).Error; err != nil {
			return app.List[AfterSaleView]{}, err
		}
		for _, o := range os {
			nos[o.ID] = o.OrderNo
		}
	}
	for _, r := range rows {
		if r.Photos == nil {
			r.Photos = []string{}
		}
		out.Items = append(out.Items, AfterSaleView{AfterSale: r, OrderNo: nos[r.OrderID], CreatedLocal: localText(r.CreatedAt, c.Loc)})
	}
	return out, nil
}
