package booking

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/notify"
	"doorstep/app/outbox"
	"doorstep/app/pii"
)

// Task types booking writes to the outbox, with their payloads.
const (
	TaskExpire      = "order:expire"       // ExpirePayload, at the pay deadline
	TaskExpireSweep = "order:expire_sweep" // periodic, per city: the backstop of TaskExpire
	TaskRemind      = "order:remind"       // OrderPayload, an hour before the slot
	// TaskDispatch asks the dispatch engine (built later) to find staff for
	// a paid order that has none. Booking only writes it.
	TaskDispatch = "dispatch:order" // OrderPayload
)

// ExpirePayload is the payload of TaskExpire.
type ExpirePayload struct {
	OrderID int64 `json:"order_id"`
}

// OrderPayload names one order (TaskRemind, TaskDispatch).
type OrderPayload struct {
	OrderID int64 `json:"order_id"`
}

// Deps are what the booking service is built from.
type Deps struct {
	Box       *pii.Box
	Outbox    *outbox.Outbox
	Notify    *notify.Service
	Audit     *audit.Log
	Catalog   Catalog
	Merchants Merchants
	Staff     Staff
	Live      Broadcast // nil: live status reaches only streams of this copy
	Log       *slog.Logger
	Now       func() time.Time // nil: time.Now
}

// Service runs addresses, orders, their state machine and after-sales.
type Service struct {
	box    *pii.Box
	out    *outbox.Outbox
	notify *notify.Service
	audit  *audit.Log
	cat    Catalog
	mer    Merchants
	staff  Staff
	log    *slog.Logger
	now    func() time.Time
	live   *hub
	rules  sync.Map // city code -> cachedRules: the city's own booking settings

	mu       sync.RWMutex
	pricer   Pricer
	refunder Refunder
	checker  PaymentChecker
	ledger   Ledger
	done     Completion
	platform PlatformDefaults // HQ's defaults of the settings (wire_hq)
	onStaff  StaffHook
}

// New builds the booking service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{box: d.Box, out: d.Outbox, notify: d.Notify, audit: d.Audit, cat: d.Catalog, mer: d.Merchants, staff: d.Staff,
		log: d.Log, now: func() time.Time { return d.Now().UTC() }, live: newHub(d.Live, d.Log), pricer: noDiscount{}}
}

// UseRefunder sets who gives money back (the payment service, wired after
// booking exists).
func (s *Service) UseRefunder(r Refunder) { s.mu.Lock(); s.refunder = r; s.mu.Unlock() }

// UsePricer sets the coupon hook (marketing). A Pricer that also
// implements CouponReleaser gets coupons back on cancel and expiry.
func (s *Service) UsePricer(p Pricer) {
	if p == nil {
		p = noDiscount{}
	}
	s.mu.Lock()
	s.pricer = p
	s.mu.Unlock()
}

// UsePaymentChecker sets the hook asked before an unpaid order expires.
func (s *Service) UsePaymentChecker(c PaymentChecker) { s.mu.Lock(); s.checker = c; s.mu.Unlock() }

// UseLedger sets who books the money of order events (settlement).
func (s *Service) UseLedger(l Ledger) { s.mu.Lock(); s.ledger = l; s.mu.Unlock() }

// UseCompletionHook sets who is told of completed orders (marketing).
func (s *Service) UseCompletionHook(c Completion) { s.mu.Lock(); s.done = c; s.mu.Unlock() }

func (s *Service) completionHook() Completion {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.done
}

func (s *Service) ledgerHook() Ledger {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ledger
}

func (s *Service) hooks() (Pricer, Refunder, PaymentChecker) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pricer, s.refunder, s.checker
}

// Errors clients see.
var (
	ErrOrderNotFound       = app.NotFound("order")
	ErrAddressNotFound     = app.NotFound("address")
	ErrAfterSaleNotFound   = app.NotFound("aftersale")
	ErrBookingsPaused      = app.E(app.KindUnavailable, "bookings_paused", "this city takes no new bookings for a few minutes; try again shortly")
	ErrItemUnavailable     = app.E(app.KindUnprocessable, "item_unavailable", "this service is not on sale")
	ErrMerchantUnavailable = app.E(app.KindUnprocessable, "merchant_unavailable", "this merchant is not taking bookings")
	ErrBadSlot             = app.E(app.KindInvalid, "invalid_slot", "slot_start must be RFC 3339 with an offset or 2006-01-02T15:04 in the city's time")
	ErrSlotMisaligned      = app.E(app.KindInvalid, "slot_misaligned", "slot_start must be on the hour or the half hour")
	ErrSlotTooSoon         = app.E(app.KindUnprocessable, "slot_too_soon", "this time is too soon to book")
	ErrSlotTooFar          = app.E(app.KindUnprocessable, "slot_too_far", "this time is too far ahead to book")
	ErrOutsideHours        = app.E(app.KindUnprocessable, "outside_opening_hours", "the merchant does not serve at this time")
	ErrOutOfArea           = app.E(app.KindUnprocessable, "address_out_of_area", "the merchant does not serve this address")
	ErrStaffUnavailable    = app.E(app.KindUnprocessable, "staff_unavailable", "this staff member cannot be booked for this service")
	ErrStaffNotQualified   = app.E(app.KindUnprocessable, "staff_not_qualified", "this staff member lacks a skill this service needs")
	ErrStaffNotWorking     = app.E(app.KindUnprocessable, "staff_not_working", "this staff member does not work at this time")
	ErrStaffDayOff         = app.E(app.KindUnprocessable, "staff_day_off", "this staff member is off on this day")
	ErrSlotTaken           = app.E(app.KindConflict, "slot_taken", "this time was just booked by someone else; pick another time")
	ErrInvalidTransition   = app.E(app.KindConflict, "invalid_transition", "the order is not in a state that allows this")
	ErrEventNotAllowed     = app.E(app.KindForbidden, "event_not_allowed", "you may not do this to the order")
	ErrAlreadyAssigned     = app.E(app.KindConflict, "already_assigned", "the order is already assigned to this staff member")
	ErrAmountMismatch      = app.E(app.KindUnprocessable, "amount_mismatch", "the amount paid is not what the order asks for")
	ErrNotPayable          = app.E(app.KindConflict, "order_not_payable", "nothing is due on this order now")
	ErrPayDeadline         = app.E(app.KindConflict, "payment_deadline_passed", "the time to pay this order has passed; book again")
	ErrRefundsUnavailable  = app.E(app.KindUnavailable, "refunds_unavailable", "refunds are not available right now; try again shortly")
	ErrFarFromAddress      = app.E(app.KindConflict, "far_from_address", "you are too far from the service address to check in")
	ErrFinalPrice          = app.E(app.KindInvalid, "final_price_out_of_range", "final_price_fen must be within the service's price range")
	ErrAfterSaleWindow     = app.E(app.KindConflict, "aftersale_window_closed", "the time to ask for after-sales service on this order has passed")
	ErrAfterSaleExists     = app.E(app.KindConflict, "aftersale_exists", "this order already has an after-sales case")
	ErrAfterSaleState      = app.E(app.KindConflict, "aftersale_invalid_state", "the after-sales case is not in a state that allows this")
	ErrRefundTooLarge      = app.E(app.KindUnprocessable, "refund_exceeds_paid", "the amount is more than what is left to refund on this order")
	ErrAlreadyReviewed     = app.E(app.KindConflict, "already_reviewed", "this order has been reviewed already")
	ErrNotCompleted        = app.E(app.KindConflict, "order_not_completed", "only completed orders can be reviewed")
	ErrIdemInProgress      = app.E(app.KindConflict, "idempotency_key_in_progress", "a request with this Idempotency-Key is still running; retry later")
	ErrTooManyAddresses    = app.E(app.KindConflict, "too_many_addresses", "you have saved the most addresses allowed; delete one first")
)

func notFound(err error) bool {
	return errors.Is(err, gorm.ErrRecordNotFound) || app.KindOf(err) == app.KindNotFound
}

// bg detaches ctx from its deadline for work after commit (publishing,
// auditing) that must not be cut short by the request ending.
func bg(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
