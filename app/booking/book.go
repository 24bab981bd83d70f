package booking

import (
	"context"
	"crypto/rand"
	"encoding/binary"
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

// Book places an order for the signed-in customer: it checks the item, the
// merchant, the time, the address and the chosen staff member, prices the
// order on the server, and in one transaction writes the order, reserves
// the staff member's time (when one was chosen), schedules the expiry of
// the unpaid order and tells the customer.
func (s *Service) Book(ctx context.Context, in BookInput) (OrderView, error) {
	a, err := customer(ctx)
	if err != nil {
		return OrderView{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return OrderView{}, err
	}
	if c.BookingsPaused {
		return OrderView{}, ErrBookingsPaused
	}
	if len([]rune(in.Requirements)) > 500 {
		return OrderView{}, app.Invalid("requirements", "at most 500 characters")
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return OrderView{}, err
	}
	start, err := ParseSlot(in.SlotStart, c.Loc)
	if err != nil {
		return OrderView{}, err
	}
	now := s.now()
	if err := checkSlot(start, now, set, c.Loc); err != nil {
		return OrderView{}, err
	}
	item, err := s.cat.Item(ctx, in.ServiceItemID)
	if err != nil {
		if notFound(err) {
			return OrderView{}, ErrItemUnavailable
		}
		return OrderView{}, err
	}
	if item.Status != itemOn || item.DurationMin <= 0 || (item.PriceModel != PriceFixed && item.PriceModel != PriceDeposit) {
		return OrderView{}, ErrItemUnavailable
	}
	m, err := s.mer.Get(ctx, item.MerchantID)
	if err != nil {
		if notFound(err) {
			return OrderView{}, ErrMerchantUnavailable
		}
		return OrderView{}, err
	}
	if m.Status != merchantActive {
		return OrderView{}, ErrMerchantUnavailable
	}
	if err := openAt(m, start, item.DurationMin, c.Loc); err != nil {
		return OrderView{}, err
	}
	addr, err := s.ownAddress(ctx, a.AccountID, in.AddressID)
	if err != nil {
		return OrderView{}, err
	}
	p := geo.Point{Lat: addr.Lat, Lng: addr.Lng}
	if area := areaOf(item, m); !area.Contains(p) {
		return OrderView{}, outOfArea(area, p)
	}
	var st StaffMember
	if in.StaffID != 0 {
		st, err = s.staff.Get(ctx, in.StaffID)
		if err != nil {
			if notFound(err) {
				return OrderView{}, ErrStaffUnavailable
			}
			return OrderView{}, err
		}
		if err := s.checkStaff(ctx, st, item, start, item.DurationMin, c.Loc); err != nil {
			return OrderView{}, err
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
			return OrderView{}, ErrItemUnavailable
		}
	} else if item.PriceFen <= 0 {
		return OrderView{}, ErrItemUnavailable
	}
	pricer, _, _ := s.hooks()
	var o Order
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		o = base // WithTx may run this again after a deadlock: start afresh
		disc, couponID, err := pricer.Discount(ctx, PriceInput{CustomerID: a.AccountID, MerchantID: o.MerchantID, ItemID: o.ServiceItemID,
			CategoryCode: o.CategoryCode, PriceModel: o.PriceModel, PriceFen: o.PriceFen, CouponID: in.CouponID, SlotStart: start})
		if err != nil {
			return err
		}
		o.DiscountFen, o.CouponID = clampDiscount(o, disc), couponID
		if o.PriceModel == PriceFixed {
			o.TotalFen = o.PriceFen - o.DiscountFen
		}
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
	return view(o, c), nil
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
