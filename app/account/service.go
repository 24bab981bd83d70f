package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/notify"
	"doorstep/app/oauth"
	"doorstep/app/pii"
	"doorstep/app/ratelimit"
	"doorstep/rbac"
	"doorstep/tenants"
)

// SMSQueue sends a templated SMS through the HQ outbox.
type SMSQueue interface {
	QueueSMSHQ(ctx context.Context, phone, template string, params map[string]string) error
}

// Config tunes sign-in rules.
type Config struct {
	Tokens            TokenConfig
	CodeTTL           time.Duration // 10 min
	CodeMaxAttempts   int           // 5
	CodeCooldown      time.Duration // 60 s
	CodesPerDay       int           // 10 per phone
	CodesPerIPHour    int           // per client IP
	LoginFailures     int           // failed password sign-ins per identifier or IP per window
	LoginWindow       time.Duration
	StateKey          string // signs OAuth state
	EpochCacheTTL     time.Duration
	DefaultLocale     string
	OAuthRedirectBase string // public base URL for OAuth callbacks
}

// Service runs accounts and sign-in.
type Service struct {
	reg    *tenants.Registry
	en     *rbac.Enforcer
	box    *pii.Box
	tokens *Tokens
	lim    *ratelimit.Limiter
	sms    SMSQueue
	audit  *audit.Log
	oauth  map[string]oauth.Provider
	cfg    Config
	log    *slog.Logger

	epochs sync.Map // account id -> epochEntry
}

type epochEntry struct {
	epoch int64
	at    time.Time
}

// New builds the account service.
func New(reg *tenants.Registry, en *rbac.Enforcer, box *pii.Box, tokens *Tokens, lim *ratelimit.Limiter, smsq SMSQueue,
	al *audit.Log, providers []oauth.Provider, cfg Config, log *slog.Logger) *Service {
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = 10 * time.Minute
	}
	if cfg.CodeMaxAttempts <= 0 {
		cfg.CodeMaxAttempts = 5
	}
	if cfg.CodeCooldown <= 0 {
		cfg.CodeCooldown = time.Minute
	}
	if cfg.CodesPerDay <= 0 {
		cfg.CodesPerDay = 10
	}
	if cfg.CodesPerIPHour <= 0 {
		cfg.CodesPerIPHour = 30
	}
	if cfg.LoginFailures <= 0 {
		cfg.LoginFailures = 10
	}
	if cfg.LoginWindow <= 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	if cfg.EpochCacheTTL <= 0 {
		cfg.EpochCacheTTL = 5 * time.Second
	}
	if cfg.DefaultLocale == "" {
		cfg.DefaultLocale = "zh"
	}
	ps := map[string]oauth.Provider{}
	for _, p := range providers {
		ps[p.Name()] = p
	}
	return &Service{reg: reg, en: en, box: box, tokens: tokens, lim: lim, sms: smsq, audit: al, oauth: ps, cfg: cfg, log: log}
}

// Tokens exposes token verification to the HTTP edge.
func (s *Service) Tokens() *Tokens { return s.tokens }

// Errors clients see.
var (
	ErrBadPhone       = app.E(app.KindInvalid, "invalid_phone", "enter an 11-digit mainland mobile number")
	ErrBadEmail       = app.E(app.KindInvalid, "invalid_email", "enter a valid email address")
	ErrBadCode        = app.E(app.KindUnauthorized, "invalid_code", "the code is wrong or has expired; request a new one")
	ErrCredentials    = app.E(app.KindUnauthorized, "invalid_credentials", "the account or password is wrong")
	ErrCodeCooldown   = app.E(app.KindTooMany, "code_cooldown", "a code was sent less than a minute ago; wait before asking again")
	ErrCodeDaily      = app.E(app.KindTooMany, "code_daily_limit", "too many codes for this number today; try again tomorrow")
	ErrTooManyTries   = app.E(app.KindTooMany, "too_many_attempts", "too many failed attempts; try again later")
	ErrRefreshInvalid = app.E(app.KindUnauthorized, "invalid_refresh_token", "the refresh token is invalid or expired; sign in again")
	ErrRefreshReused  = app.E(app.KindUnauthorized, "refresh_token_reused", "this refresh token was already used; every session of this sign-in has been ended")
	ErrDisabled       = app.E(app.KindForbidden, "account_disabled", "this account is disabled")
	ErrEmailTaken     = app.E(app.KindConflict, "email_taken", "this email belongs to an account already; sign in instead")
	ErrPhoneTaken     = app.E(app.KindConflict, "phone_taken", "this phone number belongs to another account")
	ErrUnknownOAuth   = app.E(app.KindNotFound, "unknown_provider", "this sign-in provider is not available")
	ErrBadState       = app.E(app.KindInvalid, "invalid_state", "the sign-in request expired or was tampered with; start again")
	ErrNoGrant        = app.E(app.KindForbidden, "no_such_role", "you do not hold this role any more")
)

// Code purposes.
const (
	PurposeLogin = "login"
	PurposeReset = "reset"
	PurposeBind  = "bind"
)

func (s *Service) hq(ctx context.Context) *gorm.DB { return s.reg.HQ(ctx) }

// SendCode sends a 6-digit code to a phone. It answers the same whether or
// not an account exists. Limits: one per phone per cool-down, CodesPerDay
// per phone a day, CodesPerIPHour per client IP an hour.
func (s *Service) SendCode(ctx context.Context, phoneIn, purpose, ip string) error {
	phone, ok := pii.NormalizePhone(phoneIn)
	if !ok {
		return ErrBadPhone
	}
	if purpose == "" {
		purpose = PurposeLogin
	}
	if purpose != PurposeLogin && purpose != PurposeReset && purpose != PurposeBind {
		return app.Invalid("purpose", "must be login, reset or bind")
	}
	ph := s.box.Hash("phone", phone)
	hk := base64.RawURLEncoding.EncodeToString(ph[:12])
	if ok, _, err := s.lim.Allow(ctx, "sms:ip:"+ip, s.cfg.CodesPerIPHour, time.Hour); err != nil {
		return app.ErrUnavailable.Wrap(err)
	} else if !ok {
		return app.ErrTooMany
	}
	if ok, err := s.lim.Once(ctx, "sms:cool:"+hk, s.cfg.CodeCooldown); err != nil {
		return app.ErrUnavailable.Wrap(err)
	} else if !ok {
		return ErrCodeCooldown
	}
	day := time.Now().In(shanghai).Format("20060102")
	if ok, _, err := s.lim.Allow(ctx, "sms:day:"+hk+":"+day, s.cfg.CodesPerDay, 25*time.Hour); err != nil {
		return app.ErrUnavailable.Wrap(err)
	} else if !ok {
		return ErrCodeDaily
	}
	if purpose == PurposeReset {
		// Unknown numbers get the same answer and spend the same limits, but no message.
		if _, err := s.byPhoneHash(ctx, ph); err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil
			}
			return err
		}
	}
	code := sixDigits()
	now := time.Now().UTC()
	row := SMSCode{PhoneHash: ph, Purpose: purpose, CodeHash: s.codeHash(ph, code), ExpiresAt: now.Add(s.cfg.CodeTTL), IP: ip, CreatedAt: now}
	return s.reg.HQTx(ctx, func(ctx context.Context) error {
		if err := s.hq(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("store code: %w", err)
		}
		return s.sms.QueueSMSHQ(ctx, phone, "code_"+purpose, map[string]string{"code": code, "minutes": fmt.Sprint(int(s.cfg.CodeTTL.Minutes()))})
	})
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func sixDigits() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(b[:])%1000000)
}

func (s *Service) codeHash(phoneHash []byte, code string) []byte {
	m := hmac.New(sha256.New, phoneHash)
	m.Write([]byte(code))
	return s.box.Hash("sms_code", string(m.Sum(nil)))
}

// consumeCode checks a code: the newest live code of the phone and purpose,
// at most CodeMaxAttempts tries, single use.
func (s *Service) consumeCode(ctx context.Context, ph []byte, purpose, code string) error {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return ErrBadCode
	}
	// A wrong code must count as an attempt even though it fails, so the
	// transaction commits and the verdict travels beside it.
	var verdict error
	err := s.reg.HQTx(ctx, func(ctx context.Context) error {
		verdict = nil
		var c SMSCode
		err := s.hq(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("phone_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?", ph, purpose, time.Now().UTC()).
			Order("id DESC").Take(&c).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			verdict = ErrBadCode
			return nil
		}
		if err != nil {
			return err
		}
		if c.Attempts >= s.cfg.CodeMaxAttempts {
			verdict = ErrBadCode
			return nil
		}
		if !hmac.Equal(c.CodeHash, s.codeHash(ph, code)) {
			verdict = ErrBadCode
			return s.hq(ctx).Model(&SMSCode{}).Where("id = ?", c.ID).Update("attempts", gorm.Expr("attempts + 1")).Error
		}
		return s.hq(ctx).Model(&SMSCode{}).Where("id = ?", c.ID).Update("used_at", time.Now().UTC()).Error
	})
	if err != nil {
		return err
	}
	return verdict
}

// LoginWithCode signs in (and signs up, for a new number) with an SMS code.
func (s *Service) LoginWithCode(ctx context.Context, phoneIn, code, ip string) (Session, error) {
	phone, ok := pii.NormalizePhone(phoneIn)
	if !ok {
		return Session{}, ErrBadPhone
	}
	ph := s.box.Hash("phone", phone)
	if err := s.consumeCode(ctx, ph, PurposeLogin, code); err != nil {
		s.audit.Record(ctx, "auth.login_code", "account", "", "failed", map[string]string{"phone": pii.MaskPhone(phone)})
		return Session{}, err
	}
	acct, created, err := s.findOrCreateByPhone(ctx, phone, ph)
	if err != nil {
		return Session{}, err
	}
	if acct.Status != StatusActive {
		return Session{}, ErrDisabled
	}
	sess, err := s.issue(ctx, acct, "", app.RoleCustomer, 0, 0, "")
	if err != nil {
		return Session{}, err
	}
	sess.NewAccount = created
	s.audit.Record(app.WithActor(ctx, actorOf(ctx, acct.ID)), "auth.login", "account", fmt.Sprint(acct.ID), "ok", map[string]any{"method": "sms", "new": created})
	return sess, nil
}

func actorOf(ctx context.Context, id int64) app.Actor {
	a, _ := app.ActorFrom(ctx)
	a.AccountID = id
	if a.Role == "" {
		a.Role = app.RoleCustomer
	}
	return a
}

func (s *Service) byPhoneHash(ctx context.Context, ph []byte) (Account, error) {
	var a Account
	err := s.hq(ctx).Where("phone_hash = ?", ph).Take(&a).Error
	return a, err
}

func (s *Service) findOrCreateByPhone(ctx context.Context, phone string, ph []byte) (Account, bool, error) {
	a, err := s.byPhoneHash(ctx, ph)
	if err == nil {
		return a, false, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return a, false, err
	}
	now := time.Now().UTC()
	a = Account{PhoneHash: ph, PhoneEnc: s.box.Seal(phone), PhoneMasked: pii.MaskPhone(phone), DisplayName: "用户" + phone[len(phone)-4:],
		Locale: s.cfg.DefaultLocale, Status: StatusActive, NotifySMS: true, NotifyPush: true, CreatedAt: now, UpdatedAt: now}
	if err := s.hq(ctx).Create(&a).Error; err != nil {
		if tenants.IsDuplicate(err) { // two first sign-ins of one number at once
			a, err = s.byPhoneHash(ctx, ph)
			return a, false, err
		}
		return a, false, fmt.Errorf("create account: %w", err)
	}
	return a, true, nil
}

// RegisterEmail creates an account with an email and password.
func (s *Service) RegisterEmail(ctx context.Context, emailIn, password, name string) (Session, error) {
	email, ok := pii.NormalizeEmail(emailIn)
	if !ok {
		return Session{}, ErrBadEmail
	}
	if err := validPassword(password); err != nil {
		return Session{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = strings.SplitN(email, "@", 2)[0]
	}
	if len([]rune(name)) > 32 {
		return Session{}, app.Invalid("display_name", "at most 32 characters")
	}
	now := time.Now().UTC()
	a := Account{EmailHash: s.box.Hash("email", email), EmailEnc: s.box.Seal(email), EmailMasked: pii.MaskEmail(email), PasswordHash: hashPassword(password),
		DisplayName: name, Locale: s.cfg.DefaultLocale, Status: StatusActive, NotifySMS: true, NotifyPush: true, CreatedAt: now, UpdatedAt: now}
	if err := s.hq(ctx).Create(&a).Error; err != nil {
		if tenants.IsDuplicate(err) {
			return Session{}, ErrEmailTaken
		}
		return Session{}, fmt.Errorf("create account: %w", err)
	}
	sess, err := s.issue(ctx, a, "", app.RoleCustomer, 0, 0, "")
	sess.NewAccount = true
	s.audit.Record(app.WithActor(ctx, actorOf(ctx, a.ID)), "auth.register", "account", fmt.Sprint(a.ID), "ok", map[string]string{"method": "email"})
	return sess, err
}

// LoginPassword signs in with a phone number or email and a password. Every
// failure, including an unknown account, gives the same answer in the same
// time; failures are limited per identifier and per IP.
func (s *Service) LoginPassword(ctx context.Context, login, password, ip string) (Session, error) {
	var h []byte
	if phone, ok := pii.NormalizePhone(login); ok {
		h = s.box.Hash("phone", phone)
	} else if email, ok := pii.NormalizeEmail(login); ok {
		h = s.box.Hash("email", email)
	} else {
		checkPassword(dummyHash, password)
		return Session{}, ErrCredentials
	}
	idKey := "login:id:" + base64.RawURLEncoding.EncodeToString(h[:12])
	ipKey := "login:ip:" + ip
	for _, k := range []string{idKey, ipKey} {
		n, err := s.lim.Count(ctx, k)
		if err != nil {
			return Session{}, app.ErrUnavailable.Wrap(err)
		}
		limit := s.cfg.LoginFailures
		if k == ipKey {
			limit *= 5
		}
		if n >= int64(limit) {
			return Session{}, ErrTooManyTries
		}
	}
	var a Account
	err := s.hq(ctx).Where("phone_hash = ? OR email_hash = ?", h, h).Take(&a).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, err
	}
	hash := a.PasswordHash
	if hash == "" {
		hash = dummyHash
	}
	if !checkPassword(hash, password) || a.ID == 0 || a.PasswordHash == "" {
		for _, k := range []string{idKey, ipKey} {
			_, _, _ = s.lim.Allow(ctx, k, 1<<30, s.cfg.LoginWindow)
		}
		s.audit.Record(ctx, "auth.login_password", "account", "", "failed", nil)
		return Session{}, ErrCredentials
	}
	if a.Status != StatusActive {
		return Session{}, ErrDisabled
	}
	_ = s.lim.Reset(ctx, idKey)
	s.audit.Record(app.WithActor(ctx, actorOf(ctx, a.ID)), "auth.login", "account", fmt.Sprint(a.ID), "ok", map[string]string{"method": "password"})
	return s.issue(ctx, a, "", app.RoleCustomer, 0, 0, "")
}

// SetPassword sets a password for the signed-in person (old one required
// when one exists) and ends every other session.
func (s *Service) SetPassword(ctx context.Context, accountID int64, old, next string) error {
	if err := validPassword(next); err != nil {
		return err
	}
	a, err := s.get(ctx, accountID)
	if err != nil {
		return err
	}
	if a.PasswordHash != "" && !checkPassword(a.PasswordHash, old) {
		return ErrCredentials
	}
	if err := s.replacePassword(ctx, a.ID, next); err != nil {
		return err
	}
	s.audit.Record(ctx, "auth.password_change", "account", fmt.Sprint(a.ID), "ok", nil)
	return nil
}

// ResetPassword sets a new password with an SMS code sent for "reset".
func (s *Service) ResetPassword(ctx context.Context, phoneIn, code, next string) error {
	phone, ok := pii.NormalizePhone(phoneIn)
	if !ok {
		return ErrBadPhone
	}
	if err := validPassword(next); err != nil {
		return err
	}
	ph := s.box.Hash("phone", phone)
	if err := s.consumeCode(ctx, ph, PurposeReset, code); err != nil {
		return err
	}
	a, err := s.byPhoneHash(ctx, ph)
	if err != nil {
		return ErrBadCode // codes are only sent to known numbers; answer as for a wrong code
	}
	if err := s.replacePassword(ctx, a.ID, next); err != nil {
		return err
	}
	s.audit.Record(app.WithActor(ctx, actorOf(ctx, a.ID)), "auth.password_reset", "account", fmt.Sprint(a.ID), "ok", nil)
	return nil
}

func (s *Service) replacePassword(ctx context.Context, id int64, pw string) error {
	h := hashPassword(pw)
	return s.reg.HQTx(ctx, func(ctx context.Context) error {
		if err := s.hq(ctx).Model(&Account{}).Where("id = ?", id).Updates(map[string]any{"password_hash": h, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return s.revokeAll(ctx, id)
	})
}

// Logout ends every session of the account: all refresh tokens are revoked
// and access tokens stop working within EpochCacheTTL on every copy.
func (s *Service) Logout(ctx context.Context, accountID int64) error {
	if err := s.reg.HQTx(ctx, func(ctx context.Context) error { return s.revokeAll(ctx, accountID) }); err != nil {
		return err
	}
	s.audit.Record(ctx, "auth.logout", "account", fmt.Sprint(accountID), "ok", nil)
	return nil
}

func (s *Service) revokeAll(ctx context.Context, id int64) error {
	now := time.Now().UTC()
	if err := s.hq(ctx).Model(&RefreshToken{}).Where("account_id = ? AND revoked_at IS NULL", id).Update("revoked_at", now).Error; err != nil {
		return err
	}
	if err := s.hq(ctx).Model(&Account{}).Where("id = ?", id).Update("token_epoch", gorm.Expr("token_epoch + 1")).Error; err != nil {
		return err
	}
	tenants.AfterCommit(ctx, func() { s.epochs.Delete(id) })
	return nil
}

// Epoch returns the account's current token epoch, cached briefly; tokens
// with an older epoch are refused.
func (s *Service) Epoch(ctx context.Context, id int64) (int64, error) {
	if v, ok := s.epochs.Load(id); ok {
		e := v.(epochEntry)
		if time.Since(e.at) < s.cfg.EpochCacheTTL {
			return e.epoch, nil
		}
	}
	var row struct {
		TokenEpoch int64
		Status     string
	}
	if err := s.hq(ctx).Model(&Account{}).Select("token_epoch, status").Where("id = ?", id).Take(&row).Error; err != nil {
		return 0, err
	}
	ep := row.TokenEpoch
	if row.Status != StatusActive {
		ep = -1 // matches no token
	}
	s.epochs.Store(id, epochEntry{epoch: ep, at: time.Now()})
	return ep, nil
}

// issue creates an access token and starts (or continues) a refresh chain.
func (s *Service) issue(ctx context.Context, a Account, scope, role string, mid, sid int64, family string) (Session, error) {
	access, exp, err := s.tokens.Issue(a.ID, scope, role, mid, sid, a.TokenEpoch)
	if err != nil {
		return Session{}, err
	}
	if family == "" {
		f, _ := newOpaque()
		family = f[:24]
	}
	raw, h := newOpaque()
	now := time.Now().UTC()
	rt := RefreshToken{AccountID: a.ID, FamilyID: family, TokenHash: h, Scope: scope, Role: role, MerchantID: mid, StaffID: sid,
		ExpiresAt: now.Add(s.tokens.cfg.RefreshTTL), CreatedAt: now}
	if err := s.hq(ctx).Create(&rt).Error; err != nil {
		return Session{}, fmt.Errorf("store refresh token: %w", err)
	}
	grants, err := s.en.GrantsOf(ctx, a.ID)
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, AccessExpiresAt: exp, RefreshToken: raw, RefreshExpiresAt: rt.ExpiresAt, TokenType: "Bearer",
		Scope: scope, Role: role, MerchantID: mid, StaffID: sid, AccountID: a.ID, Grants: grants}, nil
}

// Refresh rotates a refresh token: the presented one is spent and a new pair
// is issued in the same chain. Presenting a spent token again means it was
// stolen or replayed: the whole chain is revoked.
func (s *Service) Refresh(ctx context.Context, raw string) (Session, error) {
	if raw == "" {
		return Session{}, ErrRefreshInvalid
	}
	var rt RefreshToken
	if err := s.hq(ctx).Where("token_hash = ?", hashOpaque(raw)).Take(&rt).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Session{}, ErrRefreshInvalid
		}
		return Session{}, err
	}
	now := time.Now().UTC()
	if rt.RevokedAt != nil || now.After(rt.ExpiresAt) {
		return Session{}, ErrRefreshInvalid
	}
	res := s.hq(ctx).Model(&RefreshToken{}).Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", rt.ID).Update("used_at", now)
	if res.Error != nil {
		return Session{}, res.Error
	}
	if res.RowsAffected == 0 {
		if err := s.hq(ctx).Model(&RefreshToken{}).Where("family_id = ? AND revoked_at IS NULL", rt.FamilyID).Update("revoked_at", now).Error; err != nil {
			return Session{}, err
		}
		s.audit.Record(app.WithActor(ctx, actorOf(ctx, rt.AccountID)), "auth.refresh_reuse", "account", fmt.Sprint(rt.AccountID), "denied", map[string]string{"family": rt.FamilyID})
		return Session{}, ErrRefreshReused
	}
	a, err := s.get(ctx, rt.AccountID)
	if err != nil {
		return Session{}, err
	}
	if a.Status != StatusActive {
		return Session{}, ErrDisabled
	}
	if rt.Role != app.RoleCustomer && !s.en.HasRole(a.ID, rt.Role, rt.Scope) {
		return Session{}, ErrNoGrant
	}
	return s.issue(ctx, a, rt.Scope, rt.Role, rt.MerchantID, rt.StaffID, rt.FamilyID)
}

// Switch issues a session acting in one of the person's grants (or as a
// customer when grantID is 0).
func (s *Service) Switch(ctx context.Context, accountID, grantID int64) (Session, error) {
	a, err := s.get(ctx, accountID)
	if err != nil {
		return Session{}, err
	}
	if a.Status != StatusActive {
		return Session{}, ErrDisabled
	}
	if grantID == 0 {
		return s.issue(ctx, a, "", app.RoleCustomer, 0, 0, "")
	}
	g, err := s.en.FindGrant(ctx, accountID, grantID)
	if err != nil {
		return Session{}, err
	}
	if !s.en.HasRole(accountID, g.Role, g.Domain) {
		return Session{}, ErrNoGrant
	}
	sess, err := s.issue(ctx, a, g.Domain, g.Role, g.MerchantID, g.StaffID, "")
	if err == nil {
		s.audit.Record(app.WithActor(ctx, actorOf(ctx, a.ID)), "auth.switch", "grant", fmt.Sprint(g.ID), "ok", map[string]string{"domain": g.Domain, "role": g.Role})
	}
	return sess, err
}

func (s *Service) get(ctx context.Context, id int64) (Account, error) {
	var a Account
	err := s.hq(ctx).Where("id = ?", id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, app.NotFound("account")
	}
	return a, err
}

// Me returns the person's own profile.
func (s *Service) Me(ctx context.Context, id int64) (Profile, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	grants, err := s.en.GrantsOf(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	return Profile{ID: a.ID, DisplayName: a.DisplayName, AvatarURL: a.AvatarURL, Locale: a.Locale, Phone: a.PhoneMasked, Email: a.EmailMasked,
		HasPassword: a.PasswordHash != "", NotifySMS: a.NotifySMS, NotifyPush: a.NotifyPush, CreatedAt: a.CreatedAt, Grants: grants}, nil
}

// ProfileUpdate changes what a person may change of their own account.
type ProfileUpdate struct {
	DisplayName *string `json:"display_name"`
	AvatarURL   *string `json:"avatar_url"`
	Locale      *string `json:"locale"`
	NotifySMS   *bool   `json:"notify_sms"`
	NotifyPush  *bool   `json:"notify_push"`
	PushToken   *string `json:"push_token"`
}

// UpdateProfile applies a partial update.
func (s *Service) UpdateProfile(ctx context.Context, id int64, u ProfileUpdate) (Profile, error) {
	set := map[string]any{"updated_at": time.Now().UTC()}
	if u.DisplayName != nil {
		n := strings.TrimSpace(*u.DisplayName)
		if n == "" || len([]rune(n)) > 32 {
			return Profile{}, app.Invalid("display_name", "1 to 32 characters")
		}
		set["display_name"] = n
	}
	if u.AvatarURL != nil {
		if *u.AvatarURL != "" && !strings.HasPrefix(*u.AvatarURL, "https://") && !strings.HasPrefix(*u.AvatarURL, "http://") {
			return Profile{}, app.Invalid("avatar_url", "must be an http(s) URL")
		}
		set["avatar_url"] = *u.AvatarURL
	}
	if u.Locale != nil {
		if *u.Locale != "zh" && *u.Locale != "en" {
			return Profile{}, app.Invalid("locale", "zh or en")
		}
		set["locale"] = *u.Locale
	}
	if u.NotifySMS != nil {
		set["notify_sms"] = *u.NotifySMS
	}
	if u.NotifyPush != nil {
		set["notify_push"] = *u.NotifyPush
	}
	if u.PushToken != nil {
		if len(*u.PushToken) > 200 {
			return Profile{}, app.Invalid("push_token", "too long")
		}
		set["push_token"] = *u.PushToken
	}
	if err := s.hq(ctx).Model(&Account{}).Where("id = ?", id).Updates(set).Error; err != nil {
		return Profile{}, err
	}
	return s.Me(ctx, id)
}

// Contact opens a person's contact data for a notification job.
func (s *Service) Contact(ctx context.Context, id int64) (notify.Contact, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return notify.Contact{}, err
	}
	phone, err := s.box.Open(a.PhoneEnc)
	if err != nil {
		return notify.Contact{}, err
	}
	return notify.Contact{Phone: phone, Locale: a.Locale, NotifySMS: a.NotifySMS, NotifyPush: a.NotifyPush, PushToken: a.PushToken}, nil
}

// ClearPushToken forgets the account's push token when the push provider no
// longer knows the device. It clears only if the token is still the one that
// failed, so a device the person registered meanwhile keeps its pushes.
func (s *Service) ClearPushToken(ctx context.Context, accountID int64, token string) error {
	return s.hq(ctx).Model(&Account{}).Where("id = ? AND push_token = ?", accountID, token).
		Updates(map[string]any{"push_token": "", "updated_at": time.Now().UTC()}).Error
}

// Brief is another person's public face: name and avatar, never contact data.
type Brief struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	AvatarURL   string `json:"avatar_url"`
	Phone       string `json:"phone,omitempty"` // masked
}

// Briefs returns names and avatars of several accounts.
func (s *Service) Briefs(ctx context.Context, ids []int64) (map[int64]Brief, error) {
	out := map[int64]Brief{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Account
	if err := s.hq(ctx).Select("id, display_name, avatar_url, phone_masked").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[a.ID] = Brief{ID: a.ID, DisplayName: a.DisplayName, AvatarURL: a.AvatarURL, Phone: a.PhoneMasked}
	}
	return out, nil
}

// FindOrInviteByPhone returns the account of a phone number, creating an
// empty one for a person who has not signed in yet (a merchant inviting
// staff by phone). The person signs in later with an SMS code and finds
// their roles waiting.
func (s *Service) FindOrInviteByPhone(ctx context.Context, phoneIn, name string) (int64, bool, error) {
	phone, ok := pii.NormalizePhone(phoneIn)
	if !ok {
		return 0, false, ErrBadPhone
	}
	a, created, err := s.findOrCreateByPhone(ctx, phone, s.box.Hash("phone", phone))
	if err != nil {
		return 0, false, err
	}
	if created && strings.TrimSpace(name) != "" {
		_ = s.hq(ctx).Model(&Account{}).Where("id = ?", a.ID).Update("display_name", strings.TrimSpace(name)).Error
	}
	return a.ID, created, nil
}

// SetStatus enables or disables an account (HQ); disabling ends its sessions.
func (s *Service) SetStatus(ctx context.Context, id int64, status string) error {
	if status != StatusActive && status != StatusDisabled {
		return app.Invalid("status", "active or disabled")
	}
	err := s.reg.HQTx(ctx, func(ctx context.Context) error {
		res := s.hq(ctx).Model(&Account{}).Where("id = ?", id).Update("status", status)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return app.NotFound("account")
		}
		if status == StatusDisabled {
			return s.revokeAll(ctx, id)
		}
		return nil
	})
	if err == nil {
		s.audit.Record(ctx, "account.status", "account", fmt.Sprint(id), "ok", map[string]string{"status": status})
	}
	return err
}

// EnsurePassword gives an account a password when it has none (demo and
// first-admin seeding).
func (s *Service) EnsurePassword(ctx context.Context, id int64, pw string) error {
	if err := validPassword(pw); err != nil {
		return err
	}
	return s.hq(ctx).Model(&Account{}).Where("id = ? AND password_hash = ''", id).Update("password_hash", hashPassword(pw)).Error
}
