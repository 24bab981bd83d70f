// Package pii protects personal data at rest: phone numbers, emails and
// addresses are sealed with AES-256-GCM under a rotatable key ring, and made
// findable through a keyed hash (HMAC-SHA256) that never reveals them.
// API answers show them masked. Standard library only.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Box seals and opens personal data. Ciphertext layout: key id (1 byte) ||
// nonce (12) || sealed data. Old keys stay in the ring to open old rows; the
// active key seals new ones.
type Box struct {
	aeads   map[byte]cipher.AEAD
	active  byte
	hashKey []byte
}

// New builds a Box from base64 keys by numeric id (1-255), the active id, and
// the hash key (base64, at least 32 bytes).
func New(keys map[string]string, active string, hashKey string) (*Box, error) {
	b := &Box{aeads: map[byte]cipher.AEAD{}}
	for id, k := range keys {
		n, err := strconv.Atoi(id)
		if err != nil || n < 1 || n > 255 {
			return nil, fmt.Errorf("pii: key id %q must be 1-255", id)
		}
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("pii: key %s must be 32 bytes in base64", id)
		}
		blk, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		g, err := cipher.NewGCM(blk)
		if err != nil {
			return nil, err
		}
		b.aeads[byte(n)] = g
	}
	a, err := strconv.Atoi(active)
	if err != nil || b.aeads[byte(a)] == nil {
		return nil, fmt.Errorf("pii: active key %q is not in the ring", active)
	}
	b.active = byte(a)
	hk, err := base64.StdEncoding.DecodeString(hashKey)
	if err != nil || len(hk) < 32 {
		return nil, errors.New("pii: hash key must be at least 32 bytes in base64")
	}
	b.hashKey = hk
	return b, nil
}

// Seal encrypts s with the active key. The empty string seals to nil.
func (b *Box) Seal(s string) []byte {
	if s == "" {
		return nil
	}
	g := b.aeads[b.active]
	out := make([]byte, 1+g.NonceSize(), 1+g.NonceSize()+len(s)+g.Overhead())
	out[0] = b.active
	if _, err := rand.Read(out[1 : 1+g.NonceSize()]); err != nil {
		panic(err) // the system's randomness source is broken
	}
	return g.Seal(out, out[1:1+g.NonceSize()], []byte(s), []byte{b.active})
}

// ErrOpen means ciphertext could not be opened (unknown key or tampered).
var ErrOpen = errors.New("pii: cannot open sealed value")

// Open decrypts what Seal made.
func (b *Box) Open(ct []byte) (string, error) {
	if len(ct) == 0 {
		return "", nil
	}
	g, ok := b.aeads[ct[0]]
	if !ok || len(ct) < 1+g.NonceSize()+g.Overhead() {
		return "", ErrOpen
	}
	pt, err := g.Open(nil, ct[1:1+g.NonceSize()], ct[1+g.NonceSize():], []byte{ct[0]})
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// ActiveKey is the id new values are sealed with; rows with another id are
// due for re-sealing.
func (b *Box) ActiveKey() byte { return b.active }

// Hash is the keyed lookup hash of a value of a kind ("phone", "email").
func (b *Box) Hash(kind, value string) []byte {
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// NormalizePhone accepts a mainland mobile number with or without +86 / 86,
// spaces or dashes, and returns its 11 digits.
func NormalizePhone(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "+86")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	if len(s) != 11 || s[0] != '1' || s[1] < '3' {
		return "", false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return s, true
}

// NormalizeEmail lowercases and trims an email and checks its rough shape.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || len(s) > 254 || !strings.Contains(s[at:], ".") || strings.ContainsAny(s, " \t\r\n<>\"") {
		return "", false
	}
	return s, true
}

// MaskPhone shows 138****1234.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return "****"
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// MaskEmail shows a***@example.com.
func MaskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 1 {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(e)
	return string(r) + "***" + e[at:]
}

// MaskAddress keeps the first characters of an address (district level) and
// hides the rest: "广东省深圳市南山区科技园****".
func MaskAddress(a string) string {
	rs := []rune(a)
	if len(rs) <= 6 {
		return "****"
	}
	keep := len(rs) / 2
	if keep > 12 {
		keep = 12
	}
	return string(rs[:keep]) + "****"
}
