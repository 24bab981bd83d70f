package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/tenants"
)

// OfferView is an offer as the staff app shows it: the job, its price, the
// district and how far it is, never the customer's address or phone (those
// come with the job once accepted).
type OfferView struct {
	ID           int64     `json:"id"`
	OrderID      int64     `json:"order_id"`
	OrderNo      string    `json:"order_no"`
	Round        int       `json:"round"`
	Status       string    `json:"status"`
	Service      string    `json:"service" doc:"the service's title"`
	Category     string    `json:"category_code"`
	TimeZone     string    `json:"time_zone"`
	SlotStart    time.Time `json:"slot_start"`
	SlotEnd      time.Time `json:"slot_end"`
	SlotLocal    string    `json:"slot_local" doc:"city time, 2006-01-02 15:04"`
	SlotEndLocal string    `json:"slot_end_local" doc:"city time, 2006-01-02 15:04"`
	DurationMin  int       `json:"duration_min"`
	PriceModel   string    `json:"price_model" doc:"fixed | deposit"`
	PriceFen     int64     `json:"price_fen" doc:"the list price (fixed), or the range's lower bound (deposit); before any coupon"`
	PriceMaxFen  int64     `json:"price_max_fen" doc:"deposit: the range's upper bound (the final price is set at finish); 0 for a fixed price"`
	PriceText    string    `json:"price_text" doc:"the price as shown: ¥128.00, or ¥100.00-500.00 for a range"`
	District     string    `json:"district"`
	DistanceM    int       `json:"distance_m" doc:"from where you were when it was offered"`
	OfferedAt    time.Time `json:"offered_at"`
	Deadline     time.Time `json:"deadline"`
	SecondsLeft  int       `json:"seconds_left" doc:"until the deadline; 0 once it passed or the offer is answered"`
}

// DeclineInput is a staff member's no.
type DeclineInput struct {
	Reason string `json:"reason" validate:"max=255"`
}

func (s *Service) offerViews(ctx context.Context, offers []Offer) ([]OfferView, error) {
	out := make([]OfferView, 0, len(offers))
	if len(offers) == 0 {
		return out, nil
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(offers))
	for _, o := range offers {
		ids = append(ids, o.OrderID)
	}
	// Only what an offer shows: the customer's sealed phone and address stay
	// in the table.
	var orders []booking.Order
	if err := tenants.DB(ctx).Select("id, order_no, title, category_code, slot_start, slot_end, duration_min, price_model, price_fen, price_max_fen, address_id").
		Where("id IN ?", ids).Find(&orders).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]booking.Order, len(orders))
	addrIDs := make([]int64, 0, len(orders))
	for _, o := range orders {
		byID[o.ID] = o
		addrIDs = append(addrIDs, o.AddressID)
	}
	var addrs []booking.Address
	if err := tenants.DB(ctx).Select("id, district").Where("id IN ?", addrIDs).Find(&addrs).Error; err != nil {
		return nil, err
	}
	district := make(map[int64]string, len(addrs))
	for _, a := range addrs {
		district[a.ID] = a.District
	}
	now := s.now()
	for _, off := range offers {
		o := byID[off.OrderID]
		v := OfferView{ID: off.ID, OrderID: off.OrderID, OrderNo: o.OrderNo, Round: off.Round, Status: off.Status, Service: o.Title,
			Category: o.CategoryCode, TimeZone: c.Zone, SlotStart: o.SlotStart, SlotEnd: o.SlotEnd,
			SlotLocal: o.SlotStart.In(c.Loc).Format("2006-01-02 15:04"), SlotEndLocal: o.SlotEnd.In(c.Loc).Format("2006-01-02 15:04"),
			DurationMin: o.DurationMin, PriceModel: o.PriceModel, PriceFen: o.PriceFen, District: district[o.AddressID], DistanceM: off.DistanceM,
			OfferedAt: off.OfferedAt, Deadline: off.Deadline}
		v.PriceText = "¥" + app.FormatYuan(o.PriceFen)
		if o.PriceModel == booking.PriceDeposit {
			v.PriceMaxFen = o.PriceMaxFen
			v.PriceText += "-" + app.FormatYuan(o.PriceMaxFen)
		}
		if off.Status == OfferOpen && off.Deadline.After(now) {
			v.SecondsLeft = int(off.Deadline.Sub(now).Seconds())
		}
		out = append(out, v)
	}
	return out, nil
}

// Offers lists the signed-in staff member's open offers, the soonest
// deadline first.
func (s *Service) Offers(ctx context.Context) ([]OfferView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return nil, err
	}
	var rows []Offer
	err = tenants.DB(ctx).Where("staff_id = ? AND status = ? AND deadline > ?", a.StaffID, OfferOpen, s.now()).
		Where("order_id IN (SELECT id FROM "+tenants.Table(ctx, "orders")+" WHERE status = ?)", booking.StDispatching).
		Order("deadline, id").Limit(50).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("offers of staff %d: %w", a.StaffID, err)
	}
	return s.offerViews(ctx, rows)
}

// own returns one of the signed-in staff member's offers; anyone else's is
// not found.
func (s *Service) own(ctx context.Context, a app.Actor, offerID int64) (Offer, error) {
	off, err := getOffer(ctx, offerID)
	if err != nil {
		return off, err
	}
	if off.StaffID != a.StaffID {
		return Offer{}, ErrOfferNotFound
	}
	return off, nil
}

// staffFailures are the reasons booking refuses an assignment that lie
// with the staff member, not the order: the offer fails and the next round
// starts.
var staffFailures = []error{booking.ErrSlotTaken, booking.ErrStaffUnavailable, booking.ErrStaffNotQualified,
	booking.ErrStaffNotWorking, booking.ErrStaffDayOff}

// Accept takes the job of one of the signed-in staff member's open offers,
// in one transaction: the offer must still be open and within its deadline
// and the order still waiting for staff; the offer is marked accepted, the
// order assigned (booking reserves the time under the no-double-booking
// rule) and the acceptance counted. The order leaves dispatching once, so
// of two people accepting the same order one wins and the other gets 409.
// When the time was taken meanwhile the accept fails with 409 slot_taken
// and the next round starts. Accepting again what you accepted is answered
// as the first time.
func (s *Service) Accept(ctx context.Context, offerID int64) (OfferView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return OfferView{}, err
	}
	off, err := s.own(ctx, a, offerID)
	if err != nil {
		return OfferView{}, err
	}
	// Booking sees dispatch (the system) assign; the history names the
	// staff member's account as the one who acted.
	by := app.System
	by.AccountID, by.IP, by.RequestID = a.AccountID, a.IP, a.RequestID
	var fresh bool
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		fresh = false
		o, err := lockOrder(ctx, off.OrderID)
		if err != nil {
			return err
		}
		cur, err := lockOffer(ctx, offerID)
		if err != nil {
			return err
		}
		switch {
		case cur.Status == OfferAccepted:
			return nil
		case cur.Status != OfferOpen || o.Status != booking.StDispatching:
			return ErrOfferClosed
		case !s.now().Before(cur.Deadline):
			return ErrOfferExpired
		}
		now := s.now()
		if err := tenants.DB(ctx).Model(&Offer{}).Where("id = ?", cur.ID).
			Updates(map[string]any{"status": OfferAccepted, "responded_at": now}).Error; err != nil {
			return fmt.Errorf("accept offer %d: %w", cur.ID, err)
		}
		if err := bumpOffers(ctx, cur.StaffID, true); err != nil {
			return err
		}
		fresh = true
		return s.booking.Assign(ctx, o.ID, cur.StaffID, by)
	})
	for _, f := range staffFailures {
		if errors.Is(err, f) {
			if ferr := s.fail(ctx, offerID, f); ferr != nil {
				s.log.Warn("close failed offer; its timeout closes it", "offer", offerID, "err", ferr)
			}
			return OfferView{}, err
		}
	}
	if err != nil {
		return OfferView{}, err
	}
	if fresh {
		s.counted(ctx, off.StaffID, true)
	}
	return s.view(ctx, offerID)
}

// fail closes an accepted-but-unassignable offer and starts the next round.
func (s *Service) fail(ctx context.Context, offerID int64, cause error) error {
	var code string
	var ae *app.Error
	if errors.As(cause, &ae) {
		code = ae.Code
	}
	var ended int64
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		ended = 0
		off, err := getOffer(ctx, offerID)
		if err != nil {
			return err
		}
		o, err := lockOrder(ctx, off.OrderID)
		if err != nil {
			return err
		}
		cur, err := lockOffer(ctx, offerID)
		if err != nil || cur.Status != OfferOpen {
			return err
		}
		ended = cur.StaffID
		return s.close(ctx, &cur, OfferFailed, code, o)
	})
	if err == nil && ended != 0 {
		s.counted(ctx, ended, false)
	}
	return err
}

// Decline refuses one of the signed-in staff member's open offers; the
// next round starts. Declining again is answered as the first time.
func (s *Service) Decline(ctx context.Context, offerID int64, reason string) (OfferView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return OfferView{}, err
	}
	off, err := s.own(ctx, a, offerID)
	if err != nil {
		return OfferView{}, err
	}
	var fresh bool
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		fresh = false
		o, err := lockOrder(ctx, off.OrderID)
		if err != nil {
			return err
		}
		cur, err := lockOffer(ctx, offerID)
		if err != nil {
			return err
		}
		switch {
		case cur.Status == OfferDeclined:
			return nil
		case cur.Status != OfferOpen || o.Status != booking.StDispatching:
			return ErrOfferClosed
		}
		fresh = true
		return s.close(ctx, &cur, OfferDeclined, reason, o)
	})
	if err != nil {
		return OfferView{}, err
	}
	if fresh {
		s.counted(ctx, off.StaffID, false)
	}
	return s.view(ctx, offerID)
}

func (s *Service) view(ctx context.Context, offerID int64) (OfferView, error) {
	off, err := getOffer(ctx, offerID)
	if err != nil {
		return OfferView{}, err
	}
	vs, err := s.offerViews(ctx, []Offer{off})
	if err != nil {
		return OfferView{}, err
	}
	return vs[0], nil
}
