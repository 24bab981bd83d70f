package review

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/tenants"
)

type cursor struct {
	ID int64 `json:"id"`
}

// page runs q newest first from the page's cursor and returns one page and
// the next cursor.
func page(q *gorm.DB, p app.Page) ([]Review, string, error) {
	var cur cursor
	if err := app.DecodeCursor(p.Cursor, &cur); err != nil {
		return nil, "", err
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := p.Size()
	var rows []Review
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list reviews: %w", err)
	}
	next := ""
	if len(rows) > n {
		rows = rows[:n]
		next = app.EncodeCursor(cursor{ID: rows[n-1].ID})
	}
	return rows, next, nil
}

func publicList(ctx context.Context, column string, id int64, p app.Page) (app.List[Public], error) {
	rows, next, err := page(tenants.DB(ctx).Where(column+" = ? AND status = ?", id, StatusVisible), p)
	if err != nil {
		return app.List[Public]{}, err
	}
	out := app.List[Public]{Items: make([]Public, 0, len(rows)), NextCursor: next}
	for _, r := range rows {
		out.Items = append(out.Items, r.public())
	}
	return out, nil
}

// ForItem lists the visible reviews of a service item, newest first.
func (s *Service) ForItem(ctx context.Context, itemID int64, p app.Page) (app.List[Public], error) {
	return publicList(ctx, "service_item_id", itemID, p)
}

// ForStaff lists the visible reviews of a staff member's jobs, newest first.
func (s *Service) ForStaff(ctx context.Context, staffID int64, p app.Page) (app.List[Public], error) {
	return publicList(ctx, "staff_id", staffID, p)
}

// ForMerchant lists the visible reviews of a merchant's orders, newest first.
func (s *Service) ForMerchant(ctx context.Context, merchantID int64, p app.Page) (app.List[Public], error) {
	return publicList(ctx, "merchant_id", merchantID, p)
}

func recent(ctx context.Context, column string, id int64, n int) ([]Brief, error) {
	if n <= 0 || n > 20 {
		n = 3
	}
	var rows []Review
	if err := tenants.DB(ctx).Where(column+" = ? AND status = ?", id, StatusVisible).Order("id DESC").Limit(n).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("recent reviews: %w", err)
	}
	out := make([]Brief, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.brief())
	}
	return out, nil
}

// Recent returns the n newest visible reviews of a service item (n in 1-20,
// else 3) for its detail page; never nil.
func (s *Service) Recent(ctx context.Context, itemID int64, n int) ([]Brief, error) {
	return recent(ctx, "service_item_id", itemID, n)
}

// RecentForStaff returns the n newest visible reviews of a staff member's
// jobs (n in 1-20, else 3) for their public profile; never nil.
func (s *Service) RecentForStaff(ctx context.Context, staffID int64, n int) ([]Brief, error) {
	return recent(ctx, "staff_id", staffID, n)
}

// MerchantFilter narrows the merchant's own list.
type MerchantFilter struct {
	HasReply *bool // nil: either
	Stars    int   // overall stars 1-5; 0: any
	Page     app.Page
}

// MerchantList lists the reviews of the signed-in merchant's orders, hidden
// ones included (marked so), newest first.
func (s *Service) MerchantList(ctx context.Context, f MerchantFilter) (app.List[MerchantView], error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return app.List[MerchantView]{}, err
	}
	if a.MerchantID == 0 {
		return app.List[MerchantView]{}, app.ErrForbidden
	}
	q := tenants.DB(ctx).Where("merchant_id = ?", a.MerchantID)
	if f.HasReply != nil {
		if *f.HasReply {
			q = q.Where("replied_at IS NOT NULL")
		} else {
			q = q.Where("replied_at IS NULL")
		}
	}
	if f.Stars != 0 {
		if f.Stars < 1 || f.Stars > 5 {
			return app.List[MerchantView]{}, app.Invalid("stars", "1 to 5")
		}
		q = q.Where("overall = ?", f.Stars)
	}
	rows, next, err := page(q, f.Page)
	if err != nil {
		return app.List[MerchantView]{}, err
	}
	out := app.List[MerchantView]{Items: make([]MerchantView, 0, len(rows)), NextCursor: next}
	for _, r := range rows {
		out.Items = append(out.Items, r.merchantView())
	}
	return out, nil
}

// AdminFilter narrows the moderation list.
type AdminFilter struct {
	Reported   bool   // only reviews with open reports (the moderation queue)
	Status     string // visible | hidden | "" for both
	MerchantID int64
	Page       app.Page
}

// AdminList lists the city's reviews for moderators, newest first, each
// with its reports.
func (s *Service) AdminList(ctx context.Context, f AdminFilter) (app.List[AdminView], error) {
	q := tenants.DB(ctx).Model(&Review{})
	if f.Reported {
		q = q.Where("report_count > 0")
	}
	switch f.Status {
	case "":
	case StatusVisible, StatusHidden:
		q = q.Where("status = ?", f.Status)
	default:
		return app.List[AdminView]{}, app.Invalid("status", "visible or hidden")
	}
	if f.MerchantID != 0 {
		q = q.Where("merchant_id = ?", f.MerchantID)
	}
	rows, next, err := page(q, f.Page)
	if err != nil {
		return app.List[AdminView]{}, err
	}
	reports, err := reportsOf(ctx, rows)
	if err != nil {
		return app.List[AdminView]{}, err
	}
	out := app.List[AdminView]{Items: make([]AdminView, 0, len(rows)), NextCursor: next}
	for _, r := range rows {
		out.Items = append(out.Items, r.adminView(reports[r.ID]))
	}
	return out, nil
}

// AdminGet returns one review as a moderator sees it.
func (s *Service) AdminGet(ctx context.Context, id int64) (AdminView, error) {
	r, err := get(ctx, id)
	if err != nil {
		return AdminView{}, err
	}
	reports, err := reportsOf(ctx, []Review{r})
	if err != nil {
		return AdminView{}, err
	}
	return r.adminView(reports[r.ID]), nil
}

func reportsOf(ctx context.Context, rows []Review) (map[int64][]Report, error) {
	out := map[int64][]Report{}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var reps []Report
	if err := tenants.DB(ctx).Where("review_id IN ?", ids).Order("id").Find(&reps).Error; err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	for _, rp := range reps {
		out[rp.ReviewID] = append(out[rp.ReviewID], rp)
	}
	return out, nil
}
