// Package merchant runs merchants in a city: self-registration and its
// review by the city, the shop profile, opening hours and service area, and
// the merchant's users (owner and dispatchers). Every read and write by id
// checks the merchant of the signed-in person.
//
// It imports app, app/catalog (categories, shelf counts, cache
// invalidation), app/account, app/notify, app/audit, app/outbox, app/pii,
// app/geo, rbac, tenants and gorm.
package merchant

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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
	OpenApplicant      *int64     `json:"-"` // the applicant while pending or more_info, else NULL (unique)
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
// the city's time zone; a day without an entry is closed. In JSON they read
// {"1": ["09:00", "18:00"], ...}.
type Hours map[int][2]int

// MarshalJSON writes {"1": ["09:00", "18:00"]}.
func (h Hours) MarshalJSON() ([]byte, error) {
	m := make(map[string][2]string, len(h))
	for d, span := range h {
		m[strconv.Itoa(d)] = [2]string{ClockText(span[0]), ClockText(span[1])}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads {"1": ["09:00", "18:00"]} (or minutes: {"1": [540, 1080]}).
func (h *Hours) UnmarshalJSON(b []byte) error {
	var raw map[string][2]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Hours, len(raw))
	for k, span := range raw {
		d, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("weekday %q: want 0 (Sunday) to 6", k)
		}
		var v [2]int
		for i, r := range span {
			var s string
			if json.Unmarshal(r, &s) == nil {
				m, ok := ParseClock(s)
				if !ok {
					return fmt.Errorf("weekday %d: %q is not a time like 09:00", d, s)
				}
				v[i] = m
			} else if err := json.Unmarshal(r, &v[i]); err != nil {
				return fmt.Errorf("weekday %d: want [\"09:00\", \"18:00\"]", d)
			}
		}
		out[d] = v
	}
	*h = out
	return nil
}

// Value stores hours as minutes, {"1": [540, 1080]}, whatever the API shows.
func (h Hours) Value() (driver.Value, error) {
	b, err := json.Marshal(map[int][2]int(h))
	return string(b), err
}

// Scan reads what Value stored.
func (h *Hours) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*h = nil
		return nil
	case []byte:
		return h.UnmarshalJSON(x)
	case string:
		return h.UnmarshalJSON([]byte(x))
	}
	return fmt.Errorf("opening hours: cannot scan %T", v)
}

// ParseClock reads "HH:MM" (00:00 to 24:00) as minutes from midnight.
func ParseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h*60+m > 24*60 {
		return 0, false
	}
	return h*60 + m, true
}

// ClockText writes minutes from midnight as "HH:MM".
func ClockText(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// Merchant is an approved merchant (商家).
type Merchant struct {
	ID                 int64     `json:"id" gorm:"primaryKey"`
	OwnerID            int64     `json:"owner_id"`
	ApplicationID      int64     `json:"application_id"`
	ApprovedFrom       *int64    `json:"-"` // = ApplicationID for approved merchants (unique)
	Name               string    `json:"name"`
	LogoURL            string    `json:"logo_url"`
	Intro              string    `json:"intro"`
	LicenceNo          string    `json:"licence_no"`
	ContactName        string    `json:"contact_name"`
	ContactPhoneEnc    []byte    `json:"-"`
	ContactPhoneMasked string    `json:"contact_phone"`
	Categories         []string  `json:"categories" gorm:"serializer:json"`
	Area               geo.Area  `json:"area" gorm:"serializer:json"`
	OpeningHours       Hours     `json:"opening_hours" doc:"{\"1\": [\"09:00\", \"18:00\"]}: weekday (0 = Sunday) to opening and closing time, city time"`
	Status             string    `json:"status"`
	CommissionBPS      *int64    `json:"commission_bps" gorm:"column:commission_bps"` // nil: the city's default
	RatingSum          int64     `json:"-"`
	RatingCount        int64     `json:"rating_count"`
	RatingAvg          int       `json:"rating_avg"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}
