package dispatch

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Offer statuses.
const (
	OfferOpen      = "offered"   // waiting for the staff member until Deadline
	OfferAccepted  = "accepted"  // the staff member took the job
	OfferDeclined  = "declined"  // the staff member said no
	OfferExpired   = "expired"   // the deadline passed unanswered
	OfferFailed    = "failed"    // accepted, but the time was taken meanwhile
	OfferWithdrawn = "withdrawn" // the order was assigned another way or left dispatch
)

// refused are the offer outcomes that keep a staff member out of the
// order's later rounds (rule already_declined) and count as used rounds.
var refused = []string{OfferDeclined, OfferExpired, OfferFailed}

// Offer is one round of smart dispatch: the job offered to one staff member
// until a deadline.
type Offer struct {
	ID            int64      `json:"id" gorm:"primaryKey"`
	OrderID       int64      `json:"order_id"`
	Round         int        `json:"round"`
	StaffID       int64      `json:"staff_id"`
	Status        string     `json:"status"`
	Score         float64    `json:"score"`
	DistanceM     int        `json:"distance_m"`
	DecisionID    int64      `json:"decision_id"`
	OfferedAt     time.Time  `json:"offered_at"`
	Deadline      time.Time  `json:"deadline"`
	RespondedAt   *time.Time `json:"responded_at"`
	DeclineReason string     `json:"decline_reason"`
}

// TableName is "dispatch_offers".
func (Offer) TableName(n schema.Namer) string { return tenants.TableName(n, "dispatch_offers") }

// Decision modes and outcomes.
const (
	ModeSmart  = "smart"
	ModeManual = "manual"

	OutcomeOffered   = "offered"   // smart: the job went to the chosen staff member as an offer
	OutcomeEscalated = "escalated" // smart: nobody qualified or the rounds ran out; the dispatchers were told
	OutcomeAssigned  = "assigned"  // manual: a dispatcher (or the city) assigned the order
)

// Escalation reasons.
const (
	ReasonNoCandidate = "no_candidate" // nobody passed the hard filters
	ReasonMaxRounds   = "max_rounds"   // the policy's rounds were used up
)

// DecisionRow is a stored decision; Explanation is the JSON of Explanation.
type DecisionRow struct {
	ID            int64     `gorm:"primaryKey"`
	OrderID       int64     //
	Round         int       //
	Mode          string    //
	ChosenStaffID int64     //
	Outcome       string    //
	Reason        string    //
	Considered    int       //
	Qualified     int       //
	Explanation   string    //
	TookUS        int64     `gorm:"column:took_us"`
	ActorID       int64     //
	CreatedAt     time.Time //
}

// TableName is "dispatch_decisions".
func (DecisionRow) TableName(n schema.Namer) string {
	return tenants.TableName(n, "dispatch_decisions")
}

// policyRow is a stored policy: merchant 0 is the city's default.
type policyRow struct {
	ID         int64 `gorm:"primaryKey"`
	MerchantID int64
	Policy     string
	UpdatedBy  int64
	UpdatedAt  time.Time
}

func (policyRow) TableName(n schema.Namer) string { return tenants.TableName(n, "dispatch_policies") }
