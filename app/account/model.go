// Package account holds every person's login: one account per person across
// the platform (customers, staff, merchant users, city and HQ operators),
// sign-in by SMS code, password or a third-party provider, access tokens
// bound to one role in one domain, rotating refresh tokens, and sign-in
// rate limits. Rows live in the HQ schema.
package account

import (
	"time"

	"doorstep/rbac"
)

// Account is one person. Phone and email are sealed; their keyed hashes find
// them; the masked forms are what API answers show.
type Account struct {
	ID           int64 `gorm:"primaryKey"`
	PhoneHash    []byte
	PhoneEnc     []byte
	PhoneMasked  string
	EmailHash    []byte
	EmailEnc     []byte
	EmailMasked  string
	PasswordHash string
	DisplayName  string
	AvatarURL    string
	Locale       string
	Status       string
	TokenEpoch   int64
	ReferrerID   *int64
	ReferralCode *string
	NotifySMS    bool `gorm:"column:notify_sms"`
	NotifyPush   bool
	PushToken    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// Identity links a third-party login to an account.
type Identity struct {
	ID        int64 `gorm:"primaryKey"`
	Provider  string
	Subject   string
	UnionID   string
	AccountID int64
	Nickname  string
	CreatedAt time.Time
}

// RefreshToken is one link of a rotation chain (a family).
type RefreshToken struct {
	ID         int64 `gorm:"primaryKey"`
	AccountID  int64
	FamilyID   string
	TokenHash  []byte
	Scope      string
	Role       string
	MerchantID int64
	StaffID    int64
	UsedAt     *time.Time
	RevokedAt  *time.Time
	ExpiresAt  time.Time
	CreatedAt  time.Time
}

// SMSCode is one code sent for sign-in or password reset, stored hashed.
type SMSCode struct {
	ID        int64 `gorm:"primaryKey"`
	PhoneHash []byte
	Purpose   string
	CodeHash  []byte
	Attempts  int
	ExpiresAt time.Time
	UsedAt    *time.Time
	IP        string
	CreatedAt time.Time
}

// Profile is what a person sees of their own account.
type Profile struct {
	ID          int64        `json:"id"`
	DisplayName string       `json:"display_name"`
	AvatarURL   string       `json:"avatar_url"`
	Locale      string       `json:"locale"`
	Phone       string       `json:"phone"` // masked
	Email       string       `json:"email"` // masked
	HasPassword bool         `json:"has_password"`
	NotifySMS   bool         `json:"notify_sms"`
	NotifyPush  bool         `json:"notify_push"`
	CreatedAt   time.Time    `json:"created_at"`
	Grants      []rbac.Grant `json:"grants"`
}

// Session is the answer to every successful sign-in, refresh or switch.
type Session struct {
	AccessToken      string       `json:"access_token"`
	AccessExpiresAt  time.Time    `json:"access_expires_at"`
	RefreshToken     string       `json:"refresh_token"`
	RefreshExpiresAt time.Time    `json:"refresh_expires_at"`
	TokenType        string       `json:"token_type"`
	Scope            string       `json:"scope"`
	Role             string       `json:"role"`
	MerchantID       int64        `json:"merchant_id,omitempty"`
	StaffID          int64        `json:"staff_id,omitempty"`
	AccountID        int64        `json:"account_id"`
	NewAccount       bool         `json:"new_account,omitempty"`
	Grants           []rbac.Grant `json:"grants"`
}
