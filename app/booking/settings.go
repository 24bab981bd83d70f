package booking

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Settings are the city's booking rules, read from the city's settings
// table (name -> JSON value); a missing or unreadable value keeps its
// default.
type Settings struct {
	LeadTime         time.Duration // booking.lead_time_min: earliest slot from now (120)
	MaxAhead         time.Duration // booking.max_days_ahead: latest slot from now (30 days)
	PaymentTimeout   time.Duration // booking.payment_timeout_min: from booking to pay deadline (15)
	FreeCancelBefore time.Duration // booking.free_cancel_hours: free cancellation until this long before the slot (2)
	CancelFeeBPS     int64         // booking.cancel_fee_bps: late fee, basis points of what was paid (2000)
	OnTheWayFeeBPS   int64         // booking.cancel_fee_on_the_way_bps: fee once the staff member set off (5000)
	ArriveMaxM       float64       // booking.arrive_max_distance_m: check-in distance from the address (500)
	AfterSaleWindow  time.Duration // booking.aftersale_window_days: after completion (7)
}

// Setting names.
const (
	SettingLeadTimeMin      = "booking.lead_time_min"
	SettingMaxDaysAhead     = "booking.max_days_ahead"
	SettingPaymentTimeout   = "booking.payment_timeout_min"
	SettingFreeCancelHours  = "booking.free_cancel_hours"
	SettingCancelFeeBPS     = "booking.cancel_fee_bps"
	SettingOnTheWayFeeBPS   = "booking.cancel_fee_on_the_way_bps"
	SettingArriveMaxM       = "booking.arrive_max_distance_m"
	SettingAfterSaleWinDays = "booking.aftersale_window_days"
)

// DefaultSettings are the rules of a city that set none.
func DefaultSettings() Settings {
	return Settings{LeadTime: 2 * time.Hour, MaxAhead: 30 * 24 * time.Hour, PaymentTimeout: 15 * time.Minute,
		FreeCancelBefore: 2 * time.Hour, CancelFeeBPS: 2000, OnTheWayFeeBPS: 5000, ArriveMaxM: 500, AfterSaleWindow: 7 * 24 * time.Hour}
}

type settingRow struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
	UpdatedBy int64
}

func (settingRow) TableName(n schema.Namer) string { return tenants.TableName(n, "settings") }

// PlatformDefaults gives HQ's platform-wide defaults of these settings
// (setting name -> value, only those HQ has set). A city's own value wins;
// a setting neither sets keeps the built-in default. It is asked on every
// read, also inside city transactions, so it must answer without touching
// HQ there (HQ's implementation keeps a short cache).
type PlatformDefaults interface {
	BookingDefaults(ctx context.Context) map[string]float64
}

// UsePlatformDefaults sets where HQ's defaults come from (wired by HQ).
func (s *Service) UsePlatformDefaults(d PlatformDefaults) { s.mu.Lock(); s.platform = d; s.mu.Unlock() }

// Settings reads the booking rules of ctx's city: its own values over HQ's
// defaults over the built-in ones.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	st := DefaultSettings()
	s.mu.RLock()
	pd := s.platform
	s.mu.RUnlock()
	if pd != nil {
		for name, v := range pd.BookingDefaults(ctx) {
			if v >= 0 {
				applySetting(&st, name, v)
			}
		}
	}
	own, err := s.cachedOverrides(ctx)
	if err != nil {
		return st, err
	}
	for name, v := range own {
		applySetting(&st, name, v)
	}
	return st, nil
}

// rulesTTL is how long a copy uses a city's own booking settings before
// reading them again: every booking, cancellation and slot list reads them.
// A change made through this copy applies at once; other copies see it
// within the TTL.
const rulesTTL = 5 * time.Second

type cachedRules struct {
	vals map[string]float64 // never modified once stored
	at   time.Time
}

// cachedOverrides is SettingOverrides through a short per-city cache. A
// read inside a transaction is not stored: it may see the transaction's
// own uncommitted change.
func (s *Service) cachedOverrides(ctx context.Context) (map[string]float64, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	if v, ok := s.rules.Load(c.Code); ok {
		if r := v.(cachedRules); time.Since(r.at) < rulesTTL {
			return r.vals, nil
		}
	}
	at := time.Now()
	vals, err := s.SettingOverrides(ctx)
	if err != nil || tenants.InTx(ctx) {
		return vals, err
	}
	s.rules.Store(c.Code, cachedRules{vals: vals, at: at})
	return vals, nil
}

// forgetRules drops the cached settings of ctx's city now and again once
// the surrounding transaction (if any) commits.
func (s *Service) forgetRules(ctx context.Context) {
	c, ok := tenants.CityFrom(ctx)
	if !ok {
		return
	}
	s.rules.Delete(c.Code)
	tenants.AfterCommit(ctx, func() { s.rules.Delete(c.Code) })
}

// SettingOverrides returns the booking settings ctx's city has set itself
// (name -> value); unreadable values are left out (and logged).
func (s *Service) SettingOverrides(ctx context.Context) (map[string]float64, error) {
	var rows []settingRow
	if err := tenants.DB(ctx).Where("name LIKE ?", "booking.%").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read booking settings: %w", err)
	}
	out := make(map[string]float64, len(rows))
	for _, r := range rows {
		var v float64
		if err := json.Unmarshal([]byte(r.Value), &v); err != nil || v < 0 {
			s.log.Warn("booking setting is not a non-negative number; using the default", "name", r.Name)
			continue
		}
		out[r.Name] = v
	}
	return out, nil
}

func applySetting(st *Settings, name string, v float64) {
	switch name {
	case SettingLeadTimeMin:
		st.LeadTime = time.Duration(v * float64(time.Minute))
	case SettingMaxDaysAhead:
		st.MaxAhead = time.Duration(v * float64(24*time.Hour))
	case SettingPaymentTimeout:
		if v > 0 {
			st.PaymentTimeout = time.Duration(v * float64(time.Minute))
		}
	case SettingFreeCancelHours:
		st.FreeCancelBefore = time.Duration(v * float64(time.Hour))
	case SettingCancelFeeBPS:
		st.CancelFeeBPS = min(int64(v), 10000)
	case SettingOnTheWayFeeBPS:
		st.OnTheWayFeeBPS = min(int64(v), 10000)
	case SettingArriveMaxM:
		st.ArriveMaxM = v
	case SettingAfterSaleWinDays:
		st.AfterSaleWindow = time.Duration(v * float64(24*time.Hour))
	}
}

// ClearSetting drops ctx's city's own value of a booking setting, so HQ's
// default (or the built-in one) applies again.
func (s *Service) ClearSetting(ctx context.Context, name string) error {
	defer s.forgetRules(ctx)
	return tenants.DB(ctx).Where("name = ?", name).Delete(&settingRow{}).Error
}

// SetSetting writes one booking setting of ctx's city (city back office,
// seeding and tests).
func (s *Service) SetSetting(ctx context.Context, name string, value float64, by int64) error {
	b, _ := json.Marshal(value)
	row := settingRow{Name: name, Value: string(b), UpdatedAt: s.now(), UpdatedBy: by}
	defer s.forgetRules(ctx)
	return tenants.DB(ctx).Save(&row).Error
}

// Rules are a city's booking rules as customers and staff apps read them:
// the effective values (the city's own, else HQ's default, else the
// built-in one).
type Rules struct {
	City                string    `json:"city"`
	TimeZone            string    `json:"time_zone"`
	LeadTimeMin         float64   `json:"lead_time_min" doc:"the earliest start is this many minutes from now"`
	MaxDaysAhead        float64   `json:"max_days_ahead" doc:"the latest start is this many days from now"`
	PaymentTimeoutMin   float64   `json:"payment_timeout_min" doc:"minutes to pay after booking before the order expires"`
	FreeCancelHours     float64   `json:"free_cancel_hours" doc:"a customer cancels free of charge until this many hours before the start"`
	LateCancelFeeBPS    int64     `json:"late_cancel_fee_bps" doc:"fee for a later cancellation, basis points of what was paid"`
	OnTheWayFeeBPS      int64     `json:"on_the_way_cancel_fee_bps" doc:"fee once the staff member has set off, basis points of what was paid"`
	AfterSaleWindowDays float64   `json:"aftersale_window_days" doc:"after-sales service can be asked for this many days after completion"`
	ArriveMaxDistanceM  float64   `json:"arrive_max_distance_m" doc:"staff check in within this many metres of the address"`
	EarliestStart       time.Time `json:"earliest_start" doc:"now plus the lead time (UTC); slots start on the hour or half hour at or after it"`
	LatestStart         time.Time `json:"latest_start" doc:"now plus the booking horizon (UTC)"`
}

// Rules answers ctx's city's effective booking rules (public).
func (s *Service) Rules(ctx context.Context) (Rules, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Rules{}, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return Rules{}, err
	}
	now := s.now()
	return Rules{City: c.Code, TimeZone: c.Zone, LeadTimeMin: set.LeadTime.Minutes(), MaxDaysAhead: set.MaxAhead.Hours() / 24,
		PaymentTimeoutMin: set.PaymentTimeout.Minutes(), FreeCancelHours: set.FreeCancelBefore.Hours(), LateCancelFeeBPS: set.CancelFeeBPS,
		OnTheWayFeeBPS: set.OnTheWayFeeBPS, AfterSaleWindowDays: set.AfterSaleWindow.Hours() / 24, ArriveMaxDistanceM: set.ArriveMaxM,
		EarliestStart: now.Add(set.LeadTime), LatestStart: now.Add(set.MaxAhead)}, nil
}
