package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// Referral codes: every account gets one on first ask; a person may name
// the code of whoever invited them once. The rules around it (only before a
// first order, rewards) live in app/marketing; these are the HQ rows.

// Errors of referral codes.
var (
	ErrReferralCodeUnknown = app.E(app.KindNotFound, "referral_code_not_found", "no account has this referral code")
	ErrSelfReferral        = app.E(app.KindInvalid, "self_referral", "you cannot enter your own referral code")
	ErrReferrerSet         = app.E(app.KindConflict, "referrer_already_set", "you have entered a referral code already")
)

// referralAlphabet leaves out 0/O and 1/I/L, which people misread.
const referralAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newReferralCode() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = referralAlphabet[int(b[i])%len(referralAlphabet)]
	}
	return string(b[:])
}

// NormalizeReferralCode puts a typed code in its stored form.
func NormalizeReferralCode(code string) string {
	return strings.ToUpper(strings.Join(strings.Fields(code), ""))
}

// ReferralCode returns the account's referral code, giving it one (unique,
// 8 characters) the first time it is asked for.
func (s *Service) ReferralCode(ctx context.Context, id int64) (string, error) {
	for attempt := 0; attempt < 8; attempt++ {
		a, err := s.get(ctx, id)
		if err != nil {
			return "", err
		}
		if a.ReferralCode != nil && *a.ReferralCode != "" {
			return *a.ReferralCode, nil
		}
		// Conditional: two first asks at once keep whichever code landed first.
		err = s.hq(ctx).Model(&Account{}).Where("id = ? AND referral_code IS NULL", id).
			Updates(map[string]any{"referral_code": newReferralCode(), "updated_at": time.Now().UTC()}).Error
		if err != nil && !tenants.IsDuplicate(err) {
			return "", fmt.Errorf("referral code: %w", err)
		}
	}
	return "", errors.New("referral code: no free code after 8 tries")
}

// SetReferrer records, once, the account whose referral code the person
// entered, and returns its id.
func (s *Service) SetReferrer(ctx context.Context, id int64, code string) (int64, error) {
	code = NormalizeReferralCode(code)
	if code == "" || len(code) > 16 {
		return 0, ErrReferralCodeUnknown
	}
	var ref Account
	err := s.hq(ctx).Select("id").Where("referral_code = ?", code).Take(&ref).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, ErrReferralCodeUnknown
	}
	if err != nil {
		return 0, err
	}
	if ref.ID == id {
		return 0, ErrSelfReferral
	}
	res := s.hq(ctx).Model(&Account{}).Where("id = ? AND referrer_id IS NULL", id).
		Updates(map[string]any{"referrer_id": ref.ID, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 0 {
		if _, err := s.get(ctx, id); err != nil {
			return 0, err
		}
		return 0, ErrReferrerSet
	}
	return ref.ID, nil
}

// ReferrerOf returns the account that invited id (0 when none did).
func (s *Service) ReferrerOf(ctx context.Context, id int64) (int64, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return 0, err
	}
	if a.ReferrerID == nil {
		return 0, nil
	}
	return *a.ReferrerID, nil
}

// InvitedCount counts the accounts that entered id's referral code.
func (s *Service) InvitedCount(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := s.hq(ctx).Model(&Account{}).Where("referrer_id = ?", id).Count(&n).Error
	return n, err
}

// AccountIDByPhone finds the account of a phone number without creating
// one (a city granting a coupon to a known customer).
func (s *Service) AccountIDByPhone(ctx context.Context, phoneIn string) (int64, error) {
	phone, ok := pii.NormalizePhone(phoneIn)
	if !ok {
		return 0, ErrBadPhone
	}
	a, err := s.byPhoneHash(ctx, s.box.Hash("phone", phone))
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, app.NotFound("account")
	}
	return a.ID, err
}
