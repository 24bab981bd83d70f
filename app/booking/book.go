package booking

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/geo"
	"doorstep/app/outbox"
	"doorstep/tenants"
)

// BookInput is a customer's booking.
type BookInput struct {
	ServiceItemID int64  `json:"service_item_id" validate:"required,gt=0"`
	StaffID       int64  `json:"staff_id" validate:"gte=0" doc:"optional: the staff member the customer picked"`
	SlotStart     string `json:"slot_start" validate:"required" doc:"RFC 3339 with an offset, or 2006-01-02T15:04 in the city's time"`
	AddressID     int64  `json:"address_id" validate:"required,gt=0"`
	Requirements  string `json:"requirements" validate:"max=500"`
	CouponID      int64  `json:"coupon_id" validate:"gte=0" doc:"optional: one of the customer's coupons"`
}

// ParseSlot reads a slot start: RFC 3339 with an offset, or a wall-clock
// "2006-01-02T15:04" (seconds allowed) meaning the city's local time.
func ParseSlot(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, ErrBadSlot
}

// checkSlot applies the time rules every booked slot follows.
func checkSlot(start, now time.Time, set Settings, loc *time.Location) error {
	ls := start.In(loc)
	if ls.Second() != 0 || ls.Nanosecond() != 0 || ls.Minute()%30 != 0 {
		return ErrSlotMisaligned
	}
	if earliest := now.Add(set.LeadTime); start.Before(earliest) {
		return ErrSlotTooSoon.WithMessage("book at least %s ahead: the earliest start now is %s", set.LeadTime, earliest.In(loc).Format("2006-01-02 15:04"))
	}
	if latest := now.Add(set.MaxAhead); start.After(latest) {
		return ErrSlotTooFar.WithMessage("book at most %d days ahead", int(set.MaxAhead.Hours()/24))
	}
	return nil
}

// areaOf is where an item is served: its own area, else its merchant's.
func areaOf(item Item, m Merchant) geo.Area {
	if item.Area != nil {
		return *item.Area
	}
	return m.Area
}

func outOfArea(area geo.Area, p geo.Point) error {
	if area.IsPolygon() {
		return ErrOutOfArea.WithMessage("this address is outside the area the merchant serves; choose another address or merchant")
	}
	d := geo.Distance(area.Center, p)
	return ErrOutOfArea.WithMessage("this address is %.1f km from the merchant's service center, beyond its %.1f km service radius",
		d/1000, area.RadiusM/1000)
}

// orderNo is readable and city-prefixed: SZ + yyMMddHHmm (city time) + 6
// random digits. The unique key catches the rare repeat.
func orderNo(code string, now time.Time, loc *time.Location) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s%s%06d", strings.ToUpper(code), now.In(loc).Format("0601021504"), binary.BigEndian.Uint64(b[:])%1000000)
}

// plan is a booking checked against every rule and priced at list price,
// before anything is written: what Book writes and Quote answers.
type plan struct {
	a        app.Actor
	merchant Merchant    // what the order view shows of them, known
	item     Item        // without another read
	staff    StaffMember // zero when none was chosen
	c        *tenants.City
	set      Settings
	base     Order // the order to write: no discount, number or id yet
	couponID int64 // the coupon the customer chose (0: pick the best)
	deadline time.Time
}

// check applies every rule a booking must pass, in the order Book always
// applied them, so Quote and Book refuse with the same errors: the city
// takes bookings, the time, the item and its merchant, the opening hours,
// the customer's address and the merchant's area, the chosen staff member.
func (s *Service) check(ctx context.Context, in BookInput) (plan, error) {
	a, err := customer(ctx)
	if err != nil {
		return plan{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return plan{}, err
	}
	if c.BookingsPaused {
		return plan{}, ErrBookingsPaused
	}
	if len([]rune(in.Requirements)) > 500 {
		return plan{}, app.Invalid("requirements", "at most 500 characters")
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return plan{}, err
	}
	start, err := ParseSlot(in.SlotStart, c.Loc)
	if err != nil {
		return plan{}, err
	}
	now := s.now()
	if err := checkSlot(start, now, set, c.Loc); err != nil {
		return plan{}, err
	}
	item, err := s.cat.Item(ctx, in.ServiceItemID)
	if err != nil {
		if notFound(err) {
			return plan{}, ErrItemUnavailable
		}
		return plan{}, err
	}
	if item.Status != itemOn || item.DurationMin <= 0 || (item.PriceModel != PriceFixed && item.PriceModel != PriceDeposit) {
		return plan{}, ErrItemUnavailable
	}
	m, err := s.mer.Get(ctx, item.MerchantID)
	if err != nil {
		if notFound(err) {
			return plan{}, ErrMerchantUnavailable
		}
		return plan{}, err
	}
	if m.Status != merchantActive {
		return plan{}, ErrMerchantUnavailable
	}
	if err := openAt(m, start, item.DurationMin, c.Loc); err != nil {
		return plan{}, err
	}
	addr, err := s.ownAddress(ctx, a.AccountID, in.AddressID)
	if err != nil {
		return plan{}, err
	}
	p := geo.Point{Lat: addr.Lat, Lng: addr.Lng}
	if area := areaOf(item, m); !area.Contains(p) {
		return plan{}, outOfArea(area, p)
	}
	var st StaffMember
	if in.StaffID != 0 {
		st, err = s.staff.Get(ctx, in.StaffID)
		if err != nil {
			if notFound(err) {
				return plan{}, ErrStaffUnavailable
			}
			return plan{}, err
		}
		if err := s.checkStaff(ctx, st, item, start, item.DurationMin, c.Loc); err != nil {
			return plan{}, err
		}
	}
	deadline := now.Add(set.PaymentTimeout)
	base := Order{CustomerID: a.AccountID, MerchantID: item.MerchantID, ServiceItemID: item.ID, StaffID: st.ID, StaffChosen: st.ID != 0,
		Status: StPendingPayment, SlotStart: start, SlotEnd: start.Add(time.Duration(item.DurationMin) * time.Minute), DurationMin: item.DurationMin,
		Title: item.Title, CategoryCode: item.CategoryCode, SkillMask: item.SkillMask, AddressID: addr.ID, ContactName: addr.ContactName,
		PhoneEnc: addr.PhoneEnc, PhoneMasked: addr.PhoneMasked, AddressEnc: addr.AddressEnc, AddressMasked: addr.AddressMasked,
		Lat: addr.Lat, Lng: addr.Lng, Requirements: strings.TrimSpace(in.Requirements), PriceModel: item.PriceModel, PriceFen: item.PriceFen,
		PayDeadline: &deadline, FinishPhotos: []string{}, CreatedAt: now, UpdatedAt: now}
	if item.PriceModel == PriceDeposit {
		base.PriceMaxFen, base.DepositFen = max(item.PriceMaxFen, item.PriceFen), item.DepositFen
		if base.DepositFen <= 0 {
			return plan{}, ErrItemUnavailable
		}
	} else if item.PriceFen <= 0 {
		return plan{}, ErrItemUnavailable
	}
	return plan{a: a, merchant: m, item: item, staff: st, c: c, set: set, base: base, couponID: in.CouponID, deadline: deadline}, nil
}

// priceInput is what the coupon of an order is judged on.
func (p plan) priceInput(o Order) PriceInput {
	return PriceInput{CustomerID: p.a.AccountID, MerchantID: o.MerchantID, ItemID: o.ServiceItemID, CategoryCode: o.CategoryCode,
		PriceModel: o.PriceModel, PriceFen: o.PriceFen, CouponID: p.couponID, SlotStart: o.SlotStart}
}

// applyDiscount sets an order's discount, coupon and total from what the
// pricer answered.
func applyDiscount(o *Order, disc, couponID int64) {
	o.DiscountFen, o.CouponID = clampDiscount(*o, disc), couponID
	if o.PriceModel == PriceFixed {
		o.TotalFen = o.PriceFen - o.DiscountFen
	}
}

// Book places an order for the signed-in customer: it checks the item, the
// merchant, the time, the address and the chosen staff member, prices the
// order on the server, and in one transaction writes the order, reserves
// the staff member's time (when one was chosen), schedules the expiry of
// the unpaid order and tells the customer.
func (s *Service) Book(ctx context.Context, in BookInput) (OrderView, error) {
	p, err := s.check(ctx, in)
	if err != nil {
		return OrderView{}, err
	}
	a, c, set, deadline := p.a, p.c, p.set, p.deadline
	now := p.base.CreatedAt
	pricer, _, _ := s.hooks()
	var o Order
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		o = p.base // WithTx may run this again after a deadlock: start afresh
		disc, couponID, err := pricer.Discount(ctx, p.priceInput(o))
		if err != nil {
			return err
		}
		applyDiscount(&o, disc, couponID)
		if err := s.insertOrder(ctx, &o, c); err != nil {
			return err
		}
		if b, ok := pricer.(CouponBinder); ok && o.CouponID != 0 {
			if err := b.BindCoupon(ctx, o.CouponID, o.ID); err != nil {
				return fmt.Errorf("bind coupon %d: %w", o.CouponID, err)
			}
		}
		if err := tenants.DB(ctx).Create(&Event{OrderID: o.ID, Event: evCreate, ToStatus: o.Status, ActorID: a.AccountID, ActorRole: a.Role, At: now}).Error; err != nil {
			return err
		}
		if o.StaffID != 0 {
			if err := s.reserve(ctx, o.StaffID, o.ID, o.SlotStart, o.DurationMin); err != nil {
				return err
			}
		}
		if err := s.out.Add(ctx, TaskExpire, ExpirePayload{OrderID: o.ID}, outbox.At(deadline)); err != nil {
			return err
		}
		return s.notify.Tell(ctx, o.CustomerID, "order_created", map[string]string{"service": o.Title, "time": noteTime(o.SlotStart, c.Loc),
			"minutes": fmt.Sprint(int(set.PaymentTimeout.Minutes())), "order_no": o.OrderNo}, orderData(o), fmt.Sprint(o.ID))
	})
	if err != nil {
		return OrderView{}, slotTaken(err)
	}
	// The view from what was just checked and written (a new order has no
	// after-sales case), without reading it back.
	v := view(o, c)
	v.MerchantName, v.ServicePhotoURL = p.merchant.Name, p.item.Photo
	if o.StaffID != 0 {
		v.StaffName, v.StaffPhotoURL = p.staff.DisplayName, p.staff.PhotoURL
	}
	return v, nil
}

// Quote is what a booking would cost, answered before booking.
type Quote struct {
	ServiceItemID     int64     `json:"service_item_id"`
	MerchantID        int64     `json:"merchant_id"`
	StaffID           int64     `json:"staff_id" doc:"the chosen staff member; 0: dispatch picks one after payment"`
	Title             string    `json:"title"`
	SlotStart         time.Time `json:"slot_start"`
	SlotEnd           time.Time `json:"slot_end"`
	TimeZone          string    `json:"time_zone"`
	SlotLocal         string    `json:"slot_local" doc:"city time, 2006-01-02 15:04"`
	SlotEndLocal      string    `json:"slot_end_local"`
	DurationMin       int       `json:"duration_min"`
	PriceModel        string    `json:"price_model" doc:"fixed | deposit"`
	PriceFen          int64     `json:"price_fen" doc:"list price (fixed) or the range's lower bound (deposit)"`
	PriceMaxFen       int64     `json:"price_max_fen" doc:"deposit: the range's upper bound; 0 for a fixed price"`
	DiscountFen       int64     `json:"discount_fen"`
	CouponID          int64     `json:"coupon_id" doc:"the customer's coupon (customer_coupons.id) the booking would use: the chosen one, else the best that applies; 0: none"`
	TotalFen          int64     `json:"total_fen" doc:"as the order would carry it: price less discount for a fixed price; 0 for a deposit item until the final price is known"`
	TotalMinFen       int64     `json:"total_min_fen" doc:"the least the customer pays in all (fixed: total_fen; deposit: the lower bound less the discount)"`
	TotalMaxFen       int64     `json:"total_max_fen" doc:"the most the customer pays in all (fixed: total_fen; deposit: the upper bound less the discount)"`
	DepositFen        int64     `json:"deposit_fen"`
	PayableKind       string    `json:"payable_kind" doc:"full | deposit: what is paid right after booking"`
	PayableNowFen     int64     `json:"payable_now_fen"`
	PaymentTimeoutMin int       `json:"payment_timeout_min" doc:"minutes to pay after booking"`
}

// errQuoteOnly rolls back the transaction a Pricer without Quote is asked in.
var errQuoteOnly = errors.New("quote: roll back")

// Quote answers what Book would do with the same input without writing,
// reserving or marking anything: every check Book makes, with the same
// errors (a chosen staff member's time already reserved is ErrSlotTaken),
// and the price the order would get, coupon included. A booking a moment
// later can still lose the time or the coupon to someone faster.
func (s *Service) Quote(ctx context.Context, in BookInput) (Quote, error) {
	p, err := s.check(ctx, in)
	if err != nil {
		return Quote{}, err
	}
	o := p.base
	if o.StaffID != 0 {
		var n int64
		if err := tenants.DB(ctx).Model(&Slot{}).Where("staff_id = ? AND slot_start IN ?", o.StaffID, units(o.SlotStart, o.DurationMin)).
			Count(&n).Error; err != nil {
			return Quote{}, fmt.Errorf("reservations of staff %d: %w", o.StaffID, err)
		}
		if n > 0 {
			return Quote{}, ErrSlotTaken
		}
	}
	pricer, _, _ := s.hooks()
	disc, couponID, err := quoteDiscount(ctx, pricer, p.priceInput(o))
	if err != nil {
		return Quote{}, err
	}
	applyDiscount(&o, disc, couponID)
	q := Quote{ServiceItemID: o.ServiceItemID, MerchantID: o.MerchantID, StaffID: o.StaffID, Title: o.Title, SlotStart: o.SlotStart,
		SlotEnd: o.SlotEnd, TimeZone: p.c.Zone, SlotLocal: localText(o.SlotStart, p.c.Loc), SlotEndLocal: localText(o.SlotEnd, p.c.Loc),
		DurationMin: o.DurationMin, PriceModel: o.PriceModel, PriceFen: o.PriceFen, PriceMaxFen: o.PriceMaxFen, DiscountFen: o.DiscountFen,
		CouponID: o.CouponID, TotalFen: o.TotalFen, TotalMinFen: o.TotalFen, TotalMaxFen: o.TotalFen, DepositFen: o.DepositFen,
		PaymentTimeoutMin: int(p.set.PaymentTimeout / time.Minute)}
	if o.PriceModel == PriceDeposit {
		q.TotalMinFen, q.TotalMaxFen = o.PriceFen-o.DiscountFen, o.PriceMaxFen-o.DiscountFen
	}
	q.PayableKind, q.PayableNowFen = payable(o)
	return q, nil
}

// quoteDiscount asks the pricer what it would take off, changing nothing.
func quoteDiscount(ctx context.Context, pricer Pricer, in PriceInput) (int64, int64, error) {
	if q, ok := pricer.(Quoter); ok {
		return q.Quote(ctx, in)
	}
	var disc, couponID int64
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if disc, couponID, err = pricer.Discount(ctx, in); err != nil {
			return err
		}
		return errQuoteOnly
	})
	if errors.Is(err, errQuoteOnly) {
		return disc, couponID, nil
	}
	return 0, 0, err
}

// clampDiscount keeps a coupon from making an order free (gateways take no
// zero payments) or, on a deposit order, from eating into the deposit.
func clampDiscount(o Order, disc int64) int64 {
	limit := o.PriceFen - 1
	if o.PriceModel == PriceDeposit {
		limit = o.PriceFen - o.DepositFen
	}
	return max(0, min(disc, limit))
}

func (s *Service) insertOrder(ctx context.Context, o *Order, c *tenants.City) error {
	for attempt := 0; ; attempt++ {
		o.OrderNo = orderNo(c.Code, o.CreatedAt, c.Loc)
		err := tenants.DB(ctx).Create(o).Error
		if err == nil {
			return nil
		}
		if !tenants.IsDuplicate(err) || attempt == 4 {
			return fmt.Errorf("create order: %w", err)
		}
		o.ID = 0
	}
}

// localText is a time as a person in the city reads it.
func localText(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04") }

// orderData is the deep-link data of an order's notifications.
func orderData(o Order) map[string]string {
	return map[string]string{"order_id": fmt.Sprint(o.ID), "order_no": o.OrderNo}
}

// noteTime is a time as notifications show it, in city time ("06-03 10:00").
func noteTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("01-02 15:04") }
