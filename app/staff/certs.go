package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/catalog"
	"doorstep/app/merchant"
	"doorstep/tenants"
)

// CertInput adds a certification.
type CertInput struct {
	Name        string `json:"name" validate:"required" doc:"健康证, 电工证, 育婴师证 ..."`
	SkillCode   string `json:"skill_code" doc:"the skill it proves, if one"`
	Issuer      string `json:"issuer" validate:"required"`
	DocumentURL string `json:"document_url" validate:"required" doc:"http(s) URL of the scan or photo"`
	ExpiresOn   string `json:"expires_on" doc:"2027-12-31; empty when it does not expire"`
}

// VerifyInput is a verdict on a certification.
type VerifyInput struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note" doc:"required when rejecting"`
}

// CertView is a certification with its standing today.
type CertView struct {
	Certification
	ExpiresOn string `json:"expires_on,omitempty" doc:"city date; empty: does not expire"`
	Expired   bool   `json:"expired"`
	Valid     bool   `json:"valid" doc:"verified and not expired: it counts"`
}

func today(ctx context.Context) string {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return time.Now().UTC().Format(time.DateOnly)
	}
	return time.Now().In(c.Loc).Format(time.DateOnly)
}

func certView(c Certification, today string) CertView {
	v := CertView{Certification: c}
	if c.ExpiresOn != nil {
		v.ExpiresOn = c.ExpiresOn.Format(time.DateOnly)
		v.Expired = v.ExpiresOn < today
	}
	v.Valid = c.Status == CertVerified && !v.Expired
	return v
}

func (s *Service) certViews(ctx context.Context, where string, args ...any) ([]CertView, error) {
	var rows []Certification
	if err := tenants.DB(ctx).Where(where, args...).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	t := today(ctx)
	out := make([]CertView, len(rows))
	for i, c := range rows {
		out[i] = certView(c, t)
	}
	return out, nil
}

func (s *Service) checkCert(ctx context.Context, in CertInput) (Certification, error) {
	var c Certification
	var err error
	if c.Name, err = checkText("name", in.Name, 1, 64); err != nil {
		return c, err
	}
	if c.Issuer, err = checkText("issuer", in.Issuer, 1, 64); err != nil {
		return c, err
	}
	c.DocumentURL = strings.TrimSpace(in.DocumentURL)
	if !catalog.HTTPURL(c.DocumentURL) {
		return c, app.Invalid("document_url", "an http(s) URL")
	}
	c.SkillCode = strings.ToLower(strings.TrimSpace(in.SkillCode))
	if c.SkillCode != "" {
		if _, err := s.catalog.SkillMask(ctx, []string{c.SkillCode}); err != nil {
			return c, err
		}
	}
	if e := strings.TrimSpace(in.ExpiresOn); e != "" {
		t, err := time.Parse(time.DateOnly, e)
		if err != nil {
			return c, app.Invalid("expires_on", "a date like 2027-12-31")
		}
		if t.Format(time.DateOnly) < today(ctx) {
			return c, app.Invalid("expires_on", "this certification has expired already")
		}
		c.ExpiresOn = &t
	}
	c.Status, c.CreatedAt = CertPending, time.Now().UTC()
	return c, nil
}

func (s *Service) addCert(ctx context.Context, st Staff, in CertInput) (CertView, error) {
	c, err := s.checkCert(ctx, in)
	if err != nil {
		return CertView{}, err
	}
	c.StaffID, c.MerchantID = st.ID, st.MerchantID
	if err := tenants.DB(ctx).Create(&c).Error; err != nil {
		return CertView{}, fmt.Errorf("add certification: %w", err)
	}
	s.audit.Record(ctx, "certification.add", "certification", fmt.Sprint(c.ID), "ok", map[string]any{"staff_id": st.ID})
	return certView(c, today(ctx)), nil
}

// AddCertification adds a certification to one of the signed-in
// merchant's staff, pending verification.
func (s *Service) AddCertification(ctx context.Context, staffID int64, in CertInput) (CertView, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return CertView{}, err
	}
	st, err := s.own(ctx, a.MerchantID, staffID, false)
	if err != nil {
		return CertView{}, err
	}
	return s.addCert(ctx, st, in)
}

// AddMyCertification adds a certification to the signed-in staff member's
// own profile, pending verification by their merchant or the city.
func (s *Service) AddMyCertification(ctx context.Context, in CertInput) (CertView, error) {
	st, err := s.self(ctx)
	if err != nil {
		return CertView{}, err
	}
	return s.addCert(ctx, st, in)
}

// Certifications lists the certifications of one of the signed-in
// merchant's staff.
func (s *Service) Certifications(ctx context.Context, staffID int64) ([]CertView, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.own(ctx, a.MerchantID, staffID, false); err != nil {
		return nil, err
	}
	return s.certViews(ctx, "staff_id = ?", staffID)
}

// CertFilter selects the verification queue.
type CertFilter struct {
	Status string `query:"status" validate:"omitempty,oneof=pending verified rejected" doc:"default pending"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// CertQueue lists certifications to verify, oldest first: the signed-in
// merchant's own, or (city operators) the whole city's.
func (s *Service) CertQueue(ctx context.Context, f CertFilter) (app.List[CertView], error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return app.List[CertView]{}, err
	}
	q := tenants.DB(ctx).Model(&Certification{})
	switch {
	case a.MerchantID != 0:
		q = q.Where("merchant_id = ?", a.MerchantID)
	case !merchant.IsCityOps(a):
		return app.List[CertView]{}, ErrNotCityOps
	}
	var cur struct {
		ID int64 `json:"id"`
	}
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[CertView]{}, err
	}
	status := f.Status
	if status == "" {
		status = CertPending
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []Certification
	if err := q.Where("status = ? AND id > ?", status, cur.ID).Order("id").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[CertView]{}, err
	}
	out := app.List[CertView]{Items: []CertView{}}
	if len(rows) > n {
		rows = rows[:n]
		cur.ID = rows[n-1].ID
		out.NextCursor = app.EncodeCursor(cur)
	}
	t := today(ctx)
	for _, c := range rows {
		out.Items = append(out.Items, certView(c, t))
	}
	return out, nil
}

// Verify approves or rejects a certification. A merchant reaches its own
// staff's only (staffID, when not 0, must match too); city operators reach
// any in the city. An expired certification cannot be approved; a verified
// one may be rejected later (revoked); a rejected one stays rejected.
func (s *Service) Verify(ctx context.Context, staffID, certID int64, in VerifyInput) (CertView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return CertView{}, err
	}
	if a.MerchantID == 0 && !merchant.IsCityOps(a) {
		return CertView{}, ErrNotCityOps
	}
	note, err := checkText("note", in.Note, 0, 200)
	if err != nil {
		return CertView{}, err
	}
	if !in.Approve && note == "" {
		return CertView{}, app.Invalid("note", "say why it is rejected")
	}
	want := CertRejected
	if in.Approve {
		want = CertVerified
	}
	t := today(ctx)
	var c Certification
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		q := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", certID)
		if a.MerchantID != 0 {
			q = q.Where("merchant_id = ?", a.MerchantID)
		}
		if staffID != 0 {
			q = q.Where("staff_id = ?", staffID)
		}
		if err := q.Take(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrCertNotFound
			}
			return err
		}
		if c.Status == want {
			return nil
		}
		if c.Status == CertRejected {
			return ErrCertReviewed
		}
		if in.Approve && certView(c, t).Expired {
			return ErrCertExpired
		}
		now := time.Now().UTC()
		c.Status, c.VerifiedBy, c.VerifiedAt, c.Note = want, a.AccountID, &now, note
		return tenants.DB(ctx).Model(&Certification{}).Where("id = ?", c.ID).
			Updates(map[string]any{"status": want, "verified_by": a.AccountID, "verified_at": now, "note": note}).Error
	})
	if err != nil {
		return CertView{}, err
	}
	s.audit.Record(ctx, "certification.verify", "certification", fmt.Sprint(c.ID), "ok", map[string]any{"approve": in.Approve, "staff_id": c.StaffID})
	return certView(c, t), nil
}
