package booking

import (
	"context"
	"time"

	"doorstep/app/geo"
)

// What booking needs of the supply side (catalog, merchants, staff). The
// platform wiring adapts the real services to these interfaces; booking
// imports none of those packages, so they may import booking.
//
// Lookups return an error of kind app.KindNotFound (or gorm's
// ErrRecordNotFound) for an unknown id. The counters run inside booking's
// transaction (they reach the database through tenants.DB(ctx)).
//
// Two reads over many rows go to the city's tables directly instead, one
// set-based query each, as dispatch does: the availability of a merchant's
// qualified staff (staff, staff_days_off; slots.go) and the names and
// photos order lists show (staff, service_items, merchants; query.go). They
// read only columns of the schema contract (migrations/city).

// Catalog is what booking needs of the catalog.
type Catalog interface {
	Item(ctx context.Context, id int64) (Item, error)
	AddSale(ctx context.Context, itemID int64) error
}

// Merchants is what booking needs of the merchant service.
type Merchants interface {
	Get(ctx context.Context, id int64) (Merchant, error)
}

// Staff is what booking needs of the staff service.
type Staff interface {
	Get(ctx context.Context, id int64) (StaffMember, error)
	// DaysOff lists the days off of a staff member between two local
	// calendar dates (inclusive), each a date at midnight UTC.
	DaysOff(ctx context.Context, staffID int64, from, to time.Time) ([]time.Time, error)
	AddCompleted(ctx context.Context, staffID int64) error
}

// Item is the part of a service item booking reads.
type Item struct {
	ID           int64
	MerchantID   int64
	Title        string
	CategoryCode string
	PriceModel   string // fixed | deposit
	PriceFen     int64
	PriceMaxFen  int64
	DepositFen   int64
	DurationMin  int
	SkillMask    uint64
	Area         *geo.Area // nil: the merchant's area
	Status       string    // on | off
	Photo        string    // the first photo ("" when none), for order views
}

// Price models and item states, as the catalog spells them.
const (
	PriceFixed   = "fixed"
	PriceDeposit = "deposit"
	itemOn       = "on"
)

// Merchant is the part of a merchant booking reads.
type Merchant struct {
	ID      int64
	OwnerID int64
	Name    string
	Status  string // active | suspended
	Area    geo.Area
	// OpeningHours per weekday (0 = Sunday): [open, close) in minutes from
	// midnight, city time; a weekday without an entry is closed.
	OpeningHours map[int][2]int
}

const merchantActive = "active"

// StaffMember is the part of a staff profile booking reads.
type StaffMember struct {
	ID           int64
	MerchantID   int64
	AccountID    int64
	DisplayName  string
	SkillMask    uint64
	WorkStartMin int // minutes from midnight, city time
	WorkEndMin   int
	WorkDays     int // bit 0 = Sunday ... bit 6 = Saturday
	Status       string
	PhotoURL     string
}

const staffActive = "active"
