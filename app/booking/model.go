// Package booking runs orders from booking to completion: saved addresses,
// the price computed on the server, slot reservations that make double
// booking impossible, the one order state machine with its event history,
// cancellation rules, after-sales cases, live status, and Idempotency-Key
// replays.
//
// It imports app, tenants, gorm and the shared services (audit, notify,
// outbox, pii, geo). What it needs of the catalog, merchants, staff,
// payments and marketing it declares as small interfaces (supply.go,
// hooks.go) that app/platform/wire_booking.go fills, so none of those
// packages is imported here and each of them may import booking.
package booking

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Address is a customer's saved address in a city; phone and full address
// are sealed (pii.Box) and shown masked.
type Address struct {
	ID            int64      `json:"id" gorm:"primaryKey"`
	AccountID     int64      `json:"-"`
	Label         string     `json:"label"`
	ContactName   string     `json:"contact_name"`
	PhoneEnc      []byte     `json:"-"`
	PhoneMasked   string     `json:"phone"`
	AddressEnc    []byte     `json:"-"`
	AddressMasked string     `json:"address"`
	District      string     `json:"district"`
	Lat           float64    `json:"lat"`
	Lng           float64    `json:"lng"`
	IsDefault     bool       `json:"is_default"`
	KeyID         int        `json:"-"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	DeletedAt     *time.Time `json:"-"`
}

// TableName is "customer_addresses".
func (Address) TableName(n schema.Namer) string { return tenants.TableName(n, "customer_addresses") }

// Order is one booking. Money is in fen; times are UTC.
type Order struct {
	ID            int64      `json:"id" gorm:"primaryKey"`
	OrderNo       string     `json:"order_no"`
	CustomerID    int64      `json:"customer_id"`
	MerchantID    int64      `json:"merchant_id"`
	ServiceItemID int64      `json:"service_item_id"`
	StaffID       int64      `json:"staff_id"`
	StaffChosen   bool       `json:"staff_chosen"`
	Status        string     `json:"status"`
	SlotStart     time.Time  `json:"slot_start"`
	SlotEnd       time.Time  `json:"slot_end"`
	DurationMin   int        `json:"duration_min"`
	Title         string     `json:"title"`
	CategoryCode  string     `json:"category_code"`
	SkillMask     uint64     `json:"-"`
	AddressID     int64      `json:"address_id"`
	ContactName   string     `json:"contact_name"`
	PhoneEnc      []byte     `json:"-"`
	PhoneMasked   string     `json:"phone"`
	AddressEnc    []byte     `json:"-"`
	AddressMasked string     `json:"address"`
	Lat           float64    `json:"lat"`
	Lng           float64    `json:"lng"`
	Requirements  string     `json:"requirements"`
	PriceModel    string     `json:"price_model"`
	PriceFen      int64      `json:"price_fen"`     // list price (fixed) or the range's lower bound (deposit)
	PriceMaxFen   int64      `json:"price_max_fen"` // the range's upper bound (deposit), frozen at booking
	DiscountFen   int64      `json:"discount_fen"`  // coupon discount
	CouponID      int64      `json:"coupon_id"`     // customer_coupons.id
	TotalFen      int64      `json:"total_fen"`     // what the customer owes in all (final price - discount once known)
	DepositFen    int64      `json:"deposit_fen"`
	PaidFen       int64      `json:"paid_fen"`
	RefundedFen   int64      `json:"refunded_fen"`
	BalanceFen    int64      `json:"balance_fen"`     // still to pay after the service (deposit orders)
	FinalPriceFen int64      `json:"final_price_fen"` // set by the staff at finish for deposit orders
	CancelFeeFen  int64      `json:"cancel_fee_fen"`
	PayDeadline   *time.Time `json:"pay_deadline"`
	PaidAt        *time.Time `json:"paid_at"`
	AssignedAt    *time.Time `json:"assigned_at"`
	DepartedAt    *time.Time `json:"departed_at"`
	ArrivedAt     *time.Time `json:"arrived_at"`
	StartedAt     *time.Time `json:"started_at"`
	CompletedAt   *time.Time `json:"completed_at"`
	ClosedAt      *time.Time `json:"closed_at"`
	CloseReason   string     `json:"close_reason"`
	FinishNote    string     `json:"finish_note"`
	FinishPhotos  []string   `json:"finish_photos" gorm:"serializer:json"`
	Reviewed      bool       `json:"reviewed"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Event is one transition of an order.
type Event struct {
	ID         int64     `json:"id" gorm:"primaryKey"`
	OrderID    int64     `json:"order_id"`
	Event      string    `json:"event"`
	FromStatus string    `json:"from"`
	ToStatus   string    `json:"to"`
	ActorID    int64     `json:"actor_id"`
	ActorRole  string    `json:"actor_role"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// TableName is "order_events".
func (Event) TableName(n schema.Namer) string { return tenants.TableName(n, "order_events") }

// SlotUnit is the fixed time unit a staff member's time is reserved in.
const SlotUnit = 30 * time.Minute

// Slot is one reserved unit of a staff member's time; the primary key
// (staff_id, slot_start) makes any overlap impossible.
type Slot struct {
	StaffID   int64     `gorm:"primaryKey"`
	SlotStart time.Time `gorm:"primaryKey"`
	OrderID   int64
	CreatedAt time.Time
}

// TableName is "staff_slots".
func (Slot) TableName(n schema.Namer) string { return tenants.TableName(n, "staff_slots") }

// AfterSale is a customer's case on a completed order.
type AfterSale struct {
	ID               int64      `json:"id" gorm:"primaryKey"`
	OrderID          int64      `json:"order_id"`
	CustomerID       int64      `json:"customer_id"`
	MerchantID       int64      `json:"merchant_id"`
	StaffID          int64      `json:"staff_id"`
	Reason           string     `json:"reason"`
	Detail           string     `json:"detail"`
	Photos           []string   `json:"photos" gorm:"serializer:json"`
	RequestedFen     int64      `json:"requested_fen"`
	Status           string     `json:"status"`
	MerchantReply    string     `json:"merchant_reply"`
	MerchantOfferFen int64      `json:"merchant_offer_fen"`
	RepliedAt        *time.Time `json:"replied_at"`
	Decision         string     `json:"decision"`
	RefundFen        int64      `json:"refund_fen"`
	Bearer           string     `json:"bearer"` // merchant | platform | staff
	DecisionNote     string     `json:"decision_note"`
	DecidedBy        int64      `json:"decided_by,omitempty"`
	DecidedAt        *time.Time `json:"decided_at"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// TableName is "aftersales".
func (AfterSale) TableName(n schema.Namer) string { return tenants.TableName(n, "aftersales") }

// IdempotencyKey remembers the first answer to a POST with an Idempotency-Key.
type IdempotencyKey struct {
	ID          int64 `gorm:"primaryKey"`
	AccountID   int64
	IdemKey     string
	Route       string
	RequestHash []byte
	Status      int
	Response    []byte
	CreatedAt   time.Time
}
