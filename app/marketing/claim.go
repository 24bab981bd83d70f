package marketing

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/tenants"
)

// MyCoupon is a coupon a customer holds.
type MyCoupon struct {
	ID        int64      `json:"id" doc:"the id to book with (coupon_id of POST /v1/orders)"`
	Status    string     `json:"status" doc:"available, used or expired"`
	Source    string     `json:"source" doc:"claim, grant or referral"`
	OrderID   int64      `json:"order_id,omitempty" doc:"the order that used it"`
	ClaimedAt time.Time  `json:"claimed_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	Coupon    CouponCard `json:"coupon"`
}

func mine(h CustomerCoupon, c Coupon, now time.Time) MyCoupon {
	st := h.Status
	if st == HeldAvailable && !h.ExpiresAt.After(now) {
		st = HeldExpired
	}
	return MyCoupon{ID: h.ID, Status: st, Source: h.Source, OrderID: h.OrderID, ClaimedAt: h.ClaimedAt, UsedAt: h.UsedAt, ExpiresAt: h.ExpiresAt, Coupon: c.Card()}
}

// AvailableQuery asks which coupons can be claimed.
type AvailableQuery struct {
	ItemID int64 `query:"item_id" doc:"only coupons that apply to this service"`
}

// AvailableCoupon is a coupon customers can claim now.
type AvailableCoupon struct {
	CouponCard
	Held int64 `json:"held" doc:"how many of it you have claimed (signed-in customers)"`
}

// isNew tells whether the customer has no completed order in ctx's city.
func isNew(ctx context.Context, customerID int64) (bool, error) {
	var n int64
	err := tenants.DB(ctx).Table(tenants.Table(ctx, "orders")).Where("customer_id = ? AND completed_at IS NOT NULL", customerID).Limit(1).Count(&n).Error
	return n == 0, err
}

// Available lists the coupons customers can claim in ctx's city now,
// optionally those that apply to one service. A signed-in customer sees
// only those they may still claim (within the per-customer limit, and
// new-customer offers only while new), with how many they hold.
func (s *Service) Available(ctx context.Context, q AvailableQuery) ([]AvailableCoupon, error) {
	out := []AvailableCoupon{}
	now := s.now()
	var rows []Coupon
	if err := tenants.DB(ctx).Where(claimableNow, claimableArgs(now)...).Order("valid_to, id").Limit(500).Find(&rows).Error; err != nil {
		return nil, err
	}
	if q.ItemID > 0 {
		refs, err := itemRefs(ctx, []int64{q.ItemID})
		if err != nil {
			return nil, err
		}
		it, ok := refs[q.ItemID]
		if !ok || it.Status == "deleted" {
			return out, nil
		}
		kept := rows[:0]
		for _, c := range rows {
			if c.covers(it.MerchantID, it.ID, it.CategoryCode) {
				kept = append(kept, c)
			}
		}
		rows = kept
	}
	a, ok := app.ActorFrom(ctx)
	signedIn := ok && a.AccountID != 0 && a.Role == app.RoleCustomer
	held := map[int64]int64{}
	fresh := true
	if signedIn && len(rows) > 0 {
		ids := make([]int64, len(rows))
		for i, c := range rows {
			ids[i] = c.ID
		}
		var counts []struct {
			CouponID int64
			N        int64
		}
		if err := tenants.DB(ctx).Model(&CustomerCoupon{}).Select("coupon_id, COUNT(*) AS n").
			Where("account_id = ? AND source = ? AND coupon_id IN ?", a.AccountID, SourceClaim, ids).Group("coupon_id").Scan(&counts).Error; err != nil {
			return nil, err
		}
		for _, c := range counts {
			held[c.CouponID] = c.N
		}
		var err error
		if fresh, err = isNew(ctx, a.AccountID); err != nil {
			return nil, err
		}
	}
	for _, c := range rows {
		if signedIn && (held[c.ID] >= int64(c.PerCustomerLimit) || (c.Audience == AudienceNew && !fresh)) {
			continue
		}
		out = append(out, AvailableCoupon{CouponCard: c.Card(), Held: held[c.ID]})
	}
	return out, nil
}

// Claim gives the signed-in customer one of a claimable coupon. The total
// limit holds under any concurrency: the conditional UPDATE of the issued
// count locks the coupon row, so claims of one coupon queue there, and the
// per-customer count is read under that lock in the same transaction.
func (s *Service) Claim(ctx context.Context, couponID int64) (MyCoupon, error) {
	a, err := customerActor(ctx)
	if err != nil {
		return MyCoupon{}, err
	}
	var out MyCoupon
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		now := s.now()
		c, err := s.coupon(ctx, couponID, false)
		if err != nil {
			return err
		}
		if c.Status != StatusActive || !c.Claimable || now.Before(c.ValidFrom) || !now.Before(c.ValidTo) {
			return ErrNotClaimable
		}
		if c.Audience == AudienceNew {
			fresh, err := isNew(ctx, a.AccountID)
			if err != nil {
				return err
			}
			if !fresh {
				return ErrNewCustomersOnly
			}
		}
		res := tenants.DB(ctx).Model(&Coupon{}).
			Where("id = ? AND status = ? AND claimable = ? AND (total_limit = 0 OR issued_count < total_limit)", c.ID, StatusActive, true).
			Updates(map[string]any{"issued_count": gorm.Expr("issued_count + 1"), "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var cur Coupon
			if err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", c.ID).Take(&cur).Error; err != nil {
				return err
			}
			if cur.TotalLimit > 0 && cur.IssuedCount >= cur.TotalLimit {
				return ErrSoldOut
			}
			return ErrNotClaimable
		}
		var n int64
		if err := tenants.DB(ctx).Model(&CustomerCoupon{}).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("coupon_id = ? AND account_id = ? AND source = ?", c.ID, a.AccountID, SourceClaim).Count(&n).Error; err != nil {
			return err
		}
		if n >= int64(c.PerCustomerLimit) {
			return ErrClaimLimit
		}
		h := CustomerCoupon{CouponID: c.ID, AccountID: a.AccountID, Status: HeldAvailable, Source: SourceClaim, ClaimedAt: now, ExpiresAt: c.ValidTo}
		if err := tenants.DB(ctx).Create(&h).Error; err != nil {
			return fmt.Errorf("claim coupon %d: %w", c.ID, err)
		}
		c.IssuedCount++
		out = mine(h, c, now)
		return nil
	})
	return out, err
}

// MineQuery filters the customer's coupons.
type MineQuery struct {
	Status string `query:"status" doc:"available (default), used or expired"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// Mine lists the signed-in customer's coupons in ctx's city, newest first.
func (s *Service) Mine(ctx context.Context, q MineQuery) (app.List[MyCoupon], error) {
	out := app.List[MyCoupon]{Items: []MyCoupon{}}
	a, err := customerActor(ctx)
	if err != nil {
		return out, err
	}
	var cur idCursor
	if err := app.DecodeCursor(q.Cursor, &cur); err != nil {
		return out, err
	}
	now := s.now()
	db := tenants.DB(ctx).Where("account_id = ?", a.AccountID)
	switch q.Status {
	case "", HeldAvailable:
		db = db.Where("status = ? AND expires_at > ?", HeldAvailable, now)
	case HeldUsed:
		db = db.Where("status = ?", HeldUsed)
	case HeldExpired:
		db = db.Where("status = ? AND expires_at <= ?", HeldAvailable, now)
	default:
		return out, app.Invalid("status", "available, used or expired")
	}
	if cur.ID > 0 {
		db = db.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: q.Limit}.Size()
	var rows []CustomerCoupon
	if err := db.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return out, err
	}
	if len(rows) > n {
		rows = rows[:n]
		out.NextCursor = app.EncodeCursor(idCursor{ID: rows[n-1].ID})
	}
	coupons, err := s.couponsByID(ctx, rows)
	if err != nil {
		return out, err
	}
	for _, h := range rows {
		out.Items = append(out.Items, mine(h, coupons[h.CouponID], now))
	}
	return out, nil
}

func (s *Service) couponsByID(ctx context.Context, held []CustomerCoupon) (map[int64]Coupon, error) {
	out := map[int64]Coupon{}
	if len(held) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(held))
	for _, h := range held {
		ids = append(ids, h.CouponID)
	}
	var rows []Coupon
	if err := tenants.DB(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}

// GrantInput names the customer a city gives a coupon to.
type GrantInput struct {
	Phone string `json:"phone" validate:"required"`
}

// Grant gives a customer (found by phone) one of the city's coupons and
// tells them. It respects the total limit but not the per-customer limit
// or the claimable flag: it is the city's deliberate act.
func (s *Service) Grant(ctx context.Context, couponID int64, in GrantInput) (MyCoupon, error) {
	if _, err := cityActor(ctx); err != nil {
		return MyCoupon{}, err
	}
	accountID, err := s.accounts.AccountIDByPhone(ctx, in.Phone) // HQ: before the city transaction
	if err != nil {
		return MyCoupon{}, err
	}
	var out MyCoupon
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.coupon(ctx, couponID, false)
		if err != nil {
			return err
		}
		if c.Issuer != IssuerCity {
			return ErrNotGrantable.WithMessage("the city grants its own coupons only")
		}
		h, err := s.grant(ctx, c, accountID, SourceGrant)
		if err != nil {
			return err
		}
		c.IssuedCount++
		out = mine(h, c, s.now())
		return nil
	})
	if err != nil {
		return MyCoupon{}, err
	}
	s.audit.Record(ctx, "coupon.grant", "coupon", fmt.Sprint(couponID), "ok", map[string]any{"account_id": accountID, "held_id": out.ID})
	return out, nil
}

// grant issues one coupon to an account inside the caller's transaction
// and tells them; the total limit holds as for claims.
func (s *Service) grant(ctx context.Context, c Coupon, accountID int64, source string) (CustomerCoupon, error) {
	now := s.now()
	if c.Status == StatusStopped || !now.Before(c.ValidTo) {
		return CustomerCoupon{}, ErrNotGrantable
	}
	res := tenants.DB(ctx).Model(&Coupon{}).Where("id = ? AND status <> ? AND (total_limit = 0 OR issued_count < total_limit)", c.ID, StatusStopped).
		Updates(map[string]any{"issued_count": gorm.Expr("issued_count + 1"), "updated_at": now})
	if res.Error != nil {
		return CustomerCoupon{}, res.Error
	}
	if res.RowsAffected == 0 {
		return CustomerCoupon{}, ErrSoldOut
	}
	h := CustomerCoupon{CouponID: c.ID, AccountID: accountID, Status: HeldAvailable, Source: source, ClaimedAt: now, ExpiresAt: c.ValidTo}
	if err := tenants.DB(ctx).Create(&h).Error; err != nil {
		return h, fmt.Errorf("grant coupon %d: %w", c.ID, err)
	}
	city, err := tenants.MustCity(ctx)
	if err != nil {
		return h, err
	}
	err = s.notify.Tell(ctx, accountID, "coupon_granted", map[string]string{"coupon": c.Title, "expires": h.ExpiresAt.In(city.Loc).Format("2006-01-02 15:04")},
		map[string]string{"customer_coupon_id": fmt.Sprint(h.ID), "coupon_id": fmt.Sprint(c.ID)}, fmt.Sprint(h.ID))
	return h, err
}
