package notify

import (
	"regexp"
	"strings"
)

// Text is one template in one language.
type Text struct{ Title, Body string }

// templates by name and language. Chinese first; English for accounts that
// chose it. Placeholders are {name}.
var templates = map[string]map[string]Text{
	"code_login": {
		"zh": {"验证码", "【上门到家】您的登录验证码是{code}，{minutes}分钟内有效。如非本人操作，请忽略。"},
		"en": {"Sign-in code", "[Doorstep] Your sign-in code is {code}, valid for {minutes} minutes. Ignore this if it was not you."},
	},
	"code_reset": {
		"zh": {"验证码", "【上门到家】您正在重置密码，验证码{code}，{minutes}分钟内有效。请勿告诉他人。"},
		"en": {"Reset code", "[Doorstep] Your password reset code is {code}, valid for {minutes} minutes. Never share it."},
	},
	"code_bind": {
		"zh": {"验证码", "【上门到家】您正在绑定手机号，验证码{code}，{minutes}分钟内有效。"},
		"en": {"Verification code", "[Doorstep] Your code to bind this phone is {code}, valid for {minutes} minutes."},
	},
	"order_created": {
		"zh": {"预约已提交", "您预约的「{service}」（{time}）已提交，请在{minutes}分钟内完成支付，订单号{order_no}。"},
		"en": {"Booking placed", "Your booking of {service} at {time} is placed. Please pay within {minutes} minutes. Order {order_no}."},
	},
	"order_paid": {
		"zh": {"支付成功", "您已成功支付{amount}元，「{service}」预约已确认，服务时间{time}。订单号{order_no}。"},
		"en": {"Payment received", "We received {amount} yuan. Your {service} at {time} is confirmed. Order {order_no}."},
	},
	"order_assigned": {
		"zh": {"已派单", "您的订单{order_no}已安排服务人员{staff}，服务时间{time}。"},
		"en": {"Staff assigned", "{staff} will serve your order {order_no} at {time}."},
	},
	"order_on_the_way": {
		"zh": {"服务人员已出发", "服务人员{staff}已出发，正在前往您的地址，请保持电话畅通。订单号{order_no}。"},
		"en": {"On the way", "{staff} is on the way to you. Order {order_no}."},
	},
	"order_started": {
		"zh": {"服务已开始", "服务人员{staff}已开始为您服务。订单号{order_no}。"},
		"en": {"Service started", "{staff} has started the service. Order {order_no}."},
	},
	"order_reminder": {
		"zh": {"服务提醒", "温馨提示：您预约的「{service}」将于{time}开始，请提前做好准备。订单号{order_no}。"},
		"en": {"Reminder", "Your {service} starts at {time}. Order {order_no}."},
	},
	"order_completed": {
		"zh": {"服务已完成", "您的订单{order_no}服务已完成，感谢您的信任！{balance_note}"},
		"en": {"Service completed", "Your order {order_no} is complete. Thank you! {balance_note}"},
	},
	"review_request": {
		"zh": {"邀请评价", "您对本次「{service}」服务满意吗？欢迎评价，帮助更多用户选择。订单号{order_no}。"},
		"en": {"How was it?", "How was your {service}? Leave a review to help others. Order {order_no}."},
	},
	"review_reminder": {
		"zh": {"别忘了评价", "您的「{service}」服务已完成一天啦，还没有评价哦。您的评价对其他用户很有帮助。订单号{order_no}。"},
		"en": {"Still time to review", "Your {service} was a day ago. A short review helps others choose. Order {order_no}."},
	},
	"review_replied": {
		"zh": {"商家回复了您的评价", "商家回复了您对「{service}」的评价，快去看看吧。"},
		"en": {"The merchant replied", "The merchant replied to your review of {service}."},
	},
	"order_cancelled": {
		"zh": {"订单已取消", "您的订单{order_no}已取消。{refund_note}"},
		"en": {"Order cancelled", "Your order {order_no} was cancelled. {refund_note}"},
	},
	"order_expired": {
		"zh": {"订单已关闭", "您的订单{order_no}因超时未支付已自动关闭，预约时段已释放。"},
		"en": {"Order closed", "Your order {order_no} was closed because it was not paid in time."},
	},
	"refund_done": {
		"zh": {"退款成功", "订单{order_no}的退款{amount}元已原路退回，请注意查收。"},
		"en": {"Refund completed", "{amount} yuan for order {order_no} has been refunded to your original payment method."},
	},
	"payment_late_refund": {
		"zh": {"支付将原路退回", "订单{order_no}已关闭，您刚刚支付的{amount}元将原路退回，无需任何操作。"},
		"en": {"Your payment will be returned", "Order {order_no} had already closed, so the {amount} yuan you just paid is being refunded to your original payment method."},
	},
	"aftersale_update": {
		"zh": {"售后进度", "您的售后申请（订单{order_no}）有新进展：{status}。"},
		"en": {"After-sales update", "Your after-sales case for order {order_no}: {status}."},
	},
	"job_offered": {
		"zh": {"新的派单", "您有新的派单「{service}」，服务时间{time}，请在{seconds}秒内接单。"},
		"en": {"New job offer", "New job: {service} at {time}. Accept within {seconds} seconds."},
	},
	"job_assigned": {
		"zh": {"新的服务任务", "您已被安排「{service}」，服务时间{time}，订单号{order_no}。"},
		"en": {"New job", "You are assigned {service} at {time}. Order {order_no}."},
	},
	"job_cancelled": {
		"zh": {"服务任务已取消", "您的服务任务「{service}」（{time}，订单号{order_no}）已取消或改派，无需上门。"},
		"en": {"Job called off", "Your job {service} at {time} (order {order_no}) was cancelled or given to someone else. No visit needed."},
	},
	"dispatch_escalated": {
		"zh": {"派单需人工处理", "订单{order_no}经{rounds}轮智能派单仍无人接单，请尽快人工派单。"},
		"en": {"Dispatch needs you", "Order {order_no} found no taker after {rounds} rounds. Please assign it by hand."},
	},
	"merchant_application": {
		"zh": {"入驻申请进度", "您的商家入驻申请「{name}」状态：{status}。{note}"},
		"en": {"Merchant application", "Your application for {name}: {status}. {note}"},
	},
	"merchant_status": {
		"zh": {"店铺状态变更", "您的店铺「{name}」{status}。{note}"},
		"en": {"Shop status", "Your shop {name}: {status}. {note}"},
	},
	"dispatcher_invited": {
		"zh": {"调度员邀请", "{merchant}邀请您成为调度员，请使用本手机号登录上门到家商家后台。"},
		"en": {"You are invited", "{merchant} made you a dispatcher. Sign in with this phone number to the merchant back office."},
	},
	"staff_invited": {
		"zh": {"服务人员邀请", "{merchant}邀请您成为服务人员，请使用本手机号登录上门到家接单。"},
		"en": {"You are invited", "{merchant} invited you to join as staff. Sign in with this phone number to take jobs."},
	},
	"coupon_granted": {
		"zh": {"优惠券到账", "您获得一张优惠券「{coupon}」，{expires}前有效。"},
		"en": {"New coupon", "You received the coupon {coupon}, valid until {expires}."},
	},
	"payout_update": {
		"zh": {"提现进度", "您的提现申请{amount}元状态：{status}。"},
		"en": {"Payout update", "Your payout of {amount} yuan: {status}."},
	},
}

// Params is what a template expects from Tell's params.
type Params struct {
	Required []string // each must be sent
	Optional []string // may be left out or ""; renders as nothing then
}

// templateParams documents the params of every template: what callers of
// Tell must send. A value is shown as it is, so it is text for a person:
// amounts in yuan with two decimals ("128.00"), times in the city's local
// time ("06-03 10:00"), the service title, the staff member's or merchant's
// display name, the order number. Words that differ by language (statuses,
// notes) are sent once per language as "status.zh" and "status.en"; a plain
// "status" serves any language without its own. Never personal data: the
// text lands in the inbox. TestTemplates renders each template with these.
var templateParams = map[string]Params{
	"code_login": {Required: []string{"code", "minutes"}},
	"code_reset": {Required: []string{"code", "minutes"}},
	"code_bind":  {Required: []string{"code", "minutes"}},

	// Customer journey (booking, payment, dispatch send these).
	"order_created":    {Required: []string{"service", "time", "minutes", "order_no"}},
	"order_paid":       {Required: []string{"amount", "service", "time", "order_no"}}, // booking confirmed
	"order_assigned":   {Required: []string{"order_no", "staff", "time"}},
	"order_on_the_way": {Required: []string{"staff", "order_no"}},
	"order_started":    {Required: []string{"staff", "order_no"}},
	"order_reminder":   {Required: []string{"service", "time", "order_no"}}, // one hour before
	"order_completed":  {Required: []string{"order_no"}, Optional: []string{"balance_note"}},
	"review_request":   {Required: []string{"service", "order_no"}},
	"review_reminder":  {Required: []string{"service", "order_no"}}, // review: 24 h after completion, when not reviewed
	"review_replied":   {Required: []string{"service"}},             // review: the merchant replied
	"order_cancelled":  {Required: []string{"order_no"}, Optional: []string{"refund_note"}},
	"order_expired":    {Required: []string{"order_no"}},
	"refund_done":      {Required: []string{"order_no", "amount"}},
	"aftersale_update": {Required: []string{"order_no", "status"}},

	// payment: a payment landed on an order already closed; refunded at once.
	"payment_late_refund": {Required: []string{"order_no", "amount"}},

	// Staff, merchants, marketing, settlement.
	"job_offered":          {Required: []string{"service", "time", "seconds"}},
	"job_assigned":         {Required: []string{"service", "time", "order_no"}},
	"job_cancelled":        {Required: []string{"service", "time", "order_no"}}, // booking: the staff member's job was cancelled or reassigned
	"dispatch_escalated":   {Required: []string{"order_no", "rounds"}},
	"merchant_application": {Required: []string{"name", "status"}, Optional: []string{"note"}},
	"staff_invited":        {Required: []string{"merchant"}},
	"dispatcher_invited":   {Required: []string{"merchant"}},
	"merchant_status":      {Required: []string{"name", "status"}, Optional: []string{"note"}},
	"coupon_granted":       {Required: []string{"coupon", "expires"}},
	"payout_update":        {Required: []string{"amount", "status"}},
}

// Expects returns the documented params of a template.
func Expects(name string) Params { return templateParams[name] }

// Render fills a template in a language (falling back to Chinese) and
// returns its title and body. An unknown template renders its name, so a
// missing text is visible rather than silent; so does a missing required
// param ("{order_no}"), while a missing optional one renders as nothing.
func Render(name, lang string, params map[string]string) (string, string) {
	byLang, ok := templates[name]
	if !ok {
		return name, name
	}
	t, ok := byLang[lang]
	if !ok {
		lang = "zh"
		t = byLang[lang]
	}
	vals := paramsIn(lang, params)
	for _, k := range templateParams[name].Optional {
		if _, ok := vals[k]; !ok {
			vals[k] = ""
		}
	}
	pairs := make([]string, 0, 2*len(vals))
	for k, v := range vals {
		pairs = append(pairs, "{"+k+"}", v)
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace(t.Title), strings.TrimSpace(r.Replace(t.Body))
}

// paramsIn resolves per-language params ("status.en") for lang: the
// language's own value wins over the plain one; other languages' are dropped.
func paramsIn(lang string, params map[string]string) map[string]string {
	out := make(map[string]string, len(params))
	for k, v := range params {
		if !strings.Contains(k, ".") {
			out[k] = v
		}
	}
	for k, v := range params {
		if base, l, ok := strings.Cut(k, "."); ok && l == lang {
			out[base] = v
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// unfilled lists the placeholders left in rendered text.
func unfilled(texts ...string) []string {
	var out []string
	for _, t := range texts {
		out = append(out, placeholder.FindAllString(t, -1)...)
	}
	return out
}

// Templates lists the template names (for tests and the docs).
func Templates() []string {
	out := make([]string, 0, len(templates))
	for k := range templates {
		out = append(out, k)
	}
	return out
}
