// Package marketing runs coupons and referrals in a city: coupons issued by
// a merchant (its own services) or by the city (any service), claimed by
// customers within total and per-customer limits, granted by the city, and
// applied to bookings through booking's Pricer hook inside the order
// transaction (given back on cancel and expiry); new-customer offers; and
// the referral reward both people get after the invitee's first completed
// order.
//
// It imports app, tenants, gorm, app/booking (the hook types it
// implements), app/catalog (category tree), app/notify, app/outbox and
// app/audit. Accounts (HQ) come in through the Accounts interface.
package marketing

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Issuers.
const (
	IssuerMerchant = "merchant"
	IssuerCity     = "city"
)

// Kinds of coupon.
const (
	KindAmount  = "amount"  // AmountFen off
	KindPercent = "percent" // PercentBPS of the price off, at most CapFen (0: no cap)
)

// Audiences.
const (
	AudienceAll = "all"
	// AudienceNew is for customers with no completed order in the city yet.
	AudienceNew = "new_customer"
)

// Coupon statuses. Paused and stopped coupons take no new claims or
// grants; paused ones may resume, stopped is final. Coupons customers hold
// already stay usable until they expire either way: they were promised.
const (
	StatusActive  = "active"
	StatusPaused  = "paused"
	StatusStopped = "stopped"
)

// Coupon is one coupon campaign.
type Coupon struct {
	ID               int64     `json:"id" gorm:"primaryKey"`
	Issuer           string    `json:"issuer"`
	MerchantID       int64     `json:"merchant_id"`
	Title            string    `json:"title"`
	Kind             string    `json:"kind"`
	AmountFen        int64     `json:"amount_fen"`
	PercentBPS       int64     `json:"percent_bps" gorm:"column:percent_bps"`
	CapFen           int64     `json:"cap_fen"`
	MinSpendFen      int64     `json:"min_spend_fen"`
	CategoryCodes    []string  `json:"category_codes" gorm:"serializer:json"`
	CategoryScope    []string  `json:"-" gorm:"serializer:json"` // CategoryCodes and every sub-category, when written
	ItemIDs          []int64   `json:"item_ids" gorm:"column:item_ids;serializer:json"`
	ValidFrom        time.Time `json:"valid_from"`
	ValidTo          time.Time `json:"valid_to"`
	TotalLimit       int64     `json:"total_limit"` // 0: no limit
	PerCustomerLimit int       `json:"per_customer_limit"`
	IssuedCount      int64     `json:"issued_count"`
	UsedCount        int64     `json:"used_count"`
	Audience         string    `json:"audience"`
	Claimable        bool      `json:"claimable"`
	Status           string    `json:"status"`
	CreatedBy        int64     `json:"created_by"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Customer coupon statuses as stored; "expired" is an available one past
// its expiry, worked out when read.
const (
	HeldAvailable = "available"
	HeldUsed      = "used"
	HeldExpired   = "expired"
)

// Sources of a customer's coupon.
const (
	SourceClaim    = "claim"
	SourceGrant    = "grant"
	SourceReferral = "referral"
)

// CustomerCoupon is one coupon a customer holds.
type CustomerCoupon struct {
	ID        int64      `gorm:"primaryKey"`
	CouponID  int64      //
	AccountID int64      //
	Status    string     // available | used
	Source    string     // claim | grant | referral
	OrderID   int64      // the order that used it
	ClaimedAt time.Time  //
	UsedAt    *time.Time //
	ExpiresAt time.Time  //
}

// ReferralReward records the reward of one invitee (once: unique invitee).
type ReferralReward struct {
	ID               int64 `gorm:"primaryKey"`
	InviteeID        int64
	ReferrerID       int64
	OrderID          int64
	CouponID         int64
	InviteeCouponID  int64
	ReferrerCouponID int64
	CreatedAt        time.Time
}

// TableName is "coupons".
func (Coupon) TableName(n schema.Namer) string { return tenants.TableName(n, "coupons") }

// TableName is "customer_coupons".
func (CustomerCoupon) TableName(n schema.Namer) string {
	return tenants.TableName(n, "customer_coupons")
}

// TableName is "referral_rewards".
func (ReferralReward) TableName(n schema.Namer) string {
	return tenants.TableName(n, "referral_rewards")
}

type settingRow struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
	UpdatedBy int64
}

func (settingRow) TableName(n schema.Namer) string { return tenants.TableName(n, "settings") }

// SettingReferralCoupon names the city setting holding the coupon both
// people get for a referral (a JSON number; 0 or absent: no reward).
const SettingReferralCoupon = "marketing.referral_coupon_id"
