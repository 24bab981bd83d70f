// Package wechat signs people in with WeChat website login (微信开放平台
// 网站应用微信登录), an OAuth 2.0 code flow: the browser goes to
// open.weixin.qq.com/connect/qrconnect and scans a QR code, the code it
// brings back is exchanged at api.weixin.qq.com/sns/oauth2/access_token for
// an access token and openid, and sns/userinfo names the person. WeChat
// answers errors with HTTP 200 and {"errcode","errmsg"}. Subpackage
// wechattest is a fake of both hosts for tests.
//
// Imports the standard library, app and app/oauth only.
package wechat

import (
	"context"
	"doorstep/app/redact"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/oauth"
)

const (
	// DefaultOpenBaseURL serves the QR-code login page.
	DefaultOpenBaseURL = "https://open.weixin.qq.com"
	// DefaultAPIBaseURL serves the token and user-info APIs.
	DefaultAPIBaseURL = "https://api.weixin.qq.com"

	defaultTimeout = 10 * time.Second
	maxBody        = 1 << 20
)

// WeChat errcodes callers may want to name.
const (
	CodeSystemBusy     = -1
	CodeInvalidAppID   = 40013
	CodeInvalidCode    = 40029
	CodeInvalidOpenID  = 40003
	CodeInvalidSecret  = 40125
	CodeCodeBeenUsed   = 40163
	CodeCodeExpired    = 42003
	CodeMissingCode    = 41008
	CodeAPIQuotaExceed = 45011
)

// Errors Exchange returns. Each *Error unwraps to one of them, so errors.Is
// and app.KindOf work without knowing WeChat's errcodes. The codes are
// shared with package qq: a client sees the same code whichever provider
// refused.
var (
	ErrCodeRejected     = app.E(app.KindUnauthorized, "oauth_code_rejected", "the sign-in code is invalid, expired or already used; sign in again")
	ErrIdentityMismatch = app.E(app.KindUnauthorized, "oauth_identity_mismatch", "the provider's answers do not belong to one sign-in")
	ErrMisconfigured    = app.E(app.KindInternal, "oauth_misconfigured", "the sign-in provider refused our app credentials")
	ErrUnavailable      = app.E(app.KindUnavailable, "oauth_unavailable", "the sign-in provider is unavailable; try again")
)

// Error is WeChat's {"errcode","errmsg"} answer.
type Error struct {
	Op      string // "sns/oauth2/access_token" or "sns/userinfo"
	Code    int    // errcode
	Message string // errmsg; WeChat appends a request id ("rid: ...")
}

func (e *Error) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.Op, e.Code, e.Message)
}

// Unwrap gives the generic class of the errcode.
func (e *Error) Unwrap() error {
	switch e.Code {
	case CodeInvalidCode, CodeCodeBeenUsed, CodeCodeExpired, CodeMissingCode:
		return ErrCodeRejected
	case CodeInvalidOpenID:
		return ErrIdentityMismatch
	// 40001 is a bad credential, 41002/41004 a missing appid/secret, 48001 an
	// app without the snsapi_login scope, 40164 a server IP outside the
	// console's allow-list.
	case CodeInvalidAppID, CodeInvalidSecret, 40001, 41002, 41004, 48001, 40164:
		return ErrMisconfigured
	}
	return ErrUnavailable
}

// Config is one WeChat Open Platform website application.
type Config struct {
	AppID       string
	AppSecret   string
	OpenBaseURL string       // default DefaultOpenBaseURL
	APIBaseURL  string       // default DefaultAPIBaseURL
	HTTPClient  *http.Client // default: a client with a 10 s timeout
}

// Provider is WeChat website login. It is safe for concurrent use.
type Provider struct {
	appID, secret string
	openBase      string
	apiBase       string
	client        *http.Client
}

var _ oauth.Provider = (*Provider)(nil)

// New checks cfg and fills its defaults.
func New(cfg Config) (*Provider, error) {
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, errors.New("wechat: AppID and AppSecret are required")
	}
	if cfg.OpenBaseURL == "" {
		cfg.OpenBaseURL = DefaultOpenBaseURL
	}
	if cfg.APIBaseURL == "" {
		cfg.APIBaseURL = DefaultAPIBaseURL
	}
	for _, b := range []string{cfg.OpenBaseURL, cfg.APIBaseURL} {
		if u, err := url.Parse(b); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("wechat: base URL %q is not an absolute URL", b)
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	return &Provider{
		appID:    cfg.AppID,
		secret:   cfg.AppSecret,
		openBase: strings.TrimRight(cfg.OpenBaseURL, "/"),
		apiBase:  strings.TrimRight(cfg.APIBaseURL, "/"),
		client:   cfg.HTTPClient,
	}, nil
}

// Name is the provider name stored with identities.
func (p *Provider) Name() string { return "wechat" }

// AuthURL is the QR-code login page. The parameters are written in the
// order WeChat documents, and #wechat_redirect must end the URL: WeChat
// refuses to redirect without it.
func (p *Provider) AuthURL(state, redirectURI string) string {
	return p.openBase + "/connect/qrconnect" +
		"?appid=" + url.QueryEscape(p.appID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code" +
		"&scope=snsapi_login" +
		"&state=" + url.QueryEscape(state) +
		"#wechat_redirect"
}

// Exchange turns the code into the signed-in person. redirectURI is unused:
// WeChat bound the code to the callback domain at qrconnect time and its
// token endpoint takes no redirect_uri.
func (p *Provider) Exchange(ctx context.Context, code, redirectURI string) (oauth.Identity, error) {
	if code == "" {
		return oauth.Identity{}, fmt.Errorf("wechat: empty code: %w", ErrCodeRejected)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		OpenID      string `json:"openid"`
		Scope       string `json:"scope"`
		UnionID     string `json:"unionid"`
	}
	q := url.Values{
		"appid":      {p.appID},
		"secret":     {p.secret},
		"code":       {code},
		"grant_type": {"authorization_code"},
	}
	if err := p.get(ctx, "sns/oauth2/access_token", q, &tok); err != nil {
		return oauth.Identity{}, err
	}
	if tok.AccessToken == "" || tok.OpenID == "" {
		return oauth.Identity{}, fmt.Errorf("wechat: sns/oauth2/access_token: answer without access_token or openid: %w", ErrUnavailable)
	}

	var user struct {
		OpenID     string `json:"openid"`
		Nickname   string `json:"nickname"`
		HeadImgURL string `json:"headimgurl"`
		UnionID    string `json:"unionid"`
	}
	q = url.Values{"access_token": {tok.AccessToken}, "openid": {tok.OpenID}, "lang": {"zh_CN"}}
	if err := p.get(ctx, "sns/userinfo", q, &user); err != nil {
		return oauth.Identity{}, err
	}
	// The token names one person; a profile of anyone else means the answers
	// were crossed somewhere and must not sign anybody in.
	if user.OpenID != tok.OpenID {
		return oauth.Identity{}, fmt.Errorf("wechat: sns/userinfo answered for another openid: %w", ErrIdentityMismatch)
	}
	if tok.UnionID != "" && user.UnionID != "" && tok.UnionID != user.UnionID {
		return oauth.Identity{}, fmt.Errorf("wechat: sns/userinfo answered with another unionid: %w", ErrIdentityMismatch)
	}
	unionID := user.UnionID
	if unionID == "" {
		unionID = tok.UnionID
	}
	return oauth.Identity{
		Provider:  p.Name(),
		Subject:   tok.OpenID,
		UnionID:   unionID,
		Nickname:  user.Nickname,
		AvatarURL: user.HeadImgURL,
	}, nil
}

// get calls one API and decodes its answer into v, turning an errcode into
// *Error. WeChat often labels JSON as text/plain, so the content type is not
// checked.
func (p *Provider) get(ctx context.Context, op string, q url.Values, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.apiBase+"/"+op+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("wechat: %s: build request: %w", op, err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("wechat: %s: %w: %w", op, ErrUnavailable, redact.URLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("wechat: %s: %w: read answer: %w", op, ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wechat: %s: http %d: %w", op, resp.StatusCode, ErrUnavailable)
	}
	var e struct {
		Code    int    `json:"errcode"`
		Message string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("wechat: %s: %w: answer is not JSON: %w", op, ErrUnavailable, err)
	}
	if e.Code != 0 {
		return &Error{Op: op, Code: e.Code, Message: redact.Echoes(e.Message, q, "secret", "code", "access_token")}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("wechat: %s: %w: decode answer: %w", op, ErrUnavailable, err)
	}
	return nil
}
