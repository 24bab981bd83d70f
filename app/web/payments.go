package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/payment"
	"doorstep/app/payment/sandboxpay"
	"doorstep/tenants"
)

// mountPayments maps the payments endpoints: paying an order, the gateways'
// notifications, and the sandbox gateway's pay page (outside production).
func (s *Server) mountPayments() {
	s.handle(route{Method: "POST", Path: "/v1/orders/:id/pay", Summary: "Pay what your order owes now (deposit, full price or balance); a second request for the same amount hands back the pending payment",
		Tag: "payments", City: true, Perm: "payment:create", Body: payReq{}, Resp: payment.PayResult{}, Status: 201, Idem: true}, s.pay)
	s.handle(route{Method: "POST", Path: "/v1/payments/notify/:method/:city", Summary: "Payment gateways' asynchronous notifications (signed; answered in the gateway's own protocol)",
		Tag: "payments", Resp: "", Produce: "text/plain"}, s.paymentNotify)

	if !s.cfg.Production && s.d.PaySandbox != nil {
		s.handle(route{Method: "GET", Path: "/sandbox/pay/:no", Summary: "Sandbox only: the sandbox gateway's pay page", Tag: "sandbox", Resp: "", Produce: "text/html"}, s.sandboxPayPage)
		s.handle(route{Method: "POST", Path: "/sandbox/pay/:no", Summary: "Sandbox only: pay on the sandbox pay page (the gateway then notifies us)", Tag: "sandbox", Resp: "", Produce: "text/html"}, s.sandboxPayForm)
		s.handle(route{Method: "POST", Path: "/v1/sandbox/pay/:out_trade_no", Summary: "Sandbox only: pay a sandbox trade headlessly; the gateway posts its signed notification before answering", Tag: "sandbox", Resp: sandboxpay.Paid{}}, s.sandboxPayJSON)
	}
}

type payReq struct {
	Method    string `json:"method" validate:"required,oneof=sandbox alipay wechat" doc:"sandbox, alipay or wechat"`
	ReturnURL string `json:"return_url" validate:"max=512" doc:"optional: where the browser goes after paying on the provider's page (Alipay, sandbox): an http(s) URL of this site or of an origin in payment.return_origins; anything else is 400"`
}

// pay starts a payment. A retry with the same Idempotency-Key replays the
// first answer (booking's idempotent helper); without a key, a repeated
// request for the same amount and method still hands back the pending
// payment, so a retried POST never collects twice.
func (s *Server) pay(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in payReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	ip := strings.Clone(c.IP())
	return s.idempotent(c, func(ctx context.Context) (int, any, error) {
		res, err := s.d.Payments.PayOrder(ctx, id, payment.PayRequest{Method: in.Method, ClientIP: ip, ReturnURL: in.ReturnURL})
		if err != nil {
			return 0, nil, err
		}
		if res.Reused {
			return fiber.StatusOK, res, nil
		}
		return fiber.StatusCreated, res, nil
	})
}

// paymentNotify hands a gateway's notification to the payment service with
// the headers and the raw body exactly as they came (signatures are over
// those bytes). The gateway cannot send X-City, so the city is in the path.
func (s *Server) paymentNotify(c *fiber.Ctx) error {
	method, code := strings.Clone(c.Params("method")), strings.Clone(c.Params("city"))
	body := bytes.Clone(c.Body())
	h := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { h.Add(string(k), string(v)) })
	ctx := c.UserContext()
	var ans payment.Answer
	ct, err := s.d.Reg.Lookup(code)
	if err != nil || !tenants.ValidCode(code) {
		ans, err = s.d.Payments.RejectNotify(ctx, method, "unknown_city")
	} else {
		ans, err = s.d.Payments.Notify(tenants.WithCity(ctx, ct), method, h, body)
	}
	if err != nil {
		return err
	}
	if ans.ContentType != "" {
		c.Set(fiber.HeaderContentType, ans.ContentType)
	}
	return c.Status(ans.Status).Send(ans.Body)
}

func (s *Server) sandboxPayJSON(c *fiber.Ctx) error {
	out, err := s.d.PaySandbox.Pay(c.UserContext(), strings.Clone(c.Params("out_trade_no")))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) sandboxPayPage(c *fiber.Ctx) error {
	t, err := s.d.PaySandbox.Trade(c.UserContext(), strings.Clone(c.Params("no")))
	if err != nil {
		return s.sandboxPage(c, err, "")
	}
	var action string
	switch t.Status {
	case sandboxpay.StatusPending:
		action = `<form method="post" action="/sandbox/pay/` + html.EscapeString(t.OutTradeNo) + `"><button type="submit">确认支付 ¥` +
			app.FormatYuan(t.AmountFen) + ` · Pay</button></form>`
	case sandboxpay.StatusPaid:
		action = `<p class="ok">已支付 · Paid</p>` + backLink(t)
	default:
		action = `<p class="bad">交易已关闭 · This trade is closed</p>`
	}
	return s.sandboxPage(c, nil, tradeHTML(t)+action)
}

func (s *Server) sandboxPayForm(c *fiber.Ctx) error {
	out, err := s.d.PaySandbox.Pay(c.UserContext(), strings.Clone(c.Params("no")))
	if err != nil {
		return s.sandboxPage(c, err, "")
	}
	msg := `<p class="ok">支付成功 · Paid. 商户已收到通知 · The merchant has been notified.</p>`
	if !out.Notified {
		msg = `<p class="bad">支付成功，但商户未确认通知；再次点击可重发 · Paid, but the merchant did not take the notification; pay again to resend it.</p>` +
			`<form method="post"><button type="submit">重发通知 · Resend</button></form>`
	}
	return s.sandboxPage(c, nil, tradeHTML(out.Trade)+msg+backLink(out.Trade))
}

// backLink leads the payer back to the page that sent them (the return URL
// the payment service checked when the payment started), once paid.
func backLink(t sandboxpay.Trade) string {
	if t.ReturnURL == "" || t.Status != sandboxpay.StatusPaid {
		return ""
	}
	return `<p><a class="back" href="` + html.EscapeString(t.ReturnURL) + `">返回商家 · Back to the merchant</a></p>`
}

func tradeHTML(t sandboxpay.Trade) string {
	return `<p class="amount">¥` + app.FormatYuan(t.AmountFen) + `</p><p>` + html.EscapeString(t.Subject) + `</p><p class="no">` +
		html.EscapeString(t.OutTradeNo) + `</p>`
}

// sandboxPage renders the sandbox cashier around content, or the error.
func (s *Server) sandboxPage(c *fiber.Ctx, err error, content string) error {
	st := fiber.StatusOK
	if err != nil {
		var ae *app.Error
		if !errors.As(err, &ae) {
			return err
		}
		st = status(ae.Kind)
		content = `<p class="bad">` + html.EscapeString(ae.Message) + `</p>`
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(st).SendString(fmt.Sprintf(`<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>沙箱收银台 · Sandbox cashier</title>
<style>body{font:16px system-ui,"PingFang SC",sans-serif;max-width:420px;margin:3em auto;padding:0 1em;text-align:center}.amount{font-size:2.4em;margin:.3em 0}.no{color:#888;font-size:.8em}button{font-size:16px;padding:.8em;width:100%%;background:#1677ff;color:#fff;border:0;border-radius:6px}.ok{color:#07a35a}.bad{color:#d4380d}</style></head><body>
<h2>沙箱收银台 · Sandbox cashier</h2><p class="no">No real money moves here. 本页面仅用于演示与测试，不会产生真实扣款。</p>%s</body></html>`, content))
}
