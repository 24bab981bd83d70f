package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
)

// Sandbox is a third-party login that needs no outside account: its
// authorize page is served by our own server (/sandbox/oauth/authorize),
// which asks for a nickname and redirects back with a code signed by the
// sandbox key. Exchange checks the signature, as a real provider would check
// its own codes.
type Sandbox struct {
	base string // our public base URL
	key  []byte
}

// NewSandbox returns the sandbox provider.
func NewSandbox(publicBase, key string) *Sandbox {
	return &Sandbox{base: strings.TrimRight(publicBase, "/"), key: []byte(key)}
}

// Name is "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// AuthURL points at the sandbox authorize page.
func (s *Sandbox) AuthURL(state, redirectURI string) string {
	return s.base + "/sandbox/oauth/authorize?" + url.Values{"state": {state}, "redirect_uri": {redirectURI}}.Encode()
}

// Code makes the code the sandbox authorize page hands back for a nickname.
func (s *Sandbox) Code(nickname string) string {
	n := base64.RawURLEncoding.EncodeToString([]byte(nickname))
	return n + "." + s.mac(n)
}

func (s *Sandbox) mac(v string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Exchange verifies a sandbox code.
func (s *Sandbox) Exchange(_ context.Context, code, _ string) (Identity, error) {
	n, mac, ok := strings.Cut(code, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.mac(n))) {
		return Identity{}, errors.New("sandbox oauth: invalid code")
	}
	nick, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(nick) == 0 {
		return Identity{}, errors.New("sandbox oauth: invalid code")
	}
	return Identity{Provider: "sandbox", Subject: "sbx-" + s.mac("subject:"+string(nick)), Nickname: string(nick)}, nil
}
