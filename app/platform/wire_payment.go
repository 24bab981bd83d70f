package platform

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"doorstep/app/payment"
	"doorstep/app/payment/alipay"
	"doorstep/app/payment/sandboxpay"
	"doorstep/app/payment/wechatpay"
	"doorstep/jobs"
)

// wirePayment assembles the payment capability: the enabled gateways, the
// service, its refund tasks, and its hooks into booking.
func (p *Platform) wirePayment() error {
	cfg := p.Cfg.Payment
	enabled := cfg.Enabled
	if len(enabled) == 0 && !p.Cfg.Production() {
		enabled = []string{sandboxpay.Name}
	}
	var gateways []payment.Gateway
	notifyBase := map[string]string{}
	seen := map[string]bool{}
	for _, name := range enabled {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		switch name {
		case sandboxpay.Name:
			key := cfg.Sandbox.Key
			if key == "" {
				// Tests and ad-hoc configs: a key of this process only. Copies
				// that share a sandbox need the configured one.
				var b [24]byte
				_, _ = rand.Read(b[:])
				key = "dev-only-" + hex.EncodeToString(b[:])
				p.Log.Warn("payment.sandbox.key is empty; using a random key for this process")
			}
			g, err := sandboxpay.New(p.Reg, sandboxpay.Config{Key: key, PublicURL: p.Cfg.HTTP.PublicURL, Log: p.Log})
			if err != nil {
				return err
			}
			p.paySandbox = g
			gateways = append(gateways, g)
		case "alipay":
			a := cfg.Alipay
			key, err := alipay.ParsePrivateKey(a.PrivateKey)
			if err != nil {
				return fmt.Errorf("payment.alipay.private_key: %w", err)
			}
			pub, err := payment.ParseRSAPublicKey(a.PublicKey)
			if err != nil {
				return fmt.Errorf("payment.alipay.public_key: %w", err)
			}
			g, err := alipay.New(alipay.Config{AppID: a.AppID, PrivateKey: key, AlipayPublicKey: pub, GatewayURL: a.GatewayURL, Product: a.Product})
			if err != nil {
				return err
			}
			gateways = append(gateways, g)
			notifyBase[g.Name()] = a.NotifyBaseURL
		case "wechat":
			w := cfg.WeChat
			key, err := payment.ParseRSAPrivateKey(w.PrivateKey)
			if err != nil {
				return fmt.Errorf("payment.wechat.private_key: %w", err)
			}
			pub, err := payment.ParseRSAPublicKey(w.PlatformPublicKey)
			if err != nil {
				return fmt.Errorf("payment.wechat.platform_public_key: %w", err)
			}
			g, err := wechatpay.New(wechatpay.Config{MchID: w.MchID, AppID: w.AppID, MchPrivateKey: key, MchCertSerial: w.CertSerial,
				APIv3Key: w.APIv3Key, PlatformPublicKey: pub, PlatformSerial: w.PlatformSerial, BaseURL: w.BaseURL})
			if err != nil {
				return err
			}
			gateways = append(gateways, g)
			notifyBase[g.Name()] = w.NotifyBaseURL
		default:
			return fmt.Errorf("payment.enabled: unknown gateway %q (sandbox, alipay or wechat)", name)
		}
	}

	p.Payments = payment.New(gateways, p.Outbox, p.Notify, p.Audit, payment.Config{
		Timeout: cfg.Timeout, PublicURL: p.Cfg.HTTP.PublicURL, NotifyBase: notifyBase, ReturnOrigins: cfg.ReturnOrigins,
		RefundPoll: cfg.RefundPoll, RefundPollMax: cfg.RefundPollMax, RefundMaxFailures: cfg.RefundMaxFailures, RefundMaxPolls: cfg.RefundMaxPolls,
	}, p.Log)
	p.tasks[payment.TaskRefund] = p.Payments.HandleRefund
	p.tasks[payment.TaskRefundPoll] = p.Payments.HandleRefundPoll
	p.tasks[payment.TaskRefundSweep] = p.Payments.HandleRefundSweep
	p.schedule = append(p.schedule, jobs.Periodic{TaskType: payment.TaskRefundSweep, Every: 5 * time.Minute, PerCity: true})

	// Booking is built before us: it gives money back through us and asks
	// us before expiring an unpaid order; we hand it the payments.
	if p.Booking != nil {
		p.Booking.UseRefunder(p.Payments)
		p.Booking.UsePaymentChecker(p.Payments)
		if o, ok := any(p.Booking).(payment.Orders); ok {
			p.Payments.UseOrders(o)
		} else {
			p.Log.Warn("booking does not take payments yet (PayableNow, ApplyPayment); paying answers 503")
		}
	}

	// A loopback public URL can only mean this machine: take the port the
	// listener really got, so notifications and pay links reach this
	// process (tests listen on a random port).
	p.onListen = append(p.onListen, func(addr string) {
		if base, ok := loopbackBase(p.Cfg.HTTP.PublicURL, addr); ok {
			p.Payments.UseBaseURL(base)
			if p.paySandbox != nil {
				p.paySandbox.UseBaseURL(base)
			}
		}
	})
	return nil
}

// loopbackBase rewrites a loopback public URL to the listener's port.
func loopbackBase(public, addr string) (string, bool) {
	u, err := url.Parse(public)
	if err != nil || u.Host == "" {
		return "", false
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !(host == "localhost" || (ip != nil && ip.IsLoopback())) {
		return "", false
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", false
	}
	u.Host = net.JoinHostPort(host, port)
	return strings.TrimRight(u.String(), "/"), true
}
