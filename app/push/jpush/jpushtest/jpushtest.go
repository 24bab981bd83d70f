// Package jpushtest is a fake JPush REST API v3 push endpoint for tests. It
// checks HTTP Basic auth against one appKey/masterSecret, validates the push
// object the way JPush documents it (platform, audience, notification,
// options), knows which registration ids belong to live devices, and answers
// with JPush's shapes: {"sendno","msg_id"} on success and
// {"error":{"code","message"}} with the documented HTTP status otherwise.
// Serve it with httptest.NewServer.
//
// Only the registration_id audience is modelled; tag, alias and segment
// audiences are refused as invalid.
//
// Imports the standard library only.
package jpushtest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// JPush's documented errors used by the fake.
const (
	msgAuthFailed  = "Authen failed"
	msgNoAudience  = "cannot find user by this audience or has been inactive for more than 255 days"
	msgRateLimited = "Request times of the app_key exceed the limit of current time window"
	rateLimit      = 600 // calls a minute, JPush's free tier
	maxBody        = 64 << 10
)

// Push is one accepted push, as the fake understood it.
type Push struct {
	RegistrationIDs []string
	Platform        string // "all", or the JSON array as text
	Alert           string
	AndroidAlert    string
	AndroidTitle    string
	AndroidExtras   map[string]string
	IOSTitle        string // from the dictionary form of ios.alert
	IOSBody         string // ios.alert as a string, or its body
	IOSExtras       map[string]string
	TimeToLive      int64 // -1 when options.time_to_live was absent
	APNSProduction  *bool // nil when absent
	MsgID           string
}

// Fake is the fake endpoint; it is an http.Handler.
type Fake struct {
	appKey, masterSecret string

	mu       sync.Mutex
	devices  map[string]bool
	pushes   []Push
	fail     []failure
	requests int
	msgID    int64
}

type failure struct {
	status, code int
	message      string
}

// New returns a fake for one JPush app.
func New(appKey, masterSecret string) *Fake {
	return &Fake{appKey: appKey, masterSecret: masterSecret, devices: map[string]bool{}, msgID: 18100000000000000}
}

// AddDevice registers devices that pushes can reach.
func (f *Fake) AddDevice(registrationIDs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range registrationIDs {
		f.devices[id] = true
	}
}

// RemoveDevice forgets a device, as JPush does after an uninstall or 255
// days of silence.
func (f *Fake) RemoveDevice(registrationID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.devices, registrationID)
}

// FailNext makes the next authenticated request answer with JPush's error
// shape, e.g. (429, 2002) for the rate limit or (500, 1000) for an internal
// error.
func (f *Fake) FailNext(status, code int, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if message == "" && code == 2002 {
		message = msgRateLimited
	}
	f.fail = append(f.fail, failure{status, code, message})
}

// Pushes returns the accepted pushes, oldest first.
func (f *Fake) Pushes() []Push {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Push(nil), f.pushes...)
}

// Requests counts every request that reached the fake.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// ServeHTTP answers POST /v3/push.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++

	if r.URL.Path != "/v3/push" {
		writeError(w, http.StatusNotFound, 1001, "api not found", "")
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, 1001, "only POST is supported", "")
		return
	}
	key, secret, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(f.appKey)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(f.masterSecret)) != 1 {
		writeError(w, http.StatusUnauthorized, 1004, msgAuthFailed, "")
		return
	}
	w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(rateLimit))
	if len(f.fail) > 0 {
		fl := f.fail[0]
		f.fail = f.fail[1:]
		if fl.code == 2002 || fl.status == http.StatusTooManyRequests {
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Rate-Limit-Reset", "42")
		}
		writeError(w, fl.status, fl.code, fl.message, "")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, 1003, "cannot read body", "")
		return
	}
	if len(body) > maxBody {
		writeError(w, http.StatusBadRequest, 1005, "message is too large", "")
		return
	}
	p, code, msg := parsePush(body)
	if code != 0 {
		writeError(w, http.StatusBadRequest, code, msg, "")
		return
	}
	f.msgID++
	p.MsgID = strconv.FormatInt(f.msgID, 10)
	reached := false
	for _, id := range p.RegistrationIDs {
		reached = reached || f.devices[id]
	}
	if !reached {
		// JPush spends a msg_id on the attempt and reports it with the error.
		writeError(w, http.StatusBadRequest, 1011, msgNoAudience, p.MsgID)
		return
	}
	f.pushes = append(f.pushes, p)
	w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(rateLimit-len(f.pushes)))
	w.Header().Set("X-Rate-Limit-Reset", "60")
	writeJSON(w, http.StatusOK, map[string]string{"sendno": "0", "msg_id": p.MsgID})
}

var topLevel = map[string]bool{
	"platform": true, "audience": true, "notification": true, "message": true, "notification_3rd": true,
	"sms_message": true, "options": true, "callback": true, "cid": true, "inapp_message": true,
}

// parsePush validates the push object; a non-zero code is JPush's error
// code for what is wrong (1002 missing, 1003 invalid, 1009 unsupported key).
func parsePush(body []byte) (Push, int, string) {
	p := Push{TimeToLive: -1}
	var obj map[string]json.RawMessage
	if err := strictJSON(body, &obj); err != nil {
		return p, 1003, "invalid json: " + err.Error()
	}
	for k := range obj {
		if !topLevel[k] {
			return p, 1009, "unsupported key: " + k
		}
	}
	for _, k := range []string{"platform", "audience"} {
		if _, ok := obj[k]; !ok {
			return p, 1002, "missing " + k
		}
	}
	if _, ok := obj["notification"]; !ok {
		if _, ok := obj["message"]; !ok {
			return p, 1002, "either notification or message is required"
		}
	}

	var platform string
	if json.Unmarshal(obj["platform"], &platform) == nil {
		if platform != "all" {
			return p, 1003, "platform must be \"all\" or an array"
		}
	} else {
		var list []string
		if json.Unmarshal(obj["platform"], &list) != nil || len(list) == 0 {
			return p, 1003, "platform must be \"all\" or an array"
		}
		for _, pl := range list {
			switch pl {
			case "android", "ios", "quickapp", "hmos":
			default:
				return p, 1003, "unknown platform " + pl
			}
		}
		platform = string(obj["platform"])
	}
	p.Platform = platform

	var aud map[string]json.RawMessage
	if json.Unmarshal(obj["audience"], &aud) != nil {
		return p, 1003, "audience must be an object of registration_id"
	}
	for k := range aud {
		if k != "registration_id" {
			return p, 1003, "audience " + k + " is not supported by the fake"
		}
	}
	if err := json.Unmarshal(aud["registration_id"], &p.RegistrationIDs); err != nil || len(p.RegistrationIDs) == 0 || len(p.RegistrationIDs) > 1000 {
		return p, 1003, "registration_id must be an array of 1 to 1000 strings"
	}
	for _, id := range p.RegistrationIDs {
		if id == "" {
			return p, 1003, "registration_id must not be empty"
		}
	}

	if raw, ok := obj["notification"]; ok {
		var n struct {
			Alert   *string `json:"alert"`
			Android *struct {
				Alert  *string         `json:"alert"`
				Title  string          `json:"title"`
				Extras json.RawMessage `json:"extras"`
			} `json:"android"`
			IOS *struct {
				Alert  json.RawMessage `json:"alert"`
				Extras json.RawMessage `json:"extras"`
			} `json:"ios"`
		}
		if err := json.Unmarshal(raw, &n); err != nil {
			return p, 1003, "notification: " + err.Error()
		}
		if n.Alert != nil {
			p.Alert = *n.Alert
		}
		if n.Android != nil {
			if n.Android.Alert == nil {
				return p, 1002, "notification.android.alert is required"
			}
			p.AndroidAlert, p.AndroidTitle = *n.Android.Alert, n.Android.Title
			var err error
			if p.AndroidExtras, err = extras(n.Android.Extras); err != nil {
				return p, 1003, "notification.android.extras must be an object"
			}
		}
		if n.IOS != nil {
			if len(n.IOS.Alert) == 0 {
				return p, 1002, "notification.ios.alert is required"
			}
			var dict struct{ Title, Subtitle, Body string }
			if json.Unmarshal(n.IOS.Alert, &p.IOSBody) != nil {
				if err := json.Unmarshal(n.IOS.Alert, &dict); err != nil {
					return p, 1003, "notification.ios.alert must be a string or an object"
				}
				p.IOSTitle, p.IOSBody = dict.Title, dict.Body
			}
			var err error
			if p.IOSExtras, err = extras(n.IOS.Extras); err != nil {
				return p, 1003, "notification.ios.extras must be an object"
			}
		}
		if p.Alert == "" && p.AndroidAlert == "" && p.IOSBody == "" {
			return p, 1003, "notification has no alert"
		}
	}

	if raw, ok := obj["options"]; ok {
		var o struct {
			TimeToLive     *json.Number `json:"time_to_live"`
			APNSProduction *bool        `json:"apns_production"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			return p, 1003, "options: " + err.Error()
		}
		if o.TimeToLive != nil {
			ttl, err := o.TimeToLive.Int64()
			if err != nil || ttl < 0 || ttl > 864000 {
				return p, 1003, "options.time_to_live must be an integer from 0 to 864000"
			}
			p.TimeToLive = ttl
		}
		p.APNSProduction = o.APNSProduction
	}
	return p, 0, ""
}

// extras flattens an extras object; JPush passes values through as JSON, the
// fake keeps strings as they are and other values as their JSON text.
func extras(raw json.RawMessage) (map[string]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out[k] = s
	}
	return out, nil
}

// strictJSON decodes exactly one JSON value.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the push object")
	}
	return nil
}

func writeError(w http.ResponseWriter, status, code int, message, msgID string) {
	body := map[string]any{"error": map[string]any{"code": code, "message": message}}
	if msgID != "" {
		body["msg_id"] = msgID
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
