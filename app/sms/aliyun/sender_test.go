package aliyun_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/sms/aliyun"
	"doorstep/app/sms/aliyun/aliyuntest"
)

const (
	keyID  = "LTAI5tDoorstepTest"
	secret = "s3cret+/=with*odd~chars"
	sign   = "到家服务"
)

var templates = map[string]string{
	"login_code": "SMS_100001",
	"order_paid": "SMS_100002",
	"welcome":    "SMS_100003",
}

// newFake starts a fake that knows the test account and its templates.
func newFake(t *testing.T) (*aliyuntest.Fake, *httptest.Server) {
	t.Helper()
	f := aliyuntest.New(aliyuntest.Account{
		AccessKeyID: keyID, AccessKeySecret: secret,
		SignNames:     []string{sign},
		TemplateCodes: []string{"SMS_100001", "SMS_100002", "SMS_100003"},
	})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func newSender(t *testing.T, endpoint string, edit func(*aliyun.Config)) *aliyun.Sender {
	t.Helper()
	cfg := aliyun.Config{
		AccessKeyID: keyID, AccessKeySecret: secret, SignName: sign,
		Templates: templates, Endpoint: endpoint + "/",
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := aliyun.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSend_SignedRequestIsAcceptedWithMappedTemplateAndParams(t *testing.T) {
	tests := []struct {
		name     string
		phone    string
		template string
		params   map[string]string
		wantCode string
	}{
		{"login code", "13800138000", "login_code", map[string]string{"code": "482913"}, "SMS_100001"},
		{"params with characters encoders disagree on", "13900139000", "order_paid",
			map[string]string{"order_no": "D20260301-0042", "amount": "¥128.00", "name": "张 三*~+&=/"}, "SMS_100002"},
		{"no params sends no TemplateParam", "8615000150000", "welcome", nil, "SMS_100003"},
		{"number outside the mainland", "85261234567", "login_code", map[string]string{"code": "000001"}, "SMS_100001"},
	}
	f, srv := newFake(t)
	s := newSender(t, srv.URL, nil)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Send(context.Background(), tt.phone, tt.template, tt.params); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := f.Messages()
			if len(got) != i+1 {
				t.Fatalf("fake accepted %d messages, want %d", len(got), i+1)
			}
			m := got[i]
			if m.Phone != tt.phone || m.SignName != sign || m.TemplateCode != tt.wantCode {
				t.Errorf("message = %s/%s/%s, want %s/%s/%s", m.Phone, m.SignName, m.TemplateCode, tt.phone, sign, tt.wantCode)
			}
			if !reflect.DeepEqual(m.Params, tt.params) {
				t.Errorf("TemplateParam = %v, want %v", m.Params, tt.params)
			}
		})
	}
}

func TestSend_RefusedByAliyunCarriesTypedError(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*aliyun.Config)
		phone     string
		fail      func(*aliyuntest.Fake)
		wantCode  string
		wantClass error
		wantKind  app.Kind
		retryable bool
	}{
		{
			name:     "wrong secret fails the signature check",
			edit:     func(c *aliyun.Config) { c.AccessKeySecret = "not-the-secret" },
			phone:    "13800138001",
			wantCode: "SignatureDoesNotMatch", wantClass: aliyun.ErrRejected, wantKind: app.KindInternal,
		},
		{
			name:     "unknown access key",
			edit:     func(c *aliyun.Config) { c.AccessKeyID = "LTAI5tSomeoneElse" },
			phone:    "13800138002",
			wantCode: "InvalidAccessKeyId.NotFound", wantClass: aliyun.ErrRejected, wantKind: app.KindInternal,
		},
		{
			name: "clock 20 minutes slow is a stale timestamp",
			edit: func(c *aliyun.Config) {
				c.Now = func() time.Time { return time.Now().Add(-20 * time.Minute) }
			},
			phone:    "13800138003",
			wantCode: "InvalidTimeStamp.Expired", wantClass: aliyun.ErrRejected, wantKind: app.KindInternal,
		},
		{
			name:     "sign name not approved",
			edit:     func(c *aliyun.Config) { c.SignName = "别家服务" },
			phone:    "13800138004",
			wantCode: "isv.SMS_SIGNATURE_ILLEGAL", wantClass: aliyun.ErrRejected, wantKind: app.KindInternal,
		},
		{
			name:     "template code not approved",
			edit:     func(c *aliyun.Config) { c.Templates = map[string]string{"login_code": "SMS_999999"} },
			phone:    "13800138005",
			wantCode: "isv.SMS_TEMPLATE_ILLEGAL", wantClass: aliyun.ErrRejected, wantKind: app.KindInternal,
		},
		{
			name:     "number Aliyun calls illegal",
			phone:    "12345678901",
			wantCode: "isv.MOBILE_NUMBER_ILLEGAL", wantClass: aliyun.ErrBadNumber, wantKind: app.KindInvalid,
		},
		{
			name:     "provider system error is transient",
			phone:    "13800138006",
			fail:     func(f *aliyuntest.Fake) { f.FailNext(200, "isp.SYSTEM_ERROR") },
			wantCode: "isp.SYSTEM_ERROR", wantClass: aliyun.ErrUnavailable, wantKind: app.KindUnavailable, retryable: true,
		},
		{
			name:     "API throttling is transient",
			phone:    "13800138007",
			fail:     func(f *aliyuntest.Fake) { f.FailNext(400, "Throttling.User") },
			wantCode: "Throttling.User", wantClass: aliyun.ErrUnavailable, wantKind: app.KindUnavailable, retryable: true,
		},
		{
			name:     "service unavailable is transient",
			phone:    "13800138008",
			fail:     func(f *aliyuntest.Fake) { f.FailNext(503, "ServiceUnavailable") },
			wantCode: "ServiceUnavailable", wantClass: aliyun.ErrUnavailable, wantKind: app.KindUnavailable, retryable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			if tt.fail != nil {
				tt.fail(f)
			}
			s := newSender(t, srv.URL, tt.edit)
			err := s.Send(context.Background(), tt.phone, "login_code", map[string]string{"code": "482913"})
			var e *aliyun.Error
			if !errors.As(err, &e) {
				t.Fatalf("Send error = %v, want *aliyun.Error", err)
			}
			if e.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", e.Code, tt.wantCode)
			}
			if e.RequestID == "" {
				t.Error("RequestID is empty")
			}
			if !errors.Is(err, tt.wantClass) {
				t.Errorf("error %v is not %v", err, tt.wantClass)
			}
			if got := app.KindOf(err); got != tt.wantKind {
				t.Errorf("app.KindOf = %v, want %v", got, tt.wantKind)
			}
			if got := aliyun.Retryable(err); got != tt.retryable {
				t.Errorf("Retryable = %v, want %v", got, tt.retryable)
			}
			if strings.Contains(err.Error(), tt.phone) || strings.Contains(err.Error(), "482913") || strings.Contains(err.Error(), secret) {
				t.Errorf("error text leaks the phone, code or secret: %v", err)
			}
			if n := len(f.Messages()); n != 0 {
				t.Errorf("fake accepted %d messages, want none", n)
			}
		})
	}
}

func TestSend_SecondCodeWithinAMinuteHitsFlowControlAndIsNotRetried(t *testing.T) {
	f, srv := newFake(t)
	now := time.Now()
	f.SetNow(func() time.Time { return now })
	s := newSender(t, srv.URL, func(c *aliyun.Config) { c.Now = func() time.Time { return now } })
	ctx := context.Background()

	if err := s.Send(ctx, "13700137000", "login_code", map[string]string{"code": "111111"}); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	err := s.Send(ctx, "13700137000", "login_code", map[string]string{"code": "222222"})
	var e *aliyun.Error
	if !errors.As(err, &e) || e.Code != "isv.BUSINESS_LIMIT_CONTROL" {
		t.Fatalf("second Send error = %v, want isv.BUSINESS_LIMIT_CONTROL", err)
	}
	if !errors.Is(err, aliyun.ErrRateLimited) || app.KindOf(err) != app.KindTooMany || aliyun.Retryable(err) {
		t.Errorf("flow control: Is(ErrRateLimited)=%v kind=%v Retryable=%v, want true, KindTooMany, false",
			errors.Is(err, aliyun.ErrRateLimited), app.KindOf(err), aliyun.Retryable(err))
	}
	if !strings.Contains(err.Error(), "137****7000") {
		t.Errorf("error %q should name the masked number", err)
	}

	now = now.Add(61 * time.Second)
	if err := s.Send(ctx, "13700137000", "login_code", map[string]string{"code": "333333"}); err != nil {
		t.Fatalf("Send a minute later: %v", err)
	}
	if n := len(f.Messages()); n != 2 {
		t.Errorf("fake accepted %d messages, want 2", n)
	}
}

func TestSend_RefusedBeforeAnyRequest(t *testing.T) {
	tests := []struct {
		name     string
		phone    string
		template string
		want     error
	}{
		{"unknown template name", "13800138000", "birthday_greeting", aliyun.ErrUnknownTemplate},
		{"two numbers in one string", "13800138000,13900139000", "login_code", aliyun.ErrBadNumber},
		{"empty number", "", "login_code", aliyun.ErrBadNumber},
		{"plus sign", "+8613800138000", "login_code", aliyun.ErrBadNumber},
	}
	f, srv := newFake(t)
	s := newSender(t, srv.URL, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Send(context.Background(), tt.phone, tt.template, map[string]string{"code": "1"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Send error = %v, want %v", err, tt.want)
			}
			if tt.phone != "" && strings.Contains(err.Error(), tt.phone) {
				t.Errorf("error text leaks the phone: %v", err)
			}
		})
	}
	if n := f.Requests(); n != 0 {
		t.Errorf("fake saw %d requests, want none", n)
	}
}

// TestSend_ReplayedRequestIsRefused replays a captured request byte for byte:
// Aliyun refuses the spent nonce, and each Send signs with a fresh one.
func TestSend_ReplayedRequestIsRefused(t *testing.T) {
	f, srv := newFake(t)
	var urls []string
	client := &http.Client{Transport: recorder(func(r *http.Request) { urls = append(urls, r.URL.String()) })}
	s := newSender(t, srv.URL, func(c *aliyun.Config) { c.HTTPClient = client })

	for _, p := range []string{"13600136000", "13600136001"} {
		if err := s.Send(context.Background(), p, "login_code", map[string]string{"code": "555555"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if len(urls) != 2 || nonce(t, urls[0]) == nonce(t, urls[1]) {
		t.Fatalf("two sends must use two nonces, got %v", urls)
	}

	resp, err := http.Get(urls[0])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replay status = %d, want 400", resp.StatusCode)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"Code":"SignatureNonceUsed"`) {
		t.Errorf("replay answer = %s, want Code SignatureNonceUsed", body)
	}
	if n := len(f.Messages()); n != 2 {
		t.Errorf("fake accepted %d messages, want 2", n)
	}
}

func TestSend_TransportAndGatewayFailuresAreRetryableAndLeakNothing(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		closed  bool
	}{
		{name: "connection refused", closed: true},
		{name: "load balancer answers 502 with HTML", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>502 Bad Gateway</html>"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			if tt.closed {
				srv.Close()
			} else {
				t.Cleanup(srv.Close)
			}
			s := newSender(t, srv.URL, nil)
			err := s.Send(context.Background(), "13800138000", "login_code", map[string]string{"code": "482913"})
			if !aliyun.Retryable(err) || app.KindOf(err) != app.KindUnavailable {
				t.Errorf("error = %v: Retryable=%v kind=%v, want true and KindUnavailable", err, aliyun.Retryable(err), app.KindOf(err))
			}
			for _, secretish := range []string{"13800138000", "482913", keyID, "Signature="} {
				if strings.Contains(err.Error(), secretish) {
					t.Errorf("error text leaks %q: %v", secretish, err)
				}
			}
		})
	}
}

func TestNew_RequiresCredentials(t *testing.T) {
	tests := []aliyun.Config{
		{AccessKeySecret: secret, SignName: sign},
		{AccessKeyID: keyID, SignName: sign},
		{AccessKeyID: keyID, AccessKeySecret: secret},
		{AccessKeyID: keyID, AccessKeySecret: secret, SignName: sign, Endpoint: "dysmsapi.aliyuncs.com"},
	}
	for i, cfg := range tests {
		if _, err := aliyun.New(cfg); err == nil {
			t.Errorf("case %d: New accepted an incomplete config", i)
		}
	}
}

type recorder func(*http.Request)

func (rec recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec(r)
	return http.DefaultTransport.RoundTrip(r)
}

func nonce(t *testing.T, raw string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req.URL.Query().Get("SignatureNonce")
}
