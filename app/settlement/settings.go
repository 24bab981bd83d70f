package settlement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"doorstep/app"
	"doorstep/tenants"
)

// Setting names in the city's settings table (name -> JSON value).
const (
	SettingPeriod        = "settlement.period"          // "daily" | "weekly"
	SettingCityShareBPS  = "settlement.city_share_bps"  // the city's share of commission (3000)
	SettingStaffShareBPS = "settlement.staff_share_bps" // staff's share of the merchant's share (6000)
	// settingStaffShareOf + merchant id: one merchant's own staff share.
	settingStaffShareOf = "settlement.staff_share_bps.m"
)

// Settlement periods.
const (
	PeriodDaily  = "daily"
	PeriodWeekly = "weekly"
)

// Defaults of a city that set nothing.
const (
	DefaultCityShareBPS  = 3000
	DefaultStaffShareBPS = 6000
)

// Settings are a city's money rules.
type Settings struct {
	Period        string `json:"period" doc:"daily or weekly"`
	CityShareBPS  int64  `json:"city_share_bps" doc:"the city's share of commission, basis points (HQ sets it)"`
	StaffShareBPS int64  `json:"staff_share_bps" doc:"staff's share of the merchant's share, basis points; merchants may set their own"`
	CommissionBPS int64  `json:"commission_bps" doc:"the city's default commission (HQ's city record); merchants may have their own"`
}

// SettingsUpdate changes what the city decides itself.
type SettingsUpdate struct {
	Period        *string `json:"period" validate:"omitempty,oneof=daily weekly"`
	StaffShareBPS *int64  `json:"staff_share_bps" validate:"omitempty,gte=0,lte=10000"`
}

// CityShareInput is HQ's setting of a city's share of commission.
type CityShareInput struct {
	CityShareBPS *int64 `json:"city_share_bps" validate:"required,gte=0,lte=10000"`
}

// StaffShareInput is a merchant's own staff share; null goes back to the
// city's.
type StaffShareInput struct {
	StaffShareBPS *int64 `json:"staff_share_bps" validate:"omitempty,gte=0,lte=10000" doc:"null: the city's default"`
}

// StaffShare is a merchant's staff share in effect.
type StaffShare struct {
	StaffShareBPS int64 `json:"staff_share_bps"`
	Own           bool  `json:"own" doc:"false: the city's default applies"`
}

type settingRow struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
	UpdatedBy int64
}

func (settingRow) TableName(n schema.Namer) string { return tenants.TableName(n, "settings") }

// Settings reads the money rules of ctx's city; a missing or unreadable
// value keeps its default.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Settings{}, err
	}
	out := Settings{Period: PeriodDaily, CityShareBPS: DefaultCityShareBPS, StaffShareBPS: DefaultStaffShareBPS, CommissionBPS: c.CommissionBPS}
	var rows []settingRow
	if err := tenants.DB(ctx).Where("name IN ?", []string{SettingPeriod, SettingCityShareBPS, SettingStaffShareBPS}).Find(&rows).Error; err != nil {
		return out, fmt.Errorf("read settlement settings: %w", err)
	}
	for _, r := range rows {
		switch r.Name {
		case SettingPeriod:
			var p string
			if json.Unmarshal([]byte(r.Value), &p) != nil {
				p = strings.TrimSpace(r.Value)
			}
			if p == PeriodDaily || p == PeriodWeekly {
				out.Period = p
			} else {
				s.log.Warn("settlement period setting is neither daily nor weekly; using daily", "city", c.Code)
			}
		case SettingCityShareBPS:
			if v, ok := bps(r.Value); ok {
				out.CityShareBPS = v
			}
		case SettingStaffShareBPS:
			if v, ok := bps(r.Value); ok {
				out.StaffShareBPS = v
			}
		}
	}
	return out, nil
}

// bps reads a basis-points value between 0 and 10000.
func bps(v string) (int64, bool) {
	var f float64
	if err := json.Unmarshal([]byte(v), &f); err != nil || f < 0 || f > 10000 {
		return 0, false
	}
	return int64(f), true
}

// rates are what splitting an order's money needs.
type rates struct {
	commission int64 // of the amount
	cityShare  int64 // of the commission
	staffShare int64 // of the merchant's share
}

// ratesFor reads the rates for a merchant's order: the merchant's own
// commission or the city's default, the city's share, and the merchant's
// own staff share or the city's.
func (s *Service) ratesFor(ctx context.Context, merchantID int64) (rates, error) {
	set, err := s.Settings(ctx)
	if err != nil {
		return rates{}, err
	}
	r := rates{commission: set.CommissionBPS, cityShare: set.CityShareBPS, staffShare: set.StaffShareBPS}
	var ms []struct{ CommissionBPS *int64 }
	if err := tenants.DB(ctx).Raw("SELECT commission_bps FROM "+tenants.Table(ctx, "merchants")+" WHERE id = ?", merchantID).Scan(&ms).Error; err != nil {
		return rates{}, fmt.Errorf("merchant %d commission: %w", merchantID, err)
	}
	switch {
	case len(ms) == 0:
		s.log.Warn("order of an unknown merchant: the city's commission applies", "merchant_id", merchantID)
	case ms[0].CommissionBPS != nil && *ms[0].CommissionBPS >= 0 && *ms[0].CommissionBPS <= 10000:
		r.commission = *ms[0].CommissionBPS
	}
	var own settingRow
	err = tenants.DB(ctx).Where("name = ?", staffShareName(merchantID)).Take(&own).Error
	switch {
	case err == nil:
		if v, ok := bps(own.Value); ok {
			r.staffShare = v
		}
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return rates{}, err
	}
	return r, nil
}

func staffShareName(merchantID int64) string {
	return settingStaffShareOf + strconv.FormatInt(merchantID, 10)
}

func (s *Service) put(ctx context.Context, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	a, _ := app.ActorFrom(ctx)
	return tenants.DB(ctx).Save(&settingRow{Name: name, Value: string(b), UpdatedAt: s.now(), UpdatedBy: a.AccountID}).Error
}

// UpdateSettings changes the period and the default staff share of ctx's
// city (the city's back office); audited.
func (s *Service) UpdateSettings(ctx context.Context, u SettingsUpdate) (Settings, error) {
	if u.Period != nil && *u.Period != PeriodDaily && *u.Period != PeriodWeekly {
		return Settings{}, app.Invalid("period", "daily or weekly")
	}
	if u.StaffShareBPS != nil && (*u.StaffShareBPS < 0 || *u.StaffShareBPS > 10000) {
		return Settings{}, app.Invalid("staff_share_bps", "between 0 and 10000")
	}
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		if u.Period != nil {
			if err := s.put(ctx, SettingPeriod, *u.Period); err != nil {
				return err
			}
		}
		if u.StaffShareBPS != nil {
			return s.put(ctx, SettingStaffShareBPS, *u.StaffShareBPS)
		}
		return nil
	})
	if err != nil {
		return Settings{}, err
	}
	s.audit.Record(ctx, "settlement.settings", "city", cityCode(ctx), "ok", u)
	return s.Settings(ctx)
}

// SetCityShare sets ctx's city's share of commission (HQ only: the city
// should not decide its own cut); audited.
func (s *Service) SetCityShare(ctx context.Context, in CityShareInput) (Settings, error) {
	if in.CityShareBPS == nil || *in.CityShareBPS < 0 || *in.CityShareBPS > 10000 {
		return Settings{}, app.Invalid("city_share_bps", "between 0 and 10000")
	}
	if err := s.put(ctx, SettingCityShareBPS, *in.CityShareBPS); err != nil {
		return Settings{}, err
	}
	s.audit.Record(ctx, "settlement.city_share", "city", cityCode(ctx), "ok", map[string]any{"city_share_bps": *in.CityShareBPS})
	return s.Settings(ctx)
}

// SetStaffShare sets the signed-in merchant owner's own staff share, or
// goes back to the city's with null; audited.
func (s *Service) SetStaffShare(ctx context.Context, in StaffShareInput) (StaffShare, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return StaffShare{}, err
	}
	if a.MerchantID == 0 || a.Role != app.RoleMerchantOwner {
		return StaffShare{}, ErrNotPayee
	}
	if in.StaffShareBPS == nil {
		if err := tenants.DB(ctx).Where("name = ?", staffShareName(a.MerchantID)).Delete(&settingRow{}).Error; err != nil {
			return StaffShare{}, err
		}
	} else {
		if *in.StaffShareBPS < 0 || *in.StaffShareBPS > 10000 {
			return StaffShare{}, app.Invalid("staff_share_bps", "between 0 and 10000")
		}
		if err := s.put(ctx, staffShareName(a.MerchantID), *in.StaffShareBPS); err != nil {
			return StaffShare{}, err
		}
	}
	s.audit.Record(ctx, "settlement.staff_share", "merchant", strconv.FormatInt(a.MerchantID, 10), "ok", in)
	return s.StaffShareOf(ctx)
}

// StaffShareOf is the signed-in merchant's staff share in effect.
func (s *Service) StaffShareOf(ctx context.Context) (StaffShare, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return StaffShare{}, err
	}
	if a.MerchantID == 0 {
		return StaffShare{}, ErrNotPayee
	}
	r, err := s.ratesFor(ctx, a.MerchantID)
	if err != nil {
		return StaffShare{}, err
	}
	var n int64
	if err := tenants.DB(ctx).Model(&settingRow{}).Where("name = ?", staffShareName(a.MerchantID)).Count(&n).Error; err != nil {
		return StaffShare{}, err
	}
	return StaffShare{StaffShareBPS: r.staffShare, Own: n > 0}, nil
}

func cityCode(ctx context.Context) string {
	if c, ok := tenants.CityFrom(ctx); ok {
		return c.Code
	}
	return ""
}
