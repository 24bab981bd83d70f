package merchant

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// ApplicationInput is what a person sends to open a shop in a city.
type ApplicationInput struct {
	Name         string   `json:"name" validate:"required" doc:"shop name, 2-64 characters"`
	LicenceNo    string   `json:"licence_no" validate:"required" doc:"business licence number (统一社会信用代码)"`
	LicenceURL   string   `json:"licence_url" validate:"required" doc:"http(s) URL of the licence image"`
	ContactName  string   `json:"contact_name" validate:"required"`
	ContactPhone string   `json:"contact_phone" validate:"required" doc:"mainland mobile number; stored sealed, shown masked"`
	Categories   []string `json:"categories" validate:"required" doc:"HQ category codes the shop will serve"`
	Area         geo.Area `json:"area" doc:"service area: center + radius_m, or polygon"`
	Intro        string   `json:"intro"`
}

var licenceNo = regexp.MustCompile(`^[0-9A-Z]{6,32}$`)

// checkApplication validates and normalizes the input. It reads the HQ
// category tree, so it runs before any city transaction.
func (s *Service) checkApplication(ctx context.Context, in *ApplicationInput) (phone string, err error) {
	in.Name = strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 64 {
		return "", app.Invalid("name", "2 to 64 characters")
	}
	in.LicenceNo = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(in.LicenceNo), " ", ""))
	if !licenceNo.MatchString(in.LicenceNo) {
		return "", app.Invalid("licence_no", "6 to 32 letters and digits")
	}
	in.LicenceURL = strings.TrimSpace(in.LicenceURL)
	if !catalog.HTTPURL(in.LicenceURL) {
		return "", app.Invalid("licence_url", "an http(s) URL of the licence image")
	}
	in.ContactName = strings.TrimSpace(in.ContactName)
	if n := utf8.RuneCountInString(in.ContactName); n < 1 || n > 32 {
		return "", app.Invalid("contact_name", "1 to 32 characters")
	}
	phone, ok := pii.NormalizePhone(in.ContactPhone)
	if !ok {
		return "", app.Invalid("contact_phone", "an 11-digit mainland mobile number")
	}
	if len(in.Categories) > 10 {
		return "", app.Invalid("categories", "at most 10")
	}
	if in.Categories, err = s.catalog.CheckCategories(ctx, in.Categories); err != nil {
		return "", err
	}
	if err := catalog.CheckArea("area", &in.Area); err != nil {
		return "", err
	}
	in.Intro = strings.TrimSpace(in.Intro)
	if utf8.RuneCountInString(in.Intro) > 1000 {
		return "", app.Invalid("intro", "at most 1000 characters")
	}
	return phone, nil
}

func (s *Service) licenceTaken(ctx context.Context, licence string) error {
	var n int64
	if err := tenants.DB(ctx).Model(&Merchant{}).Where("licence_no = ?", licence).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return ErrLicenceRegistered
	}
	return nil
}

var statusText = map[string]string{AppPending: "审核中", AppMoreInfo: "需补充材料", AppApproved: "已通过", AppRejected: "未通过"}

// tellApplicant queues the status notice in the open transaction.
func (s *Service) tellApplicant(ctx context.Context, ap Application) error {
	return s.notify.Tell(ctx, ap.ApplicantID, "merchant_application",
		map[string]string{"name": ap.Name, "status": statusText[ap.Status], "note": ap.ReviewNote},
		map[string]string{"application_id": fmt.Sprint(ap.ID), "status": ap.Status},
		fmt.Sprintf("%d:%s:%d", ap.ID, ap.Status, time.Now().UnixNano()))
}

// Apply files an application for the signed-in person in ctx's city. A
// person has at most one open (pending or more_info) application per city.
func (s *Service) Apply(ctx context.Context, in ApplicationInput) (Application, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Application{}, err
	}
	phone, err := s.checkApplication(ctx, &in)
	if err != nil {
		return Application{}, err
	}
	if err := s.licenceTaken(ctx, in.LicenceNo); err != nil {
		return Application{}, err
	}
	now := time.Now().UTC()
	owner := a.AccountID
	ap := Application{ApplicantID: a.AccountID, Name: in.Name, LicenceNo: in.LicenceNo, LicenceURL: in.LicenceURL, ContactName: in.ContactName,
		ContactPhoneEnc: s.box.Seal(phone), ContactPhoneMasked: pii.MaskPhone(phone), Categories: in.Categories, Area: in.Area, Intro: in.Intro,
		Status: AppPending, OpenApplicant: &owner, CreatedAt: now, UpdatedAt: now}
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		if err := tenants.DB(ctx).Create(&ap).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return ErrApplicationOpen
			}
			return fmt.Errorf("file application: %w", err)
		}
		return s.tellApplicant(ctx, ap)
	})
	if err != nil {
		return Application{}, err
	}
	s.audit.Record(ctx, "merchant_application.submit", "merchant_application", fmt.Sprint(ap.ID), "ok", nil)
	return ap, nil
}

// MyApplications lists the signed-in person's applications in ctx's city,
// newest first.
func (s *Service) MyApplications(ctx context.Context) ([]Application, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	out := []Application{}
	err = tenants.DB(ctx).Where("applicant_id = ?", a.AccountID).Order("id DESC").Limit(100).Find(&out).Error
	return out, err
}

// Resubmit replaces the content of the signed-in person's application that
// the city sent back for more information, and puts it back in the queue.
func (s *Service) Resubmit(ctx context.Context, id int64, in ApplicationInput) (Application, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Application{}, err
	}
	phone, err := s.checkApplication(ctx, &in)
	if err != nil {
		return Application{}, err
	}
	if err := s.licenceTaken(ctx, in.LicenceNo); err != nil {
		return Application{}, err
	}
	var ap Application
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		if err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND applicant_id = ?", id, a.AccountID).Take(&ap).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrApplicationNotFound
			}
			return err
		}
		if ap.Status != AppMoreInfo {
			return ErrApplicationState.WithMessage("only an application sent back for more information can be edited; this one is %s", ap.Status)
		}
		ap.Name, ap.LicenceNo, ap.LicenceURL, ap.ContactName = in.Name, in.LicenceNo, in.LicenceURL, in.ContactName
		ap.ContactPhoneEnc, ap.ContactPhoneMasked = s.box.Seal(phone), pii.MaskPhone(phone)
		ap.Categories, ap.Area, ap.Intro, ap.Status, ap.UpdatedAt = in.Categories, in.Area, in.Intro, AppPending, time.Now().UTC()
		if err := tenants.DB(ctx).Select("name", "licence_no", "licence_url", "contact_name", "contact_phone_enc", "contact_phone_masked",
			"categories", "area", "intro", "status", "updated_at").Updates(&ap).Error; err != nil {
			return err
		}
		return s.tellApplicant(ctx, ap)
	})
	if err != nil {
		return Application{}, err
	}
	s.audit.Record(ctx, "merchant_application.resubmit", "merchant_application", fmt.Sprint(ap.ID), "ok", nil)
	return ap, nil
}

// ApplicationFilter selects the city's review queue.
type ApplicationFilter struct {
	Status string `query:"status" validate:"omitempty,oneof=pending more_info approved rejected all" doc:"default pending"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// Applications is the city's review queue, oldest first.
func (s *Service) Applications(ctx context.Context, f ApplicationFilter) (app.List[Application], error) {
	if _, err := cityOps(ctx); err != nil {
		return app.List[Application]{}, err
	}
	var cur struct {
		ID int64 `json:"id"`
	}
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[Application]{}, err
	}
	q := tenants.DB(ctx).Where("id > ?", cur.ID)
	switch f.Status {
	case "":
		q = q.Where("status = ?", AppPending)
	case "all":
	default:
		q = q.Where("status = ?", f.Status)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []Application
	if err := q.Order("id").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[Application]{}, err
	}
	out := app.List[Application]{Items: rows}
	if len(rows) > n {
		out.Items = rows[:n]
		cur.ID = rows[n-1].ID
		out.NextCursor = app.EncodeCursor(cur)
	}
	if out.Items == nil {
		out.Items = []Application{}
	}
	return out, nil
}

// Application returns one application of ctx's city (city operators).
func (s *Service) Application(ctx context.Context, id int64) (Application, error) {
	if _, err := cityOps(ctx); err != nil {
		return Application{}, err
	}
	return s.application(ctx, id, false)
}

func (s *Service) application(ctx context.Context, id int64, lock bool) (Application, error) {
	var ap Application
	q := tenants.DB(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ?", id).Take(&ap).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ap, ErrApplicationNotFound
	}
	return ap, err
}

// Approval is the answer to approving an application.
type Approval struct {
	Application Application `json:"application"`
	Merchant    Merchant    `json:"merchant"`
	Repeated    bool        `json:"repeated" doc:"true when the application had been approved before; nothing new was made"`
}

// defaultHours open a new shop 08:00-20:00 every day (city time).
func defaultHours() Hours {
	h := Hours{}
	for d := 0; d < 7; d++ {
		h[d] = [2]int{8 * 60, 20 * 60}
	}
	return h
}

// Approve turns a pending application into a merchant. The merchant is
// made in one city transaction; then, outside it, the applicant is granted
// merchant_owner and the HQ directory row is written. Approving an approved
// application again makes nothing new and redoes (idempotently) the grant
// and directory steps, so a crash between the steps is repaired by
// approving again, or by the TaskProvision job queued with the merchant.
func (s *Service) Approve(ctx context.Context, id int64, note string) (Approval, error) {
	a, err := cityOps(ctx)
	if err != nil {
		return Approval{}, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 500 {
		return Approval{}, app.Invalid("note", "at most 500 characters")
	}
	var out Approval
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		out = Approval{}
		ap, err := s.application(ctx, id, true)
		if err != nil {
			return err
		}
		switch ap.Status {
		case AppApproved:
			m, err := s.Get(ctx, ap.MerchantID)
			out = Approval{Application: ap, Merchant: m, Repeated: true}
			return err
		case AppPending:
		default:
			return ErrApplicationState.WithMessage("only a pending application can be approved; this one is %s", ap.Status)
		}
		if err := s.licenceTaken(ctx, ap.LicenceNo); err != nil {
			return err
		}
		now := time.Now().UTC()
		from := ap.ID
		m := Merchant{OwnerID: ap.ApplicantID, ApplicationID: ap.ID, ApprovedFrom: &from, Name: ap.Name, Intro: ap.Intro, LicenceNo: ap.LicenceNo,
			ContactName: ap.ContactName, ContactPhoneEnc: ap.ContactPhoneEnc, ContactPhoneMasked: ap.ContactPhoneMasked, Categories: ap.Categories,
			Area: ap.Area, OpeningHours: defaultHours(), Status: StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := tenants.DB(ctx).Create(&m).Error; err != nil {
			return fmt.Errorf("create merchant from application %d: %w", ap.ID, err)
		}
		ap.Status, ap.MerchantID, ap.ReviewNote, ap.ReviewerID, ap.ReviewedAt, ap.OpenApplicant, ap.UpdatedAt = AppApproved, m.ID, note, a.AccountID, &now, nil, now
		if err := tenants.DB(ctx).Model(&Application{}).Where("id = ?", ap.ID).Updates(map[string]any{"status": ap.Status, "merchant_id": m.ID,
			"review_note": note, "reviewer_id": a.AccountID, "reviewed_at": now, "open_applicant": nil, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := s.queueProvision(ctx, m.ID); err != nil {
			return err
		}
		out = Approval{Application: ap, Merchant: m}
		return s.tellApplicant(ctx, ap)
	})
	if err != nil {
		return Approval{}, err
	}
	if err := s.provision(ctx, out.Merchant); err != nil {
		// The merchant exists; the queued task or approving again finishes this.
		return Approval{}, app.ErrUnavailable.WithMessage("the shop was created but setting up its owner's access failed; approve again to finish").Wrap(err)
	}
	outcome := "ok"
	if out.Repeated {
		outcome = "repeated"
	} else {
		s.catalog.Invalidate(ctx)
	}
	s.audit.Record(ctx, "merchant_application.approve", "merchant_application", fmt.Sprint(id), outcome, map[string]any{"merchant_id": out.Merchant.ID})
	return out, nil
}

// Reject closes an open application with a reason the applicant sees.
func (s *Service) Reject(ctx context.Context, id int64, reason string) (Application, error) {
	return s.review(ctx, id, AppRejected, reason, "merchant_application.reject")
}

// AskMoreInfo sends a pending application back to the applicant with a
// note saying what is missing.
func (s *Service) AskMoreInfo(ctx context.Context, id int64, note string) (Application, error) {
	return s.review(ctx, id, AppMoreInfo, note, "merchant_application.more_info")
}

func (s *Service) review(ctx context.Context, id int64, to, note, action string) (Application, error) {
	a, err := cityOps(ctx)
	if err != nil {
		return Application{}, err
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n < 1 || n > 500 {
		field := "note"
		if to == AppRejected {
			field = "reason"
		}
		return Application{}, app.Invalid(field, "1 to 500 characters")
	}
	var ap Application
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if ap, err = s.application(ctx, id, true); err != nil {
			return err
		}
		ok := ap.Status == AppPending || (to == AppRejected && ap.Status == AppMoreInfo)
		if !ok {
			return ErrApplicationState.WithMessage("this application is %s and cannot become %s", ap.Status, to)
		}
		now := time.Now().UTC()
		set := map[string]any{"status": to, "review_note": note, "reviewer_id": a.AccountID, "reviewed_at": now, "updated_at": now}
		if to == AppRejected {
			set["open_applicant"] = nil
			ap.OpenApplicant = nil
		}
		if err := tenants.DB(ctx).Model(&Application{}).Where("id = ?", ap.ID).Updates(set).Error; err != nil {
			return err
		}
		ap.Status, ap.ReviewNote, ap.ReviewerID, ap.ReviewedAt, ap.UpdatedAt = to, note, a.AccountID, &now, now
		return s.tellApplicant(ctx, ap)
	})
	if err != nil {
		return Application{}, err
	}
	s.audit.Record(ctx, action, "merchant_application", fmt.Sprint(id), "ok", map[string]string{"note": note})
	return ap, nil
}
