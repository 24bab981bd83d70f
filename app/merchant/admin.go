package merchant

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"doorstep/app"
	"doorstep/app/catalog"
	"doorstep/tenants"
)

// MerchantFilter selects merchants of the city (city operators).
type MerchantFilter struct {
	Status string `query:"status" validate:"omitempty,oneof=active suspended"`
	Q      string `query:"q" doc:"part of the shop name"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// List lists the city's merchants, newest first.
func (s *Service) List(ctx context.Context, f MerchantFilter) (app.List[Merchant], error) {
	if _, err := cityOps(ctx); err != nil {
		return app.List[Merchant]{}, err
	}
	var cur struct {
		ID int64 `json:"id"`
	}
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[Merchant]{}, err
	}
	q := tenants.DB(ctx).Model(&Merchant{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if t := strings.TrimSpace(f.Q); t != "" {
		if utf8.RuneCountInString(t) > 64 {
			return app.List[Merchant]{}, app.Invalid("q", "at most 64 characters")
		}
		q = q.Where("name LIKE ? ESCAPE '!'", catalog.LikeContains(t))
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []Merchant
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[Merchant]{}, err
	}
	out := app.List[Merchant]{Items: rows}
	if len(rows) > n {
		out.Items = rows[:n]
		cur.ID = rows[n-1].ID
		out.NextCursor = app.EncodeCursor(cur)
	}
	if out.Items == nil {
		out.Items = []Merchant{}
	}
	return out, nil
}

// AdminMerchant is a merchant as the city sees it.
type AdminMerchant struct {
	Merchant
	ItemsOnShelf int64 `json:"items_on_shelf"`
}

// AdminGet returns one merchant of the city (city operators).
func (s *Service) AdminGet(ctx context.Context, id int64) (AdminMerchant, error) {
	if _, err := cityOps(ctx); err != nil {
		return AdminMerchant{}, err
	}
	m, err := s.Get(ctx, id)
	if err != nil {
		return AdminMerchant{}, err
	}
	n, err := s.catalog.CountOnShelf(ctx, id)
	return AdminMerchant{Merchant: m, ItemsOnShelf: n}, err
}

// Suspend takes a shop off the market: its services leave browse at once
// (this copy; others within the catalog cache TTL) and cannot be booked.
// Nothing is deleted; Resume brings it back.
func (s *Service) Suspend(ctx context.Context, id int64, reason string) (Merchant, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > 500 {
		return Merchant{}, app.Invalid("reason", "1 to 500 characters")
	}
	return s.setStatus(ctx, id, StatusSuspended, reason)
}

// Resume reopens a suspended shop.
func (s *Service) Resume(ctx context.Context, id int64) (Merchant, error) {
	return s.setStatus(ctx, id, StatusActive, "")
}

var merchantStatusText = map[string]string{StatusActive: "已恢复营业", StatusSuspended: "已被暂停营业"}

func (s *Service) setStatus(ctx context.Context, id int64, status, reason string) (Merchant, error) {
	if _, err := cityOps(ctx); err != nil {
		return Merchant{}, err
	}
	var m Merchant
	changed := false
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		changed = false
		if m, err = s.lockMerchant(ctx, id); err != nil {
			return err
		}
		if m.Status == status {
			return nil
		}
		m.Status, m.UpdatedAt = status, time.Now().UTC()
		if err := tenants.DB(ctx).Model(&Merchant{}).Where("id = ?", id).Updates(map[string]any{"status": status, "updated_at": m.UpdatedAt}).Error; err != nil {
			return err
		}
		changed = true
		if err := s.queueProvision(ctx, m.ID); err != nil {
			return err
		}
		return s.notify.Tell(ctx, m.OwnerID, "merchant_status", map[string]string{"name": m.Name, "status": merchantStatusText[status], "note": reason},
			map[string]string{"merchant_id": fmt.Sprint(m.ID), "status": status}, fmt.Sprintf("%d:%s:%d", m.ID, status, m.UpdatedAt.UnixNano()))
	})
	if err != nil {
		return Merchant{}, err
	}
	if !changed {
		return m, nil
	}
	s.catalog.Invalidate(ctx)
	if err := s.provision(ctx, m); err != nil {
		s.log.Warn("merchant directory not updated; the provision task retries", "merchant", m.ID, "err", err)
	}
	action := "merchant.suspend"
	if status == StatusActive {
		action = "merchant.resume"
	}
	s.audit.Record(ctx, action, "merchant", fmt.Sprint(m.ID), "ok", map[string]string{"reason": reason})
	return m, nil
}

// CommissionInput sets a merchant's commission; null returns it to the
// city's default.
type CommissionInput struct {
	CommissionBPS *int64 `json:"commission_bps" doc:"0-5000 basis points (10% = 1000), or null for the city default"`
}

// SetCommission sets or clears a merchant's own commission rate.
func (s *Service) SetCommission(ctx context.Context, id int64, bps *int64) (Merchant, error) {
	if _, err := cityOps(ctx); err != nil {
		return Merchant{}, err
	}
	if bps != nil && (*bps < 0 || *bps > 5000) {
		return Merchant{}, app.Invalid("commission_bps", "0 to 5000 basis points, or null for the city default")
	}
	var before *int64
	var m Merchant
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.lockMerchant(ctx, id); err != nil {
			return err
		}
		before = m.CommissionBPS
		m.CommissionBPS, m.UpdatedAt = bps, time.Now().UTC()
		return tenants.DB(ctx).Model(&Merchant{}).Where("id = ?", id).Updates(map[string]any{"commission_bps": bps, "updated_at": m.UpdatedAt}).Error
	})
	if err != nil {
		return Merchant{}, err
	}
	s.audit.Record(ctx, "merchant.commission", "merchant", fmt.Sprint(id), "ok", map[string]any{"from": before, "to": bps})
	return m, nil
}

// CommissionOf is the rate that applies to a merchant: its own, else the
// city's default.
func CommissionOf(c *tenants.City, m Merchant) int64 {
	if m.CommissionBPS != nil {
		return *m.CommissionBPS
	}
	return c.CommissionBPS
}
