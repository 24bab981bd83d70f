package web

import (
	"html"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/pii"
	"doorstep/app/sms"
)

type sandboxSMSQuery struct {
	Phone string `query:"phone" validate:"required"`
}

type sandboxMessage = sms.Message

func (s *Server) sandboxSMS(c *fiber.Ctx) error {
	var q sandboxSMSQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	phone, ok := pii.NormalizePhone(q.Phone)
	if !ok {
		return app.Invalid("phone", "an 11-digit mainland mobile number")
	}
	out, err := s.d.SMSBox.Messages(c.UserContext(), phone, 20)
	if err != nil {
		return err
	}
	if out == nil {
		out = []sms.Message{}
	}
	return c.JSON(out)
}

func (s *Server) sandboxAuthorize(c *fiber.Ctx) error {
	state, redirect := c.Query("state"), c.Query("redirect_uri")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(`<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>沙箱授权登录</title>
<style>body{font:16px system-ui,"PingFang SC",sans-serif;max-width:420px;margin:3em auto;padding:0 1em}input,button{font-size:16px;padding:.6em;width:100%;box-sizing:border-box;margin:.4em 0}button{background:#07c160;color:#fff;border:0;border-radius:6px}</style></head><body>
<h2>沙箱第三方登录 · Sandbox sign-in</h2><p>This page stands in for WeChat/QQ in the demo. Pick a nickname to sign in as.</p>
<form method="post" action="/sandbox/oauth/authorize"><input name="nickname" value="微信用户" maxlength="32" required>
<input type="hidden" name="state" value="` + html.EscapeString(state) + `"><input type="hidden" name="redirect_uri" value="` + html.EscapeString(redirect) + `">
<button type="submit">同意授权 · Allow</button></form></body></html>`)
}

func (s *Server) sandboxApprove(c *fiber.Ctx) error {
	nick := strings.TrimSpace(c.FormValue("nickname"))
	state, redirect := c.FormValue("state"), c.FormValue("redirect_uri")
	u, err := url.Parse(redirect)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || nick == "" {
		return app.Invalid("redirect_uri", "must be an http(s) URL, and a nickname is required")
	}
	q := u.Query()
	q.Set("code", s.d.OAuthSbx.Code(nick))
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return c.Redirect(u.String(), fiber.StatusFound)
}
