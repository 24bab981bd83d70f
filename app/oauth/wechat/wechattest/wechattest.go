// Package wechattest is a fake of WeChat website login for tests: the
// open.weixin.qq.com QR-code page (/connect/qrconnect, which here redirects
// straight back as if the person had scanned and confirmed) and the
// api.weixin.qq.com endpoints /sns/oauth2/access_token and /sns/userinfo.
// Like WeChat it checks the appid and secret, issues codes that work once and
// for ten minutes, binds each access token to one openid, and answers errors
// with HTTP 200 and {"errcode","errmsg"}. Serve it with httptest.NewServer and
// point both base URLs at it.
//
// Imports the standard library only.
package wechattest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// User is a WeChat account as sns/userinfo describes it.
type User struct {
	OpenID     string
	UnionID    string // empty when the app is not bound to an Open Platform account
	Nickname   string
	Sex        int // 1 male, 2 female, 0 unknown
	Province   string
	City       string
	Country    string
	HeadImgURL string
}

const (
	codeTTL  = 10 * time.Minute
	tokenTTL = 2 * time.Hour
)

// Fake is the fake of both WeChat hosts; it is an http.Handler.
type Fake struct {
	appID, secret string

	mu       sync.Mutex
	now      func() time.Time
	users    map[string]User
	scanner  string
	codes    map[string]*grant
	tokens   map[string]*grant
	fail     []wxError
	requests map[string]int
}

type grant struct {
	openID  string
	expires time.Time
	used    bool
}

type wxError struct {
	code int
	msg  string
}

// New returns a fake of one website application.
func New(appID, appSecret string) *Fake {
	return &Fake{
		appID: appID, secret: appSecret, now: time.Now,
		users: map[string]User{}, codes: map[string]*grant{}, tokens: map[string]*grant{},
		requests: map[string]int{},
	}
}

// AddUser adds a WeChat account that can sign in.
func (f *Fake) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.OpenID] = u
}

// SignInAs sets whose phone scans the QR code on the next qrconnect visit.
func (f *Fake) SignInAs(openID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scanner = openID
}

// IssueCode returns a code for openID, as the qrconnect redirect carries it.
func (f *Fake) IssueCode(openID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issueCode(openID)
}

// SetNow replaces the fake's clock (code and token lifetimes).
func (f *Fake) SetNow(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// FailNext makes the next API call answer with errcode and errmsg, e.g.
// (-1, "system error") or (45011, "api minute-quota reach limit").
func (f *Fake) FailNext(errcode int, errmsg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, wxError{errcode, errmsg})
}

// Requests counts the calls that reached path, e.g. "/sns/userinfo".
func (f *Fake) Requests(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

func (f *Fake) issueCode(openID string) string {
	c := "0" + rand.Text()
	f.codes[c] = &grant{openID: openID, expires: f.now().Add(codeTTL)}
	return c
}

// ServeHTTP routes the three endpoints.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[r.URL.Path]++
	q := r.URL.Query()
	switch r.URL.Path {
	case "/connect/qrconnect":
		f.qrconnect(w, r, q)
	case "/sns/oauth2/access_token":
		if !f.injected(w) {
			f.accessToken(w, q)
		}
	case "/sns/userinfo":
		if !f.injected(w) {
			f.userinfo(w, q)
		}
	default:
		writeErr(w, 40066, "invalid url")
	}
}

// qrconnect stands in for the page a person scans: WeChat shows its own
// error page for bad parameters, and on confirmation redirects to
// redirect_uri with code and state.
func (f *Fake) qrconnect(w http.ResponseWriter, r *http.Request, q url.Values) {
	if q.Get("appid") != f.appID {
		http.Error(w, "参数错误", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" || q.Get("scope") != "snsapi_login" {
		http.Error(w, "Scope 参数错误或没有 Scope 权限", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !back.IsAbs() {
		http.Error(w, "redirect_uri 参数错误", http.StatusBadRequest)
		return
	}
	if _, ok := f.users[f.scanner]; !ok {
		http.Error(w, "nobody scanned the QR code: call SignInAs first", http.StatusConflict)
		return
	}
	bq := back.Query()
	bq.Set("code", f.issueCode(f.scanner))
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *Fake) accessToken(w http.ResponseWriter, q url.Values) {
	switch {
	case q.Get("appid") == "":
		writeErr(w, 41002, "appid missing")
		return
	case q.Get("appid") != f.appID:
		writeErr(w, 40013, "invalid appid")
		return
	case q.Get("secret") == "":
		writeErr(w, 41004, "appsecret missing")
		return
	case subtle.ConstantTimeCompare([]byte(q.Get("secret")), []byte(f.secret)) != 1:
		writeErr(w, 40125, "invalid appsecret")
		return
	case q.Get("grant_type") != "authorization_code":
		writeErr(w, 40002, "invalid grant_type")
		return
	case q.Get("code") == "":
		writeErr(w, 41008, "missing code")
		return
	}
	g, ok := f.codes[q.Get("code")]
	switch {
	case !ok:
		writeErr(w, 40029, "invalid code")
		return
	case g.used:
		writeErr(w, 40163, "code been used")
		return
	case f.now().After(g.expires):
		writeErr(w, 42003, "code expired")
		return
	}
	g.used = true
	u := f.users[g.openID]
	tok := "ACCESS_" + rand.Text()
	f.tokens[tok] = &grant{openID: g.openID, expires: f.now().Add(tokenTTL)}
	ans := map[string]any{
		"access_token": tok, "expires_in": int(tokenTTL / time.Second), "refresh_token": "REFRESH_" + rand.Text(),
		"openid": g.openID, "scope": "snsapi_login",
	}
	if u.UnionID != "" {
		ans["unionid"] = u.UnionID
	}
	writeJSON(w, ans)
}

func (f *Fake) userinfo(w http.ResponseWriter, q url.Values) {
	g, ok := f.tokens[q.Get("access_token")]
	switch {
	case q.Get("access_token") == "":
		writeErr(w, 41001, "access_token missing")
		return
	case !ok:
		writeErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	case f.now().After(g.expires):
		writeErr(w, 42001, "access_token expired")
		return
	case q.Get("openid") == "":
		writeErr(w, 41009, "missing openid")
		return
	case q.Get("openid") != g.openID:
		writeErr(w, 40003, "invalid openid")
		return
	}
	u := f.users[g.openID]
	ans := map[string]any{
		"openid": u.OpenID, "nickname": u.Nickname, "sex": u.Sex, "province": u.Province,
		"city": u.City, "country": u.Country, "headimgurl": u.HeadImgURL, "privilege": []string{},
	}
	if u.UnionID != "" {
		ans["unionid"] = u.UnionID
	}
	writeJSON(w, ans)
}

func (f *Fake) injected(w http.ResponseWriter) bool {
	if len(f.fail) == 0 {
		return false
	}
	e := f.fail[0]
	f.fail = f.fail[1:]
	writeErr(w, e.code, e.msg)
	return true
}

// writeErr answers as WeChat does: HTTP 200, errmsg suffixed with a request id.
func writeErr(w http.ResponseWriter, code int, msg string) {
	rid := strings.ToLower(rand.Text()[:16])
	writeJSON(w, map[string]any{"errcode": code, "errmsg": fmt.Sprintf("%s, rid: %s-%s", msg, rid[:8], rid[8:])})
}

// writeJSON labels the body text/plain, as api.weixin.qq.com does.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}
