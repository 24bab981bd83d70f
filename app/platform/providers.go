package platform

import (
	"fmt"

	"doorstep/app/notify"
	"doorstep/app/oauth"
	"doorstep/app/oauth/qq"
	"doorstep/app/oauth/wechat"
	"doorstep/app/push"
	"doorstep/app/push/jpush"
	"doorstep/app/sms"
	"doorstep/app/sms/aliyun"
)

// senders picks the SMS and push providers from config.
func (p *Platform) senders() (sms.Sender, push.Sender, error) {
	cfg := p.Cfg
	var smsSender sms.Sender
	switch cfg.SMS.Provider {
	case "sandbox":
		render := func(t string, params map[string]string) string {
			_, body := notify.Render(t, "zh", params)
			return body
		}
		p.SMSBox = sms.NewSandbox(p.Reg, func(phone string) []byte { return p.Box.Hash("phone", phone) }, render)
		smsSender = p.SMSBox
	case "aliyun":
		a := cfg.SMS.Aliyun
		s, err := aliyun.New(aliyun.Config{AccessKeyID: a.AccessKeyID, AccessKeySecret: a.AccessKeySecret, SignName: a.SignName, Templates: a.Templates, Endpoint: a.Endpoint})
		if err != nil {
			return nil, nil, err
		}
		smsSender = s
	default:
		return nil, nil, fmt.Errorf("sms.provider %q: sandbox or aliyun", cfg.SMS.Provider)
	}
	var pushSender push.Sender
	switch cfg.Push.Provider {
	case "sandbox":
		pushSender = push.NewSandbox(p.Reg)
	case "jpush":
		j := cfg.Push.JPush
		s, err := jpush.New(jpush.Config{AppKey: j.AppKey, MasterSecret: j.MasterSecret, BaseURL: j.BaseURL, Production: j.Production})
		if err != nil {
			return nil, nil, err
		}
		pushSender = s
	default:
		return nil, nil, fmt.Errorf("push.provider %q: sandbox or jpush", cfg.Push.Provider)
	}
	return smsSender, pushSender, nil
}

// oauthProviders lists the configured third-party sign-ins.
func (p *Platform) oauthProviders() ([]oauth.Provider, *oauth.Sandbox, error) {
	cfg := p.Cfg.OAuth
	var out []oauth.Provider
	var sbx *oauth.Sandbox
	if cfg.Sandbox {
		sbx = oauth.NewSandbox(p.Cfg.HTTP.PublicURL, cfg.SandboxKey)
		out = append(out, sbx)
	}
	if cfg.WeChat.AppID != "" {
		w, err := wechat.New(wechat.Config{AppID: cfg.WeChat.AppID, AppSecret: cfg.WeChat.AppSecret})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, w)
	}
	if cfg.QQ.AppID != "" {
		q, err := qq.New(qq.Config{AppID: cfg.QQ.AppID, AppKey: cfg.QQ.AppSecret})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, q)
	}
	return out, sbx, nil
}
