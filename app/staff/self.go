package staff

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/tenants"
)

// self loads the signed-in staff member's own row: the staff id of the
// token, held by the same account.
func (s *Service) self(ctx context.Context) (Staff, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Staff{}, err
	}
	if a.StaffID == 0 || a.Role != app.RoleStaff {
		return Staff{}, ErrNotStaff
	}
	var st Staff
	err = tenants.DB(ctx).Where("id = ? AND account_id = ?", a.StaffID, a.AccountID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return st, ErrStaffNotFound
	}
	return st, err
}

// ShopBrief names the merchant a staff member works for.
type ShopBrief struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	LogoURL string `json:"logo_url"`
	Status  string `json:"status"`
}

// Me is the staff app's home: the profile, its shop, duty and skills,
// certifications and upcoming days off.
type Me struct {
	View
	Merchant ShopBrief `json:"merchant"`
}

// Me returns the signed-in staff member's own profile.
func (s *Service) Me(ctx context.Context) (Me, error) {
	st, err := s.self(ctx)
	if err != nil {
		return Me{}, err
	}
	m, err := s.merchants.Get(ctx, st.MerchantID)
	if err != nil {
		return Me{}, err
	}
	v, err := s.detail(ctx, st)
	if err != nil {
		return Me{}, err
	}
	return Me{View: v, Merchant: ShopBrief{ID: m.ID, Name: m.Name, LogoURL: m.LogoURL, Status: m.Status}}, nil
}

// Duty is the signed-in staff member's duty and last known position.
type Duty struct {
	StaffID   int64      `json:"staff_id"`
	OnDuty    bool       `json:"on_duty"`
	Location  *geo.Point `json:"location,omitempty"`
	LocatedAt *time.Time `json:"located_at,omitempty"`
}

func dutyOf(st Staff) Duty {
	d := Duty{StaffID: st.ID, OnDuty: st.OnDuty, LocatedAt: st.LocatedAt}
	if st.LocatedAt != nil {
		d.Location = &geo.Point{Lat: st.Lat, Lng: st.Lng}
	}
	return d
}

// SetDuty takes the signed-in staff member on or off duty. Going on duty
// needs an active profile and an active shop. Dispatch hears of it after
// commit.
func (s *Service) SetDuty(ctx context.Context, on bool) (Duty, error) {
	st, err := s.self(ctx)
	if err != nil {
		return Duty{}, err
	}
	if on {
		if st.Status != StatusActive {
			return Duty{}, ErrStaffInactive
		}
		m, err := s.merchants.Get(ctx, st.MerchantID)
		if err != nil {
			return Duty{}, err
		}
		if m.Status != merchant.StatusActive {
			return Duty{}, ErrMerchantInactive
		}
	}
	st.OnDuty, st.UpdatedAt = on, time.Now().UTC()
	if err := tenants.DB(ctx).Model(&Staff{}).Where("id = ?", st.ID).Updates(map[string]any{"on_duty": on, "updated_at": st.UpdatedAt}).Error; err != nil {
		return Duty{}, fmt.Errorf("set duty of staff %d: %w", st.ID, err)
	}
	s.moved(ctx, st)
	s.audit.Record(ctx, "staff.duty", "staff", fmt.Sprint(st.ID), "ok", map[string]bool{"on_duty": on})
	return dutyOf(st), nil
}

// LocationInput is a position report from the staff app.
type LocationInput struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// SetLocation records the signed-in staff member's position. Dispatch
// hears of it after commit.
func (s *Service) SetLocation(ctx context.Context, lat, lng float64) (Duty, error) {
	p := geo.Point{Lat: lat, Lng: lng}
	if !p.Valid() {
		return Duty{}, app.Invalid("lat", "lat and lng must be a real location")
	}
	st, err := s.self(ctx)
	if err != nil {
		return Duty{}, err
	}
	if st.Status != StatusActive {
		return Duty{}, ErrStaffInactive
	}
	now := time.Now().UTC()
	st.Lat, st.Lng, st.LocatedAt = lat, lng, &now
	if err := tenants.DB(ctx).Model(&Staff{}).Where("id = ?", st.ID).Updates(map[string]any{"lat": lat, "lng": lng, "located_at": now}).Error; err != nil {
		return Duty{}, fmt.Errorf("set location of staff %d: %w", st.ID, err)
	}
	s.moved(ctx, st)
	return dutyOf(st), nil
}
