package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/tenants"
)

// OrderView is an order as the API shows it: UTC times plus the city's
// local time where a person reads it, and what is due now.
type OrderView struct {
	Order
	PayableKind      string `json:"payable_kind,omitempty" doc:"full | deposit | balance, when something is due"`
	PayableNowFen    int64  `json:"payable_now_fen"`
	TimeZone         string `json:"time_zone"`
	SlotLocal        string `json:"slot_local" doc:"city time, 2006-01-02 15:04"`
	SlotEndLocal     string `json:"slot_end_local"`
	CreatedLocal     string `json:"created_local"`
	PayDeadlineLocal string `json:"pay_deadline_local,omitempty"`
	CompletedLocal   string `json:"completed_local,omitempty"`
	MerchantName     string `json:"merchant_name"`
	ServicePhotoURL  string `json:"service_photo_url" doc:"the service's first photo; empty when it has none"`
	StaffName        string `json:"staff_name" doc:"the staff member's display name once one is chosen or assigned; empty before"`
	StaffPhotoURL    string `json:"staff_photo_url" doc:"the staff member's photo, when one is chosen or assigned and has one"`
	AfterSaleID      int64  `json:"aftersale_id" doc:"the order's after-sales case; 0 when none"`
	AfterSaleStatus  string `json:"aftersale_status" doc:"open, replied, arbitrating or closed; empty when there is no case"`
}

func view(o Order, c *tenants.City) OrderView {
	v := OrderView{Order: o, TimeZone: c.Zone, SlotLocal: localText(o.SlotStart, c.Loc), SlotEndLocal: localText(o.SlotEnd, c.Loc),
		CreatedLocal: localText(o.CreatedAt, c.Loc)}
	v.PayableKind, v.PayableNowFen = payable(o)
	if o.PayDeadline != nil && o.Status == StPendingPayment {
		v.PayDeadlineLocal = localText(*o.PayDeadline, c.Loc)
	}
	if o.CompletedAt != nil {
		v.CompletedLocal = localText(*o.CompletedAt, c.Loc)
	}
	if v.FinishPhotos == nil {
		v.FinishPhotos = []string{}
	}
	return v
}

// orderExtras is what an order's view shows from beside its own row: its
// after-sales case, its staff member, its service's photo, its merchant.
type orderExtras struct {
	OrderID         int64
	AfterSaleID     int64
	AfterSaleStatus string
	StaffName       string
	StaffPhoto      string
	ItemPhotos      string
	MerchantName    string
}

// views turns orders into their views, reading what they show from other
// tables in ONE query for the whole list (orders of ctx's city).
func (s *Service) views(ctx context.Context, orders []Order) ([]OrderView, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OrderView, len(orders))
	if len(orders) == 0 {
		return out, nil
	}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	var rows []orderExtras
	err = tenants.DB(ctx).Raw("SELECT o.id AS order_id, COALESCE(a.id, 0) AS after_sale_id, COALESCE(a.status, '') AS after_sale_status,"+
		" COALESCE(st.display_name, '') AS staff_name, COALESCE(st.photo_url, '') AS staff_photo,"+
		" COALESCE(i.photos, '') AS item_photos, COALESCE(m.name, '') AS merchant_name"+
		" FROM "+tenants.Table(ctx, "orders")+" AS o"+
		" LEFT JOIN "+tenants.Table(ctx, "aftersales")+" AS a ON a.order_id = o.id"+
		" LEFT JOIN "+tenants.Table(ctx, "staff")+" AS st ON st.id = o.staff_id"+
		" LEFT JOIN "+tenants.Table(ctx, "service_items")+" AS i ON i.id = o.service_item_id"+
		" LEFT JOIN "+tenants.Table(ctx, "merchants")+" AS m ON m.id = o.merchant_id"+
		" WHERE o.id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("order views: %w", err)
	}
	byID := make(map[int64]orderExtras, len(rows))
	for _, r := range rows {
		byID[r.OrderID] = r
	}
	for i, o := range orders {
		v := view(o, c)
		x := byID[o.ID]
		v.MerchantName, v.ServicePhotoURL = x.MerchantName, firstPhoto(x.ItemPhotos)
		v.AfterSaleID, v.AfterSaleStatus = x.AfterSaleID, x.AfterSaleStatus
		if o.StaffID != 0 {
			v.StaffName, v.StaffPhotoURL = x.StaffName, x.StaffPhoto
		}
		out[i] = v
	}
	return out, nil
}

// viewOne is views for a single order.
func (s *Service) viewOne(ctx context.Context, o Order) (OrderView, error) {
	vs, err := s.views(ctx, []Order{o})
	if err != nil {
		return OrderView{}, err
	}
	return vs[0], nil
}

// firstPhoto is the first URL of a JSON list of photos ("" when none).
func firstPhoto(list string) string {
	var photos []string
	if list == "" || json.Unmarshal([]byte(list), &photos) != nil {
		return ""
	}
	for _, p := range photos {
		if p = strings.TrimSpace(p); p != "" {
			return p
		}
	}
	return ""
}

// Payment kinds.
const (
	KindFull    = "full"
	KindDeposit = "deposit"
	KindBalance = "balance"
)

// payable is what the order asks to be paid now.
func payable(o Order) (string, int64) {
	switch o.Status {
	case StPendingPayment:
		if o.PriceModel == PriceDeposit {
			return KindDeposit, o.DepositFen
		}
		return KindFull, o.TotalFen
	case StAwaitingBalance:
		return KindBalance, o.BalanceFen
	}
	return "", 0
}

// Get returns an order of ctx's city by id with no ownership check: for
// other services (payments, reviews) that check their own rules.
func (s *Service) Get(ctx context.Context, id int64) (Order, error) {
	var o Order
	err := tenants.DB(ctx).Where("id = ?", id).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, ErrOrderNotFound
	}
	return o, err
}

// OrderFor returns an order if the actor in ctx may see it: the customer's
// own, the assigned staff member's, the merchant's, or any for the city.
// Anyone else's order is not found.
func (s *Service) OrderFor(ctx context.Context, id int64) (OrderView, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return OrderView{}, err
	}
	o, err := s.Get(ctx, id)
	if err != nil {
		return OrderView{}, err
	}
	if _, err := partyOf(a, &o); err != nil {
		return OrderView{}, err
	}
	return s.viewOne(ctx, o)
}

// EventView is a history row with the city's local time.
type EventView struct {
	Event
	AtLocal string `json:"at_local"`
}

// Events returns an order's history, oldest first, to whoever may see the
// order.
func (s *Service) Events(ctx context.Context, id int64) ([]EventView, error) {
	if _, err := s.OrderFor(ctx, id); err != nil {
		return nil, err
	}
	c, _ := tenants.MustCity(ctx)
	var rows []Event
	if err := tenants.DB(ctx).Where("order_id = ?", id).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]EventView, len(rows))
	for i, r := range rows {
		out[i] = EventView{Event: r, AtLocal: localText(r.At, c.Loc)}
	}
	return out, nil
}

// OrderQuery filters a customer's orders.
type OrderQuery struct {
	Status string `query:"status" doc:"order states, comma-separated (pending_payment,dispatching); empty for all"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// MerchantOrderQuery filters a merchant's orders.
type MerchantOrderQuery struct {
	Status string `query:"status" doc:"order states, comma-separated; empty for all"`
	From   string `query:"from" doc:"slot start on or after: RFC 3339 or a city date YYYY-MM-DD"`
	To     string `query:"to" doc:"slot start before: RFC 3339 or a city date YYYY-MM-DD (that whole day included)"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// CityOrderQuery filters a city's orders.
type CityOrderQuery struct {
	Status     string `query:"status" doc:"order states, comma-separated; empty for all"`
	MerchantID int64  `query:"merchant_id"`
	From       string `query:"from" doc:"slot start on or after: RFC 3339 or a city date YYYY-MM-DD"`
	To         string `query:"to" doc:"slot start before: RFC 3339 or a city date YYYY-MM-DD (that whole day included)"`
	Q          string `query:"q" doc:"order number or its beginning"`
	Cursor     string `query:"cursor"`
	Limit      int    `query:"limit"`
}

// statuses reads a status filter: order states separated by commas (empty
// parts are skipped, repeats count once); nil means no filter.
func statuses(v string) ([]string, error) {
	var out []string
	for _, st := range strings.Split(v, ",") {
		st = strings.TrimSpace(st)
		if st == "" || slices.Contains(out, st) {
			continue
		}
		if !slices.Contains(States, st) {
			return nil, app.Invalid("status", "order states separated by commas, each one of "+strings.Join(States, ", "))
		}
		out = append(out, st)
	}
	return out, nil
}

// byStatus narrows q to the states of a status filter.
func byStatus(q *gorm.DB, v string) (*gorm.DB, error) {
	sts, err := statuses(v)
	if err != nil {
		return nil, err
	}
	switch len(sts) {
	case 0:
		return q, nil
	case 1:
		return q.Where("status = ?", sts[0]), nil
	}
	return q.Where("status IN ?", sts), nil
}

// bound reads a from/to filter: RFC 3339, or a city date (from: its start;
// to: the start of the next day).
func bound(field, v string, loc *time.Location, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, app.Invalid(field, "RFC 3339 or YYYY-MM-DD")
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC(), nil
}

type idCursor struct {
	ID int64 `json:"id"`
}

// pageByID runs q newest first from the cursor and returns one page.
func (s *Service) pageByID(ctx context.Context, q *gorm.DB, p app.Page) (app.List[OrderView], error) {
	var cur idCursor
	if err := app.DecodeCursor(p.Cursor, &cur); err != nil {
		return app.List[OrderView]{}, err
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := p.Size()
	var rows []Order
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[OrderView]{}, err
	}
	out := app.List[OrderView]{}
	if len(rows) > n {
		out.NextCursor = app.EncodeCursor(idCursor{ID: rows[n-1].ID})
		rows = rows[:n]
	}
	items, err := s.views(ctx, rows)
	if err != nil {
		return app.List[OrderView]{}, err
	}
	out.Items = items
	return out, nil
}

// ListOrders lists the signed-in customer's orders in ctx's city, newest
// first.
func (s *Service) ListOrders(ctx context.Context, f OrderQuery) (app.List[OrderView], error) {
	a, err := customer(ctx)
	if err != nil {
		return app.List[OrderView]{}, err
	}
	q, err := byStatus(tenants.DB(ctx).Model(&Order{}).Where("customer_id = ?", a.AccountID), f.Status)
	if err != nil {
		return app.List[OrderView]{}, err
	}
	return s.pageByID(ctx, q, app.Page{Cursor: f.Cursor, Limit: f.Limit})
}

// ListMerchantOrders lists the orders of the merchant the actor works for.
func (s *Service) ListMerchantOrders(ctx context.Context, f MerchantOrderQuery) (app.List[OrderView], error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return app.List[OrderView]{}, err
	}
	if a.MerchantID == 0 {
		return app.List[OrderView]{}, app.ErrForbidden
	}
	q, err := filtered(ctx, f.Status, f.From, f.To)
	if err != nil {
		return app.List[OrderView]{}, err
	}
	return s.pageByID(ctx, q.Where("merchant_id = ?", a.MerchantID), app.Page{Cursor: f.Cursor, Limit: f.Limit})
}

// ListCityOrders lists every order of ctx's city (city back office).
func (s *Service) ListCityOrders(ctx context.Context, f CityOrderQuery) (app.List[OrderView], error) {
	q, err := filtered(ctx, f.Status, f.From, f.To)
	if err != nil {
		return app.List[OrderView]{}, err
	}
	if f.MerchantID > 0 {
		q = q.Where("merchant_id = ?", f.MerchantID)
	}
	if v := strings.ToUpper(strings.TrimSpace(f.Q)); v != "" {
		if len(v) > 32 || strings.ContainsAny(v, `%_\`) {
			return app.List[OrderView]{}, app.Invalid("q", "an order number or its beginning")
		}
		q = q.Where("order_no LIKE ?", v+"%")
	}
	return s.pageByID(ctx, q, app.Page{Cursor: f.Cursor, Limit: f.Limit})
}

func filtered(ctx context.Context, status, from, to string) (*gorm.DB, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	q, err := byStatus(tenants.DB(ctx).Model(&Order{}), status)
	if err != nil {
		return nil, err
	}
	f, err := bound("from", from, c.Loc, false)
	if err != nil {
		return nil, err
	}
	t, err := bound("to", to, c.Loc, true)
	if err != nil {
		return nil, err
	}
	if !f.IsZero() {
		q = q.Where("slot_start >= ?", f)
	}
	if !t.IsZero() {
		q = q.Where("slot_start < ?", t)
	}
	return q, nil
}
