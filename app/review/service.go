package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/outbox"
	"doorstep/tenants"
)

// Orders is what reviews need of booking. Get returns any order of ctx's
// city by id (the review service checks ownership itself); MarkReviewed
// sets the order's reviewed flag, inside the review's transaction.
type Orders interface {
	Get(ctx context.Context, id int64) (booking.Order, error)
	MarkReviewed(ctx context.Context, orderID int64) error
}

// Rater keeps the rating of a service item, a staff member or a merchant:
// AddRating puts one review's stars in (sum += stars, count += 1),
// RemoveRating takes them out again. Both run inside the caller's
// transaction.
type Rater interface {
	AddRating(ctx context.Context, id int64, stars int) error
	RemoveRating(ctx context.Context, id int64, stars int) error
}

// Names gives the display names of accounts (HQ; read before a city
// transaction, never inside one).
type Names interface {
	Briefs(ctx context.Context, ids []int64) (map[int64]account.Brief, error)
}

// Notifier tells a person something (notify.Service.Tell).
type Notifier interface {
	Tell(ctx context.Context, accountID int64, template string, params, data map[string]string, dedupe string) error
}

// Deps are what the service is built from.
type Deps struct {
	Orders    Orders
	Items     Rater // catalog: service items
	Staff     Rater
	Merchants Rater
	Names     Names
	Notify    Notifier
	Outbox    *outbox.Outbox
	Audit     *audit.Log
	Log       *slog.Logger
}

// Service runs the review capability.
type Service struct {
	orders    Orders
	items     Rater
	staff     Rater
	merchants Rater
	names     Names
	notify    Notifier
	out       *outbox.Outbox
	audit     *audit.Log
	log       *slog.Logger
}

// New builds the review service.
func New(d Deps) *Service {
	return &Service{orders: d.Orders, items: d.Items, staff: d.Staff, merchants: d.Merchants, names: d.Names,
		notify: d.Notify, out: d.Outbox, audit: d.Audit, log: d.Log}
}

// Errors clients see.
var (
	ErrReviewNotFound  = app.NotFound("review")
	ErrOrderNotFound   = app.NotFound("order")
	ErrAlreadyReviewed = app.E(app.KindConflict, "already_reviewed", "this order has been reviewed already")
	ErrNotReviewable   = app.E(app.KindConflict, "order_not_reviewable", "an order can be reviewed once its service is completed")
	ErrAlreadyReplied  = app.E(app.KindConflict, "already_replied", "this review has a reply already; a review gets one reply")
	ErrAlreadyReported = app.E(app.KindConflict, "already_reported", "you have reported this review already")
	ErrReviewHidden    = app.E(app.KindConflict, "review_hidden", "this review is hidden")
)

// Order statuses (booking's names) in which an order may be reviewed: the
// service happened, even if an after-sales case or a refund followed.
var reviewable = map[string]bool{"completed": true, "after_sales": true, "refunded": true}

// Limits.
const (
	MaxContent = 2000 // characters
	MaxPhotos  = 9
	MaxReply   = 1000
	maxURL     = 512
)

// CreateInput is a customer's review of an order.
type CreateInput struct {
	Overall     int      `json:"overall" validate:"required,min=1,max=5" doc:"stars 1-5"`
	Punctuality int      `json:"punctuality" validate:"required,min=1,max=5"`
	Skill       int      `json:"skill" validate:"required,min=1,max=5"`
	Attitude    int      `json:"attitude" validate:"required,min=1,max=5"`
	Content     string   `json:"content" validate:"max=2000"`
	Photos      []string `json:"photos" validate:"max=9" doc:"up to 9 http(s) URLs"`
	Anonymous   bool     `json:"anonymous" doc:"shown as 匿名用户"`
}

func (in *CreateInput) check() error {
	for _, f := range []struct {
		name  string
		stars int
	}{{"overall", in.Overall}, {"punctuality", in.Punctuality}, {"skill", in.Skill}, {"attitude", in.Attitude}} {
		if f.stars < 1 || f.stars > 5 {
			return app.Invalid(f.name, "stars from 1 to 5")
		}
	}
	in.Content = strings.TrimSpace(in.Content)
	if utf8.RuneCountInString(in.Content) > MaxContent {
		return app.Invalid("content", fmt.Sprintf("at most %d characters", MaxContent))
	}
	if len(in.Photos) > MaxPhotos {
		return app.Invalid("photos", fmt.Sprintf("at most %d photos", MaxPhotos))
	}
	for _, p := range in.Photos {
		if !httpURL(p) {
			return app.Invalid("photos", "each photo must be an http(s) URL")
		}
	}
	if in.Photos == nil {
		in.Photos = []string{}
	}
	return nil
}

func httpURL(s string) bool {
	if len(s) > maxURL || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Create records the signed-in customer's review of their order. In one
// city transaction it inserts the review (the unique order key makes a
// second one a 409), marks the order reviewed, and adds the overall stars
// to the item's, the staff member's (when the order had one) and the
// merchant's ratings. Someone else's order is not found.
func (s *Service) Create(ctx context.Context, orderID int64, in CreateInput) (Mine, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Mine{}, err
	}
	if a.Role != app.RoleCustomer {
		return Mine{}, app.ErrForbidden
	}
	if err := in.check(); err != nil {
		return Mine{}, err
	}
	name := ""
	if !in.Anonymous {
		// HQ read, before the city transaction.
		bs, err := s.names.Briefs(ctx, []int64{a.AccountID})
		if err != nil {
			return Mine{}, fmt.Errorf("reviewer name: %w", err)
		}
		name = MaskName(strings.TrimSpace(bs[a.AccountID].DisplayName))
	}
	var r Review
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		o, err := s.orders.Get(ctx, orderID)
		if err != nil {
			if app.KindOf(err) == app.KindNotFound || errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrOrderNotFound
			}
			return err
		}
		if o.CustomerID != a.AccountID {
			return ErrOrderNotFound
		}
		if o.Reviewed {
			return ErrAlreadyReviewed
		}
		if !reviewable[o.Status] || o.CompletedAt == nil {
			return ErrNotReviewable
		}
		now := time.Now().UTC()
		r = Review{OrderID: o.ID, OrderNo: o.OrderNo, CustomerID: o.CustomerID, MerchantID: o.MerchantID, ServiceItemID: o.ServiceItemID,
			StaffID: o.StaffID, Overall: in.Overall, Punctuality: in.Punctuality, Skill: in.Skill, Attitude: in.Attitude,
			Content: in.Content, Photos: in.Photos, Anonymous: in.Anonymous, ReviewerName: name, ItemTitle: o.Title,
			Status: StatusVisible, Counted: true, CreatedAt: now, UpdatedAt: now}
		if err := tenants.DB(ctx).Create(&r).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return ErrAlreadyReviewed
			}
			return fmt.Errorf("insert review: %w", err)
		}
		if err := s.orders.MarkReviewed(ctx, o.ID); err != nil {
			return fmt.Errorf("mark order %d reviewed: %w", o.ID, err)
		}
		return s.rate(ctx, r, true)
	})
	if err != nil {
		return Mine{}, err
	}
	return r.mine(), nil
}

// rate adds (or removes) the review's overall stars to the item, the staff
// member (when there was one) and the merchant, always in that order so
// concurrent reviews lock rows in the same order.
func (s *Service) rate(ctx context.Context, r Review, add bool) error {
	apply := func(what string, rt Rater, id int64) error {
		var err error
		if add {
			err = rt.AddRating(ctx, id, r.Overall)
		} else {
			err = rt.RemoveRating(ctx, id, r.Overall)
		}
		if err != nil {
			return fmt.Errorf("rating of %s %d: %w", what, id, err)
		}
		return nil
	}
	if err := apply("service item", s.items, r.ServiceItemID); err != nil {
		return err
	}
	if r.StaffID != 0 {
		if err := apply("staff", s.staff, r.StaffID); err != nil {
			return err
		}
	}
	return apply("merchant", s.merchants, r.MerchantID)
}

// lock reads a review FOR UPDATE inside a transaction.
func lock(ctx context.Context, id int64) (Review, error) {
	var r Review
	err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, ErrReviewNotFound
	}
	return r, err
}

func get(ctx context.Context, id int64) (Review, error) {
	var r Review
	err := tenants.DB(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, ErrReviewNotFound
	}
	return r, err
}

// ReplyInput is a merchant's answer to a review.
type ReplyInput struct {
	Reply string `json:"reply" validate:"required,max=1000"`
}

// Reply records the merchant's one reply to a review of one of its orders
// and tells the customer. A review of another merchant's order is not
// found; a second reply is a 409.
func (s *Service) Reply(ctx context.Context, id int64, in ReplyInput) (MerchantView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return MerchantView{}, err
	}
	if a.MerchantID == 0 {
		return MerchantView{}, app.ErrForbidden
	}
	text := strings.TrimSpace(in.Reply)
	if text == "" || utf8.RuneCountInString(text) > MaxReply {
		return MerchantView{}, app.Invalid("reply", fmt.Sprintf("1 to %d characters", MaxReply))
	}
	var r Review
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = lock(ctx, id); err != nil {
			return err
		}
		if r.MerchantID != a.MerchantID {
			return ErrReviewNotFound
		}
		if r.Status != StatusVisible {
			return ErrReviewHidden
		}
		if r.RepliedAt != nil {
			return ErrAlreadyReplied
		}
		now := time.Now().UTC()
		if err := tenants.DB(ctx).Model(&Review{}).Where("id = ?", r.ID).
			Updates(map[string]any{"reply": text, "replied_at": now, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("reply to review %d: %w", r.ID, err)
		}
		r.Reply, r.RepliedAt, r.UpdatedAt = text, &now, now
		return s.notify.Tell(ctx, r.CustomerID, "review_replied", map[string]string{"service": r.ItemTitle},
			map[string]string{"review_id": fmt.Sprint(r.ID), "order_no": r.OrderNo}, fmt.Sprint(r.ID))
	})
	if err != nil {
		return MerchantView{}, err
	}
	return r.merchantView(), nil
}

// ReportInput is why someone reports a review.
type ReportInput struct {
	Reason string `json:"reason" validate:"required,max=255"`
}

// Report records the signed-in person's report of a visible review, once
// per person. Customers may report any visible review of the city; a
// merchant owner only reviews of their own merchant's orders.
func (s *Service) Report(ctx context.Context, id int64, in ReportInput) error {
	a, err := app.MustActor(ctx)
	if err != nil {
		return err
	}
	if a.Role != app.RoleCustomer && a.Role != app.RoleMerchantOwner {
		return app.ErrForbidden
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > 255 {
		return app.Invalid("reason", "1 to 255 characters")
	}
	return tenants.WithTx(ctx, func(ctx context.Context) error {
		r, err := lock(ctx, id)
		if err != nil {
			return err
		}
		if r.Status != StatusVisible || (a.Role == app.RoleMerchantOwner && r.MerchantID != a.MerchantID) {
			return ErrReviewNotFound
		}
		rp := Report{ReviewID: r.ID, ReporterID: a.AccountID, ReporterRole: a.Role, Reason: reason, Status: ReportOpen, CreatedAt: time.Now().UTC()}
		if err := tenants.DB(ctx).Create(&rp).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return ErrAlreadyReported
			}
			return fmt.Errorf("report review %d: %w", r.ID, err)
		}
		return tenants.DB(ctx).Model(&Review{}).Where("id = ?", r.ID).Update("report_count", gorm.Expr("report_count + 1")).Error
	})
}

// HideInput is a moderator's decision to hide a review.
type HideInput struct {
	Reason       string `json:"reason" validate:"required,oneof=abusive privacy advertising irrelevant fraudulent other"`
	Note         string `json:"note" validate:"max=500"`
	RemoveRating bool   `json:"remove_rating" doc:"take its stars out of the ratings too; always so for fraudulent"`
}

// Hide takes a review off public lists and closes its open reports. Its
// stars stay in the ratings unless RemoveRating is set or the reason is
// fraudulent. Hiding a hidden review again replaces the decision (reason,
// note and whether the stars count).
func (s *Service) Hide(ctx context.Context, id int64, in HideInput) (AdminView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return AdminView{}, err
	}
	switch in.Reason {
	case ReasonAbusive, ReasonPrivacy, ReasonAdvertising, ReasonIrrelevant, ReasonFraudulent, ReasonOther:
	default:
		return AdminView{}, app.Invalid("reason", "abusive, privacy, advertising, irrelevant, fraudulent or other")
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 500 {
		return AdminView{}, app.Invalid("note", "at most 500 characters")
	}
	counted := !(in.RemoveRating || in.Reason == ReasonFraudulent)
	var before Review
	var closed int64
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		r, err := lock(ctx, id)
		if err != nil {
			return err
		}
		before = r
		if err := s.recount(ctx, r, counted); err != nil {
			return err
		}
		now := time.Now().UTC()
		if err := tenants.DB(ctx).Model(&Review{}).Where("id = ?", r.ID).Updates(map[string]any{
			"status": StatusHidden, "counted": counted, "hidden_reason": in.Reason, "hidden_note": note,
			"hidden_by": a.AccountID, "hidden_at": now, "report_count": 0, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("hide review %d: %w", r.ID, err)
		}
		closed, err = closeReports(ctx, r.ID)
		return err
	})
	if err != nil {
		return AdminView{}, err
	}
	s.audit.Record(ctx, "review.hide", "review", fmt.Sprint(id), "ok", map[string]any{
		"reason": in.Reason, "rating_removed": !counted, "was": before.Status, "stars_counted_before": before.Counted, "reports_closed": closed})
	return s.AdminGet(ctx, id)
}

// Unhide puts a hidden review back on public lists and its stars back in
// the ratings.
func (s *Service) Unhide(ctx context.Context, id int64) (AdminView, error) {
	if _, err := app.MustActor(ctx); err != nil {
		return AdminView{}, err
	}
	var before Review
	var closed int64
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		r, err := lock(ctx, id)
		if err != nil {
			return err
		}
		before = r
		if err := s.recount(ctx, r, true); err != nil {
			return err
		}
		if err := tenants.DB(ctx).Model(&Review{}).Where("id = ?", r.ID).Updates(map[string]any{
			"status": StatusVisible, "counted": true, "hidden_reason": "", "hidden_note": "", "hidden_by": 0, "hidden_at": nil,
			"report_count": 0, "updated_at": time.Now().UTC()}).Error; err != nil {
			return fmt.Errorf("unhide review %d: %w", r.ID, err)
		}
		closed, err = closeReports(ctx, r.ID)
		return err
	})
	if err != nil {
		return AdminView{}, err
	}
	s.audit.Record(ctx, "review.unhide", "review", fmt.Sprint(id), "ok", map[string]any{
		"was": before.Status, "reason_was": before.HiddenReason, "rating_restored": !before.Counted, "reports_closed": closed})
	return s.AdminGet(ctx, id)
}

// DismissReports closes a review's open reports and leaves it as it is: the
// moderator found nothing wrong.
func (s *Service) DismissReports(ctx context.Context, id int64) (AdminView, error) {
	if _, err := app.MustActor(ctx); err != nil {
		return AdminView{}, err
	}
	var closed int64
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		r, err := lock(ctx, id)
		if err != nil {
			return err
		}
		if err := tenants.DB(ctx).Model(&Review{}).Where("id = ?", r.ID).Updates(map[string]any{"report_count": 0, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		closed, err = closeReports(ctx, r.ID)
		return err
	})
	if err != nil {
		return AdminView{}, err
	}
	s.audit.Record(ctx, "review.dismiss_reports", "review", fmt.Sprint(id), "ok", map[string]any{"reports_closed": closed})
	return s.AdminGet(ctx, id)
}

// recount moves the review's stars into or out of the ratings when whether
// they count changes.
func (s *Service) recount(ctx context.Context, r Review, counted bool) error {
	if r.Counted == counted {
		return nil
	}
	return s.rate(ctx, r, counted)
}

func closeReports(ctx context.Context, reviewID int64) (int64, error) {
	res := tenants.DB(ctx).Model(&Report{}).Where("review_id = ? AND status = ?", reviewID, ReportOpen).Update("status", ReportClosed)
	if res.Error != nil {
		return 0, fmt.Errorf("close reports of review %d: %w", reviewID, res.Error)
	}
	return res.RowsAffected, nil
}
