// Package qq signs people in with QQ互联 (graph.qq.com) OAuth 2.0: the
// browser goes to /oauth2.0/authorize, the code it brings back is exchanged
// at /oauth2.0/token, /oauth2.0/me names the app and openid the token belongs
// to, and /user/get_user_info gives the nickname and avatar. All three calls
// ask for JSON with fmt=json (QQ otherwise answers in form encoding or
// JSONP). Subpackage qqtest is a fake of graph.qq.com for tests.
//
// Imports the standard library, app and app/oauth only.
package qq

import (
	"context"
	"doorstep/app/redact"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/oauth"
)

const (
	// DefaultBaseURL is QQ Connect's host for both the browser and the APIs.
	DefaultBaseURL = "https://graph.qq.com"

	defaultTimeout = 10 * time.Second
	maxBody        = 1 << 20
)

// QQ error codes callers may want to name.
const (
	CodeCodeToTokenFailed = 100019 // code to access token error: unknown or expired code
	CodeCodeReused        = 100020 // code is reused error
	CodeRedirectURI       = 100010 // redirect uri is illegal
	CodeClientSecret      = 100009 // client secret is illegal
	CodeTokenCheckFailed  = 100016 // access token check failed
)

// Errors Exchange returns. Each *Error unwraps to one of them, so errors.Is
// and app.KindOf work without knowing QQ's codes. The codes are shared with
// package wechat: a client sees the same code whichever provider refused.
var (
	ErrCodeRejected     = app.E(app.KindUnauthorized, "oauth_code_rejected", "the sign-in code is invalid, expired or already used; sign in again")
	ErrIdentityMismatch = app.E(app.KindUnauthorized, "oauth_identity_mismatch", "the provider's answers do not belong to one sign-in")
	ErrMisconfigured    = app.E(app.KindInternal, "oauth_misconfigured", "the sign-in provider refused our app credentials")
	ErrUnavailable      = app.E(app.KindUnavailable, "oauth_unavailable", "the sign-in provider is unavailable; try again")
)

// Error is QQ's refusal: {"error","error_description"} from the OAuth
// endpoints, {"ret","msg"} with ret != 0 from get_user_info.
type Error struct {
	Op      string // "oauth2.0/token", "oauth2.0/me" or "user/get_user_info"
	Code    int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("qq %s: error %d: %s", e.Op, e.Code, e.Message)
}

// Unwrap gives the generic class of the code.
func (e *Error) Unwrap() error {
	switch e.Code {
	// 100004 is a missing code; 100013-100016 an access token that is
	// invalid, expired, revoked or fails its check.
	case CodeCodeToTokenFailed, CodeCodeReused, 100004, 100013, 100014, 100015, CodeTokenCheckFailed:
		return ErrCodeRejected
	// 100001/100002/100005 are missing client_id/client_secret/redirect_uri,
	// 100008 an unknown client_id, 100030 an API the app may not call.
	case 100001, 100002, 100005, 100008, CodeClientSecret, CodeRedirectURI, 100030:
		return ErrMisconfigured
	}
	return ErrUnavailable
}

// Config is one QQ Connect website application.
type Config struct {
	AppID      string       // APP ID, sent as client_id and oauth_consumer_key
	AppKey     string       // APP Key, sent as client_secret
	BaseURL    string       // default DefaultBaseURL
	HTTPClient *http.Client // default: a client with a 10 s timeout
}

// Provider is QQ Connect login. It is safe for concurrent use.
type Provider struct {
	appID, appKey string
	base          string
	client        *http.Client
}

var _ oauth.Provider = (*Provider)(nil)

// New checks cfg and fills its defaults.
func New(cfg Config) (*Provider, error) {
	if cfg.AppID == "" || cfg.AppKey == "" {
		return nil, errors.New("qq: AppID and AppKey are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("qq: base URL %q is not an absolute URL", cfg.BaseURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	return &Provider{appID: cfg.AppID, appKey: cfg.AppKey, base: strings.TrimRight(cfg.BaseURL, "/"), client: cfg.HTTPClient}, nil
}

// Name is the provider name stored with identities.
func (p *Provider) Name() string { return "qq" }

// AuthURL is QQ's authorization page.
func (p *Provider) AuthURL(state, redirectURI string) string {
	return p.base + "/oauth2.0/authorize" +
		"?response_type=code" +
		"&client_id=" + url.QueryEscape(p.appID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&state=" + url.QueryEscape(state) +
		"&scope=get_user_info"
}

// Exchange turns the code into the signed-in person. redirectURI must be the
// one given to AuthURL: QQ checks that they match.
func (p *Provider) Exchange(ctx context.Context, code, redirectURI string) (oauth.Identity, error) {
	if code == "" {
		return oauth.Identity{}, fmt.Errorf("qq: empty code: %w", ErrCodeRejected)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := p.oauthGet(ctx, "oauth2.0/token", url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {p.appID},
		"client_secret": {p.appKey},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"fmt":           {"json"},
	}, &tok)
	if err != nil {
		return oauth.Identity{}, err
	}
	if tok.AccessToken == "" {
		return oauth.Identity{}, fmt.Errorf("qq: oauth2.0/token: answer without access_token: %w", ErrUnavailable)
	}

	var me struct {
		ClientID string `json:"client_id"`
		OpenID   string `json:"openid"`
	}
	if err := p.oauthGet(ctx, "oauth2.0/me", url.Values{"access_token": {tok.AccessToken}, "fmt": {"json"}}, &me); err != nil {
		return oauth.Identity{}, err
	}
	// A token issued to another app would let that app's users sign in
	// here under openids we never issued codes for.
	if me.ClientID != p.appID {
		return oauth.Identity{}, fmt.Errorf("qq: oauth2.0/me: token belongs to another app: %w", ErrIdentityMismatch)
	}
	if me.OpenID == "" {
		return oauth.Identity{}, fmt.Errorf("qq: oauth2.0/me: answer without openid: %w", ErrIdentityMismatch)
	}

	var user struct {
		Ret          flexInt `json:"ret"`
		Msg          string  `json:"msg"`
		Nickname     string  `json:"nickname"`
		FigureURLQQ1 string  `json:"figureurl_qq_1"`
		FigureURLQQ2 string  `json:"figureurl_qq_2"`
	}
	op := "user/get_user_info"
	body, err := p.get(ctx, op, url.Values{"access_token": {tok.AccessToken}, "oauth_consumer_key": {p.appID}, "openid": {me.OpenID}})
	if err != nil {
		return oauth.Identity{}, err
	}
	if err := json.Unmarshal(body, &user); err != nil {
		return oauth.Identity{}, fmt.Errorf("qq: %s: %w: answer is not JSON: %w", op, ErrUnavailable, err)
	}
	if user.Ret != 0 {
		return oauth.Identity{}, &Error{Op: op, Code: int(user.Ret), Message: redact.Echoes(user.Msg, url.Values{"access_token": {tok.AccessToken}}, "access_token")}
	}
	// figureurl_qq_2 (100×100, "client_secret", "code", "access_token") is missing for some accounts; figureurl_qq_1
	// (40×40) always exists.
	avatar := user.FigureURLQQ2
	if avatar == "" {
		avatar = user.FigureURLQQ1
	}
	return oauth.Identity{Provider: p.Name(), Subject: me.OpenID, Nickname: user.Nickname, AvatarURL: avatar}, nil
}

// oauthGet calls an OAuth endpoint and decodes its answer into v, turning
// {"error": n} into *Error.
func (p *Provider) oauthGet(ctx context.Context, op string, q url.Values, v any) error {
	body, err := p.get(ctx, op, q)
	if err != nil {
		return err
	}
	var e struct {
		Code        flexInt `json:"error"`
		Description string  `json:"error_description"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("qq: %s: %w: answer is not JSON: %w", op, ErrUnavailable, err)
	}
	if e.Code != 0 {
		return &Error{Op: op, Code: int(e.Code), Message: redact.Echoes(e.Description, q, "client_secret", "code", "access_token")}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("qq: %s: %w: decode answer: %w", op, ErrUnavailable, err)
	}
	return nil
}

func (p *Provider) get(ctx context.Context, op string, q url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/"+op+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("qq: %s: build request: %w", op, err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("qq: %s: %w: %w", op, ErrUnavailable, redact.URLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("qq: %s: %w: read answer: %w", op, ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("qq: %s: http %d: %w", op, resp.StatusCode, ErrUnavailable)
	}
	return body, nil
}

// flexInt accepts a number or a numeric string: QQ sends both, depending on
// the endpoint.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*n = flexInt(v)
	return nil
}
