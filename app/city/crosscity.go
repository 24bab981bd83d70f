package city

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/merchant"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// Cross-city lists for HQ. Each fans out over the city schemas (a deadline
// per city), merges newest first and pages with a position per city. They
// show personal data masked only: phones and addresses as stored masked,
// no contact names.

// OrdersQuery filters HQ's list of orders of every city.
type OrdersQuery struct {
	City       string `query:"city" doc:"a city code, or several separated by commas; empty: every city"`
	Status     string `query:"status" doc:"one order state"`
	From       string `query:"from" doc:"placed on or after: RFC 3339, or a date YYYY-MM-DD in each city's own time"`
	To         string `query:"to" doc:"placed before: RFC 3339, or a date YYYY-MM-DD (that whole day included)"`
	MerchantID int64  `query:"merchant_id" doc:"one merchant; merchant ids are per city, so give exactly one city"`
	OrderNo    string `query:"order_no" doc:"an order number or its beginning (SZ2405...); only cities whose code it starts with are asked"`
	Phone      string `query:"phone" doc:"the customer's sign-in phone: found through its keyed hash, never searched in clear"`
	Cursor     string `query:"cursor"`
	Limit      int    `query:"limit"`
}

// HQOrder is an order as HQ's list shows it: phone and address masked.
type HQOrder struct {
	City         string    `json:"city"`
	ID           int64     `json:"id"`
	OrderNo      string    `json:"order_no"`
	Status       string    `json:"status"`
	CustomerID   int64     `json:"customer_id"`
	MerchantID   int64     `json:"merchant_id"`
	StaffID      int64     `json:"staff_id"`
	Title        string    `json:"title"`
	CategoryCode string    `json:"category_code"`
	SlotStart    time.Time `json:"slot_start"`
	SlotLocal    string    `json:"slot_local" doc:"city time"`
	Phone        string    `json:"phone" doc:"masked"`
	Address      string    `json:"address" doc:"masked"`
	TotalFen     int64     `json:"total_fen"`
	PaidFen      int64     `json:"paid_fen"`
	RefundedFen  int64     `json:"refunded_fen"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedLocal string    `json:"created_local" doc:"city time"`
}

func (o HQOrder) crossKey() (string, time.Time, int64) { return o.City, o.CreatedAt, o.ID }

// orderColumns are the only columns HQ's list reads: never the sealed ones.
var orderColumns = []string{"id", "order_no", "status", "customer_id", "merchant_id", "staff_id", "title", "category_code", "slot_start",
	"phone_masked", "address_masked", "total_fen", "paid_fen", "refunded_fen", "created_at"}

// after keeps rows older than a position, newest first: (created_at, id)
// is covered by the created_at index (InnoDB appends the primary key).
func after(q *gorm.DB, p *crossPos) *gorm.DB {
	if p == nil {
		return q
	}
	return q.Where("(created_at < ? OR (created_at = ? AND id < ?))", p.At, p.At, p.ID)
}

// createdBetween applies from/to in the city's own zone.
func createdBetween(q *gorm.DB, c *tenants.City, from, to string) (*gorm.DB, error) {
	f, err := timeBound("from", from, c.Loc, false)
	if err != nil {
		return nil, err
	}
	t, err := timeBound("to", to, c.Loc, true)
	if err != nil {
		return nil, err
	}
	if !f.IsZero() {
		q = q.Where("created_at >= ?", f)
	}
	if !t.IsZero() {
		q = q.Where("created_at < ?", t)
	}
	return q, nil
}

// checkRange rejects a bad from/to before any city is asked.
func checkRange(from, to string) error {
	if _, err := timeBound("from", from, time.UTC, false); err != nil {
		return err
	}
	_, err := timeBound("to", to, time.UTC, true)
	return err
}

// crossCities resolves the cities a cross-city list asks and checks what
// every such list takes the same way: the from/to range and a merchant id
// (per city, so only with exactly one city).
func (h *HQ) crossCities(city, from, to string, merchantID int64) ([]*tenants.City, error) {
	cities, err := h.cities(city)
	if err != nil {
		return nil, err
	}
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	if merchantID < 0 || (merchantID > 0 && len(cities) != 1) {
		return nil, app.Invalid("merchant_id", "merchant ids are per city: give exactly one city with it")
	}
	return cities, nil
}

// newest reads one city's page of a table for a cross-city list: columns
// of rows created between from and to (city time), narrowed by where,
// older than the city's position, newest first.
func newest[R any](ctx context.Context, c *tenants.City, pos *crossPos, n int, columns any, from, to string, where func(*gorm.DB) *gorm.DB) ([]R, error) {
	var rows []R
	q, err := createdBetween(tenants.DB(ctx).Model(&rows).Select(columns), c, from, to)
	if err != nil {
		return nil, err
	}
	err = after(where(q), pos).Order("created_at DESC, id DESC").Limit(n).Find(&rows).Error
	return rows, err
}

// eq narrows q to column = v unless v is its type's zero value (no filter).
func eq[T comparable](q *gorm.DB, column string, v T) *gorm.DB {
	var zero T
	if v == zero {
		return q
	}
	return q.Where(column+" = ?", v)
}

// customerByPhone finds the account of a sign-in phone by its keyed hash;
// 0 when there is none.
func (h *HQ) customerByPhone(ctx context.Context, phoneIn string) (int64, error) {
	phone, ok := pii.NormalizePhone(phoneIn)
	if !ok {
		return 0, app.Invalid("phone", "a mainland mobile number")
	}
	var ids []int64
	if err := h.reg.HQ(ctx).Table(h.reg.HQTable("accounts")).Where("phone_hash = ?", h.box.Hash("phone", phone)).Limit(1).Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// Orders lists the orders of every city (or of the cities asked for),
// newest first.
func (h *HQ) Orders(ctx context.Context, f OrdersQuery) (CrossList[HQOrder], error) {
	if f.Status != "" && !slices.Contains(booking.States, f.Status) {
		return CrossList[HQOrder]{}, app.Invalid("status", "one of "+strings.Join(booking.States, ", "))
	}
	cities, err := h.crossCities(f.City, f.From, f.To, f.MerchantID)
	if err != nil {
		return CrossList[HQOrder]{}, err
	}
	no := strings.ToUpper(strings.TrimSpace(f.OrderNo))
	if no != "" {
		if len(no) > 32 || strings.ContainsAny(no, `%_\`) {
			return CrossList[HQOrder]{}, app.Invalid("order_no", "an order number or its beginning")
		}
		// Order numbers start with the city's code: ask only those cities.
		cities = slices.DeleteFunc(cities, func(c *tenants.City) bool {
			code := strings.ToUpper(c.Code)
			return !strings.HasPrefix(no, code) && !strings.HasPrefix(code, no)
		})
	}
	var customerID int64
	if strings.TrimSpace(f.Phone) != "" {
		if customerID, err = h.customerByPhone(ctx, f.Phone); err != nil {
			return CrossList[HQOrder]{}, err
		}
		if customerID == 0 {
			return CrossList[HQOrder]{Items: []HQOrder{}, MissingCities: []Missing{}}, nil
		}
	}
	n := app.Page{Limit: f.Limit}.Size()
	return gather(ctx, h, cities, f.Cursor, n, func(ctx context.Context, c *tenants.City, pos *crossPos, n int) ([]HQOrder, error) {
		rows, err := newest[booking.Order](ctx, c, pos, n, orderColumns, f.From, f.To, func(q *gorm.DB) *gorm.DB {
			q = eq(eq(eq(q, "status", f.Status), "merchant_id", f.MerchantID), "customer_id", customerID)
			if no != "" {
				q = q.Where("order_no LIKE ?", no+"%")
			}
			return q
		})
		if err != nil {
			return nil, err
		}
		out := make([]HQOrder, len(rows))
		for i, o := range rows {
			out[i] = HQOrder{City: c.Code, ID: o.ID, OrderNo: o.OrderNo, Status: o.Status, CustomerID: o.CustomerID, MerchantID: o.MerchantID,
				StaffID: o.StaffID, Title: o.Title, CategoryCode: o.CategoryCode, SlotStart: o.SlotStart, SlotLocal: localText(o.SlotStart, c.Loc),
				Phone: o.PhoneMasked, Address: o.AddressMasked, TotalFen: o.TotalFen, PaidFen: o.PaidFen, RefundedFen: o.RefundedFen,
				CreatedAt: o.CreatedAt, CreatedLocal: localText(o.CreatedAt, c.Loc)}
		}
		return out, nil
	})
}

// MerchantsQuery filters HQ's list of merchants of every city.
type MerchantsQuery struct {
	City   string `query:"city" doc:"a city code, or several separated by commas; empty: every city"`
	Status string `query:"status" validate:"omitempty,oneof=active suspended"`
	Q      string `query:"q" doc:"part of the shop name"`
	From   string `query:"from" doc:"opened on or after: RFC 3339 or YYYY-MM-DD (city time)"`
	To     string `query:"to" doc:"opened before: RFC 3339 or YYYY-MM-DD (that whole day included)"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// HQMerchant is a merchant as HQ's list shows it.
type HQMerchant struct {
	City          string    `json:"city"`
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Status        string    `json:"status"`
	OwnerID       int64     `json:"owner_id"`
	ContactPhone  string    `json:"contact_phone" doc:"masked"`
	Categories    []string  `json:"categories"`
	RatingAvg     int       `json:"rating_avg"`
	RatingCount   int64     `json:"rating_count"`
	CommissionBPS *int64    `json:"commission_bps" doc:"null: the city's default"`
	CreatedAt     time.Time `json:"created_at"`
}

func (m HQMerchant) crossKey() (string, time.Time, int64) { return m.City, m.CreatedAt, m.ID }

// Merchants lists the merchants of every city, newest first.
func (h *HQ) Merchants(ctx context.Context, f MerchantsQuery) (CrossList[HQMerchant], error) {
	cities, err := h.crossCities(f.City, f.From, f.To, 0)
	if err != nil {
		return CrossList[HQMerchant]{}, err
	}
	name := strings.TrimSpace(f.Q)
	if utf8.RuneCountInString(name) > 64 {
		return CrossList[HQMerchant]{}, app.Invalid("q", "at most 64 characters")
	}
	n := app.Page{Limit: f.Limit}.Size()
	return gather(ctx, h, cities, f.Cursor, n, func(ctx context.Context, c *tenants.City, pos *crossPos, n int) ([]HQMerchant, error) {
		rows, err := newest[merchant.Merchant](ctx, c, pos, n,
			"id, name, status, owner_id, contact_phone_masked, categories, rating_avg, rating_count, commission_bps, created_at", f.From, f.To,
			func(q *gorm.DB) *gorm.DB {
				q = eq(q, "status", f.Status)
				if name != "" {
					q = q.Where("name LIKE ? ESCAPE '!'", catalog.LikeContains(name))
				}
				return q
			})
		if err != nil {
			return nil, err
		}
		out := make([]HQMerchant, len(rows))
		for i, m := range rows {
			if m.Categories == nil {
				m.Categories = []string{}
			}
			out[i] = HQMerchant{City: c.Code, ID: m.ID, Name: m.Name, Status: m.Status, OwnerID: m.OwnerID, ContactPhone: m.ContactPhoneMasked,
				Categories: m.Categories, RatingAvg: m.RatingAvg, RatingCount: m.RatingCount, CommissionBPS: m.CommissionBPS, CreatedAt: m.CreatedAt}
		}
		return out, nil
	})
}

// AfterSalesQuery filters HQ's list of after-sales cases of every city.
type AfterSalesQuery struct {
	City       string `query:"city" doc:"a city code, or several separated by commas; empty: every city"`
	Status     string `query:"status" validate:"omitempty,oneof=open replied arbitrating closed"`
	MerchantID int64  `query:"merchant_id" doc:"one merchant; give exactly one city with it"`
	From       string `query:"from" doc:"opened on or after: RFC 3339 or YYYY-MM-DD (city time)"`
	To         string `query:"to" doc:"opened before: RFC 3339 or YYYY-MM-DD (that whole day included)"`
	Cursor     string `query:"cursor"`
	Limit      int    `query:"limit"`
}

// HQAfterSale is an after-sales case as HQ's list shows it.
type HQAfterSale struct {
	City         string    `json:"city"`
	ID           int64     `json:"id"`
	OrderID      int64     `json:"order_id"`
	OrderNo      string    `json:"order_no"`
	CustomerID   int64     `json:"customer_id"`
	MerchantID   int64     `json:"merchant_id"`
	StaffID      int64     `json:"staff_id"`
	Reason       string    `json:"reason"`
	Status       string    `json:"status"`
	RequestedFen int64     `json:"requested_fen"`
	RefundFen    int64     `json:"refund_fen"`
	Decision     string    `json:"decision"`
	Bearer       string    `json:"bearer"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedLocal string    `json:"created_local" doc:"city time"`
}

func (a HQAfterSale) crossKey() (string, time.Time, int64) { return a.City, a.CreatedAt, a.ID }

// AfterSales lists the after-sales cases of every city, newest first.
func (h *HQ) AfterSales(ctx context.Context, f AfterSalesQuery) (CrossList[HQAfterSale], error) {
	cities, err := h.crossCities(f.City, f.From, f.To, f.MerchantID)
	if err != nil {
		return CrossList[HQAfterSale]{}, err
	}
	n := app.Page{Limit: f.Limit}.Size()
	return gather(ctx, h, cities, f.Cursor, n, func(ctx context.Context, c *tenants.City, pos *crossPos, n int) ([]HQAfterSale, error) {
		rows, err := newest[booking.AfterSale](ctx, c, pos, n,
			"id, order_id, customer_id, merchant_id, staff_id, reason, status, requested_fen, refund_fen, decision, bearer, created_at", f.From, f.To,
			func(q *gorm.DB) *gorm.DB { return eq(eq(q, "status", f.Status), "merchant_id", f.MerchantID) })
		if err != nil {
			return nil, err
		}
		nos := map[int64]string{}
		if len(rows) > 0 {
			ids := make([]int64, len(rows))
			for i, r := range rows {
				ids[i] = r.OrderID
			}
			var os []booking.Order
			if err := tenants.DB(ctx).Select("id, order_no").Where("id IN ?", ids).Find(&os).Error; err != nil {
				return nil, err
			}
			for _, o := range os {
				nos[o.ID] = o.OrderNo
			}
		}
		out := make([]HQAfterSale, len(rows))
		for i, r := range rows {
			out[i] = HQAfterSale{City: c.Code, ID: r.ID, OrderID: r.OrderID, OrderNo: nos[r.OrderID], CustomerID: r.CustomerID, MerchantID: r.MerchantID,
				StaffID: r.StaffID, Reason: r.Reason, Status: r.Status, RequestedFen: r.RequestedFen, RefundFen: r.RefundFen, Decision: r.Decision,
				Bearer: r.Bearer, CreatedAt: r.CreatedAt, CreatedLocal: localText(r.CreatedAt, c.Loc)}
		}
		return out, nil
	})
}

// CustomersQuery filters HQ's list of customers.
type CustomersQuery struct {
	City   string `query:"city" doc:"customers of these cities (codes separated by commas): people with orders there; empty: every city"`
	Phone  string `query:"phone" doc:"one person by sign-in phone (keyed hash, never searched in clear)"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

// Customer is a person with orders, as HQ sees them. Accounts are
// platform-wide (HQ); a person is a customer of a city when they have
// orders there.
type Customer struct {
	AccountID   int64            `json:"account_id"`
	DisplayName string           `json:"display_name"`
	Phone       string           `json:"phone" doc:"masked"`
	Email       string           `json:"email" doc:"masked"`
	Status      string           `json:"status"`
	CreatedAt   time.Time        `json:"created_at"`
	Orders      map[string]int64 `json:"orders" doc:"orders per city code (cities asked and reachable)"`
	OrdersTotal int64            `json:"orders_total"`
	LastOrderAt *time.Time       `json:"last_order_at"`
}

type customerCount struct {
	CustomerID int64
	N          int64
	Last       time.Time
}

// Customers lists people with orders in the cities asked for, newest
// account first, with their order count per city. Each city is asked for
// its customers below its position (by account id, descending); the union
// is cut at the page size, so every city's position moves to the last id
// handed out. Details come from HQ's accounts, masked.
func (h *HQ) Customers(ctx context.Context, f CustomersQuery) (CrossList[Customer], error) {
	cities, err := h.cities(f.City)
	if err != nil {
		return CrossList[Customer]{}, err
	}
	var only int64
	if strings.TrimSpace(f.Phone) != "" {
		if only, err = h.customerByPhone(ctx, f.Phone); err != nil {
			return CrossList[Customer]{}, err
		}
		if only == 0 {
			return CrossList[Customer]{Items: []Customer{}, MissingCities: []Missing{}}, nil
		}
	}
	cur, err := decodeCross(f.Cursor)
	if err != nil {
		return CrossList[Customer]{}, err
	}
	done := map[string]bool{}
	for _, code := range cur.Done {
		done[code] = true
	}
	var todo []*tenants.City
	for _, c := range cities {
		if !done[c.Code] {
			todo = append(todo, c)
		}
	}
	n := app.Page{Limit: f.Limit}.Size()
	got, missing := fanOut(ctx, h, todo, func(ctx context.Context, c *tenants.City) ([]customerCount, error) {
		q := tenants.DB(ctx).Model(&booking.Order{}).Select("customer_id, COUNT(*) AS n, MAX(created_at) AS last")
		if p, ok := cur.Pos[c.Code]; ok {
			q = q.Where("customer_id < ?", p.ID)
		}
		if only > 0 {
			q = q.Where("customer_id = ?", only)
		}
		var rows []customerCount
		err := q.Group("customer_id").Order("customer_id DESC").Limit(n).Scan(&rows).Error
		return rows, err
	})
	// The page: the n highest account ids of the union.
	counts := map[int64]map[string]customerCount{}
	for code, rows := range got {
		for _, r := range rows {
			if counts[r.CustomerID] == nil {
				counts[r.CustomerID] = map[string]customerCount{}
			}
			counts[r.CustomerID][code] = r
		}
	}
	ids := make([]int64, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	if len(ids) > n {
		ids = ids[:n]
	}
	out := CrossList[Customer]{Items: []Customer{}, MissingCities: missing, Partial: len(missing) > 0}
	next := crossCursor{Pos: cur.Pos, Done: append([]string{}, cur.Done...)}
	if len(ids) > 0 {
		lowest := ids[len(ids)-1]
		for code, rows := range got {
			if len(rows) < n && (len(rows) == 0 || rows[len(rows)-1].CustomerID >= lowest) {
				next.Done = append(next.Done, code)
				delete(next.Pos, code)
				continue
			}
			next.Pos[code] = crossPos{ID: lowest}
		}
	} else {
		for code := range got {
			next.Done = append(next.Done, code)
			delete(next.Pos, code)
		}
	}
	out.NextCursor = nextCursor(cities, next, len(ids), missing)
	if len(ids) == 0 {
		return out, nil
	}
	var accts []struct {
		ID          int64
		DisplayName string
		PhoneMasked string
		EmailMasked string
		Status      string
		CreatedAt   time.Time
	}
	if err := h.reg.HQ(ctx).Table(h.reg.HQTable("accounts")).Select("id, display_name, phone_masked, email_masked, status, created_at").
		Where("id IN ?", ids).Scan(&accts).Error; err != nil {
		return CrossList[Customer]{}, err
	}
	byID := map[int64]int{}
	for i, a := range accts {
		byID[a.ID] = i
	}
	for _, id := range ids {
		cu := Customer{AccountID: id, Orders: map[string]int64{}}
		if i, ok := byID[id]; ok {
			a := accts[i]
			cu.DisplayName, cu.Phone, cu.Email, cu.Status, cu.CreatedAt = a.DisplayName, a.PhoneMasked, a.EmailMasked, a.Status, a.CreatedAt
		}
		for code, r := range counts[id] {
			cu.Orders[code] = r.N
			cu.OrdersTotal += r.N
			if cu.LastOrderAt == nil || r.Last.After(*cu.LastOrderAt) {
				last := r.Last
				cu.LastOrderAt = &last
			}
		}
		out.Items = append(out.Items, cu)
	}
	return out, nil
}
