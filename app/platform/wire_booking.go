package platform

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"doorstep/app/booking"
	"doorstep/jobs"
	"doorstep/tenants"
)

// wireBooking assembles the booking capability. p.Catalog, p.Merchants and
// p.Staff exist already; the payment service, built after, plugs in with
// p.Booking.UseRefunder(p.Payments) and UsePaymentChecker in its own wire
// file, and marketing with UsePricer.
func (p *Platform) wireBooking() error {
	p.Booking = booking.New(booking.Deps{Box: p.Box, Outbox: p.Outbox, Notify: p.Notify, Audit: p.Audit,
		Catalog: bookingCatalog{p}, Merchants: bookingMerchants{p}, Staff: bookingStaff{p},
		Live: redisBroadcast{rdb: p.Redis, prefix: p.Cfg.MySQL.Prefix}, Log: p.Log})
	p.tasks[booking.TaskExpire] = p.Booking.HandleExpire
	p.tasks[booking.TaskExpireSweep] = p.Booking.HandleExpireSweep
	p.tasks[booking.TaskRemind] = p.Booking.HandleRemind
	p.schedule = append(p.schedule, jobs.Periodic{TaskType: booking.TaskExpireSweep, Every: time.Minute, PerCity: true})
	return nil
}

// redisBroadcast carries order changes between running copies over Redis
// pub/sub, one channel per city.
type redisBroadcast struct {
	rdb    redis.UniversalClient
	prefix string
}

func (b redisBroadcast) Publish(ctx context.Context, topic, msg string) error {
	return b.rdb.Publish(ctx, b.prefix+topic, msg).Err()
}

// Subscribe returns once Redis confirmed the subscription, so nothing
// published afterwards is missed.
func (b redisBroadcast) Subscribe(ctx context.Context, topic string, fn func(string)) error {
	ps := b.rdb.Subscribe(ctx, b.prefix+topic)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := ps.Receive(rctx); err != nil {
		_ = ps.Close()
		return err
	}
	go func() {
		defer ps.Close()
		ch := ps.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				fn(m.Payload)
			}
		}
	}()
	return nil
}

// The supply side's services, adapted to what booking reads. They are
// looked up on p at call time, so the wiring order does not matter.

type bookingCatalog struct{ p *Platform }

// Item reads a service item; outside a transaction through the catalog's
// cache (dropped by every item or shop write), as browsing does: booking
// checks run before their transaction, on the hot path.
func (b bookingCatalog) Item(ctx context.Context, id int64) (booking.Item, error) {
	if tenants.InTx(ctx) {
		return b.item(ctx, id)
	}
	var out booking.Item
	err := b.p.Catalog.Remember(ctx, "item:"+strconv.FormatInt(id, 10), &out, func() (any, error) { return b.item(context.WithoutCancel(ctx), id) })
	return out, err
}

func (b bookingCatalog) item(ctx context.Context, id int64) (booking.Item, error) {
	it, err := b.p.Catalog.Item(ctx, id)
	if err != nil {
		return booking.Item{}, err
	}
	return booking.Item{ID: it.ID, MerchantID: it.MerchantID, Title: it.Title, CategoryCode: it.CategoryCode, PriceModel: it.PriceModel,
		PriceFen: it.PriceFen, PriceMaxFen: it.PriceMaxFen, DepositFen: it.DepositFen, DurationMin: it.DurationMin, SkillMask: it.SkillMask,
		Area: it.Area, Status: it.Status, Photo: firstOf(it.Photos)}, nil
}

// firstOf is the first non-blank string of a list ("" when none).
func firstOf(list []string) string {
	for _, v := range list {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func (b bookingCatalog) AddSale(ctx context.Context, itemID int64) error {
	return b.p.Catalog.AddSale(ctx, itemID)
}

type bookingMerchants struct{ p *Platform }

// Get reads a shop; outside a transaction through the catalog's cache,
// which every shop write drops (see Item).
func (b bookingMerchants) Get(ctx context.Context, id int64) (booking.Merchant, error) {
	if tenants.InTx(ctx) {
		return b.get(ctx, id)
	}
	var out booking.Merchant
	err := b.p.Catalog.Remember(ctx, "merchant:"+strconv.FormatInt(id, 10), &out, func() (any, error) { return b.get(context.WithoutCancel(ctx), id) })
	return out, err
}

func (b bookingMerchants) get(ctx context.Context, id int64) (booking.Merchant, error) {
	m, err := b.p.Merchants.Get(ctx, id)
	if err != nil {
		return booking.Merchant{}, err
	}
	return booking.Merchant{ID: m.ID, OwnerID: m.OwnerID, Name: m.Name, Status: m.Status, Area: m.Area, OpeningHours: m.OpeningHours}, nil
}

type bookingStaff struct{ p *Platform }

func (b bookingStaff) Get(ctx context.Context, id int64) (booking.StaffMember, error) {
	st, err := b.p.Staff.Get(ctx, id)
	if err != nil {
		return booking.StaffMember{}, err
	}
	return booking.StaffMember{ID: st.ID, MerchantID: st.MerchantID, AccountID: st.AccountID, DisplayName: st.DisplayName, SkillMask: st.SkillMask,
		WorkStartMin: st.WorkStartMin, WorkEndMin: st.WorkEndMin, WorkDays: st.WorkDays, Status: st.Status, PhotoURL: st.PhotoURL}, nil
}

func (b bookingStaff) DaysOff(ctx context.Context, staffID int64, from, to time.Time) ([]time.Time, error) {
	return b.p.Staff.DaysOff(ctx, staffID, from, to)
}

func (b bookingStaff) AddCompleted(ctx context.Context, staffID int64) error {
	return b.p.Staff.AddCompleted(ctx, staffID)
}
