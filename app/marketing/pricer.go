package marketing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/tenants"
)

// The booking hooks marketing implements.
var (
	_ booking.Pricer         = (*Service)(nil)
	_ booking.Quoter         = (*Service)(nil)
	_ booking.CouponReleaser = (*Service)(nil)
	_ booking.CouponBinder   = (*Service)(nil)
	_ booking.Completion     = (*Service)(nil)
)

// off is what c takes off a price before any cap of the order.
func (c Coupon) off(price int64) int64 {
	switch c.Kind {
	case KindAmount:
		return c.AmountFen
	case KindPercent:
		d := app.Percent(price, c.PercentBPS)
		if c.CapFen > 0 {
			d = min(d, c.CapFen)
		}
		return d
	}
	return 0
}

// judge says what c takes off the booking in, or why it does not apply.
// limit is the most any coupon may take off this order; fresh tells (once
// asked) whether the customer is new in the city.
func (s *Service) judge(ctx context.Context, c Coupon, in booking.PriceInput, now time.Time, limit int64, fresh func() (bool, error)) (int64, string, error) {
	// The held coupon's own expiry was checked by the caller: it keeps the
	// one it was given even if the campaign's end moves later.
	if now.Before(c.ValidFrom) {
		return 0, "this coupon is not valid yet", nil
	}
	if c.Issuer == IssuerMerchant && c.MerchantID != in.MerchantID {
		return 0, "this coupon is for another shop's services", nil
	}
	if !c.covers(in.MerchantID, in.ItemID, in.CategoryCode) {
		return 0, "this coupon does not cover this service", nil
	}
	if in.PriceFen < c.MinSpendFen {
		return 0, fmt.Sprintf("this coupon needs a price of at least %s yuan", app.FormatYuan(c.MinSpendFen)), nil
	}
	if c.Audience == AudienceNew {
		ok, err := fresh()
		if err != nil {
			return 0, "", err
		}
		if !ok {
			return 0, "this offer is for customers before their first completed order in this city", nil
		}
	}
	d := min(c.off(in.PriceFen), limit)
	if d <= 0 {
		return 0, "this coupon takes nothing off this order", nil
	}
	return d, "", nil
}

// Discount is booking's Pricer, called inside the order transaction. With
// in.CouponID it uses that coupon of the customer or refuses the booking
// (404 not theirs, 409 coupon_unavailable when used, held by another order
// or expired, 422 coupon_not_applicable); without, it picks the customer's
// best coupon that applies (largest discount, then soonest expiry) or none.
// The coupon is marked used in the same transaction, so it is used only if
// the order is written, and a conditional update (or the row lock of a
// chosen one) lets exactly one of two racing bookings have it.
//
// What it takes off: a fixed-price order never becomes free (at most the
// price less 1 fen: gateways take no zero payments). A deposit order's
// coupon is worked out on the price's lower bound (in.PriceFen, the least
// the service can cost), comes off the final price at the end, and never
// eats into the deposit: at most the lower bound less the deposit.
func (s *Service) Discount(ctx context.Context, in booking.PriceInput) (int64, int64, error) {
	return s.price(ctx, in, true)
}

// Quote is booking's Quoter: what Discount would answer for in, by the same
// rules and with the same refusals, without marking, counting or locking
// anything (POST /v1/orders/quote). A booking made afterwards can still
// find the coupon taken by another of the customer's orders meanwhile.
func (s *Service) Quote(ctx context.Context, in booking.PriceInput) (int64, int64, error) {
	return s.price(ctx, in, false)
}

// price is Discount (use=true: the coupon is marked used) and Quote
// (use=false: nothing is written or locked): one set of rules for both.
func (s *Service) price(ctx context.Context, in booking.PriceInput, use bool) (int64, int64, error) {
	if in.CustomerID == 0 || in.PriceFen <= 0 {
		if in.CouponID != 0 {
			return 0, 0, ErrCouponNotApplicable
		}
		return 0, 0, nil
	}
	now := s.now()
	limit := in.PriceFen - 1
	if in.PriceModel == booking.PriceDeposit {
		refs, err := itemRefs(ctx, []int64{in.ItemID})
		if err != nil {
			return 0, 0, err
		}
		limit = in.PriceFen - refs[in.ItemID].DepositFen
	}
	var freshVal *bool
	fresh := func() (bool, error) {
		if freshVal == nil {
			ok, err := isNew(ctx, in.CustomerID)
			if err != nil {
				return false, err
			}
			freshVal = &ok
		}
		return *freshVal, nil
	}
	if in.CouponID != 0 {
		return s.discountChosen(ctx, in, now, limit, fresh, use)
	}
	var held []CustomerCoupon
	if err := tenants.DB(ctx).Where("account_id = ? AND status = ? AND expires_at > ?", in.CustomerID, HeldAvailable, now).
		Order("id").Limit(200).Find(&held).Error; err != nil {
		return 0, 0, err
	}
	coupons, err := s.couponsByID(ctx, held)
	if err != nil {
		return 0, 0, err
	}
	type option struct {
		h   CustomerCoupon
		off int64
	}
	var opts []option
	for _, h := range held {
		c, ok := coupons[h.CouponID]
		if !ok {
			continue
		}
		d, why, err := s.judge(ctx, c, in, now, limit, fresh)
		if err != nil {
			return 0, 0, err
		}
		if why == "" {
			opts = append(opts, option{h, d})
		}
	}
	slices.SortFunc(opts, func(a, b option) int {
		if c := cmp.Compare(b.off, a.off); c != 0 {
			return c
		}
		if c := a.h.ExpiresAt.Compare(b.h.ExpiresAt); c != 0 {
			return c
		}
		return cmp.Compare(a.h.ID, b.h.ID)
	})
	if !use {
		if len(opts) == 0 {
			return 0, 0, nil
		}
		return opts[0].off, opts[0].h.ID, nil
	}
	for _, o := range opts {
		// Another booking of the same customer may have taken it since we
		// read: the conditional update reads the latest row and waits for a
		// transaction holding it, so only one of them gets it.
		res := tenants.DB(ctx).Model(&CustomerCoupon{}).Where("id = ? AND status = ? AND expires_at > ?", o.h.ID, HeldAvailable, now).
			Updates(map[string]any{"status": HeldUsed, "used_at": now})
		if res.Error != nil {
			return 0, 0, res.Error
		}
		if res.RowsAffected == 1 {
			if err := s.countUse(ctx, o.h.CouponID, 1); err != nil {
				return 0, 0, err
			}
			return o.off, o.h.ID, nil
		}
	}
	return 0, 0, nil
}

// discountChosen judges the coupon the customer chose; with use it locks,
// marks and counts it, without it only reads.
func (s *Service) discountChosen(ctx context.Context, in booking.PriceInput, now time.Time, limit int64, fresh func() (bool, error), use bool) (int64, int64, error) {
	var h CustomerCoupon
	q := tenants.DB(ctx)
	if use {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ? AND account_id = ?", in.CouponID, in.CustomerID).Take(&h).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, 0, ErrCouponNotFound
	}
	if err != nil {
		return 0, 0, err
	}
	if h.Status != HeldAvailable {
		return 0, 0, ErrCouponUnavailable.WithMessage("this coupon has been used by another order")
	}
	if !h.ExpiresAt.After(now) {
		return 0, 0, ErrCouponUnavailable.WithMessage("this coupon has expired")
	}
	c, err := s.coupon(ctx, h.CouponID, false)
	if err != nil {
		return 0, 0, err
	}
	d, why, err := s.judge(ctx, c, in, now, limit, fresh)
	if err != nil {
		return 0, 0, err
	}
	if why != "" {
		return 0, 0, ErrCouponNotApplicable.WithMessage("%s", why)
	}
	if !use {
		return d, h.ID, nil
	}
	if err := tenants.DB(ctx).Model(&CustomerCoupon{}).Where("id = ?", h.ID).Updates(map[string]any{"status": HeldUsed, "used_at": now}).Error; err != nil {
		return 0, 0, err
	}
	if err := s.countUse(ctx, c.ID, 1); err != nil {
		return 0, 0, err
	}
	return d, h.ID, nil
}

func (s *Service) countUse(ctx context.Context, couponID int64, delta int) error {
	q := tenants.DB(ctx).Model(&Coupon{}).Where("id = ?", couponID)
	if delta < 0 {
		q = q.Where("used_count > 0")
	}
	return q.Update("used_count", gorm.Expr("used_count + ?", delta)).Error
}

// BindCoupon records the order a coupon went to (booking calls it right
// after writing the order, in the same transaction).
func (s *Service) BindCoupon(ctx context.Context, heldID, orderID int64) error {
	return tenants.DB(ctx).Model(&CustomerCoupon{}).Where("id = ? AND status = ?", heldID, HeldUsed).Update("order_id", orderID).Error
}

// Release gives a coupon back when its order is cancelled or expires,
// inside that transaction: it is available again (until it expires) and
// its coupon's used count drops. Releasing twice changes nothing.
func (s *Service) Release(ctx context.Context, heldID int64) error {
	var h CustomerCoupon
	err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", heldID).Take(&h).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if h.Status != HeldUsed {
		return nil
	}
	if err := tenants.DB(ctx).Model(&CustomerCoupon{}).Where("id = ? AND status = ?", h.ID, HeldUsed).
		Updates(map[string]any{"status": HeldAvailable, "order_id": 0, "used_at": nil}).Error; err != nil {
		return err
	}
	return s.countUse(ctx, h.CouponID, -1)
}
