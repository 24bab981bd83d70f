package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/merchant"
	"doorstep/tenants"
)

// Weights say how much each part of a candidate's score counts. Each part
// is normalized to [0, 1]; the total is their weighted mean.
type Weights struct {
	Distance   float64 `json:"distance" doc:"nearer is better: 1 - distance / radius"`
	Rating     float64 `json:"rating" doc:"stars / 5, smoothed towards 4.5 for staff with few reviews"`
	Load       float64 `json:"load" doc:"fewer jobs that day is better: 1 - jobs / daily_load_cap"`
	Acceptance float64 `json:"acceptance" doc:"share of offers accepted, smoothed towards 80%"`
	PastStaff  float64 `json:"past_staff" doc:"1 when this staff member served this customer before and was rated 4 stars or more"`
}

func (w Weights) sum() float64 { return w.Distance + w.Rating + w.Load + w.Acceptance + w.PastStaff }

// Policy is how smart dispatch decides, for a city (its default) or one
// merchant (an override of the whole policy).
type Policy struct {
	Weights          Weights  `json:"weights"`
	RadiusM          int      `json:"radius_m" doc:"how far from the address to look for staff, 500 to 50000 m"`
	OfferTimeoutS    int      `json:"offer_timeout_s" doc:"how long a staff member has to accept an offer, 15 s to 30 min"`
	MaxRounds        int      `json:"max_rounds" doc:"offers refused or timed out before the dispatchers are asked to assign by hand, 1 to 20"`
	DailyLoadCap     int      `json:"daily_load_cap" doc:"jobs per staff member per day, 1 to 50"`
	RequireValidCert bool     `json:"require_valid_cert" doc:"skills in cert_skills need a verified, unexpired certification"`
	CertSkills       []string `json:"cert_skills" doc:"skill codes that need a certification"`
	MinRating        float64  `json:"min_rating" doc:"lowest average stars (0 to 5; 0: none); staff without reviews pass"`
	DepartAlertMin   int      `json:"depart_alert_min" doc:"the board flags an assigned order whose staff member has not set off this many minutes before the slot, 5 to 240"`
}

// DefaultPolicy is the built-in policy of a city that set none.
func DefaultPolicy() Policy {
	return Policy{
		Weights:          Weights{Distance: 0.35, Rating: 0.2, Load: 0.15, Acceptance: 0.15, PastStaff: 0.15},
		RadiusM:          5000,
		OfferTimeoutS:    60,
		MaxRounds:        3,
		DailyLoadCap:     6,
		RequireValidCert: true,
		CertSkills:       []string{"nursing", "elder_care", "electrical", "foot_massage", "tuina", "nanny"},
		MinRating:        0,
		DepartAlertMin:   30,
	}
}

// OfferTimeout is the offer timeout as a duration.
func (p Policy) OfferTimeout() time.Duration { return time.Duration(p.OfferTimeoutS) * time.Second }

var skillCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate reports the first field that breaks the rules, as a 400.
func (p Policy) Validate() error {
	w := p.Weights
	for _, f := range []struct {
		name string
		v    float64
	}{{"distance", w.Distance}, {"rating", w.Rating}, {"load", w.Load}, {"acceptance", w.Acceptance}, {"past_staff", w.PastStaff}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return app.Invalid("weights."+f.name, "must be a number >= 0")
		}
	}
	if !(w.sum() > 0) {
		return app.Invalid("weights", "at least one weight must be above 0")
	}
	switch {
	case p.RadiusM < 500 || p.RadiusM > 50000:
		return app.Invalid("radius_m", "500 to 50000 meters")
	case p.OfferTimeoutS < 15 || p.OfferTimeoutS > 1800:
		return app.Invalid("offer_timeout_s", "15 to 1800 seconds")
	case p.MaxRounds < 1 || p.MaxRounds > 20:
		return app.Invalid("max_rounds", "1 to 20")
	case p.DailyLoadCap < 1 || p.DailyLoadCap > 50:
		return app.Invalid("daily_load_cap", "1 to 50 jobs")
	case !(p.MinRating >= 0 && p.MinRating <= 5):
		return app.Invalid("min_rating", "0 to 5 stars")
	case p.DepartAlertMin < 5 || p.DepartAlertMin > 240:
		return app.Invalid("depart_alert_min", "5 to 240 minutes")
	case len(p.CertSkills) > 64:
		return app.Invalid("cert_skills", "at most 64 skill codes")
	}
	for _, c := range p.CertSkills {
		if !skillCode.MatchString(c) {
			return app.Invalid("cert_skills", fmt.Sprintf("%q is not a skill code (GET /v1/skills)", c))
		}
	}
	return nil
}

// PolicyInput changes a policy; fields left out keep the value of the
// policy it starts from (the built-in one for the city default, the city's
// for a merchant's override).
type PolicyInput struct {
	Weights          *Weights  `json:"weights" doc:"all five weights together"`
	RadiusM          *int      `json:"radius_m"`
	OfferTimeoutS    *int      `json:"offer_timeout_s"`
	MaxRounds        *int      `json:"max_rounds"`
	DailyLoadCap     *int      `json:"daily_load_cap"`
	RequireValidCert *bool     `json:"require_valid_cert"`
	CertSkills       *[]string `json:"cert_skills"`
	MinRating        *float64  `json:"min_rating"`
	DepartAlertMin   *int      `json:"depart_alert_min"`
}

func (in PolicyInput) over(p Policy) Policy {
	if in.Weights != nil {
		p.Weights = *in.Weights
	}
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.RadiusM, in.RadiusM)
	set(&p.OfferTimeoutS, in.OfferTimeoutS)
	set(&p.MaxRounds, in.MaxRounds)
	set(&p.DailyLoadCap, in.DailyLoadCap)
	set(&p.DepartAlertMin, in.DepartAlertMin)
	if in.RequireValidCert != nil {
		p.RequireValidCert = *in.RequireValidCert
	}
	if in.CertSkills != nil {
		p.CertSkills = append([]string{}, (*in.CertSkills)...)
	}
	if in.MinRating != nil {
		p.MinRating = *in.MinRating
	}
	return p
}

// Policy sources.
const (
	SourceMerchant = "merchant" // the merchant's own override
	SourceCity     = "city"     // the city's default
	SourceBuiltIn  = "default"  // nobody set one
)

// PolicyView is a policy with where it comes from.
type PolicyView struct {
	Policy     Policy     `json:"policy"`
	Source     string     `json:"source" doc:"merchant | city | default: where the effective policy comes from"`
	MerchantID int64      `json:"merchant_id,omitempty"`
	UpdatedBy  int64      `json:"updated_by,omitempty"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
	// CityDefault is, in a merchant's answers, the city's policy the shop
	// follows without an override of its own.
	CityDefault *Policy `json:"city_default,omitempty" doc:"merchant answers: the city's policy the shop falls back to"`
}

// policies reads the city default and, when merchantID > 0, the merchant's
// override.
func policies(ctx context.Context, merchantID int64) (city, own *policyRow, err error) {
	var rows []policyRow
	if err := tenants.DB(ctx).Where("merchant_id IN ?", []int64{0, merchantID}).Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("read dispatch policies: %w", err)
	}
	for i := range rows {
		switch rows[i].MerchantID {
		case 0:
			city = &rows[i]
		case merchantID:
			own = &rows[i]
		}
	}
	return city, own, nil
}

// decode reads a stored policy over the built-in one, so a field added
// later takes its default in rows written before it.
func decode(r *policyRow) Policy {
	p := DefaultPolicy()
	if err := json.Unmarshal([]byte(r.Policy), &p); err != nil || p.Validate() != nil {
		return DefaultPolicy()
	}
	return p
}

func viewOf(r *policyRow, source string) PolicyView {
	t := r.UpdatedAt
	return PolicyView{Policy: decode(r), Source: source, MerchantID: r.MerchantID, UpdatedBy: r.UpdatedBy, UpdatedAt: &t}
}

// Effective is the policy smart dispatch uses for a merchant's orders: the
// merchant's override, else the city default, else the built-in one.
func (s *Service) Effective(ctx context.Context, merchantID int64) (PolicyView, error) {
	city, own, err := policies(ctx, merchantID)
	if err != nil {
		return PolicyView{}, err
	}
	switch {
	case merchantID > 0 && own != nil:
		return viewOf(own, SourceMerchant), nil
	case city != nil:
		return viewOf(city, SourceCity), nil
	}
	return PolicyView{Policy: DefaultPolicy(), Source: SourceBuiltIn}, nil
}

func cityOps(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !merchant.IsCityOps(a) {
		return a, ErrNotCityOps
	}
	return a, nil
}

func merchantActor(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.MerchantID == 0 || (a.Role != app.RoleMerchantOwner && a.Role != app.RoleMerchantDispatcher) {
		return a, ErrNotMerchant
	}
	return a, nil
}

// CityPolicy is the city's default policy (city operators).
func (s *Service) CityPolicy(ctx context.Context) (PolicyView, error) {
	if _, err := cityOps(ctx); err != nil {
		return PolicyView{}, err
	}
	return s.Effective(ctx, 0)
}

// SetCityPolicy changes the city's default policy (city operators), starting
// from the current one.
func (s *Service) SetCityPolicy(ctx context.Context, in PolicyInput) (PolicyView, error) {
	a, err := cityOps(ctx)
	if err != nil {
		return PolicyView{}, err
	}
	cur, err := s.Effective(ctx, 0)
	if err != nil {
		return PolicyView{}, err
	}
	return s.savePolicy(ctx, a, 0, in.over(cur.Policy))
}

// MerchantPolicy is the effective policy of the signed-in merchant, saying
// whether it is the merchant's own.
func (s *Service) MerchantPolicy(ctx context.Context) (PolicyView, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return PolicyView{}, err
	}
	return s.merchantView(ctx, a.MerchantID)
}

// merchantView is a merchant's effective policy with the city's default.
func (s *Service) merchantView(ctx context.Context, merchantID int64) (PolicyView, error) {
	v, err := s.Effective(ctx, merchantID)
	if err != nil {
		return PolicyView{}, err
	}
	city := v.Policy
	if v.Source == SourceMerchant {
		cv, err := s.Effective(ctx, 0)
		if err != nil {
			return PolicyView{}, err
		}
		city = cv.Policy
	}
	v.CityDefault = &city
	return v, nil
}

// SetMerchantPolicy sets the signed-in merchant's override (the owner),
// starting from its current override or, without one, the city's policy.
func (s *Service) SetMerchantPolicy(ctx context.Context, in PolicyInput) (PolicyView, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return PolicyView{}, err
	}
	if a.Role != app.RoleMerchantOwner {
		return PolicyView{}, ErrOwnerOnly
	}
	cur, err := s.Effective(ctx, a.MerchantID)
	if err != nil {
		return PolicyView{}, err
	}
	if _, err := s.savePolicy(ctx, a, a.MerchantID, in.over(cur.Policy)); err != nil {
		return PolicyView{}, err
	}
	return s.merchantView(ctx, a.MerchantID)
}

// ClearMerchantPolicy removes the signed-in merchant's override: the city's
// policy applies again.
func (s *Service) ClearMerchantPolicy(ctx context.Context) (PolicyView, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return PolicyView{}, err
	}
	if a.Role != app.RoleMerchantOwner {
		return PolicyView{}, ErrOwnerOnly
	}
	res := tenants.DB(ctx).Where("merchant_id = ?", a.MerchantID).Delete(&policyRow{})
	if res.Error != nil {
		return PolicyView{}, fmt.Errorf("delete dispatch policy: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		s.audit.Record(ctx, "dispatch_policy.delete", "dispatch_policy", policyTarget(a.MerchantID), "ok", nil)
	}
	return s.merchantView(ctx, a.MerchantID)
}

func policyTarget(merchantID int64) string {
	if merchantID == 0 {
		return "city"
	}
	return fmt.Sprintf("merchant:%d", merchantID)
}

func (s *Service) savePolicy(ctx context.Context, a app.Actor, merchantID int64, p Policy) (PolicyView, error) {
	p.CertSkills = normalizeCodes(p.CertSkills)
	if err := p.Validate(); err != nil {
		return PolicyView{}, err
	}
	b, _ := json.Marshal(p)
	row := policyRow{MerchantID: merchantID, Policy: string(b), UpdatedBy: a.AccountID, UpdatedAt: s.now()}
	err := tenants.DB(ctx).Clauses(clause.OnConflict{DoUpdates: clause.AssignmentColumns([]string{"policy", "updated_by", "updated_at"})}).Create(&row).Error
	if err != nil {
		return PolicyView{}, fmt.Errorf("save dispatch policy: %w", err)
	}
	s.audit.Record(ctx, "dispatch_policy.update", "dispatch_policy", policyTarget(merchantID), "ok", p)
	v, err := s.Effective(ctx, merchantID)
	if err != nil {
		return PolicyView{}, err
	}
	return v, nil
}

func normalizeCodes(codes []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, c := range codes {
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

func isNotFound(err error) bool {
	return errors.Is(err, gorm.ErrRecordNotFound) || app.KindOf(err) == app.KindNotFound
}
