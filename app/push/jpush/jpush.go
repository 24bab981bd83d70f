// Package jpush sends push notifications through JPush (极光推送) REST API
// v3: POST /v3/push with HTTP Basic auth base64(appKey:masterSecret) and a
// JSON push object addressed to one registration id. Subpackage jpushtest is
// a fake of the service for tests.
//
// Imports the standard library, app and app/push only.
package jpush

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/push"
)

const (
	// DefaultBaseURL is JPush's API host; apps hosted in the Beijing region
	// use https://bjapi.push.jiguang.cn instead.
	DefaultBaseURL = "https://api.jpush.cn"

	// DefaultTimeToLive is JPush's own default for how long a push waits for
	// an offline device.
	DefaultTimeToLive = 24 * time.Hour
	// maxTimeToLive is the longest JPush accepts (10 days).
	maxTimeToLive = 10 * 24 * time.Hour

	defaultTimeout = 10 * time.Second
	maxBody        = 1 << 20
)

// JPush error codes callers may want to name.
const (
	CodeAuthFailed  = 1004 // appKey/masterSecret refused
	CodeNoAudience  = 1011 // no device matches the registration id, or it has been inactive for 255 days
	CodeRateLimited = 2002 // API calls over the app's quota for the current window
)

// Errors Send returns. Each *Error unwraps to one of the last four, so
// errors.Is and app.KindOf work without knowing JPush's codes.
var (
	ErrUnknownDevice = app.E(app.KindGone, "push_device_unknown", "the device is no longer registered for pushes")
	ErrRateLimited   = app.E(app.KindTooMany, "push_rate_limited", "too many push requests; try again later")
	ErrRejected      = app.E(app.KindInternal, "push_rejected", "the push provider refused the notification")
	ErrUnavailable   = app.E(app.KindUnavailable, "push_unavailable", "the push provider is unavailable; try again")
)

// Retryable reports whether sending again later may succeed: rate limits and
// provider failures are; an unknown device or a refused request is not.
func Retryable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable)
}

// Error is JPush's answer to a push it did not accept.
type Error struct {
	Status     int           // HTTP status
	Code       int           // JPush's error.code; 0 when the body was not JPush's JSON
	Message    string        // JPush's error.message
	RetryAfter time.Duration // from X-Rate-Limit-Reset, when JPush sent it
}

func (e *Error) Error() string {
	s := fmt.Sprintf("jpush error %d (http %d)", e.Code, e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap gives the generic class of the code.
func (e *Error) Unwrap() error {
	switch {
	case e.Code == CodeNoAudience:
		return ErrUnknownDevice
	case e.Code == CodeRateLimited || e.Status == http.StatusTooManyRequests:
		return ErrRateLimited
	// 1000 is JPush's internal error, 1030 an internal timeout.
	case e.Code == 1000 || e.Code == 1030 || e.Status >= 500:
		return ErrUnavailable
	}
	return ErrRejected
}

// IsUnknownDevice reports whether err says the registration id reaches no
// device, so the caller should forget the token.
func IsUnknownDevice(err error) bool { return errors.Is(err, ErrUnknownDevice) }

// Config is one JPush app's settings.
type Config struct {
	AppKey       string
	MasterSecret string
	BaseURL      string       // default DefaultBaseURL
	HTTPClient   *http.Client // default: a client with a 10 s timeout
	// Production sets options.apns_production: false sends iOS pushes
	// through the APNs sandbox, which only development builds receive.
	Production bool
	// TimeToLive is how long JPush keeps a push for an offline device;
	// zero means DefaultTimeToLive, and it is capped at 10 days.
	TimeToLive time.Duration
}

// Sender pushes through JPush. It is safe for concurrent use.
type Sender struct {
	url        string
	auth       string
	client     *http.Client
	production bool
	ttlSeconds int64
}

var _ push.Sender = (*Sender)(nil)

// New checks cfg and fills its defaults.
func New(cfg Config) (*Sender, error) {
	if cfg.AppKey == "" || cfg.MasterSecret == "" {
		return nil, errors.New("jpush: AppKey and MasterSecret are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("jpush: base URL %q is not an absolute URL", cfg.BaseURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	ttl := cfg.TimeToLive
	if ttl <= 0 {
		ttl = DefaultTimeToLive
	}
	ttl = min(ttl, maxTimeToLive)
	return &Sender{
		url:        strings.TrimRight(cfg.BaseURL, "/") + "/v3/push",
		auth:       "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.AppKey+":"+cfg.MasterSecret)),
		client:     cfg.HTTPClient,
		production: cfg.Production,
		ttlSeconds: int64(ttl / time.Second),
	}, nil
}

// payload is JPush's push object, limited to what one notification to one
// device needs.
type payload struct {
	Platform     string       `json:"platform"`
	Audience     audience     `json:"audience"`
	Notification notification `json:"notification"`
	Options      options      `json:"options"`
}

type audience struct {
	RegistrationID []string `json:"registration_id"`
}

type notification struct {
	Alert   string  `json:"alert"`
	Android android `json:"android"`
	IOS     ios     `json:"ios"`
}

type android struct {
	Alert  string            `json:"alert"`
	Title  string            `json:"title,omitempty"`
	Extras map[string]string `json:"extras,omitempty"`
}

// ios uses the dictionary form of alert so the title shows as a title, not
// as part of the text.
type ios struct {
	Alert  iosAlert          `json:"alert"`
	Extras map[string]string `json:"extras,omitempty"`
}

type iosAlert struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body"`
}

type options struct {
	TimeToLive int64 `json:"time_to_live"`
	// Always sent: JPush's default for a missing apns_production has
	// changed over the years.
	APNSProduction bool `json:"apns_production"`
}

// Send pushes m to the device m.Token. An empty token fails with
// ErrUnknownDevice before any request.
func (s *Sender) Send(ctx context.Context, m push.Message) error {
	if m.Token == "" {
		return fmt.Errorf("jpush: empty registration id: %w", ErrUnknownDevice)
	}
	if m.Body == "" {
		return fmt.Errorf("jpush: notification has no body: %w", ErrRejected)
	}
	p := payload{
		Platform: "all",
		Audience: audience{RegistrationID: []string{m.Token}},
		Notification: notification{
			Alert:   m.Body,
			Android: android{Alert: m.Body, Title: m.Title, Extras: m.Data},
			IOS:     ios{Alert: iosAlert{Title: m.Title, Body: m.Body}, Extras: m.Data},
		},
		Options: options{TimeToLive: s.ttlSeconds, APNSProduction: s.production},
	}
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("jpush: encode push: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("jpush: build request: %w", err)
	}
	req.Header.Set("Authorization", s.auth)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("jpush: push: %w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("jpush: push: %w: read answer: %w", ErrUnavailable, err)
	}
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	e := &Error{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header)}
	var ans struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &ans) == nil {
		// JPush may quote an invalid audience back; the token stays out of
		// logs.
		e.Code, e.Message = ans.Error.Code, strings.ReplaceAll(ans.Error.Message, m.Token, "<registration_id>")
	}
	return fmt.Errorf("jpush: push: %w", e)
}

// retryAfter reads JPush's rate-limit window reset, in seconds.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"X-Rate-Limit-Reset", "Retry-After"} {
		if n, err := strconv.Atoi(h.Get(k)); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return 0
}
