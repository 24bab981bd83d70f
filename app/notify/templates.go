package notify

import (
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
	"dispatch_escalated": {
		"zh": {"派单需人工处理", "订单{order_no}经{rounds}轮智能派单仍无人接单，请尽快人工派单。"},
		"en": {"Dispatch needs you", "Order {order_no} found no taker after {rounds} rounds. Please assign it by hand."},
	},
	"merchant_application": {
		"zh": {"入驻申请进度", "您的商家入驻申请「{name}」状态：{status}。{note}"},
		"en": {"Merchant application", "Your application for {name}: {status}. {note}"},
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

// Render fills a template in a language (falling back to Chinese) and
// returns its title and body. An unknown template renders its name, so a
// missing text is visible rather than silent.
func Render(name, lang string, params map[string]string) (string, string) {
	byLang, ok := templates[name]
	if !ok {
		return name, name
	}
	t, ok := byLang[lang]
	if !ok {
		t = byLang["zh"]
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace(t.Title), strings.TrimSpace(r.Replace(t.Body))
}

// Templates lists the template names (for tests and the docs).
func Templates() []string {
	out := make([]string, 0, len(templates))
	for k := range templates {
		out = append(out, k)
	}
	return out
}
