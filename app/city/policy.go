package city

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/tenants"
)

// Platform-wide policies: HQ sets defaults in its settings table (rows
// "policy.<field>"); a city's booking rules fall back to them where the
// city has set nothing of its own, and to the built-in defaults where HQ
// has set nothing either. The commission default applies to cities created
// afterwards (each city keeps its own commission on its HQ record).

// policyField is one platform policy: its API name, the city setting it is
// the default of ("" for HQ-only fields), and its range.
type policyField struct {
	Name     string
	Setting  string
	Min, Max float64
	Whole    bool
}

var policyFields = []policyField{
	{Name: "commission_bps", Min: 0, Max: 5000, Whole: true},
	{Name: "free_cancel_hours", Setting: booking.SettingFreeCancelHours, Min: 0, Max: 720},
	{Name: "cancel_fee_bps", Setting: booking.SettingCancelFeeBPS, Min: 0, Max: 10000, Whole: true},
	{Name: "on_the_way_fee_bps", Setting: booking.SettingOnTheWayFeeBPS, Min: 0, Max: 10000, Whole: true},
	{Name: "aftersale_window_days", Setting: booking.SettingAfterSaleWinDays, Min: 0, Max: 365},
	{Name: "payment_timeout_min", Setting: booking.SettingPaymentTimeout, Min: 1, Max: 1440},
}

const policyPrefix = "policy."

// defaultCommissionBPS is the commission of a new city when HQ set none.
const defaultCommissionBPS = 1000

// builtIn are the values when neither HQ nor the city set anything.
func builtIn() map[string]float64 {
	d := booking.DefaultSettings()
	return map[string]float64{
		"commission_bps":        defaultCommissionBPS,
		"free_cancel_hours":     d.FreeCancelBefore.Hours(),
		"cancel_fee_bps":        float64(d.CancelFeeBPS),
		"on_the_way_fee_bps":    float64(d.OnTheWayFeeBPS),
		"aftersale_window_days": d.AfterSaleWindow.Hours() / 24,
		"payment_timeout_min":   d.PaymentTimeout.Minutes(),
	}
}

func fieldByName(name string) (policyField, bool) {
	for _, f := range policyFields {
		if f.Name == name {
			return f, true
		}
	}
	return policyField{}, false
}

func (f policyField) check(v float64) error {
	if math.IsNaN(v) || v < f.Min || v > f.Max || (f.Whole && v != math.Trunc(v)) {
		kind := "a number"
		if f.Whole {
			kind = "a whole number"
		}
		return app.Invalid(f.Name, fmt.Sprintf("%s from %g to %g", kind, f.Min, f.Max))
	}
	return nil
}

// Policies are HQ's platform-wide defaults as they apply now.
type Policies struct {
	CommissionBPS       int64      `json:"commission_bps" doc:"commission of cities created from now on, basis points (each city keeps its own: PATCH /v1/hq/cities/:code)"`
	FreeCancelHours     float64    `json:"free_cancel_hours" doc:"free cancellation until this many hours before the slot"`
	CancelFeeBPS        int64      `json:"cancel_fee_bps" doc:"late cancellation fee, basis points of what was paid"`
	OnTheWayFeeBPS      int64      `json:"on_the_way_fee_bps" doc:"cancellation fee once the staff member has set off, basis points"`
	AfterSaleWindowDays float64    `json:"aftersale_window_days" doc:"days after completion a customer may ask for after-sales service"`
	PaymentTimeoutMin   float64    `json:"payment_timeout_min" doc:"minutes from booking to the payment deadline"`
	Set                 []string   `json:"set" doc:"fields HQ has set; the others are built-in defaults"`
	UpdatedAt           *time.Time `json:"updated_at"`
}

// PoliciesUpdate changes some of HQ's policies; absent fields stay.
type PoliciesUpdate struct {
	CommissionBPS       *float64 `json:"commission_bps" doc:"0 to 5000"`
	FreeCancelHours     *float64 `json:"free_cancel_hours" doc:"0 to 720"`
	CancelFeeBPS        *float64 `json:"cancel_fee_bps" doc:"0 to 10000"`
	OnTheWayFeeBPS      *float64 `json:"on_the_way_fee_bps" doc:"0 to 10000"`
	AfterSaleWindowDays *float64 `json:"aftersale_window_days" doc:"0 to 365"`
	PaymentTimeoutMin   *float64 `json:"payment_timeout_min" doc:"1 to 1440"`
}

func (u PoliciesUpdate) values() map[string]*float64 {
	return map[string]*float64{"commission_bps": u.CommissionBPS, "free_cancel_hours": u.FreeCancelHours, "cancel_fee_bps": u.CancelFeeBPS,
		"on_the_way_fee_bps": u.OnTheWayFeeBPS, "aftersale_window_days": u.AfterSaleWindowDays, "payment_timeout_min": u.PaymentTimeoutMin}
}

type settingRow struct {
	Name      string
	Value     string
	UpdatedAt time.Time
	UpdatedBy int64
}

// hqPolicies reads the policies HQ has set (field -> value) and when they
// last changed.
func hqPolicies(ctx context.Context, reg *tenants.Registry) (map[string]float64, *time.Time, error) {
	var rows []settingRow
	if err := reg.HQ(ctx).Table(reg.HQTable("settings")).Where("name LIKE ?", policyPrefix+"%").Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("read platform policies: %w", err)
	}
	out := map[string]float64{}
	var last *time.Time
	for _, r := range rows {
		f, ok := fieldByName(strings.TrimPrefix(r.Name, policyPrefix))
		var v float64
		if !ok || json.Unmarshal([]byte(r.Value), &v) != nil || f.check(v) != nil {
			continue // an unknown or broken row keeps the built-in default
		}
		out[f.Name] = v
		if last == nil || r.UpdatedAt.After(*last) {
			t := r.UpdatedAt
			last = &t
		}
	}
	return out, last, nil
}

// defaultCommission is the commission a new city starts with.
func (s *Service) defaultCommission(ctx context.Context) int64 {
	vals, _, err := hqPolicies(ctx, s.reg)
	if err != nil {
		s.log.Warn("platform policies unreadable; new city gets the built-in commission", "err", err)
	}
	if v, ok := vals["commission_bps"]; ok {
		return int64(v)
	}
	return defaultCommissionBPS
}

// policyCache keeps HQ's policies for policyTTL in this copy, so booking
// reads them for free and never inside a city transaction.
type policyCache struct {
	mu      sync.Mutex
	vals    map[string]float64
	at      time.Time
	loading bool
}

// policyTTL bounds how long another copy's change takes to apply here.
const policyTTL = 10 * time.Second

// cachedPolicies returns HQ's policies from the cache, reloading them when
// stale. Inside a city transaction it never touches HQ (one connection
// engines would deadlock): it answers from the cache, stale or empty, and
// reloads in the background.
func (h *HQ) cachedPolicies(ctx context.Context) map[string]float64 {
	h.pol.mu.Lock()
	vals, fresh := h.pol.vals, h.pol.vals != nil && time.Since(h.pol.at) < policyTTL
	h.pol.mu.Unlock()
	if fresh {
		return vals
	}
	if tenants.InTx(ctx) {
		h.refreshPolicies()
		return vals
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	v, _, err := hqPolicies(rctx, h.reg)
	if err != nil {
		h.log.Warn("platform policies unreadable; using the last known", "err", err)
		return vals
	}
	h.storePolicies(v)
	return v
}

func (h *HQ) storePolicies(v map[string]float64) {
	h.pol.mu.Lock()
	h.pol.vals, h.pol.at = v, time.Now()
	h.pol.mu.Unlock()
}

func (h *HQ) refreshPolicies() {
	h.pol.mu.Lock()
	if h.pol.loading {
		h.pol.mu.Unlock()
		return
	}
	h.pol.loading = true
	h.pol.mu.Unlock()
	go func() {
		defer func() { h.pol.mu.Lock(); h.pol.loading = false; h.pol.mu.Unlock() }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if v, _, err := hqPolicies(ctx, h.reg); err == nil {
			h.storePolicies(v)
		}
	}()
}

// BookingDefaults gives booking HQ's defaults of the city booking settings
// (setting name -> value), only those HQ has set. Booking calls it for
// every settings read: it answers from a short cache.
func (h *HQ) BookingDefaults(ctx context.Context) map[string]float64 {
	vals := h.cachedPolicies(ctx)
	out := make(map[string]float64, len(vals))
	for _, f := range policyFields {
		if v, ok := vals[f.Name]; ok && f.Setting != "" {
			out[f.Setting] = v
		}
	}
	return out
}

// Policies returns HQ's policies as they apply now.
func (h *HQ) Policies(ctx context.Context) (Policies, error) {
	vals, last, err := hqPolicies(ctx, h.reg)
	if err != nil {
		return Policies{}, err
	}
	h.storePolicies(vals)
	eff := builtIn()
	set := []string{}
	for _, f := range policyFields {
		if v, ok := vals[f.Name]; ok {
			eff[f.Name] = v
			set = append(set, f.Name)
		}
	}
	return Policies{CommissionBPS: int64(eff["commission_bps"]), FreeCancelHours: eff["free_cancel_hours"], CancelFeeBPS: int64(eff["cancel_fee_bps"]),
		OnTheWayFeeBPS: int64(eff["on_the_way_fee_bps"]), AfterSaleWindowDays: eff["aftersale_window_days"], PaymentTimeoutMin: eff["payment_timeout_min"],
		Set: set, UpdatedAt: last}, nil
}

// SetPolicies changes HQ's policies (audited). Cities that set their own
// values keep them; the others follow at once in this copy and within
// policyTTL in the others.
func (h *HQ) SetPolicies(ctx context.Context, u PoliciesUpdate) (Policies, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Policies{}, err
	}
	changes := map[string]float64{}
	for name, p := range u.values() {
		if p == nil {
			continue
		}
		f, _ := fieldByName(name)
		if err := f.check(*p); err != nil {
			return Policies{}, err
		}
		changes[name] = *p
	}
	if len(changes) > 0 {
		now := time.Now().UTC()
		err := h.reg.HQTx(ctx, func(ctx context.Context) error {
			for name, v := range changes {
				b, _ := json.Marshal(v)
				if err := h.reg.HQ(ctx).Exec("INSERT INTO "+h.reg.HQTable("settings")+" (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"+
					" ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at), updated_by = VALUES(updated_by)",
					policyPrefix+name, string(b), now, a.AccountID).Error; err != nil {
					return fmt.Errorf("set policy %s: %w", name, err)
				}
			}
			return nil
		})
		if err != nil {
			return Policies{}, err
		}
		h.audit.Record(ctx, "platform_policy.update", "policies", "platform", "ok", changes)
	}
	return h.Policies(ctx)
}

// PolicyValue is one of a city's booking rules: what applies, where it
// comes from, and what would apply without the city's own setting.
type PolicyValue struct {
	Value    float64 `json:"value"`
	Source   string  `json:"source" doc:"city (set by the city), hq (HQ's default) or built_in"`
	Platform float64 `json:"platform" doc:"HQ's default (or the built-in one) that applies when the city sets nothing"`
}

// CityPolicies are a city's booking rules as its admins see them.
type CityPolicies struct {
	City                string      `json:"city"`
	CommissionBPS       int64       `json:"commission_bps" doc:"set by HQ for the city; read only here"`
	FreeCancelHours     PolicyValue `json:"free_cancel_hours"`
	CancelFeeBPS        PolicyValue `json:"cancel_fee_bps"`
	OnTheWayFeeBPS      PolicyValue `json:"on_the_way_fee_bps"`
	AfterSaleWindowDays PolicyValue `json:"aftersale_window_days"`
	PaymentTimeoutMin   PolicyValue `json:"payment_timeout_min"`
}

// CityPoliciesUpdate sets some of the city's own values, or drops them
// (reset) so HQ's defaults apply again.
type CityPoliciesUpdate struct {
	FreeCancelHours     *float64 `json:"free_cancel_hours" doc:"0 to 720"`
	CancelFeeBPS        *float64 `json:"cancel_fee_bps" doc:"0 to 10000"`
	OnTheWayFeeBPS      *float64 `json:"on_the_way_fee_bps" doc:"0 to 10000"`
	AfterSaleWindowDays *float64 `json:"aftersale_window_days" doc:"0 to 365"`
	PaymentTimeoutMin   *float64 `json:"payment_timeout_min" doc:"1 to 1440"`
	Reset               []string `json:"reset" validate:"max=8" doc:"fields that go back to HQ's default"`
}

func (u CityPoliciesUpdate) values() map[string]*float64 {
	return map[string]*float64{"free_cancel_hours": u.FreeCancelHours, "cancel_fee_bps": u.CancelFeeBPS, "on_the_way_fee_bps": u.OnTheWayFeeBPS,
		"aftersale_window_days": u.AfterSaleWindowDays, "payment_timeout_min": u.PaymentTimeoutMin}
}

// CityPolicies returns the booking rules of ctx's city and where each
// comes from.
func (h *HQ) CityPolicies(ctx context.Context) (CityPolicies, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return CityPolicies{}, err
	}
	platform := h.cachedPolicies(ctx)
	own, err := h.booking.SettingOverrides(ctx)
	if err != nil {
		return CityPolicies{}, err
	}
	built := builtIn()
	val := func(name string) PolicyValue {
		f, _ := fieldByName(name)
		pv := PolicyValue{Value: built[name], Source: "built_in", Platform: built[name]}
		if v, ok := platform[name]; ok {
			pv = PolicyValue{Value: v, Source: "hq", Platform: v}
		}
		if v, ok := own[f.Setting]; ok {
			pv.Value, pv.Source = v, "city"
		}
		return pv
	}
	return CityPolicies{City: c.Code, CommissionBPS: c.CommissionBPS, FreeCancelHours: val("free_cancel_hours"), CancelFeeBPS: val("cancel_fee_bps"),
		OnTheWayFeeBPS: val("on_the_way_fee_bps"), AfterSaleWindowDays: val("aftersale_window_days"), PaymentTimeoutMin: val("payment_timeout_min")}, nil
}

// SetCityPolicies sets or resets the city's own values (audited). The city
// comes from ctx, never from the request body.
func (h *HQ) SetCityPolicies(ctx context.Context, u CityPoliciesUpdate) (CityPolicies, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return CityPolicies{}, err
	}
	set := map[string]float64{}
	for name, p := range u.values() {
		if p == nil {
			continue
		}
		f, _ := fieldByName(name)
		if err := f.check(*p); err != nil {
			return CityPolicies{}, err
		}
		set[name] = *p
	}
	var reset []string
	for _, name := range u.Reset {
		f, ok := fieldByName(name)
		if !ok || f.Setting == "" {
			return CityPolicies{}, app.Invalid("reset", "unknown field "+name)
		}
		if _, both := set[name]; both {
			return CityPolicies{}, app.Invalid("reset", name+" is both set and reset")
		}
		if !slices.Contains(reset, name) {
			reset = append(reset, name)
		}
	}
	if len(set) > 0 || len(reset) > 0 {
		err := tenants.WithTx(ctx, func(ctx context.Context) error {
			for name, v := range set {
				f, _ := fieldByName(name)
				if err := h.booking.SetSetting(ctx, f.Setting, v, a.AccountID); err != nil {
					return err
				}
			}
			for _, name := range reset {
				f, _ := fieldByName(name)
				if err := h.booking.ClearSetting(ctx, f.Setting); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return CityPolicies{}, err
		}
		c, _ := tenants.MustCity(ctx)
		h.audit.Record(ctx, "city_policy.update", "city", c.Code, "ok", map[string]any{"set": set, "reset": reset})
	}
	return h.CityPolicies(ctx)
}
