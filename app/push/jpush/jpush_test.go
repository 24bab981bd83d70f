package jpush_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/push"
	"doorstep/app/push/jpush"
	"doorstep/app/push/jpush/jpushtest"
)

const (
	appKey       = "7d431e42dfa6a6d693ac2d04"
	masterSecret = "5e987ac6d2e04d95a9d8f0d1"
	device       = "1a0018970a8a2b3c4d5"
)

func newFake(t *testing.T) (*jpushtest.Fake, *httptest.Server) {
	t.Helper()
	f := jpushtest.New(appKey, masterSecret)
	f.AddDevice(device)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func newSender(t *testing.T, baseURL string, edit func(*jpush.Config)) *jpush.Sender {
	t.Helper()
	cfg := jpush.Config{AppKey: appKey, MasterSecret: masterSecret, BaseURL: baseURL}
	if edit != nil {
		edit(&cfg)
	}
	s, err := jpush.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSend_NotificationReachesBothPlatformsWithDeepLinkData(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*jpush.Config)
		msg      push.Message
		wantTTL  int64
		wantProd bool
	}{
		{
			name: "order update with deep link, development APNs",
			msg: push.Message{Token: device, Title: "订单已接单", Body: "师傅将于 14:00 上门",
				Data: map[string]string{"order_no": "D20260301-0042"}},
			wantTTL: 86400,
		},
		{
			name:     "production APNs and a short time to live",
			cfg:      func(c *jpush.Config) { c.Production = true; c.TimeToLive = 10 * time.Minute },
			msg:      push.Message{Token: device, Title: "验证", Body: "您的订单已完成"},
			wantTTL:  600,
			wantProd: true,
		},
		{
			name:    "time to live is capped at ten days",
			cfg:     func(c *jpush.Config) { c.TimeToLive = 30 * 24 * time.Hour },
			msg:     push.Message{Token: device, Body: "no title"},
			wantTTL: 864000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			s := newSender(t, srv.URL, tt.cfg)
			if err := s.Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := f.Pushes()
			if len(got) != 1 {
				t.Fatalf("fake accepted %d pushes, want 1", len(got))
			}
			p := got[0]
			want := jpushtest.Push{
				RegistrationIDs: []string{device},
				Platform:        "all",
				Alert:           tt.msg.Body,
				AndroidAlert:    tt.msg.Body, AndroidTitle: tt.msg.Title, AndroidExtras: tt.msg.Data,
				IOSTitle: tt.msg.Title, IOSBody: tt.msg.Body, IOSExtras: tt.msg.Data,
				TimeToLive:     tt.wantTTL,
				APNSProduction: &tt.wantProd,
				MsgID:          p.MsgID,
			}
			if !reflect.DeepEqual(p, want) {
				t.Errorf("push =\n%+v\nwant\n%+v", p, want)
			}
			if p.APNSProduction == nil || *p.APNSProduction != tt.wantProd {
				t.Errorf("apns_production = %v, want %v", p.APNSProduction, tt.wantProd)
			}
		})
	}
}

func TestSend_RefusedByJPushCarriesTypedError(t *testing.T) {
	tests := []struct {
		name       string
		cfg        func(*jpush.Config)
		token      string
		fail       func(*jpushtest.Fake)
		wantStatus int
		wantCode   int
		wantClass  error
		wantKind   app.Kind
		retryable  bool
		dropToken  bool
	}{
		{
			name:       "wrong master secret",
			cfg:        func(c *jpush.Config) { c.MasterSecret = "not-the-secret" },
			token:      device,
			wantStatus: 401, wantCode: jpush.CodeAuthFailed, wantClass: jpush.ErrRejected, wantKind: app.KindInternal,
		},
		{
			name:       "wrong app key",
			cfg:        func(c *jpush.Config) { c.AppKey = "0000000000000000deadbeef" },
			token:      device,
			wantStatus: 401, wantCode: jpush.CodeAuthFailed, wantClass: jpush.ErrRejected, wantKind: app.KindInternal,
		},
		{
			name:       "registration id of an uninstalled app",
			token:      "160a3797c8ffffffff",
			wantStatus: 400, wantCode: jpush.CodeNoAudience, wantClass: jpush.ErrUnknownDevice, wantKind: app.KindGone,
			dropToken: true,
		},
		{
			name:       "app over its API quota",
			token:      device,
			fail:       func(f *jpushtest.Fake) { f.FailNext(429, jpush.CodeRateLimited, "") },
			wantStatus: 429, wantCode: jpush.CodeRateLimited, wantClass: jpush.ErrRateLimited, wantKind: app.KindTooMany,
			retryable: true,
		},
		{
			name:       "internal error",
			token:      device,
			fail:       func(f *jpushtest.Fake) { f.FailNext(500, 1000, "server error") },
			wantStatus: 500, wantCode: 1000, wantClass: jpush.ErrUnavailable, wantKind: app.KindUnavailable,
			retryable: true,
		},
		{
			name:       "internal timeout",
			token:      device,
			fail:       func(f *jpushtest.Fake) { f.FailNext(503, 1030, "internal service timeout") },
			wantStatus: 503, wantCode: 1030, wantClass: jpush.ErrUnavailable, wantKind: app.KindUnavailable,
			retryable: true,
		},
		{
			name:       "app forbidden to push",
			token:      device,
			fail:       func(f *jpushtest.Fake) { f.FailNext(403, 2004, "no permission") },
			wantStatus: 403, wantCode: 2004, wantClass: jpush.ErrRejected, wantKind: app.KindInternal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			if tt.fail != nil {
				tt.fail(f)
			}
			s := newSender(t, srv.URL, tt.cfg)
			err := s.Send(context.Background(), push.Message{Token: tt.token, Title: "t", Body: "b"})
			var e *jpush.Error
			if !errors.As(err, &e) {
				t.Fatalf("Send error = %v, want *jpush.Error", err)
			}
			if e.Status != tt.wantStatus || e.Code != tt.wantCode || e.Message == "" {
				t.Errorf("error = http %d code %d %q, want http %d code %d with a message", e.Status, e.Code, e.Message, tt.wantStatus, tt.wantCode)
			}
			if !errors.Is(err, tt.wantClass) || app.KindOf(err) != tt.wantKind {
				t.Errorf("error %v: Is(%v)=%v kind=%v, want true and %v", err, tt.wantClass, errors.Is(err, tt.wantClass), app.KindOf(err), tt.wantKind)
			}
			if jpush.Retryable(err) != tt.retryable || jpush.IsUnknownDevice(err) != tt.dropToken {
				t.Errorf("Retryable=%v IsUnknownDevice=%v, want %v and %v", jpush.Retryable(err), jpush.IsUnknownDevice(err), tt.retryable, tt.dropToken)
			}
			if tt.retryable && tt.wantStatus == 429 && e.RetryAfter != 42*time.Second {
				t.Errorf("RetryAfter = %v, want 42s from X-Rate-Limit-Reset", e.RetryAfter)
			}
			if strings.Contains(err.Error(), tt.token) || strings.Contains(err.Error(), masterSecret) {
				t.Errorf("error text leaks the token or secret: %v", err)
			}
			if n := len(f.Pushes()); n != 0 {
				t.Errorf("fake accepted %d pushes, want none", n)
			}
		})
	}
}

func TestSend_RefusedBeforeAnyRequest(t *testing.T) {
	tests := []struct {
		name string
		msg  push.Message
		want error
	}{
		{"no token", push.Message{Body: "b"}, jpush.ErrUnknownDevice},
		{"no body", push.Message{Token: device, Title: "t"}, jpush.ErrRejected},
	}
	f, srv := newFake(t)
	s := newSender(t, srv.URL, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Send(context.Background(), tt.msg); !errors.Is(err, tt.want) {
				t.Errorf("Send error = %v, want %v", err, tt.want)
			}
		})
	}
	if n := f.Requests(); n != 0 {
		t.Errorf("fake saw %d requests, want none", n)
	}
}

// TestFake_RefusesMalformedPushObjects keeps the fake honest: the shape
// checks the adapter is tested against must actually bite.
func TestFake_RefusesMalformedPushObjects(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode int
	}{
		{"not json", `{"platform":`, 1003},
		{"unknown key", `{"platform":"all","audience":{"registration_id":["x"]},"notification":{"alert":"a"},"extra":1}`, 1009},
		{"missing audience", `{"platform":"all","notification":{"alert":"a"}}`, 1002},
		{"no notification or message", `{"platform":"all","audience":{"registration_id":["x"]}}`, 1002},
		{"bad platform", `{"platform":"windows","audience":{"registration_id":["x"]},"notification":{"alert":"a"}}`, 1003},
		{"audience as a bare string list", `{"platform":"all","audience":["x"],"notification":{"alert":"a"}}`, 1003},
		{"empty registration ids", `{"platform":"all","audience":{"registration_id":[]},"notification":{"alert":"a"}}`, 1003},
		{"ios alert of the wrong type", `{"platform":"all","audience":{"registration_id":["x"]},"notification":{"ios":{"alert":5}}}`, 1003},
		{"extras not an object", `{"platform":"all","audience":{"registration_id":["x"]},"notification":{"android":{"alert":"a","extras":"k=v"}}}`, 1003},
		{"negative time to live", `{"platform":"all","audience":{"registration_id":["x"]},"notification":{"alert":"a"},"options":{"time_to_live":-1}}`, 1003},
		{"apns_production as a string", `{"platform":"all","audience":{"registration_id":["x"]},"notification":{"alert":"a"},"options":{"apns_production":"true"}}`, 1003},
	}
	_, srv := newFake(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3/push", strings.NewReader(tt.body))
			req.SetBasicAuth(appKey, masterSecret)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var ans struct {
				Error struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusBadRequest || ans.Error.Code != tt.wantCode {
				t.Errorf("answer = http %d code %d, want 400 code %d", resp.StatusCode, ans.Error.Code, tt.wantCode)
			}
		})
	}
}

func TestSend_TransportFailureIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	s := newSender(t, srv.URL, nil)
	err := s.Send(context.Background(), push.Message{Token: device, Body: "b"})
	if !jpush.Retryable(err) || app.KindOf(err) != app.KindUnavailable {
		t.Errorf("error = %v: Retryable=%v kind=%v, want true and KindUnavailable", err, jpush.Retryable(err), app.KindOf(err))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, push.Message{Token: device, Body: "b"}); err == nil || jpush.Retryable(err) {
		t.Errorf("cancelled Send: error = %v, Retryable = %v; want an error that is not retryable", err, jpush.Retryable(err))
	}
}

func TestNew_RequiresCredentials(t *testing.T) {
	for i, cfg := range []jpush.Config{
		{MasterSecret: masterSecret},
		{AppKey: appKey},
		{AppKey: appKey, MasterSecret: masterSecret, BaseURL: "api.jpush.cn"},
	} {
		if _, err := jpush.New(cfg); err == nil {
			t.Errorf("case %d: New accepted an incomplete config", i)
		}
	}
}
