package stats

import "slices"

// Measure names. They are part of the API contract: clients ask for them by
// name and CSV headers carry them.
const (
	OrdersPlaced     = "orders_placed"
	OrdersPaid       = "orders_paid"
	OrdersCompleted  = "orders_completed"
	OrdersCancelled  = "orders_cancelled"
	OrdersExpired    = "orders_expired"
	GMVFen           = "gmv_fen"
	RefundsFen       = "refunds_fen"
	NewCustomers     = "new_customers"
	ActiveCustomers  = "active_customers"
	ActiveStaff      = "active_staff"
	OrdersDispatched = "orders_dispatched"
	DispatchSeconds  = "dispatch_seconds_total"
	DispatchAvg      = "dispatch_avg_seconds"
	OffersSent       = "offers_sent"
	OffersAccepted   = "offers_accepted"
	AcceptanceRate   = "acceptance_rate_bps"
	ReviewsCount     = "reviews_count"
	RatingSum        = "rating_sum"
	RatingAvg        = "rating_avg_x100"
	ReviewsSatisfied = "reviews_satisfied"
	Satisfaction     = "satisfaction_bps"
	AfterSalesOpened = "aftersales_opened"
	AfterSaleRate    = "aftersale_rate_bps"
)

// Measure kinds: how a value reads and how values of several days or
// cities combine.
const (
	KindCount    = "count"    // a number of things; days and cities add up
	KindFen      = "fen"      // money in fen; days and cities add up
	KindSeconds  = "seconds"  // a sum of durations; days and cities add up
	KindDistinct = "distinct" // distinct people of one day; cities add up, days do not
	KindRatio    = "ratio"    // derived from two other measures, never added
)

// Measure is one figure's definition. Days are the city's local days:
// [00:00, 24:00) city time, as a UTC range.
type Measure struct {
	Name     string `json:"name"`
	Kind     string `json:"kind" doc:"count | fen | seconds | distinct | ratio"`
	Merchant bool   `json:"merchant" doc:"also kept per merchant (the merchant back office sees these)"`
	Doc      string `json:"doc"`
	num, den string // ratio: value = num * scale / den, rounded half up; 0 when den is 0
	scale    int64
}

// Measures lists every measure with its definition, in the order the API
// shows them.
var Measures = []Measure{
	{Name: OrdersPlaced, Kind: KindCount, Merchant: true, Doc: "orders created that day (orders.created_at)"},
	{Name: OrdersPaid, Kind: KindCount, Doc: "orders that took their first payment that day (the order's pay event)"},
	{Name: OrdersCompleted, Kind: KindCount, Merchant: true, Doc: "orders that became completed that day: finished by the staff member, or their balance paid after the service (finish or pay_balance events to completed; closing an after-sales case does not count again)"},
	{Name: OrdersCancelled, Kind: KindCount, Doc: "orders cancelled that day, by anyone (cancel events)"},
	{Name: OrdersExpired, Kind: KindCount, Doc: "unpaid orders that expired that day (expire events)"},
	{Name: GMVFen, Kind: KindFen, Merchant: true, Doc: "money paid that day (payments paid, by paid_at: deposits, full payments and balances), net of late payments: a payment that reached an order already cancelled or expired, or for an amount the order no longer asked, is refunded automatically and never counts"},
	{Name: RefundsFen, Kind: KindFen, Merchant: true, Doc: "money refunded that day (refunds succeeded, by completed_at), except the automatic refunds of late payments (those never counted in gmv_fen)"},
	{Name: NewCustomers, Kind: KindDistinct, Doc: "customers who placed their first order in this city that day (first: their lowest order id)"},
	{Name: ActiveCustomers, Kind: KindDistinct, Doc: "customers who placed an order or paid a payment that day"},
	{Name: ActiveStaff, Kind: KindDistinct, Doc: "staff members who did a job step that day (depart, arrive, start, finish), answered a dispatch offer that day (accepted or declined it), or were seen on duty by a rollup run that day (on-duty is sampled every run into staff_duty_days)"},
	{Name: OrdersDispatched, Kind: KindCount, Doc: "orders given to a staff member for the first time that day by dispatch or a dispatcher (their first assign event); orders whose staff member the customer chose are assigned at payment and not counted"},
	{Name: DispatchSeconds, Kind: KindSeconds, Doc: "sum over orders_dispatched of the seconds from payment (paid_at) to that first assignment"},
	{Name: DispatchAvg, Kind: KindRatio, Doc: "average seconds from payment to assignment: dispatch_seconds_total / orders_dispatched", num: DispatchSeconds, den: OrdersDispatched, scale: 1},
	{Name: OffersSent, Kind: KindCount, Doc: "dispatch offers made that day (dispatch_offers.offered_at)"},
	{Name: OffersAccepted, Kind: KindCount, Doc: "of the offers made that day, those accepted (whenever they were answered)"},
	{Name: AcceptanceRate, Kind: KindRatio, Doc: "offers_accepted / offers_sent in basis points (10000 = all)", num: OffersAccepted, den: OffersSent, scale: 10000},
	{Name: ReviewsCount, Kind: KindCount, Merchant: true, Doc: "reviews written that day whose stars count (a review hidden as fraudulent does not)"},
	{Name: RatingSum, Kind: KindCount, Merchant: true, Doc: "sum of the overall stars of those reviews"},
	{Name: RatingAvg, Kind: KindRatio, Merchant: true, Doc: "average overall stars x 100 (450 = 4.5 stars): rating_sum / reviews_count", num: RatingSum, den: ReviewsCount, scale: 100},
	{Name: ReviewsSatisfied, Kind: KindCount, Doc: "of those reviews, the ones with 4 or 5 overall stars"},
	{Name: Satisfaction, Kind: KindRatio, Doc: "reviews_satisfied / reviews_count in basis points", num: ReviewsSatisfied, den: ReviewsCount, scale: 10000},
	{Name: AfterSalesOpened, Kind: KindCount, Merchant: true, Doc: "after-sales cases opened that day"},
	{Name: AfterSaleRate, Kind: KindRatio, Doc: "aftersales_opened / orders_completed of the same day, in basis points: both counted on the day they happened, not per cohort of orders, so a day with few completions and cases on older orders may exceed 10000", num: AfterSalesOpened, den: OrdersCompleted, scale: 10000},
}

var byName = func() map[string]Measure {
	m := make(map[string]Measure, len(Measures))
	for _, x := range Measures {
		m[x.Name] = x
	}
	return m
}()

// CityMeasures are the names kept per city, in API order.
var CityMeasures = names(func(Measure) bool { return true })

// MerchantMeasures are the names kept per merchant, in API order.
var MerchantMeasures = names(func(m Measure) bool { return m.Merchant })

func names(keep func(Measure) bool) []string {
	var out []string
	for _, m := range Measures {
		if keep(m) {
			out = append(out, m.Name)
		}
	}
	return out
}

// derive fills every ratio measure of values from its parts (which must be
// in values). It is how a city's day, a range's totals and the sum of all
// cities get their ratios: a ratio is never added or averaged.
func derive(values map[string]int64, measures []string) {
	for _, n := range measures {
		m := byName[n]
		if m.Kind == KindRatio {
			values[n] = ratio(values[m.num], values[m.den], m.scale)
		}
	}
}

// ratio is num*scale/den rounded half up (non-negative inputs), 0 when den
// is 0.
func ratio(num, den, scale int64) int64 {
	if den <= 0 || num <= 0 {
		return 0
	}
	return (2*num*scale + den) / (2 * den)
}

// sum adds the rows of several days or cities measure by measure and
// derives the ratios; distinct counts are left out unless acrossCities
// (people active on two days are two person-days, but a person is rarely a
// customer of two cities on one day, so cities add up).
func sum(rows []map[string]int64, measures []string, acrossCities bool) map[string]int64 {
	out := map[string]int64{}
	for _, n := range measures {
		m := byName[n]
		if m.Kind == KindRatio || (m.Kind == KindDistinct && !acrossCities) {
			continue
		}
		for _, r := range rows {
			out[n] += r[n]
		}
	}
	derive(out, measures)
	for _, n := range measures {
		if byName[n].Kind == KindDistinct && !acrossCities {
			delete(out, n)
		}
	}
	return out
}

// known tells whether name is one of list.
func known(list []string, name string) bool { return slices.Contains(list, name) }
