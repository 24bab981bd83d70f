package account_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"doorstep/app/account"
	"doorstep/app/apptest"
	"doorstep/app/platform"
)

const testKey = "test-jwt-key-0123456789abcdef0123456789" // apptest.Config's k1

func claims(sub int64, aud string, exp time.Time) account.Claims {
	now := time.Now()
	return account.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "doorstep", Subject: strconv.FormatInt(sub, 10), Audience: jwt.ClaimStrings{aud},
			IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)), ExpiresAt: jwt.NewNumericDate(exp)},
		Role: "customer",
	}
}

func sign(t *testing.T, m jwt.SigningMethod, c account.Claims, kid string, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuth_ForgedTokensAreRefused(t *testing.T) {
	e := apptest.New(t)
	s := e.SignIn(t, apptest.Phone(1))
	c := e.Client(t)
	c.As(s.AccessToken).Get("/v1/me").OK()
	// the real token's epoch is 0; a forged token copies everything else
	good := claims(s.AccountID, "doorstep-api", time.Now().Add(time.Hour))
	cases := map[string]string{
		"alg none":       sign(t, jwt.SigningMethodNone, good, "k1", jwt.UnsafeAllowNoneSignatureType),
		"wrong key":      sign(t, jwt.SigningMethodHS256, good, "k1", []byte("another-key-0123456789abcdef0123456789")),
		"expired":        sign(t, jwt.SigningMethodHS256, claims(s.AccountID, "doorstep-api", time.Now().Add(-time.Hour)), "k1", []byte(testKey)),
		"wrong audience": sign(t, jwt.SigningMethodHS256, claims(s.AccountID, "someone-else", time.Now().Add(time.Hour)), "k1", []byte(testKey)),
		"unknown key id": sign(t, jwt.SigningMethodHS256, good, "k9", []byte(testKey)),
		"no key id":      sign(t, jwt.SigningMethodHS256, good, "", []byte(testKey)),
		"HS512":          sign(t, jwt.SigningMethodHS512, good, "k1", []byte(testKey)),
		"tampered":       s.AccessToken[:len(s.AccessToken)-4] + "AAAA",
		"garbage":        "not.a.token",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			c.As(tok).Get("/v1/me").WantError(401, "invalid_token")
		})
	}
	// The control: a correctly signed token with the right claims works.
	c.As(sign(t, jwt.SigningMethodHS256, good, "k1", []byte(testKey))).Get("/v1/me").OK()
}

func TestAuth_RefreshRotatesAndReuseRevokesTheChain(t *testing.T) {
	e := apptest.New(t)
	s := e.SignIn(t, apptest.Phone(2))
	c := e.Client(t)
	var s2, s3 account.Session
	c.Post("/v1/auth/refresh", map[string]string{"refresh_token": s.RefreshToken}).OK().JSON(&s2)
	if s2.RefreshToken == s.RefreshToken {
		t.Fatal("refresh token not rotated")
	}
	c.Post("/v1/auth/refresh", map[string]string{"refresh_token": s2.RefreshToken}).OK().JSON(&s3)
	// s.RefreshToken was spent: presenting it again is a replay.
	c.Post("/v1/auth/refresh", map[string]string{"refresh_token": s.RefreshToken}).WantError(401, "refresh_token_reused")
	// ...which ends the whole chain, including the newest token.
	c.Post("/v1/auth/refresh", map[string]string{"refresh_token": s3.RefreshToken}).WantError(401, "invalid_refresh_token")
	// Another sign-in of the same person is another chain and still works.
	other := e.SignIn(t, apptest.Phone(2))
	c.Post("/v1/auth/refresh", map[string]string{"refresh_token": other.RefreshToken}).OK()
}

func TestAuth_ConcurrentRefreshOfOneTokenHasOneWinner(t *testing.T) {
	e := apptest.New(t)
	s := e.SignIn(t, apptest.Phone(3))
	var wg sync.WaitGroup
	codes := make(chan int, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- e.Client(t).Post("/v1/auth/refresh", map[string]string{"refresh_token": s.RefreshToken}).Status
		}()
	}
	wg.Wait()
	close(codes)
	ok := 0
	for c := range codes {
		if c == 200 {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d refreshes of one token succeeded, want 1", ok)
	}
}

func TestAuth_LogoutEndsAccessAndRefresh(t *testing.T) {
	e := apptest.New(t)
	s := e.SignIn(t, apptest.Phone(4))
	c := e.Client(t).As(s.AccessToken)
	c.Post("/v1/auth/logout", nil).OK()
	c.Get("/v1/me").WantError(401, "session_ended")
	e.Client(t).Post("/v1/auth/refresh", map[string]string{"refresh_token": s.RefreshToken}).WantError(401, "invalid_refresh_token")
}

func TestAuth_PasswordChangeEndsOtherSessions(t *testing.T) {
	e := apptest.New(t)
	s := e.SignIn(t, apptest.Phone(5))
	c := e.Client(t)
	c.As(s.AccessToken).Post("/v1/me/password", map[string]string{"new_password": "Secret123"}).OK()
	c.Post("/v1/auth/refresh", map[string]string{"refresh_token": s.RefreshToken}).WantError(401, "invalid_refresh_token")
	var p account.Session
	c.Post("/v1/auth/login/password", map[string]string{"login": apptest.Phone(5), "password": "Secret123"}).OK().JSON(&p)
	c.As(p.AccessToken).Get("/v1/me").OK()
}

func TestAuth_SameAnswerForKnownAndUnknownAccounts(t *testing.T) {
	e := apptest.New(t)
	known := apptest.Phone(6)
	s := e.SignIn(t, known)
	c := e.Client(t)
	c.As(s.AccessToken).Post("/v1/me/password", map[string]string{"new_password": "Secret123"}).OK()
	unknown := apptest.Phone(7)
	for _, phone := range []string{known, unknown} {
		c.Post("/v1/auth/sms-code", map[string]string{"phone": phone, "purpose": "reset"}).OK()
		c.Post("/v1/auth/login/password", map[string]string{"login": phone, "password": "Wrong1234"}).WantError(401, "invalid_credentials")
	}
	c.Post("/v1/auth/login/password", map[string]string{"login": "nobody@example.com", "password": "Wrong1234"}).WantError(401, "invalid_credentials")
	// the unknown number got no message at all
	var msgs []any
	c.Get("/v1/sandbox/sms?phone=" + unknown).OK().JSON(&msgs)
	if len(msgs) != 0 {
		t.Fatalf("a reset code went to an unknown number")
	}
}

func realLimits(cooldown time.Duration, perDay, perIP int) apptest.Option {
	return apptest.Configure(func(c *platform.Config) {
		c.Auth.CodeCooldown, c.Auth.CodesPerDay, c.Auth.CodesPerIPHour = cooldown, perDay, perIP
	})
}

func TestAuth_SMSCodeCooldownAndDailyLimit(t *testing.T) {
	e := apptest.New(t, realLimits(time.Minute, 10, 1000))
	c := e.Client(t)
	phone := apptest.Phone(8)
	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).WantError(429, "code_cooldown")

	d := apptest.New(t, realLimits(time.Millisecond, 10, 1000))
	dc := d.Client(t)
	for i := 0; i < 10; i++ {
		dc.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
		time.Sleep(3 * time.Millisecond)
	}
	dc.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).WantError(429, "code_daily_limit")
}

func TestAuth_SMSCodePerIPLimit(t *testing.T) {
	e := apptest.New(t, realLimits(time.Millisecond, 10, 5))
	c := e.Client(t)
	for i := 0; i < 5; i++ {
		c.Post("/v1/auth/sms-code", map[string]string{"phone": apptest.Phone(100 + i)}).OK()
	}
	c.Post("/v1/auth/sms-code", map[string]string{"phone": apptest.Phone(200)}).WantError(429, "rate_limited")
}

func TestAuth_SMSCodeIsSingleUseDiesAfterFiveWrongTriesAndExpires(t *testing.T) {
	e := apptest.New(t)
	c := e.Client(t)
	phone := apptest.Phone(9)
	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
	code := e.SMSCode(t, phone)
	c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": code}).OK()
	c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": code}).WantError(401, "invalid_code")

	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
	time.Sleep(50 * time.Millisecond)
	code = e.SMSCode(t, phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 0; i < 5; i++ {
		c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": wrong}).WantError(401, "invalid_code")
	}
	c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": code}).WantError(401, "invalid_code")

	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
	time.Sleep(50 * time.Millisecond)
	code = e.SMSCode(t, phone)
	if err := e.P.Reg.HQ(context.Background()).Exec("UPDATE "+e.P.Reg.HQTable("sms_codes")+" SET expires_at = ? WHERE used_at IS NULL", time.Now().UTC().Add(-time.Second)).Error; err != nil {
		t.Fatal(err)
	}
	c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": code}).WantError(401, "invalid_code")
}

func TestAuth_ThirdPartySignInThroughTheSandboxProvider(t *testing.T) {
	e := apptest.New(t)
	c := e.Client(t)
	redirect := "https://app.example.com/callback"
	signIn := func(nick string) (account.Session, int) {
		var start struct{ URL string }
		c.Get("/v1/auth/oauth/sandbox/start?redirect_uri=" + url.QueryEscape(redirect)).OK().JSON(&start)
		u, err := url.Parse(start.URL)
		if err != nil {
			t.Fatal(err)
		}
		state := u.Query().Get("state")
		// the provider's page: the person approves, the browser is sent back with a code
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := hc.PostForm(e.Base+"/sandbox/oauth/authorize", url.Values{"nickname": {nick}, "state": {state}, "redirect_uri": {redirect}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		back, err := url.Parse(res.Header.Get("Location"))
		if err != nil || res.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), redirect) {
			t.Fatalf("authorize answered %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		var s account.Session
		r := c.Post("/v1/auth/oauth/sandbox/callback", map[string]string{"code": back.Query().Get("code"), "state": back.Query().Get("state"), "redirect_uri": redirect})
		if r.Status == 200 {
			r.JSON(&s)
		}
		return s, r.Status
	}
	first, st := signIn("微信用户阿明")
	if st != 200 || !first.NewAccount {
		t.Fatalf("first sign-in: %d new=%v", st, first.NewAccount)
	}
	again, _ := signIn("微信用户阿明")
	if again.AccountID != first.AccountID || again.NewAccount {
		t.Fatalf("the same identity made another account")
	}
	var me account.Profile
	c.As(again.AccessToken).Get("/v1/me").OK().JSON(&me)
	if me.DisplayName != "微信用户阿明" {
		t.Fatalf("display name %q", me.DisplayName)
	}
	// a forged code, and a state minted for another redirect, are refused
	var start struct{ URL string }
	c.Get("/v1/auth/oauth/sandbox/start?redirect_uri=" + url.QueryEscape(redirect)).OK().JSON(&start)
	u, _ := url.Parse(start.URL)
	state := u.Query().Get("state")
	c.Post("/v1/auth/oauth/sandbox/callback", map[string]string{"code": "forged.code", "state": state, "redirect_uri": redirect}).WantError(401, "oauth_failed")
	c.Post("/v1/auth/oauth/sandbox/callback", map[string]string{"code": "x", "state": state, "redirect_uri": "https://evil.example.com/cb"}).WantError(400, "invalid_state")
	c.Get("/v1/auth/oauth/nosuch/start?redirect_uri="+url.QueryEscape(redirect)).WantError(404, "unknown_provider")
}
