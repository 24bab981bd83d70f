// Package oauth signs people in with third-party accounts. Provider is the
// interface; the wechat subpackage speaks WeChat's website-login protocol
// (open.weixin.qq.com qrconnect + sns/oauth2/access_token + sns/userinfo);
// Sandbox lets the demo sign in with no outside account.
package oauth

import "context"

// Identity is a verified third-party person.
type Identity struct {
	Provider  string // "wechat", "qq", "sandbox"
	Subject   string // openid
	UnionID   string // WeChat unionid when the app is bound to an open platform account
	Nickname  string
	AvatarURL string
}

// Provider is one third-party login.
type Provider interface {
	Name() string
	// AuthURL is where the browser goes to sign in; state is echoed back.
	AuthURL(state, redirectURI string) string
	// Exchange turns the code from the redirect into a verified identity.
	Exchange(ctx context.Context, code, redirectURI string) (Identity, error)
}
