package web_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"doorstep/app/apptest"
	"doorstep/app/booking"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// The logs, at their most talkative, never hold a phone number, an SMS
// code, a token, a password or an address, whatever people do.
func TestLogs_NeverHoldPersonalDataCodesOrSecrets(t *testing.T) {
	logs := &lockedBuf{}
	e := apptest.New(t, apptest.Cities("sz"), apptest.LogTo(logs))
	phone := apptest.Phone(7777)
	c := e.Client(t)
	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
	code := e.SMSCode(t, phone)
	sess := e.SignIn(t, phone)
	me := c.In("sz").As(sess.AccessToken)
	me.Post("/v1/me/password", map[string]string{"new_password": "Secret123abc"}).OK()
	sess = e.SignIn(t, phone) // a password change ends every session, this one too
	me = c.In("sz").As(sess.AccessToken)
	c.Post("/v1/auth/login/password", map[string]string{"login": phone, "password": "Wrong9999xyz"}).WantError(401, "invalid_credentials")
	c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": "000000"}).WantError(401, "invalid_code")
	address := "南山区保密路88号机密大厦"
	me.Post("/v1/addresses", booking.AddressInput{ContactName: "小秘", Phone: phone, Address: address, Lat: 22.54, Lng: 113.93}).Want(201)
	c.Get("/v1/sandbox/sms?phone=" + phone).OK()
	me.Post("/v1/auth/refresh", map[string]string{"refresh_token": sess.RefreshToken}).OK()
	c.As("forged.token.here").Get("/v1/me").WantError(401, "invalid_token")
	out := logs.String()
	if len(out) < 200 {
		t.Fatalf("the product logged almost nothing (%d bytes): the test would prove nothing", len(out))
	}
	for what, secret := range map[string]string{"phone": phone, "sms code": code, "access token": sess.AccessToken,
		"refresh token": sess.RefreshToken, "password": "Secret123abc", "wrong password": "Wrong9999xyz", "address": address} {
		if strings.Contains(out, secret) {
			i := strings.Index(out, secret)
			t.Errorf("the logs hold the %s: …%s…", what, out[max(0, i-120):min(len(out), i+40)])
		}
	}
}
