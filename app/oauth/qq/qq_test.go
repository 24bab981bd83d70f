package qq_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"doorstep/app"
	"doorstep/app/oauth"
	"doorstep/app/oauth/qq"
	"doorstep/app/oauth/qq/qqtest"
)

const (
	appID    = "101888888"
	appKey   = "c3e4a5b6d7e8f9a0b1c2d3e4f5a6b7c8"
	otherID  = "101999999"
	otherKey = "00112233445566778899aabbccddeeff"
	callback = "https://doorstep.example.com/auth/qq/callback"
)

var (
	zhou = qqtest.User{OpenID: "B1A3F5C7D9E1F3A5B7C9D1E3F5A7B9C1", Nickname: "周先生", Gender: "男",
		FigureURLQQ1: "http://thirdqq.qlogo.cn/g?b=oidb&k=zhou&s=40", FigureURLQQ2: "http://thirdqq.qlogo.cn/g?b=oidb&k=zhou&s=100"}
	chen = qqtest.User{OpenID: "0F1E2D3C4B5A69788796A5B4C3D2E1F0", Nickname: "陈小姐", Gender: "女",
		FigureURLQQ1: "http://thirdqq.qlogo.cn/g?b=oidb&k=chen&s=40"}
)

func newFake(t *testing.T, wrap func(http.Handler) http.Handler) (*qqtest.Fake, *httptest.Server) {
	t.Helper()
	f := qqtest.New(appID, appKey)
	f.AddApp(otherID, otherKey)
	f.AddUser(zhou)
	f.AddUser(chen)
	var h http.Handler = f
	if wrap != nil {
		h = wrap(f)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return f, srv
}

func newProvider(t *testing.T, base string, edit func(*qq.Config)) *qq.Provider {
	t.Helper()
	cfg := qq.Config{AppID: appID, AppKey: appKey, BaseURL: base}
	if edit != nil {
		edit(&cfg)
	}
	p, err := qq.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuthURL_IsQQsAuthorizeURL(t *testing.T) {
	p := newProvider(t, "", nil)
	want := "https://graph.qq.com/oauth2.0/authorize?response_type=code&client_id=101888888" +
		"&redirect_uri=https%3A%2F%2Fdoorstep.example.com%2Fauth%2Fqq%2Fcallback&state=s%2F1&scope=get_user_info"
	if got := p.AuthURL("s/1", callback); got != want {
		t.Errorf("AuthURL =\n%s\nwant\n%s", got, want)
	}
	if p.Name() != "qq" {
		t.Errorf("Name = %q, want qq", p.Name())
	}
}

func TestSignIn_AuthorizeAndExchange(t *testing.T) {
	tests := []struct {
		name string
		user qqtest.User
		want oauth.Identity
	}{
		{"account with a 100px avatar", zhou,
			oauth.Identity{Provider: "qq", Subject: zhou.OpenID, Nickname: zhou.Nickname, AvatarURL: zhou.FigureURLQQ2}},
		{"account with only the 40px avatar", chen,
			oauth.Identity{Provider: "qq", Subject: chen.OpenID, Nickname: chen.Nickname, AvatarURL: chen.FigureURLQQ1}},
	}
	f, srv := newFake(t, nil)
	p := newProvider(t, srv.URL, nil)
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.SignInAs(tt.user.OpenID)
			resp, err := browser.Get(p.AuthURL("csrf-7", callback))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			back, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || err != nil {
				t.Fatalf("authorize = %d %q, want a redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if back.Query().Get("state") != "csrf-7" {
				t.Errorf("state = %q, want csrf-7", back.Query().Get("state"))
			}
			id, err := p.Exchange(context.Background(), back.Query().Get("code"), callback)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if id != tt.want {
				t.Errorf("identity = %+v, want %+v", id, tt.want)
			}
		})
	}
}

func TestExchange_RefusedByQQCarriesTypedError(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*qq.Config)
		wrap      func(http.Handler) http.Handler
		code      func(*testing.T, *qqtest.Fake, *qq.Provider) string
		redirect  string
		wantOp    string
		wantCode  int
		wantClass error
		wantKind  app.Kind
	}{
		{
			name: "code used twice",
			code: func(t *testing.T, f *qqtest.Fake, p *qq.Provider) string {
				c := f.IssueCode(appID, zhou.OpenID, callback)
				if _, err := p.Exchange(context.Background(), c, callback); err != nil {
					t.Fatalf("first Exchange: %v", err)
				}
				return c
			},
			wantOp: "oauth2.0/token", wantCode: qq.CodeCodeReused, wantClass: qq.ErrCodeRejected, wantKind: app.KindUnauthorized,
		},
		{
			name:   "code QQ never issued",
			code:   func(*testing.T, *qqtest.Fake, *qq.Provider) string { return "8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D" },
			wantOp: "oauth2.0/token", wantCode: qq.CodeCodeToTokenFailed, wantClass: qq.ErrCodeRejected, wantKind: app.KindUnauthorized,
		},
		{
			name: "code issued to another app",
			code: func(_ *testing.T, f *qqtest.Fake, _ *qq.Provider) string {
				return f.IssueCode(otherID, zhou.OpenID, callback)
			},
			wantOp: "oauth2.0/token", wantCode: qq.CodeCodeToTokenFailed, wantClass: qq.ErrCodeRejected, wantKind: app.KindUnauthorized,
		},
		{
			name: "wrong app key",
			edit: func(c *qq.Config) { c.AppKey = "ffffffffffffffffffffffffffffffff" },
			code: func(_ *testing.T, f *qqtest.Fake, _ *qq.Provider) string {
				return f.IssueCode(appID, zhou.OpenID, callback)
			},
			wantOp: "oauth2.0/token", wantCode: qq.CodeClientSecret, wantClass: qq.ErrMisconfigured, wantKind: app.KindInternal,
		},
		{
			name: "redirect_uri differs from the authorize request",
			code: func(_ *testing.T, f *qqtest.Fake, _ *qq.Provider) string {
				return f.IssueCode(appID, zhou.OpenID, callback)
			},
			redirect: "https://doorstep.example.com/elsewhere",
			wantOp:   "oauth2.0/token", wantCode: qq.CodeRedirectURI, wantClass: qq.ErrMisconfigured, wantKind: app.KindInternal,
		},
		{
			name: "error code sent as a string",
			wrap: func(h http.Handler) http.Handler {
				return rewrite(h, "/oauth2.0/token", func(m map[string]any) {
					clear(m)
					m["error"], m["error_description"] = "100019", "code to access token error"
				})
			},
			code: func(_ *testing.T, f *qqtest.Fake, _ *qq.Provider) string {
				return f.IssueCode(appID, zhou.OpenID, callback)
			},
			wantOp: "oauth2.0/token", wantCode: qq.CodeCodeToTokenFailed, wantClass: qq.ErrCodeRejected, wantKind: app.KindUnauthorized,
		},
		{
			name: "get_user_info answers ret != 0",
			wrap: func(h http.Handler) http.Handler {
				return rewrite(h, "/user/get_user_info", func(m map[string]any) {
					clear(m)
					m["ret"], m["msg"] = -1, "client request's app is not existed"
				})
			},
			code: func(_ *testing.T, f *qqtest.Fake, _ *qq.Provider) string {
				return f.IssueCode(appID, zhou.OpenID, callback)
			},
			wantOp: "user/get_user_info", wantCode: -1, wantClass: qq.ErrUnavailable, wantKind: app.KindUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, tt.wrap)
			p := newProvider(t, srv.URL, tt.edit)
			code := tt.code(t, f, newProvider(t, srv.URL, nil))
			redirect := callback
			if tt.redirect != "" {
				redirect = tt.redirect
			}
			id, err := p.Exchange(context.Background(), code, redirect)
			var e *qq.Error
			if !errors.As(err, &e) {
				t.Fatalf("Exchange = %+v, %v; want *qq.Error", id, err)
			}
			if e.Op != tt.wantOp || e.Code != tt.wantCode || e.Message == "" {
				t.Errorf("error = %s %d %q, want %s %d with a message", e.Op, e.Code, e.Message, tt.wantOp, tt.wantCode)
			}
			if !errors.Is(err, tt.wantClass) || app.KindOf(err) != tt.wantKind {
				t.Errorf("error %v: Is(%v)=%v kind=%v, want true and %v", err, tt.wantClass, errors.Is(err, tt.wantClass), app.KindOf(err), tt.wantKind)
			}
			if strings.Contains(err.Error(), code) || strings.Contains(err.Error(), appKey) {
				t.Errorf("error text leaks the code or app key: %v", err)
			}
		})
	}
}

// TestExchange_TokenOfAnotherAppSignsNobodyIn covers token substitution and
// crossed answers. In the first case the token endpoint's answer is swapped
// for a token QQ really issued to another app, and /oauth2.0/me honestly
// names that app; Exchange must refuse in every case.
func TestExchange_TokenOfAnotherAppSignsNobodyIn(t *testing.T) {
	tests := []struct {
		name string
		path string
		edit func(m map[string]any, otherAppsToken string)
	}{
		{"token endpoint hands over another app's token", "/oauth2.0/token",
			func(m map[string]any, other string) { m["access_token"] = other }},
		{"me names another client_id", "/oauth2.0/me",
			func(m map[string]any, _ string) { m["client_id"] = otherID }},
		{"me names no openid", "/oauth2.0/me",
			func(m map[string]any, _ string) { delete(m, "openid") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := qqtest.New(appID, appKey)
			f.AddApp(otherID, otherKey)
			f.AddUser(zhou)
			other := otherAppsToken(t, f)
			srv := httptest.NewServer(rewrite(f, tt.path, func(m map[string]any) { tt.edit(m, other) }))
			t.Cleanup(srv.Close)
			p := newProvider(t, srv.URL, nil)
			id, err := p.Exchange(context.Background(), f.IssueCode(appID, zhou.OpenID, callback), callback)
			if !errors.Is(err, qq.ErrIdentityMismatch) || app.KindOf(err) != app.KindUnauthorized {
				t.Fatalf("Exchange = %+v, %v; want ErrIdentityMismatch", id, err)
			}
			if id != (oauth.Identity{}) {
				t.Errorf("identity = %+v, want none", id)
			}
		})
	}
}

func TestExchange_RefusedBeforeAnyRequest(t *testing.T) {
	f, srv := newFake(t, nil)
	p := newProvider(t, srv.URL, nil)
	if _, err := p.Exchange(context.Background(), "", callback); !errors.Is(err, qq.ErrCodeRejected) {
		t.Errorf("empty code: error = %v, want ErrCodeRejected", err)
	}
	if n := f.Requests("/oauth2.0/token"); n != 0 {
		t.Errorf("fake saw %d token requests, want none", n)
	}
}

func TestExchange_TransportFailureLeaksNoSecret(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	p := newProvider(t, srv.URL, nil)
	_, err := p.Exchange(context.Background(), "CODEthatmustnotleak", callback)
	if !errors.Is(err, qq.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	for _, s := range []string{appKey, "CODEthatmustnotleak", "client_secret="} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error text leaks %q: %v", s, err)
		}
	}
}

func TestNew_RequiresCredentials(t *testing.T) {
	for i, cfg := range []qq.Config{
		{AppKey: appKey},
		{AppID: appID},
		{AppID: appID, AppKey: appKey, BaseURL: "graph.qq.com"},
	} {
		if _, err := qq.New(cfg); err == nil {
			t.Errorf("case %d: New accepted an incomplete config", i)
		}
	}
}

// otherAppsToken obtains a real token of the other app from the fake, the
// way that app's own server would: a code for it, exchanged for a token.
func otherAppsToken(t *testing.T, f *qqtest.Fake) string {
	t.Helper()
	q := url.Values{
		"grant_type": {"authorization_code"}, "client_id": {otherID}, "client_secret": {otherKey},
		"code": {f.IssueCode(otherID, zhou.OpenID, callback)}, "redirect_uri": {callback}, "fmt": {"json"},
	}
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oauth2.0/token?"+q.Encode(), nil))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("other app's token: %s", rec.Body.Bytes())
	}
	return tok.AccessToken
}

// rewrite lets a test change one endpoint's JSON answer on its way out.
func rewrite(h http.Handler, path string, edit func(map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		edit(m)
		_ = json.NewEncoder(w).Encode(m)
	})
}
