package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"doorstep/app"
)

// TokenConfig holds the signing keys and lifetimes.
type TokenConfig struct {
	Keys       map[string]string // key id -> secret (at least 32 bytes)
	ActiveKey  string
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
}

// Tokens issues and verifies access tokens: HS256 only (pinned), with a key
// id in the header so keys can be rotated (old ids keep verifying until they
// are removed from the ring).
type Tokens struct {
	cfg  TokenConfig
	keys map[string][]byte

	mu       sync.RWMutex
	verified map[string]verifiedToken // raw token -> claims, for tokens that verified moments ago
}

type verifiedToken struct {
	c     Claims
	until time.Time
}

// verifiedTTL bounds how long a verified token is trusted without parsing
// it again; a key removed from the ring stops working within it.
const (
	verifiedTTL = time.Minute
	verifiedMax = 50_000
)

// NewTokens checks the key ring.
func NewTokens(cfg TokenConfig) (*Tokens, error) {
	t := &Tokens{cfg: cfg, keys: map[string][]byte{}, verified: map[string]verifiedToken{}}
	for id, k := range cfg.Keys {
		if len(k) < 32 {
			return nil, fmt.Errorf("jwt key %q: at least 32 bytes", id)
		}
		t.keys[id] = []byte(k)
	}
	if _, ok := t.keys[cfg.ActiveKey]; !ok {
		return nil, fmt.Errorf("jwt active key %q is not in the ring", cfg.ActiveKey)
	}
	if cfg.AccessTTL <= 0 {
		t.cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL <= 0 {
		t.cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	return t, nil
}

// Claims are the access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	Scope      string `json:"scp,omitempty"` // "", "hq" or "city:<code>"
	Role       string `json:"role"`
	MerchantID int64  `json:"mid,omitempty"`
	StaffID    int64  `json:"sid,omitempty"`
	Epoch      int64  `json:"ep"`
}

// AccountID is the subject as a number.
func (c Claims) AccountID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

// Issue signs an access token for a grant of an account.
func (t *Tokens) Issue(accountID int64, scope, role string, merchantID, staffID, epoch int64) (string, time.Time, error) {
	now := time.Now().UTC()
	exp := now.Add(t.cfg.AccessTTL)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: t.cfg.Issuer, Subject: strconv.FormatInt(accountID, 10), Audience: jwt.ClaimStrings{t.cfg.Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Scope: scope, Role: role, MerchantID: merchantID, StaffID: staffID, Epoch: epoch,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = t.cfg.ActiveKey
	s, err := tok.SignedString(t.keys[t.cfg.ActiveKey])
	return s, exp, err
}

// ErrBadToken is every reason an access token is refused.
var ErrBadToken = app.E(app.KindUnauthorized, "invalid_token", "the access token is invalid or expired")

// Verify parses and checks an access token: algorithm pinned to HS256, key
// id known, issuer, audience, expiry and not-before.
func (t *Tokens) Verify(s string) (Claims, error) {
	now := time.Now()
	t.mu.RLock()
	v, ok := t.verified[s]
	t.mu.RUnlock()
	if ok && now.Before(v.until) {
		return v.c, nil
	}
	c, err := t.verify(s)
	if err != nil {
		return c, err
	}
	until := now.Add(verifiedTTL)
	if exp := c.ExpiresAt.Time; exp.Before(until) {
		until = exp
	}
	t.mu.Lock()
	if len(t.verified) >= verifiedMax {
		clear(t.verified) // crude but bounded: the next requests parse again
	}
	// s may point into a request buffer the server reuses (Fiber's header
	// values do): a key kept in the map must own its bytes, or a later
	// request rewrites it and another person's token finds these claims.
	t.verified[strings.Clone(s)] = verifiedToken{c: c, until: until}
	t.mu.Unlock()
	return c, nil
}

func (t *Tokens) verify(s string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(s, &c, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		k, ok := t.keys[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return k, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.cfg.Issuer),
		jwt.WithAudience(t.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(10*time.Second),
	)
	if err != nil {
		return Claims{}, ErrBadToken.Wrap(err)
	}
	if c.AccountID() <= 0 || c.Role == "" {
		return Claims{}, ErrBadToken
	}
	return c, nil
}

// newOpaque returns a random URL-safe secret and its SHA-256.
func newOpaque() (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	s := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(s))
	return s, h[:]
}

func hashOpaque(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
