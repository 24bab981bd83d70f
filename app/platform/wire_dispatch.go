package platform

import (
	"context"

	"doorstep/app"
	"doorstep/app/dispatch"
	"doorstep/tenants"
)

// wireDispatch assembles dispatch after booking: it handles booking's
// "dispatch:order" task and its own offer timeouts, hears every staff
// change of an order through booking's StaffHook (closing open offers,
// recording manual decisions), keeps its per-city index current through
// the staff service's LocationSink, and hears the other copies' index
// changes on the bus. The subscription lives as long as the Redis client
// (closed by Close); a lost notice costs at most the index's rebuild
// interval.
func (p *Platform) wireDispatch() error {
	p.Dispatch = dispatch.New(dispatch.Deps{Booking: p.Booking, Staff: p.Staff, Merchants: p.Merchants, Catalog: p.Catalog,
		Notify: p.Notify, Outbox: p.Outbox, Audit: p.Audit, Bus: p.Bus, People: dispatchers{p}, Log: p.Log})
	p.Staff.UseLocationSink(p.Dispatch)
	p.Booking.UseStaffHook(p.Dispatch)
	p.tasks[dispatch.TaskOrder] = p.Dispatch.HandleDispatch
	p.tasks[dispatch.TaskOfferTimeout] = p.Dispatch.HandleOfferTimeout
	p.Dispatch.Listen(context.Background())
	return nil
}

// dispatchers reads a merchant's dispatchers from the role grants (HQ).
type dispatchers struct{ p *Platform }

func (d dispatchers) Dispatchers(ctx context.Context, merchantID int64) ([]int64, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	gs, err := d.p.RBAC.GrantsIn(ctx, c.Domain(), app.RoleMerchantDispatcher, merchantID)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(gs))
	for _, g := range gs {
		if g.MerchantID == merchantID {
			out = append(out, g.AccountID)
		}
	}
	return out, nil
}
