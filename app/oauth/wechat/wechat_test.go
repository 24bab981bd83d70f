package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/oauth"
	"doorstep/app/oauth/wechat"
	"doorstep/app/oauth/wechat/wechattest"
)

const (
	appID     = "wx0a1b2c3d4e5f6a7b"
	appSecret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	callback  = "https://doorstep.example.com/auth/wechat/callback?city=sh"
)

var (
	lin = wechattest.User{OpenID: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", UnionID: "o6_bmasdasdsad6_2sgVt7hMZOPfL",
		Nickname: "林师傅", Sex: 1, Province: "上海", City: "上海", Country: "中国",
		HeadImgURL: "https://thirdwx.qlogo.cn/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJbERQQ4eMsv84eavHiaiceqxibJxCfHe/0"}
	wang = wechattest.User{OpenID: "oLVPpjqs9BhvzwPj5A-vTYAX3GLc", Nickname: "王阿姨", Sex: 2,
		HeadImgURL: "https://thirdwx.qlogo.cn/mmopen/wang/132"}
)

func newFake(t *testing.T, wrap func(http.Handler) http.Handler) (*wechattest.Fake, *httptest.Server) {
	t.Helper()
	f := wechattest.New(appID, appSecret)
	f.AddUser(lin)
	f.AddUser(wang)
	var h http.Handler = f
	if wrap != nil {
		h = wrap(f)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return f, srv
}

func newProvider(t *testing.T, base string, edit func(*wechat.Config)) *wechat.Provider {
	t.Helper()
	cfg := wechat.Config{AppID: appID, AppSecret: appSecret, OpenBaseURL: base, APIBaseURL: base}
	if edit != nil {
		edit(&cfg)
	}
	p, err := wechat.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuthURL_IsWeChatsQRConnectURL(t *testing.T) {
	p := newProvider(t, "", func(c *wechat.Config) { c.OpenBaseURL, c.APIBaseURL = "", "" })
	got := p.AuthURL("st&ate 1", callback)
	want := "https://open.weixin.qq.com/connect/qrconnect?appid=wx0a1b2c3d4e5f6a7b" +
		"&redirect_uri=https%3A%2F%2Fdoorstep.example.com%2Fauth%2Fwechat%2Fcallback%3Fcity%3Dsh" +
		"&response_type=code&scope=snsapi_login&state=st%26ate+1#wechat_redirect"
	if got != want {
		t.Errorf("AuthURL =\n%s\nwant\n%s", got, want)
	}
	if p.Name() != "wechat" {
		t.Errorf("Name = %q, want wechat", p.Name())
	}
}

// TestSignIn_ScanConfirmAndExchange walks the whole flow against the fake:
// browser to AuthURL, WeChat redirects back with code and state, Exchange.
func TestSignIn_ScanConfirmAndExchange(t *testing.T) {
	tests := []struct {
		name string
		user wechattest.User
		want oauth.Identity
	}{
		{"account bound to the open platform has a unionid", lin,
			oauth.Identity{Provider: "wechat", Subject: lin.OpenID, UnionID: lin.UnionID, Nickname: lin.Nickname, AvatarURL: lin.HeadImgURL}},
		{"account without unionid", wang,
			oauth.Identity{Provider: "wechat", Subject: wang.OpenID, Nickname: wang.Nickname, AvatarURL: wang.HeadImgURL}},
	}
	f, srv := newFake(t, nil)
	p := newProvider(t, srv.URL, nil)
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.SignInAs(tt.user.OpenID)
			resp, err := browser.Get(p.AuthURL("csrf-42", callback))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("qrconnect status = %d, want 302", resp.StatusCode)
			}
			back, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := back.Scheme + "://" + back.Host + back.Path; got != "https://doorstep.example.com/auth/wechat/callback" {
				t.Errorf("redirected to %s, want the callback", got)
			}
			if back.Query().Get("state") != "csrf-42" || back.Query().Get("city") != "sh" {
				t.Errorf("redirect query = %s, want state and the callback's own query kept", back.RawQuery)
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

func TestExchange_RefusedByWeChatCarriesTypedError(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*wechat.Config)
		setup     func(*testing.T, *wechattest.Fake, *wechat.Provider) string // returns the code to exchange
		wantCode  int
		wantClass error
		wantKind  app.Kind
	}{
		{
			name: "code used twice",
			setup: func(t *testing.T, f *wechattest.Fake, p *wechat.Provider) string {
				c := f.IssueCode(lin.OpenID)
				if _, err := p.Exchange(context.Background(), c, callback); err != nil {
					t.Fatalf("first Exchange: %v", err)
				}
				return c
			},
			wantCode: wechat.CodeCodeBeenUsed, wantClass: wechat.ErrCodeRejected, wantKind: app.KindUnauthorized,
		},
		{
			name:     "code WeChat never issued",
			setup:    func(*testing.T, *wechattest.Fake, *wechat.Provider) string { return "061Xz0000KkZ1Q1ZZP0000aaa" },
			wantCode: wechat.CodeInvalidCode, wantClass: wechat.ErrCodeRejected, wantKind: app.KindUnauthorized,
		},
		{
			name: "code older than ten minutes",
			setup: func(_ *testing.T, f *wechattest.Fake, _ *wechat.Provider) string {
				c := f.IssueCode(lin.OpenID)
				f.SetNow(func() time.Time { return time.Now().Add(11 * time.Minute) })
				return c
			},
			wantCode: wechat.CodeCodeExpired, wantClass: wechat.ErrCodeRejected, wantKind: app.KindUnauthorized,
		},
		{
			name:     "wrong app secret",
			edit:     func(c *wechat.Config) { c.AppSecret = "00000000000000000000000000000000" },
			setup:    func(_ *testing.T, f *wechattest.Fake, _ *wechat.Provider) string { return f.IssueCode(lin.OpenID) },
			wantCode: wechat.CodeInvalidSecret, wantClass: wechat.ErrMisconfigured, wantKind: app.KindInternal,
		},
		{
			name:     "wrong app id",
			edit:     func(c *wechat.Config) { c.AppID = "wxffffffffffffffff" },
			setup:    func(_ *testing.T, f *wechattest.Fake, _ *wechat.Provider) string { return f.IssueCode(lin.OpenID) },
			wantCode: wechat.CodeInvalidAppID, wantClass: wechat.ErrMisconfigured, wantKind: app.KindInternal,
		},
		{
			name: "system busy",
			setup: func(_ *testing.T, f *wechattest.Fake, _ *wechat.Provider) string {
				f.FailNext(wechat.CodeSystemBusy, "system error")
				return f.IssueCode(lin.OpenID)
			},
			wantCode: wechat.CodeSystemBusy, wantClass: wechat.ErrUnavailable, wantKind: app.KindUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, nil)
			p := newProvider(t, srv.URL, tt.edit)
			good := newProvider(t, srv.URL, nil)
			code := tt.setup(t, f, good)
			_, err := p.Exchange(context.Background(), code, callback)
			var e *wechat.Error
			if !errors.As(err, &e) {
				t.Fatalf("Exchange error = %v, want *wechat.Error", err)
			}
			if e.Code != tt.wantCode || e.Op != "sns/oauth2/access_token" || e.Message == "" {
				t.Errorf("error = %s errcode %d %q, want access_token errcode %d with a message", e.Op, e.Code, e.Message, tt.wantCode)
			}
			if !errors.Is(err, tt.wantClass) || app.KindOf(err) != tt.wantKind {
				t.Errorf("error %v: Is(%v)=%v kind=%v, want true and %v", err, tt.wantClass, errors.Is(err, tt.wantClass), app.KindOf(err), tt.wantKind)
			}
			for _, s := range []string{code, appSecret} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error text leaks a code or secret: %v", err)
				}
			}
		})
	}
}

// TestExchange_CrossedAnswersSignNobodyIn tampers with what sns/userinfo
// says; WeChat itself never does this, which is why the fake is wrapped.
func TestExchange_CrossedAnswersSignNobodyIn(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[string]any)
	}{
		{"profile of another openid", func(m map[string]any) { m["openid"] = wang.OpenID }},
		{"profile without openid", func(m map[string]any) { delete(m, "openid") }},
		{"profile of another unionid", func(m map[string]any) { m["unionid"] = "o6_bmOTHERUNION" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, func(h http.Handler) http.Handler { return rewrite(h, "/sns/userinfo", tt.edit) })
			p := newProvider(t, srv.URL, nil)
			id, err := p.Exchange(context.Background(), f.IssueCode(lin.OpenID), callback)
			if !errors.Is(err, wechat.ErrIdentityMismatch) || app.KindOf(err) != app.KindUnauthorized {
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
	if _, err := p.Exchange(context.Background(), "", callback); !errors.Is(err, wechat.ErrCodeRejected) {
		t.Errorf("empty code: error = %v, want ErrCodeRejected", err)
	}
	if n := f.Requests("/sns/oauth2/access_token"); n != 0 {
		t.Errorf("fake saw %d token requests, want none", n)
	}
}

func TestExchange_TransportFailureLeaksNoSecret(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	p := newProvider(t, srv.URL, nil)
	_, err := p.Exchange(context.Background(), "061CODEthatmustnotleak", callback)
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	for _, s := range []string{appSecret, "061CODEthatmustnotleak", "secret="} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error text leaks %q: %v", s, err)
		}
	}
}

func TestNew_RequiresCredentials(t *testing.T) {
	for i, cfg := range []wechat.Config{
		{AppSecret: appSecret},
		{AppID: appID},
		{AppID: appID, AppSecret: appSecret, APIBaseURL: "api.weixin.qq.com"},
	} {
		if _, err := wechat.New(cfg); err == nil {
			t.Errorf("case %d: New accepted an incomplete config", i)
		}
	}
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
