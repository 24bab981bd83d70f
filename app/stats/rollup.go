package stats

import (
	"context"
	"fmt"
	"time"

	"doorstep/app/booking"
	"doorstep/app/dispatch"
	"doorstep/app/payment"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// Offer outcomes a staff member chose (an offer that expired or was
// withdrawn was answered by the system, not by them).
var offerAnswered = []string{dispatch.OfferAccepted, dispatch.OfferDeclined, dispatch.OfferFailed}

// Job steps a staff member takes on an order (booking's events).
var staffSteps = []string{booking.EvDepart, booking.EvArrive, booking.EvStart, booking.EvFinish}

// Refund sources of late payments: the money never counted in gmv_fen, so
// its automatic refund does not count in refunds_fen.
var lateSources = []string{payment.SourceLatePayment, payment.SourceUnmatchedPayment}

// RollupDay recomputes the figures of one city-local day of ctx's city and
// rewrites them: every measure of the city (merchant 0) and every merchant
// measure of each merchant active that day. It reads everything in one
// transaction, so one run's figures describe one instant. Only values that
// differ are written (with computed_at = now) and rows no longer produced
// are deleted, so running it again over the same data changes nothing.
// It reports how many rows it wrote or deleted.
//
// When day is the city's today, the staff on duty right now are first
// recorded in staff_duty_days (active_staff counts them for the day).
func (s *Service) RollupDay(ctx context.Context, day string) (int, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return 0, err
	}
	start, end, err := bounds(day, c.Loc)
	if err != nil {
		return 0, err
	}
	now := s.now()
	if localDay(now, c.Loc) == day {
		if err := sampleDuty(ctx, day, now); err != nil {
			return 0, err
		}
	}
	var changed int
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		want, err := compute(ctx, day, start, end)
		if err != nil {
			return err
		}
		changed, err = writeDay(tenants.DB(ctx), tenants.Table(ctx, "figures"), "merchant_id", day, nil, want, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rollup %s %s: %w", c.Code, day, err)
	}
	return changed, nil
}

// sampleDuty records every active staff member on duty now as active on day.
func sampleDuty(ctx context.Context, day string, now time.Time) error {
	q := "INSERT IGNORE INTO " + tenants.Table(ctx, "staff_duty_days") + " (day, staff_id, seen_at) SELECT ?, id, ? FROM " +
		tenants.Table(ctx, "staff") + " WHERE on_duty = 1 AND status = ?"
	if err := tenants.DB(ctx).Exec(q, day, now, staff.StatusActive).Error; err != nil {
		return fmt.Errorf("sample duty: %w", err)
	}
	return nil
}

// byMerchant is one aggregate row grouped by merchant.
type byMerchant struct {
	M     int64
	N     int64
	Stars int64
	Good  int64
	Ev    string
}

// compute runs the day's aggregate queries: a handful of GROUP BY queries
// over the day's UTC range, each reading one index range.
func compute(ctx context.Context, day string, start, end time.Time) (map[pair[int64]]int64, error) {
	db := tenants.DB(ctx)
	t := func(n string) string { return tenants.Table(ctx, n) }
	city := map[string]int64{}
	per := map[int64]map[string]int64{}
	// add counts v for the city and, when perMerchant, for merchant m.
	add := func(m int64, measure string, v int64, perMerchant bool) {
		city[measure] += v
		if !perMerchant || m <= 0 {
			return
		}
		if per[m] == nil {
			per[m] = map[string]int64{}
		}
		per[m][measure] += v
	}
	grouped := func(q string, args ...any) ([]byMerchant, error) {
		var rows []byMerchant
		err := db.Raw(q, args...).Scan(&rows).Error
		return rows, err
	}

	// Orders placed.
	rows, err := grouped("SELECT merchant_id AS m, COUNT(*) AS n FROM "+t("orders")+
		" WHERE created_at >= ? AND created_at < ? GROUP BY merchant_id", start, end)
	if err != nil {
		return nil, fmt.Errorf("orders placed: %w", err)
	}
	for _, r := range rows {
		add(r.M, OrdersPlaced, r.N, true)
	}

	// Paid, cancelled, expired: the transitions of the day, counted in the
	// (event, at) index alone.
	rows, err = grouped("SELECT event AS ev, COUNT(*) AS n FROM "+t("order_events")+
		" WHERE event IN ? AND at >= ? AND at < ? GROUP BY event",
		[]string{booking.EvPay, booking.EvCancel, booking.EvExpire}, start, end)
	if err != nil {
		return nil, fmt.Errorf("order events: %w", err)
	}
	for _, r := range rows {
		switch r.Ev {
		case booking.EvPay:
			add(0, OrdersPaid, r.N, false)
		case booking.EvCancel:
			add(0, OrdersCancelled, r.N, false)
		case booking.EvExpire:
			add(0, OrdersExpired, r.N, false)
		}
	}

	// Completed: finished, or the balance paid after the service.
	rows, err = grouped("SELECT o.merchant_id AS m, COUNT(*) AS n FROM "+t("order_events")+" e JOIN "+t("orders")+" o ON o.id = e.order_id"+
		" WHERE e.event IN ? AND e.at >= ? AND e.at < ? AND e.to_status = ? GROUP BY o.merchant_id",
		[]string{booking.EvFinish, booking.EvPayBalance}, start, end, booking.StCompleted)
	if err != nil {
		return nil, fmt.Errorf("orders completed: %w", err)
	}
	for _, r := range rows {
		add(r.M, OrdersCompleted, r.N, true)
	}

	// Money in, net of late payments.
	rows, err = grouped("SELECT o.merchant_id AS m, SUM(p.amount_fen) AS n FROM "+t("payments")+" p JOIN "+t("orders")+" o ON o.id = p.order_id"+
		" WHERE p.status = ? AND p.paid_at >= ? AND p.paid_at < ?"+
		" AND NOT EXISTS (SELECT 1 FROM "+t("refunds")+" r WHERE r.payment_id = p.id AND r.source IN ?) GROUP BY o.merchant_id",
		payment.StatusPaid, start, end, lateSources)
	if err != nil {
		return nil, fmt.Errorf("gmv: %w", err)
	}
	for _, r := range rows {
		add(r.M, GMVFen, r.N, true)
	}

	// Money out.
	rows, err = grouped("SELECT o.merchant_id AS m, SUM(r.amount_fen) AS n FROM "+t("refunds")+" r JOIN "+t("orders")+" o ON o.id = r.order_id"+
		" WHERE r.status = ? AND r.completed_at >= ? AND r.completed_at < ? AND r.source NOT IN ? GROUP BY o.merchant_id",
		payment.RefundStatusSucceeded, start, end, lateSources)
	if err != nil {
		return nil, fmt.Errorf("refunds: %w", err)
	}
	for _, r := range rows {
		add(r.M, RefundsFen, r.N, true)
	}

	// Reviews whose stars count.
	rows, err = grouped("SELECT merchant_id AS m, COUNT(*) AS n, SUM(overall) AS stars, SUM(CASE WHEN overall >= 4 THEN 1 ELSE 0 END) AS good FROM "+t("reviews")+
		" WHERE created_at >= ? AND created_at < ? AND counted = 1 GROUP BY merchant_id", start, end)
	if err != nil {
		return nil, fmt.Errorf("reviews: %w", err)
	}
	for _, r := range rows {
		add(r.M, ReviewsCount, r.N, true)
		add(r.M, RatingSum, r.Stars, true)
		add(r.M, ReviewsSatisfied, r.Good, false)
	}

	// After-sales cases opened.
	rows, err = grouped("SELECT merchant_id AS m, COUNT(*) AS n FROM "+t("aftersales")+
		" WHERE created_at >= ? AND created_at < ? GROUP BY merchant_id", start, end)
	if err != nil {
		return nil, fmt.Errorf("aftersales: %w", err)
	}
	for _, r := range rows {
		add(r.M, AfterSalesOpened, r.N, true)
	}

	// People: new and active customers, active staff. A customer's first
	// order is their lowest order id (ids grow with time); the probes name
	// their index so that no plan can turn them into scans of the history.
	var people struct {
		NewCustomers    int64
		ActiveCustomers int64
		ActiveStaff     int64
	}
	err = db.Raw("SELECT"+
		" (SELECT COUNT(*) FROM (SELECT customer_id, MIN(id) AS first_id FROM "+t("orders")+" WHERE created_at >= ? AND created_at < ? GROUP BY customer_id) d"+
		"   WHERE NOT EXISTS (SELECT 1 FROM "+t("orders")+" o2 FORCE INDEX (ix_orders_customer) WHERE o2.customer_id = d.customer_id AND o2.id < d.first_id)) AS new_customers,"+
		" (SELECT COUNT(*) FROM (SELECT customer_id FROM "+t("orders")+" WHERE created_at >= ? AND created_at < ?"+
		"   UNION SELECT customer_id FROM "+t("payments")+" WHERE status = ? AND paid_at >= ? AND paid_at < ?) a) AS active_customers,"+
		" (SELECT COUNT(*) FROM (SELECT staff_id FROM "+t("orders")+" WHERE staff_id <> 0 AND id IN"+
		"     (SELECT order_id FROM "+t("order_events")+" WHERE event IN ? AND at >= ? AND at < ?)"+
		"   UNION SELECT staff_id FROM "+t("dispatch_offers")+" WHERE responded_at >= ? AND responded_at < ? AND status IN ?"+
		"   UNION SELECT staff_id FROM "+t("staff_duty_days")+" WHERE day = ?) s) AS active_staff",
		start, end,
		start, end, payment.StatusPaid, start, end,
		staffSteps, start, end, start, end, offerAnswered, day).Scan(&people).Error
	if err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	add(0, NewCustomers, people.NewCustomers, false)
	add(0, ActiveCustomers, people.ActiveCustomers, false)
	add(0, ActiveStaff, people.ActiveStaff, false)

	// Dispatch: first assignments of the day (a later reassignment is not
	// dispatch time), and the offers made that day.
	var disp struct {
		Dispatched int64
		Seconds    int64
	}
	err = db.Raw("SELECT COUNT(*) AS dispatched, COALESCE(SUM(TIMESTAMPDIFF(SECOND, o.paid_at, e.at)), 0) AS seconds FROM "+
		t("order_events")+" e JOIN "+t("orders")+" o ON o.id = e.order_id"+
		" WHERE e.event = ? AND e.at >= ? AND e.at < ? AND o.paid_at IS NOT NULL"+
		" AND NOT EXISTS (SELECT 1 FROM "+t("order_events")+" e2 FORCE INDEX (ix_order_events_order) WHERE e2.order_id = e.order_id AND e2.event = ? AND e2.id < e.id)",
		booking.EvAssign, start, end, booking.EvAssign).Scan(&disp).Error
	if err != nil {
		return nil, fmt.Errorf("dispatch: %w", err)
	}
	var offers struct {
		Sent     int64
		Accepted int64
	}
	err = db.Raw("SELECT COUNT(*) AS sent, COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS accepted FROM "+t("dispatch_offers")+
		" WHERE offered_at >= ? AND offered_at < ?", dispatch.OfferAccepted, start, end).Scan(&offers).Error
	if err != nil {
		return nil, fmt.Errorf("offers: %w", err)
	}
	add(0, OrdersDispatched, disp.Dispatched, false)
	add(0, DispatchSeconds, disp.Seconds, false)
	add(0, OffersSent, offers.Sent, false)
	add(0, OffersAccepted, offers.Accepted, false)

	want := make(map[pair[int64]]int64, len(CityMeasures)+len(per)*len(MerchantMeasures))
	derive(city, CityMeasures)
	for _, n := range CityMeasures {
		want[pair[int64]{0, n}] = city[n]
	}
	for m, vals := range per {
		derive(vals, MerchantMeasures)
		for _, n := range MerchantMeasures {
			want[pair[int64]{m, n}] = vals[n]
		}
	}
	return want, nil
}

// pair keys one figure of a day: who (a merchant id, or a city code in HQ)
// and the measure.
type pair[K comparable] struct {
	Who     K
	Measure string
}
