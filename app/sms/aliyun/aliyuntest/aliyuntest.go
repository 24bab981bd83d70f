// Package aliyuntest is a fake Aliyun SMS endpoint (dysmsapi SendSms) for
// tests. It checks requests the way Aliyun does: the access key, a signature
// version 1.0 recomputed with the known secret, a timestamp within 15 minutes,
// a SignatureNonce never seen before, the sign name and template code, the
// phone number, TemplateParam JSON with string values and a per-number limit
// of one message a minute. It answers in Aliyun's JSON shapes and records the
// messages it accepts. Serve it with httptest.NewServer.
//
// The signature check is written independently of package aliyun (a URL
// encoder plus Aliyun's three documented substitutions) so that a bug in the
// adapter's encoder cannot hide behind the same bug here.
//
// Imports the standard library only.
package aliyuntest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Account is what the fake knows about the one Aliyun account it serves.
type Account struct {
	AccessKeyID     string
	AccessKeySecret string
	SignNames       []string // approved 签名
	TemplateCodes   []string // approved templates, "SMS_123456"
}

// Message is one accepted message to one number.
type Message struct {
	Phone        string
	SignName     string
	TemplateCode string
	Params       map[string]string // TemplateParam decoded
	BizID        string
	At           time.Time
}

// Fake is the fake endpoint; it is an http.Handler.
type Fake struct {
	acc       Account
	signNames map[string]bool
	templates map[string]bool

	mu       sync.Mutex
	now      func() time.Time
	nonces   map[string]bool
	lastSent map[string]time.Time
	sent     []Message
	requests int
	fail     []failure
}

type failure struct {
	status int
	code   string
}

// New returns a fake serving acc, with the real clock.
func New(acc Account) *Fake {
	f := &Fake{
		acc:       acc,
		signNames: map[string]bool{},
		templates: map[string]bool{},
		now:       time.Now,
		nonces:    map[string]bool{},
		lastSent:  map[string]time.Time{},
	}
	for _, s := range acc.SignNames {
		f.signNames[s] = true
	}
	for _, t := range acc.TemplateCodes {
		f.templates[t] = true
	}
	return f
}

// SetNow replaces the fake's clock (timestamp window and flow control).
func (f *Fake) SetNow(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// FailNext makes the next correctly signed request answer with code and
// HTTP status, as Aliyun does for isp.SYSTEM_ERROR or Throttling.User.
func (f *Fake) FailNext(status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, failure{status, code})
}

// Messages returns the accepted messages, oldest first.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.sent...)
}

// Requests counts every request that reached the fake, accepted or not.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Aliyun's answers for the checks the fake makes. Gateway-level errors carry
// 4xx statuses; SendSms business errors (isv.*) come back with HTTP 200.
var answers = map[string]struct {
	status int
	msg    string
}{
	"InvalidAccessKeyId.NotFound": {404, "Specified access key is not found."},
	"InvalidTimeStamp.Expired":    {400, "Specified time stamp or date value is expired."},
	"InvalidTimeStamp.Format":     {400, "Specified time stamp or date value is not well formatted."},
	"SignatureDoesNotMatch":       {400, "Specified signature is not matched with our calculation."},
	"SignatureNonceUsed":          {400, "Specified signature nonce was used already."},
	"InvalidParameter":            {400, "The specified parameter is not valid."},
	"InvalidAction.NotFound":      {404, "Specified api is not found, please check your url and method."},
	"isv.MOBILE_NUMBER_ILLEGAL":   {200, "非法手机号"},
	"isv.SMS_SIGNATURE_ILLEGAL":   {200, "该账号下找不到对应签名"},
	"isv.SMS_TEMPLATE_ILLEGAL":    {200, "该账号下找不到对应模板"},
	"isv.INVALID_JSON_PARAM":      {200, "JSON参数不合法，只接受字符串值"},
	"isv.BUSINESS_LIMIT_CONTROL":  {200, "触发分钟级流控Permits:1"},
	"isp.SYSTEM_ERROR":            {200, "系统错误"},
	"ServiceUnavailable":          {503, "The request has failed due to a temporary failure of the server."},
	"Throttling.User":             {400, "Request was denied due to user flow control."},
}

var (
	// Mainland mobiles with an optional country prefix, or other countries'
	// numbers with their country code (国际/港澳台号码格式：区号+号码).
	phoneRE = regexp.MustCompile(`^(?:(?:86|0086)?1[3-9][0-9]{9}|[2-9][0-9]{7,14})$`)
	window  = 15 * time.Minute
)

// ServeHTTP answers one RPC-style request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++

	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		f.answer(w, "InvalidParameter")
		return
	}
	for _, k := range []string{"AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version", "Signature"} {
		if q.Get(k) == "" {
			f.answerWith(w, 400, "Missing"+k, k+" is mandatory for this action.")
			return
		}
	}
	if q.Get("Action") != "SendSms" || q.Get("Version") != "2017-05-25" {
		f.answer(w, "InvalidAction.NotFound")
		return
	}
	if q.Get("SignatureMethod") != "HMAC-SHA1" || q.Get("SignatureVersion") != "1.0" || q.Get("Format") != "JSON" {
		f.answer(w, "InvalidParameter")
		return
	}
	if q.Get("AccessKeyId") != f.acc.AccessKeyID {
		f.answer(w, "InvalidAccessKeyId.NotFound")
		return
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", q.Get("Timestamp"))
	if err != nil {
		f.answer(w, "InvalidTimeStamp.Format")
		return
	}
	if d := f.now().Sub(ts); d > window || d < -window {
		f.answer(w, "InvalidTimeStamp.Expired")
		return
	}
	if want := Signature(r.Method, q, f.acc.AccessKeySecret); !hmac.Equal([]byte(want), []byte(q.Get("Signature"))) {
		f.answer(w, "SignatureDoesNotMatch")
		return
	}
	// The nonce is spent only by a correctly signed request, so nobody can
	// block a nonce they could not sign for.
	if f.nonces[q.Get("SignatureNonce")] {
		f.answer(w, "SignatureNonceUsed")
		return
	}
	f.nonces[q.Get("SignatureNonce")] = true

	if len(f.fail) > 0 {
		fl := f.fail[0]
		f.fail = f.fail[1:]
		msg := answers[fl.code].msg
		f.answerWith(w, fl.status, fl.code, msg)
		return
	}
	for _, k := range []string{"PhoneNumbers", "SignName", "TemplateCode"} {
		if q.Get(k) == "" {
			f.answerWith(w, 400, "Missing"+k, k+" is mandatory for this action.")
			return
		}
	}
	phones := strings.Split(q.Get("PhoneNumbers"), ",")
	for _, p := range phones {
		if !phoneRE.MatchString(p) {
			f.answer(w, "isv.MOBILE_NUMBER_ILLEGAL")
			return
		}
	}
	if !f.signNames[q.Get("SignName")] {
		f.answer(w, "isv.SMS_SIGNATURE_ILLEGAL")
		return
	}
	if !f.templates[q.Get("TemplateCode")] {
		f.answer(w, "isv.SMS_TEMPLATE_ILLEGAL")
		return
	}
	var params map[string]string
	if tp := q.Get("TemplateParam"); tp != "" {
		if err := json.Unmarshal([]byte(tp), &params); err != nil {
			f.answer(w, "isv.INVALID_JSON_PARAM")
			return
		}
	}
	now := f.now()
	for _, p := range phones {
		if last, ok := f.lastSent[p]; ok && now.Sub(last) < time.Minute {
			f.answer(w, "isv.BUSINESS_LIMIT_CONTROL")
			return
		}
	}
	bizID := fmt.Sprintf("%d^%d", 900000+len(f.sent), now.UnixMilli())
	for _, p := range phones {
		f.lastSent[p] = now
		f.sent = append(f.sent, Message{
			Phone: p, SignName: q.Get("SignName"), TemplateCode: q.Get("TemplateCode"),
			Params: params, BizID: bizID, At: now,
		})
	}
	writeJSON(w, 200, map[string]string{"Code": "OK", "Message": "OK", "BizId": bizID, "RequestId": requestID()})
}

func (f *Fake) answer(w http.ResponseWriter, code string) {
	a := answers[code]
	f.answerWith(w, a.status, code, a.msg)
}

func (f *Fake) answerWith(w http.ResponseWriter, status int, code, msg string) {
	if status == 0 {
		status = 400
	}
	writeJSON(w, status, map[string]string{
		"Code": code, "Message": msg, "RequestId": requestID(), "HostId": "dysmsapi.aliyuncs.com",
	})
}

// Signature computes signature version 1.0 of the decoded query q (any
// Signature in it is ignored) for method, with secret.
func Signature(method string, q url.Values, secret string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = specialURLEncode(k) + "=" + specialURLEncode(q.Get(k))
	}
	toSign := method + "&" + specialURLEncode("/") + "&" + specialURLEncode(strings.Join(pairs, "&"))
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// specialURLEncode is Aliyun's documented recipe, word for word.
func specialURLEncode(s string) string {
	s = url.QueryEscape(s)
	s = strings.ReplaceAll(s, "+", "%20")
	s = strings.ReplaceAll(s, "*", "%2A")
	return strings.ReplaceAll(s, "%7E", "~")
}

func requestID() string {
	t := rand.Text()
	return t[:8] + "-" + t[8:12] + "-" + t[12:16] + "-" + t[16:20] + "-" + t[20:]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
