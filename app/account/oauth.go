package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/oauth"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// Providers lists the third-party sign-ins configured.
func (s *Service) Providers() []string {
	out := make([]string, 0, len(s.oauth))
	for n := range s.oauth {
		out = append(out, n)
	}
	return out
}

// StartOAuth returns the provider's sign-in URL with a signed, expiring state
// bound to the provider and the redirect URI (CSRF protection without a
// server-side session).
func (s *Service) StartOAuth(provider, redirectURI string) (string, error) {
	p, ok := s.oauth[provider]
	if !ok {
		return "", ErrUnknownOAuth
	}
	return p.AuthURL(s.signState(provider, redirectURI, time.Now().Add(10*time.Minute)), redirectURI), nil
}

func (s *Service) signState(provider, redirect string, exp time.Time) string {
	nonce, _ := newOpaque()
	body := strconv.FormatInt(exp.Unix(), 10) + "." + nonce[:16]
	return body + "." + s.stateMAC(provider, redirect, body)
}

func (s *Service) stateMAC(provider, redirect, body string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.StateKey))
	fmt.Fprintf(m, "%s\n%s\n%s", provider, redirect, body)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) checkState(provider, redirect, state string) bool {
	i := strings.LastIndexByte(state, '.')
	if i < 0 {
		return false
	}
	body, mac := state[:i], state[i+1:]
	if !hmac.Equal([]byte(mac), []byte(s.stateMAC(provider, redirect, body))) {
		return false
	}
	exp, err := strconv.ParseInt(strings.SplitN(body, ".", 2)[0], 10, 64)
	return err == nil && time.Now().Unix() < exp
}

// FinishOAuth exchanges the provider's code, then signs the person in,
// creating an account the first time this identity is seen.
func (s *Service) FinishOAuth(ctx context.Context, provider, code, state, redirectURI string) (Session, error) {
	p, ok := s.oauth[provider]
	if !ok {
		return Session{}, ErrUnknownOAuth
	}
	if !s.checkState(provider, redirectURI, state) {
		return Session{}, ErrBadState
	}
	id, err := p.Exchange(ctx, code, redirectURI)
	if err != nil {
		s.audit.Record(ctx, "auth.oauth", "identity", provider, "failed", nil)
		return Session{}, app.E(app.KindUnauthorized, "oauth_failed", "the sign-in with "+provider+" did not succeed; try again").Wrap(err)
	}
	a, created, err := s.findOrCreateByIdentity(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if a.Status != StatusActive {
		return Session{}, ErrDisabled
	}
	sess, err := s.issue(ctx, a, "", app.RoleCustomer, 0, 0, "")
	sess.NewAccount = created
	s.audit.Record(app.WithActor(ctx, actorOf(ctx, a.ID)), "auth.login", "account", fmt.Sprint(a.ID), "ok", map[string]any{"method": provider, "new": created})
	return sess, err
}

func (s *Service) findOrCreateByIdentity(ctx context.Context, id oauth.Identity) (Account, bool, error) {
	var a Account
	var created bool
	err := s.reg.HQTx(ctx, func(ctx context.Context) error {
		created = false
		var ident Identity
		err := s.hq(ctx).Where("provider = ? AND subject = ?", id.Provider, id.Subject).Take(&ident).Error
		if err == nil {
			return s.hq(ctx).Where("id = ?", ident.AccountID).Take(&a).Error
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		// The same person through another app of the same WeChat open platform.
		if id.UnionID != "" {
			var other Identity
			if err := s.hq(ctx).Where("provider = ? AND union_id = ?", id.Provider, id.UnionID).Take(&other).Error; err == nil {
				if err := s.hq(ctx).Where("id = ?", other.AccountID).Take(&a).Error; err != nil {
					return err
				}
				return s.hq(ctx).Create(&Identity{Provider: id.Provider, Subject: id.Subject, UnionID: id.UnionID, AccountID: a.ID, Nickname: id.Nickname, CreatedAt: time.Now().UTC()}).Error
			}
		}
		now := time.Now().UTC()
		name := strings.TrimSpace(id.Nickname)
		if name == "" {
			name = id.Provider + "用户"
		}
		if r := []rune(name); len(r) > 32 {
			name = string(r[:32])
		}
		a = Account{DisplayName: name, AvatarURL: id.AvatarURL, Locale: s.cfg.DefaultLocale, Status: StatusActive, NotifySMS: true, NotifyPush: true, CreatedAt: now, UpdatedAt: now}
		if err := s.hq(ctx).Create(&a).Error; err != nil {
			return err
		}
		created = true
		return s.hq(ctx).Create(&Identity{Provider: id.Provider, Subject: id.Subject, UnionID: id.UnionID, AccountID: a.ID, Nickname: id.Nickname, CreatedAt: now}).Error
	})
	return a, created, err
}

// BindPhone attaches a phone number (proved with a "bind" code) to an
// account that signed up through a third party or email.
func (s *Service) BindPhone(ctx context.Context, accountID int64, phoneIn, code string) error {
	phone, ok := pii.NormalizePhone(phoneIn)
	if !ok {
		return ErrBadPhone
	}
	ph := s.box.Hash("phone", phone)
	if err := s.consumeCode(ctx, ph, PurposeBind, code); err != nil {
		return err
	}
	err := s.hq(ctx).Model(&Account{}).Where("id = ?", accountID).Updates(map[string]any{
		"phone_hash": ph, "phone_enc": s.box.Seal(phone), "phone_masked": pii.MaskPhone(phone), "updated_at": time.Now().UTC()}).Error
	if err != nil && tenants.IsDuplicate(err) {
		return ErrPhoneTaken
	}
	return err
}
