// Package aliyun sends text messages through Aliyun SMS (阿里云短信服务,
// dysmsapi): the SendSms action of its RPC-style HTTP API, a GET whose query
// is signed with signature version 1.0 (HMAC-SHA1 over the sorted,
// percent-encoded parameters). Subpackage aliyuntest is a fake of the service
// for tests.
//
// Imports the standard library, app and app/sms only.
package aliyun

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"doorstep/app/redact"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/sms"
)

const (
	// DefaultEndpoint is Aliyun's public SMS endpoint; it serves every region.
	DefaultEndpoint = "https://dysmsapi.aliyuncs.com/"
	// DefaultRegionID is the region Aliyun documents for SendSms.
	DefaultRegionID = "cn-hangzhou"

	apiVersion      = "2017-05-25"
	timestampFormat = "2006-01-02T15:04:05Z"
	defaultTimeout  = 10 * time.Second
	maxBody         = 1 << 20
)

// Errors Send returns. Each *Error from Aliyun unwraps to one of the last four,
// so errors.Is and app.KindOf work without knowing Aliyun's codes.
var (
	ErrUnknownTemplate = app.E(app.KindInternal, "sms_template_unknown", "no Aliyun template is configured for this message")
	ErrRateLimited     = app.E(app.KindTooMany, "sms_rate_limited", "too many messages to this number; try again later")
	ErrBadNumber       = app.E(app.KindInvalid, "sms_bad_number", "this phone number cannot receive text messages")
	ErrRejected        = app.E(app.KindInternal, "sms_rejected", "the SMS provider refused the message")
	ErrUnavailable     = app.E(app.KindUnavailable, "sms_unavailable", "the SMS provider is unavailable; try again")
)

// Retryable reports whether sending again later may succeed. Per-number flow
// control (ErrRateLimited) is not retryable: Aliyun counts retries against the
// same limit, and a login code that arrives an hour late is useless.
func Retryable(err error) bool {
	return errors.Is(err, ErrUnavailable) && !errors.Is(err, context.Canceled)
}

// Error is Aliyun's answer when Code is not "OK".
type Error struct {
	Status    int    // HTTP status of the answer
	Code      string // Aliyun's code, e.g. "isv.BUSINESS_LIMIT_CONTROL"; empty when the body was not Aliyun's JSON
	Message   string // Aliyun's message, cut before any echo of the signed request
	RequestID string // what Aliyun support asks for
}

func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = "no error code"
	}
	s := fmt.Sprintf("%s (http %d", code, e.Status)
	if e.RequestID != "" {
		s += ", request " + e.RequestID
	}
	s += ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap gives the generic class of the code.
func (e *Error) Unwrap() error {
	switch e.Code {
	case "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL":
		return ErrRateLimited
	case "isv.MOBILE_NUMBER_ILLEGAL", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED", "isv.MOBILE_COUNT_OVER_LIMIT":
		return ErrBadNumber
	// A reused nonce is about this request, not the message: the next
	// attempt signs with a fresh one.
	case "SignatureNonceUsed":
		return ErrUnavailable
	}
	for _, p := range []string{"isp.", "Throttling", "ServiceUnavailable", "InternalError"} {
		if strings.HasPrefix(e.Code, p) {
			return ErrUnavailable
		}
	}
	if e.Code == "" && e.Status >= 500 {
		return ErrUnavailable
	}
	// Signature, access key, sign name, template and account problems need a
	// person to fix the configuration; retrying only burns quota.
	return ErrRejected
}

// Config is one Aliyun account's SMS settings.
type Config struct {
	AccessKeyID     string
	AccessKeySecret string
	SignName        string            // 签名, approved in the console; shown as 【SignName】
	Templates       map[string]string // our template name → Aliyun TemplateCode ("SMS_123456")
	Endpoint        string            // default DefaultEndpoint
	RegionID        string            // default DefaultRegionID
	HTTPClient      *http.Client      // default: a client with a 10 s timeout
	Now             func() time.Time  // default time.Now; signs the Timestamp
}

// Sender sends through Aliyun SMS. It is safe for concurrent use.
type Sender struct {
	id, secret string
	signName   string
	templates  map[string]string
	endpoint   url.URL
	region     string
	client     *http.Client
	now        func() time.Time
	nonce      func() string
}

var _ sms.Sender = (*Sender)(nil)

// New checks cfg and fills its defaults.
func New(cfg Config) (*Sender, error) {
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" || cfg.SignName == "" {
		return nil, errors.New("aliyun sms: AccessKeyID, AccessKeySecret and SignName are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	ep, err := url.Parse(cfg.Endpoint)
	if err != nil || ep.Scheme == "" || ep.Host == "" {
		return nil, fmt.Errorf("aliyun sms: endpoint %q is not an absolute URL", cfg.Endpoint)
	}
	ep.RawQuery, ep.Fragment = "", ""
	if cfg.RegionID == "" {
		cfg.RegionID = DefaultRegionID
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Sender{
		id:        cfg.AccessKeyID,
		secret:    cfg.AccessKeySecret,
		signName:  cfg.SignName,
		templates: maps.Clone(cfg.Templates),
		endpoint:  *ep,
		region:    cfg.RegionID,
		client:    cfg.HTTPClient,
		now:       cfg.Now,
		nonce:     rand.Text,
	}, nil
}

// Send sends one templated message. A template name with no TemplateCode
// fails before any request is made.
func (s *Sender) Send(ctx context.Context, phone, template string, params map[string]string) error {
	code, ok := s.templates[template]
	if !ok {
		return fmt.Errorf("aliyun sms: template %q: %w", template, ErrUnknownTemplate)
	}
	// PhoneNumbers is a comma-separated list on Aliyun's side, so anything but
	// digits could turn one message into many.
	if !allDigits(phone) {
		return fmt.Errorf("aliyun sms: send %s to %s: %w", template, maskPhone(phone), ErrBadNumber)
	}
	var tp string
	if len(params) > 0 {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("aliyun sms: encode params of %s: %w", template, err)
		}
		tp = string(b)
	}
	if err := s.call(ctx, s.params(phone, code, tp)); err != nil {
		return fmt.Errorf("aliyun sms: send %s to %s: %w", template, maskPhone(phone), err)
	}
	return nil
}

// params is the full, unsigned parameter set of one SendSms request.
func (s *Sender) params(phone, templateCode, templateParam string) map[string]string {
	q := map[string]string{
		"AccessKeyId":      s.id,
		"Action":           "SendSms",
		"Format":           "JSON",
		"RegionId":         s.region,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   s.nonce(),
		"SignatureVersion": "1.0",
		"Timestamp":        s.now().UTC().Format(timestampFormat),
		"Version":          apiVersion,
		"PhoneNumbers":     phone,
		"SignName":         s.signName,
		"TemplateCode":     templateCode,
	}
	if templateParam != "" {
		q["TemplateParam"] = templateParam
	}
	return q
}

// call signs and sends one SendSms request.
func (s *Sender) call(ctx context.Context, q map[string]string) error {
	u := s.signedURL(q)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, redact.URLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%w: read answer: %w", ErrUnavailable, err)
	}

	var ans struct {
		Code      string `json:"Code"`
		Message   string `json:"Message"`
		RequestID string `json:"RequestId"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.Code == "" {
		// A proxy or load balancer answered, not Aliyun's API.
		return &Error{Status: resp.StatusCode}
	}
	if ans.Code != "OK" || resp.StatusCode != http.StatusOK {
		return &Error{Status: resp.StatusCode, Code: ans.Code, Message: cleanMessage(ans.Message), RequestID: ans.RequestID}
	}
	return nil
}

// signedURL is the endpoint with the canonical query and its Signature. The
// query is sent exactly as it was signed so no re-encoding can break it.
func (s *Sender) signedURL(q map[string]string) url.URL {
	cq := canonicalQuery(q)
	sig := sign(s.secret, stringToSign(http.MethodGet, cq))
	u := s.endpoint
	u.RawQuery = "Signature=" + percentEncode(sig) + "&" + cq
	return u
}

// canonicalQuery is Aliyun's CanonicalizedQueryString: encoded pairs sorted
// by key.
func canonicalQuery(q map[string]string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(percentEncode(k))
		b.WriteByte('=')
		b.WriteString(percentEncode(q[k]))
	}
	return b.String()
}

func stringToSign(method, canonicalQuery string) string {
	return method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery)
}

// sign is signature version 1.0: the key is the secret plus "&" because the
// scheme reserves a second, always empty, token secret.
func sign(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// percentEncode is RFC 3986 encoding of UTF-8 bytes, leaving only
// A-Z a-z 0-9 - _ . ~ alone, with upper-case hex. That is what Aliyun's rule
// (URL-encode, then "+"→"%20", "*"→"%2A", "%7E"→"~") amounts to; encoding by
// byte avoids depending on the quirks of a form encoder.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}

// cleanMessage keeps Aliyun's text but drops what could echo our request:
// SignatureDoesNotMatch answers quote the server's string to sign, which
// carries the phone number, and long digit runs may be phone numbers.
func cleanMessage(m string) string {
	lower := strings.ToLower(m)
	for _, echo := range []string{"server string to sign", "string to sign"} {
		if i := strings.Index(lower, echo); i >= 0 {
			m = strings.TrimRight(m[:i], " :,;.")
			break
		}
	}
	var b strings.Builder
	run := 0
	flush := func(digits string) {
		if len(digits) >= 7 {
			b.WriteString(maskPhone(digits))
		} else {
			b.WriteString(digits)
		}
	}
	start := 0
	for i := 0; i <= len(m); i++ {
		if i < len(m) && m[i] >= '0' && m[i] <= '9' {
			if run == 0 {
				start = i
			}
			run++
			continue
		}
		if run > 0 {
			flush(m[start:i])
			run = 0
		}
		if i < len(m) {
			b.WriteByte(m[i])
		}
	}
	return b.String()
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maskPhone keeps the first three and last four digits (138****1234), enough
// to tell numbers apart in logs without revealing them.
func maskPhone(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}
