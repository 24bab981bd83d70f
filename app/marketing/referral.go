package marketing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/tenants"
)

// Referral: every account has a code; a person may enter the code of
// whoever invited them once, before their first order anywhere. After the
// invitee's first completed order (in any city) both get the city's
// referral coupon, in the city of that order, once.

// Referral is a person's own referral code and how many people entered it.
type Referral struct {
	Code        string `json:"code"`
	Invited     int64  `json:"invited" doc:"how many people entered your code"`
	HasReferrer bool   `json:"has_referrer" doc:"you entered someone's code already"`
}

// MyReferral returns the signed-in person's code, making it on first ask.
func (s *Service) MyReferral(ctx context.Context) (Referral, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Referral{}, err
	}
	code, err := s.accounts.ReferralCode(ctx, a.AccountID)
	if err != nil {
		return Referral{}, err
	}
	n, err := s.accounts.InvitedCount(ctx, a.AccountID)
	if err != nil {
		return Referral{}, err
	}
	ref, err := s.accounts.ReferrerOf(ctx, a.AccountID)
	if err != nil {
		return Referral{}, err
	}
	return Referral{Code: code, Invited: n, HasReferrer: ref != 0}, nil
}

// ReferrerInput is the code a new customer enters.
type ReferrerInput struct {
	Code string `json:"code" validate:"required,max=32"`
}

// ReferrerSet is the answer to entering a code.
type ReferrerSet struct {
	ReferrerID int64 `json:"referrer_id"`
}

// SetReferrer records whose code the signed-in person entered: once, never
// their own, and only before their first order in any city.
func (s *Service) SetReferrer(ctx context.Context, in ReferrerInput) (ReferrerSet, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return ReferrerSet{}, err
	}
	var ordered atomic.Bool
	errs := s.reg.ForEachCity(ctx, s.reg.Cities(), 4, func(ctx context.Context, _ *tenants.City) error {
		var n int64
		if err := tenants.DB(ctx).Table(tenants.Table(ctx, "orders")).Where("customer_id = ?", a.AccountID).Limit(1).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			ordered.Store(true)
		}
		return nil
	})
	for _, err := range errs {
		return ReferrerSet{}, err
	}
	if ordered.Load() {
		return ReferrerSet{}, ErrReferralTooLate
	}
	id, err := s.accounts.SetReferrer(ctx, a.AccountID, in.Code)
	if err != nil {
		return ReferrerSet{}, err
	}
	s.audit.Record(ctx, "referral.set", "account", fmt.Sprint(a.AccountID), "ok", map[string]any{"referrer_id": id})
	return ReferrerSet{ReferrerID: id}, nil
}

// OrderCompleted is booking's completion hook, inside the completion
// transaction: when this is the customer's first completed order in this
// city, it queues the referral check (the invitee's referrer lives in HQ,
// which is read outside any city transaction, by the job).
func (s *Service) OrderCompleted(ctx context.Context, o booking.Order) error {
	var n int64
	if err := tenants.DB(ctx).Table(tenants.Table(ctx, "orders")).Where("customer_id = ? AND completed_at IS NOT NULL AND id <> ?", o.CustomerID, o.ID).
		Limit(1).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return s.out.Add(ctx, TaskReferral, ReferralPayload{OrderID: o.ID})
}

type completedOrder struct {
	ID          int64
	CustomerID  int64
	CompletedAt *time.Time
}

// HandleReferral is the handler of TaskReferral: when the order is the
// invitee's first completed order anywhere (the earliest completion across
// cities) and they have a referrer, both get the city's referral coupon,
// once (referral_rewards is unique on the invitee; the job may run again).
func (s *Service) HandleReferral(ctx context.Context, data []byte) error {
	var p ReferralPayload
	if err := json.Unmarshal(data, &p); err != nil || p.OrderID <= 0 {
		return fmt.Errorf("marketing:referral payload: %w", app.ErrPermanent)
	}
	city, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	var rows []completedOrder
	if err := tenants.DB(ctx).Table(tenants.Table(ctx, "orders")).Select("id, customer_id, completed_at").Where("id = ?", p.OrderID).
		Limit(1).Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 || rows[0].CompletedAt == nil {
		return nil
	}
	o := rows[0]
	referrer, err := s.accounts.ReferrerOf(ctx, o.CustomerID)
	if err != nil {
		if app.KindOf(err) == app.KindNotFound {
			return nil
		}
		return err
	}
	if referrer == 0 {
		return nil
	}
	first, err := s.firstCompletion(ctx, city, o)
	if err != nil || !first {
		return err
	}
	couponID, err := s.referralCoupon(ctx)
	if err != nil || couponID == 0 {
		return err
	}
	var granted []CustomerCoupon
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		granted = nil
		r := ReferralReward{InviteeID: o.CustomerID, ReferrerID: referrer, OrderID: o.ID, CouponID: couponID, CreatedAt: s.now()}
		if err := tenants.DB(ctx).Create(&r).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return errRewarded
			}
			return err
		}
		c, err := s.coupon(ctx, couponID, false)
		if err != nil {
			if errors.Is(err, ErrCouponNotFound) {
				s.log.Warn("referral coupon no longer exists; no reward", "city", city.Code, "coupon", couponID)
				return nil
			}
			return err
		}
		for _, who := range []int64{o.CustomerID, referrer} {
			h, err := s.grant(ctx, c, who, SourceReferral)
			if errors.Is(err, ErrSoldOut) || errors.Is(err, ErrNotGrantable) {
				s.log.Warn("referral coupon cannot be granted; no reward", "city", city.Code, "coupon", couponID, "reason", err.Error())
				continue
			}
			if err != nil {
				return err
			}
			granted = append(granted, h)
			col := "invitee_coupon_id"
			if who == referrer {
				col = "referrer_coupon_id"
			}
			if err := tenants.DB(ctx).Model(&ReferralReward{}).Where("id = ?", r.ID).Update(col, h.ID).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errRewarded) {
		return nil
	}
	if err != nil {
		return err
	}
	s.audit.Record(ctx, "referral.reward", "account", fmt.Sprint(o.CustomerID), "ok",
		map[string]any{"referrer_id": referrer, "order_id": o.ID, "coupon_id": couponID, "granted": len(granted)})
	return nil
}

var errRewarded = errors.New("referral already rewarded")

// firstCompletion tells whether o is its customer's earliest completed
// order across every city (ties broken by city code, then order id) and no
// city has rewarded the customer yet.
func (s *Service) firstCompletion(ctx context.Context, here *tenants.City, o completedOrder) (bool, error) {
	type earliest struct {
		ID          int64
		CompletedAt time.Time
	}
	type found struct {
		first    *earliest
		rewarded bool
	}
	cities := s.reg.Cities()
	results := make(map[string]found, len(cities))
	var mu sync.Mutex
	errs := s.reg.ForEachCity(ctx, cities, 4, func(ctx context.Context, c *tenants.City) error {
		var f found
		var rows []earliest
		if err := tenants.DB(ctx).Table(tenants.Table(ctx, "orders")).Select("id, completed_at").
			Where("customer_id = ? AND completed_at IS NOT NULL", o.CustomerID).Order("completed_at, id").Limit(1).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) > 0 {
			f.first = &rows[0]
		}
		var n int64
		if err := tenants.DB(ctx).Model(&ReferralReward{}).Where("invitee_id = ?", o.CustomerID).Count(&n).Error; err != nil {
			return err
		}
		f.rewarded = n > 0
		mu.Lock()
		results[c.Code] = f
		mu.Unlock()
		return nil
	})
	for _, err := range errs {
		return false, err
	}
	for code, f := range results {
		if f.rewarded && code != here.Code {
			return false, nil
		}
		if f.first == nil {
			continue
		}
		if code == here.Code {
			if f.first.ID != o.ID {
				return false, nil
			}
			continue
		}
		if f.first.CompletedAt.Before(*o.CompletedAt) || (f.first.CompletedAt.Equal(*o.CompletedAt) && code < here.Code) {
			return false, nil
		}
	}
	return true, nil
}

// ReferralSettings is the city's referral reward.
type ReferralSettings struct {
	CouponID int64       `json:"coupon_id" validate:"gte=0" doc:"the city coupon both people get; 0: no reward"`
	Coupon   *CouponCard `json:"coupon,omitempty"`
}

func (s *Service) referralCoupon(ctx context.Context) (int64, error) {
	var row settingRow
	err := tenants.DB(ctx).Where("name = ?", SettingReferralCoupon).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(row.Value, 10, 64)
	if err != nil || id < 0 {
		s.log.Warn("referral coupon setting is not a coupon id; no rewards", "value", row.Value)
		return 0, nil
	}
	return id, nil
}

// ReferralSettings returns the city's referral reward (city operators).
func (s *Service) ReferralSettings(ctx context.Context) (ReferralSettings, error) {
	if _, err := cityActor(ctx); err != nil {
		return ReferralSettings{}, err
	}
	id, err := s.referralCoupon(ctx)
	if err != nil {
		return ReferralSettings{}, err
	}
	out := ReferralSettings{CouponID: id}
	if id > 0 {
		if c, err := s.coupon(ctx, id, false); err == nil {
			card := c.Card()
			out.Coupon = &card
		} else if !errors.Is(err, ErrCouponNotFound) {
			return out, err
		}
	}
	return out, nil
}

// SetReferralSettings chooses the city coupon referrals reward (0: none).
// It must be the city's own and not stopped; it need not be claimable (a
// reward-only coupon usually is not).
func (s *Service) SetReferralSettings(ctx context.Context, in ReferralSettings) (ReferralSettings, error) {
	is, err := cityActor(ctx)
	if err != nil {
		return ReferralSettings{}, err
	}
	if in.CouponID < 0 {
		return ReferralSettings{}, app.Invalid("coupon_id", "a coupon id, or 0 for no reward")
	}
	if in.CouponID > 0 {
		c, err := s.coupon(ctx, in.CouponID, false)
		if err != nil {
			if errors.Is(err, ErrCouponNotFound) {
				return ReferralSettings{}, app.Invalid("coupon_id", "no such coupon in this city")
			}
			return ReferralSettings{}, err
		}
		if c.Issuer != IssuerCity || c.Status == StatusStopped {
			return ReferralSettings{}, app.Invalid("coupon_id", "the reward must be one of the city's coupons, not stopped")
		}
	}
	row := settingRow{Name: SettingReferralCoupon, Value: strconv.FormatInt(in.CouponID, 10), UpdatedAt: s.now(), UpdatedBy: is.Actor.AccountID}
	if err := tenants.DB(ctx).Save(&row).Error; err != nil {
		return ReferralSettings{}, err
	}
	s.audit.Record(ctx, "referral.settings", "city", fmt.Sprint(in.CouponID), "ok", map[string]any{"coupon_id": in.CouponID})
	return s.ReferralSettings(ctx)
}
