package platform

import (
	"context"
	"fmt"

	"doorstep/app/marketing"
	"doorstep/app/storefront"
)

// wireMarketing assembles coupons, referrals and shop decoration after
// booking exists: marketing prices bookings (booking's Pricer, which also
// gives coupons back on cancel and expiry and learns each coupon's order)
// and hears of completed orders for referral rewards; the storefront fills
// pages from the catalog, staff, merchants and marketing, and its cached
// public pages drop a city's answers when any copy publishes or the
// catalog changes.
func (p *Platform) wireMarketing() error {
	if p.Booking == nil || p.Catalog == nil {
		return fmt.Errorf("marketing needs supply and booking wired first")
	}
	p.Marketing = marketing.New(marketing.Deps{Reg: p.Reg, Outbox: p.Outbox, Notify: p.Notify, Audit: p.Audit,
		Categories: p.Catalog, Accounts: p.Accounts, Log: p.Log})
	p.Booking.UsePricer(p.Marketing)
	p.Booking.UseCompletionHook(p.Marketing)
	p.tasks[marketing.TaskReferral] = p.Marketing.HandleReferral

	p.Storefront = storefront.New(storefront.Deps{Catalog: p.Catalog, Staff: p.Staff, Merchants: p.Merchants, Coupons: p.Marketing,
		Pub: p.Bus, Audit: p.Audit, Log: p.Log})
	p.Bus.Subscribe(context.Background(), "storefront", p.Storefront.Invalidated)
	// Pages show items, shops and staff: a catalog change (shelf, a shop's
	// status) drops a city's cached pages too, a moment later.
	p.Bus.Subscribe(context.Background(), "catalog", p.Storefront.Invalidated)
	return nil
}
