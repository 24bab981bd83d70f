// Package qqtest is a fake of QQ互联 (graph.qq.com) OAuth 2.0 for tests:
// /oauth2.0/authorize (which here redirects straight back as if the person
// had signed in and agreed), /oauth2.0/token, /oauth2.0/me and
// /user/get_user_info. Like QQ it checks client_id and client_secret, binds
// each code to its redirect_uri and lets it be used once, binds each token to
// one app and openid, and answers in QQ's shapes: {"error",
// "error_description"} from the OAuth endpoints (JSON with fmt=json, JSONP
// or form encoding without), {"ret","msg"} from get_user_info. Serve it with
// httptest.NewServer.
//
// QQ documents few get_user_info ret values; the fake answers -1 for a wrong
// oauth_consumer_key or openid and 100016 for a bad token.
//
// Imports the standard library only.
package qqtest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// User is a QQ account as get_user_info describes it; openids are per app,
// and the fake uses the same one for every app.
type User struct {
	OpenID       string
	Nickname     string
	Gender       string // "男", "女"
	FigureURLQQ1 string // 40×40
	FigureURLQQ2 string // 100×100, empty for some accounts
}

const (
	codeTTL  = 10 * time.Minute
	tokenTTL = 90 * 24 * time.Hour // QQ's 7776000 seconds
)

// Fake is the fake graph.qq.com; it is an http.Handler.
type Fake struct {
	mu       sync.Mutex
	now      func() time.Time
	apps     map[string]string // client_id → client_secret
	users    map[string]User
	scanner  string
	codes    map[string]*grant
	tokens   map[string]*grant
	requests map[string]int
}

type grant struct {
	appID, openID, redirectURI string
	expires                    time.Time
	used                       bool
}

// New returns a fake knowing one app.
func New(appID, appKey string) *Fake {
	f := &Fake{
		now: time.Now, apps: map[string]string{}, users: map[string]User{},
		codes: map[string]*grant{}, tokens: map[string]*grant{}, requests: map[string]int{},
	}
	f.apps[appID] = appKey
	return f
}

// AddApp registers another app, e.g. to hold tokens issued to someone else.
func (f *Fake) AddApp(appID, appKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps[appID] = appKey
}

// AddUser adds a QQ account that can sign in.
func (f *Fake) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.OpenID] = u
}

// SignInAs sets who signs in on the next authorize visit.
func (f *Fake) SignInAs(openID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scanner = openID
}

// IssueCode returns a code for openID signing in to appID, bound to
// redirectURI, as the authorize redirect carries it.
func (f *Fake) IssueCode(appID, openID, redirectURI string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issueCode(appID, openID, redirectURI)
}

// SetNow replaces the fake's clock (code and token lifetimes).
func (f *Fake) SetNow(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Requests counts the calls that reached path, e.g. "/oauth2.0/token".
func (f *Fake) Requests(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

func (f *Fake) issueCode(appID, openID, redirectURI string) string {
	c := rand.Text()
	f.codes[c] = &grant{appID: appID, openID: openID, redirectURI: redirectURI, expires: f.now().Add(codeTTL)}
	return c
}

// ServeHTTP routes the four endpoints.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[r.URL.Path]++
	q := r.URL.Query()
	switch r.URL.Path {
	case "/oauth2.0/authorize":
		f.authorize(w, r, q)
	case "/oauth2.0/token":
		f.token(w, q)
	case "/oauth2.0/me":
		f.me(w, q)
	case "/user/get_user_info":
		f.userInfo(w, q)
	default:
		http.NotFound(w, r)
	}
}

// authorize stands in for QQ's sign-in page: bad parameters get an error
// page, a sign-in redirects to redirect_uri with code and state.
func (f *Fake) authorize(w http.ResponseWriter, r *http.Request, q url.Values) {
	if q.Get("response_type") != "code" {
		http.Error(w, "100000: 缺少参数response_type或response_type非法", http.StatusBadRequest)
		return
	}
	if _, ok := f.apps[q.Get("client_id")]; !ok {
		http.Error(w, "100008: client id is illegal", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !back.IsAbs() {
		http.Error(w, "100010: redirect uri is illegal", http.StatusBadRequest)
		return
	}
	if _, ok := f.users[f.scanner]; !ok {
		http.Error(w, "nobody signed in: call SignInAs first", http.StatusConflict)
		return
	}
	bq := back.Query()
	bq.Set("code", f.issueCode(q.Get("client_id"), f.scanner, q.Get("redirect_uri")))
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *Fake) token(w http.ResponseWriter, q url.Values) {
	asJSON := q.Get("fmt") == "json"
	fail := func(code int, desc string) { oauthError(w, asJSON, code, desc) }
	secret, known := f.apps[q.Get("client_id")]
	switch {
	case q.Get("grant_type") != "authorization_code":
		fail(100000, "grant_type is illegal")
		return
	case q.Get("client_id") == "":
		fail(100001, "client_id is missing")
		return
	case q.Get("client_secret") == "":
		fail(100002, "client_secret is missing")
		return
	case q.Get("code") == "":
		fail(100004, "code is missing")
		return
	case q.Get("redirect_uri") == "":
		fail(100005, "redirect_uri is missing")
		return
	case !known:
		fail(100008, "client id is illegal")
		return
	case subtle.ConstantTimeCompare([]byte(q.Get("client_secret")), []byte(secret)) != 1:
		fail(100009, "client secret is illegal")
		return
	}
	g, ok := f.codes[q.Get("code")]
	switch {
	case !ok || g.appID != q.Get("client_id") || f.now().After(g.expires):
		fail(100019, "code to access token error")
		return
	case g.used:
		fail(100020, "code is reused error")
		return
	case g.redirectURI != q.Get("redirect_uri"):
		fail(100010, "redirect uri is illegal")
		return
	}
	g.used = true
	tok := rand.Text()
	f.tokens[tok] = &grant{appID: g.appID, openID: g.openID, expires: f.now().Add(tokenTTL)}
	expires := fmt.Sprint(int(tokenTTL / time.Second))
	refresh := rand.Text()
	if !asJSON {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, url.Values{"access_token": {tok}, "expires_in": {expires}, "refresh_token": {refresh}}.Encode())
		return
	}
	// QQ sends expires_in as a string.
	writeJSON(w, map[string]string{"access_token": tok, "expires_in": expires, "refresh_token": refresh})
}

func (f *Fake) me(w http.ResponseWriter, q url.Values) {
	asJSON := q.Get("fmt") == "json"
	g, ok := f.tokens[q.Get("access_token")]
	if !ok || f.now().After(g.expires) {
		oauthError(w, asJSON, 100016, "access token check failed")
		return
	}
	ans := map[string]string{"client_id": g.appID, "openid": g.openID}
	if !asJSON {
		jsonp(w, ans)
		return
	}
	writeJSON(w, ans)
}

func (f *Fake) userInfo(w http.ResponseWriter, q url.Values) {
	g, ok := f.tokens[q.Get("access_token")]
	switch {
	case !ok || f.now().After(g.expires):
		writeJSON(w, map[string]any{"ret": 100016, "msg": "access token check failed"})
		return
	case q.Get("oauth_consumer_key") != g.appID:
		writeJSON(w, map[string]any{"ret": -1, "msg": "client request's app is not existed"})
		return
	case q.Get("openid") != g.openID:
		writeJSON(w, map[string]any{"ret": -1, "msg": "openid is invalid"})
		return
	}
	u := f.users[g.openID]
	writeJSON(w, map[string]any{
		"ret": 0, "msg": "", "is_lost": 0, "nickname": u.Nickname, "gender": u.Gender,
		"figureurl": u.FigureURLQQ1, "figureurl_1": u.FigureURLQQ1, "figureurl_2": u.FigureURLQQ2,
		"figureurl_qq_1": u.FigureURLQQ1, "figureurl_qq_2": u.FigureURLQQ2,
	})
}

// oauthError answers like QQ's OAuth endpoints: plain JSON with fmt=json,
// JSONP otherwise, HTTP 200 either way.
func oauthError(w http.ResponseWriter, asJSON bool, code int, desc string) {
	ans := map[string]any{"error": code, "error_description": desc}
	if !asJSON {
		jsonp(w, ans)
		return
	}
	writeJSON(w, ans)
}

func jsonp(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, "callback( %s );\n", b)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
