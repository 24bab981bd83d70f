// Package merchant runs merchants in a city: self-registration and its
// review by the city, the shop profile, opening hours and service area, and
// the merchant's users (owner and dispatchers). Every read and write by id
// checks the merchant of the signed-in person.
package merchant

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/app/geo"
	"doorstep/tenants"
)

// Application statuses.
const (
	AppPending  = "pending"
	AppMoreInfo = "more_info" // the city asked for more; the applicant edits and resubmits
	AppApproved = "approved"
	AppRejected = "rejected"
)

// Application is a request to open a merchant in a city.
type Application struct {
	ID                 int64      `json:"id" gorm:"primaryKey"`
	ApplicantID        int64      `json:"applicant_id"`
	Name               string     `json:"name"`
	LicenceNo          string     `json:"licence_no"`
	LicenceURL         string     `json:"licence_url"`
	ContactName        string     `json:"contact_name"`
	ContactPhoneEnc    []byte     `json:"-"`
	ContactPhoneMasked string     `json:"contact_phone"`
	Categories         []string   `json:"categories" gorm:"serializer:json"`
	Area               geo.Area   `json:"area" gorm:"serializer:json"`
	Intro              string     `json:"intro"`
	Status             string     `json:"status"`
	ReviewNote         string     `json:"review_note"`
	ReviewerID         int64      `json:"reviewer_id,omitempty"`
	ReviewedAt         *time.Time `json:"reviewed_at,omitempty"`
	MerchantID         int64      `json:"merchant_id,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// TableName keeps the schema prefix of the handle in use.
func (Application) TableName(n schema.Namer) string {
	return tenants.TableName(n, "merchant_applications")
}

// Merchant statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Hours are opening hours per weekday (0 = Sunday), minutes from midnight in
// the city's time zone; a day without an entry is closed.
type Hours map[int][2]int

// Merchant is an approved merchant (商家).
type Merchant struct {
	ID                 int64     `json:"id" gorm:"primaryKey"`
	OwnerID            int64     `json:"owner_id"`
	ApplicationID      int64     `json:"application_id"`
	Name               string    `json:"name"`
	LogoURL            string    `json:"logo_url"`
	Intro              string    `json:"intro"`
	LicenceNo          string    `json:"licence_no"`
	ContactName        string    `json:"contact_name"`
	ContactPhoneEnc    []byte    `json:"-"`
	ContactPhoneMasked string    `json:"contact_phone"`
	Categories         []string  `json:"categories" gorm:"serializer:json"`
	Area               geo.Area  `json:"area" gorm:"serializer:json"`
	OpeningHours       Hours     `json:"opening_hours" gorm:"serializer:json"`
	Status             string    `json:"status"`
	CommissionBPS      *int64    `json:"commission_bps" gorm:"column:commission_bps"` // nil: the city's default
	RatingSum          int64     `json:"-"`
	RatingCount        int64     `json:"rating_count"`
	RatingAvg          int       `json:"rating_avg"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}
