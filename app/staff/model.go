// Package staff runs the people who go on site (服务人员): invitations by
// phone, skills, certifications and their verification, service area,
// working hours and days off, duty and location, the public profile
// customers see, and who is qualified for a service. Duty and location
// changes go out through LocationSink to the dispatch engine.
//
// It imports app, app/catalog (skills, items), app/merchant (shops),
// app/account, app/notify, app/audit, app/geo, rbac, tenants and gorm.
package staff

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/app/geo"
	"doorstep/tenants"
)

// Staff statuses.
const (
	StatusActive   = "active"
	StatusInactive = "inactive" // left the merchant or suspended
)

// Staff is one staff member of one merchant.
type Staff struct {
	ID              int64      `json:"id" gorm:"primaryKey"`
	MerchantID      int64      `json:"merchant_id"`
	AccountID       int64      `json:"-"`
	DisplayName     string     `json:"display_name"`
	PhotoURL        string     `json:"photo_url"`
	Bio             string     `json:"bio"`
	YearsExperience int        `json:"years_experience"`
	Skills          []string   `json:"skills" gorm:"serializer:json"`
	SkillMask       uint64     `json:"-"`
	Area            *geo.Area  `json:"-" gorm:"serializer:json"` // nil: the merchant's area
	WorkStartMin    int        `json:"work_start_min"`           // minutes from midnight, city time
	WorkEndMin      int        `json:"work_end_min"`
	WorkDays        int        `json:"work_days"` // bit 0 = Sunday ... bit 6 = Saturday
	Status          string     `json:"status"`
	OnDuty          bool       `json:"on_duty"`
	Lat             float64    `json:"-"`
	Lng             float64    `json:"-"`
	LocatedAt       *time.Time `json:"-"`
	RatingSum       int64      `json:"-"`
	RatingCount     int64      `json:"rating_count"`
	RatingAvg       int        `json:"rating_avg"`
	CompletedJobs   int64      `json:"completed_jobs"`
	OffersReceived  int64      `json:"-"`
	OffersAccepted  int64      `json:"-"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// TableName is "staff", not GORM's "staffs".
func (Staff) TableName(n schema.Namer) string { return tenants.TableName(n, "staff") }

// Certification statuses.
const (
	CertPending  = "pending"
	CertVerified = "verified"
	CertRejected = "rejected"
)

// Certification is a document proving a skill (健康证, 电工证, 育婴师证 ...).
type Certification struct {
	ID          int64      `json:"id" gorm:"primaryKey"`
	StaffID     int64      `json:"staff_id"`
	MerchantID  int64      `json:"merchant_id"`
	Name        string     `json:"name"`
	SkillCode   string     `json:"skill_code"`
	Issuer      string     `json:"issuer"`
	DocumentURL string     `json:"document_url"`
	ExpiresOn   *time.Time `json:"expires_on"`
	Status      string     `json:"status"`
	VerifiedBy  int64      `json:"verified_by,omitempty"`
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
	Note        string     `json:"note"`
	CreatedAt   time.Time  `json:"created_at"`
}

// DayOff is a date a staff member does not work.
type DayOff struct {
	StaffID int64     `json:"staff_id" gorm:"primaryKey"`
	Day     time.Time `json:"day" gorm:"primaryKey;type:date"`
}

// TableName is "staff_days_off".
func (DayOff) TableName(n schema.Namer) string { return tenants.TableName(n, "staff_days_off") }
