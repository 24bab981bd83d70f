package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/city"
	"doorstep/rbac"
)

// CityInput describes a test city by code.
func CityInput(code string) city.CreateInput {
	names := map[string]string{"sz": "深圳", "bj": "北京", "sh": "上海", "gz": "广州", "hz": "杭州"}
	n := names[code]
	if n == "" {
		n = "测试城市" + code
	}
	return city.CreateInput{Code: code, Name: n, NameEN: code, Zone: "Asia/Shanghai"}
}

// Client calls the running server over HTTP, like any client would.
type Client struct {
	t       testing.TB
	base    string
	city    string
	token   string
	headers map[string]string
}

// Client returns an anonymous client without a city.
func (e *Env) Client(t testing.TB) *Client {
	if e.Base == "" {
		t.Fatal("apptest: env was built with NoServe")
	}
	return &Client{t: t, base: e.Base, headers: map[string]string{}}
}

func (c *Client) clone() *Client {
	n := *c
	n.headers = map[string]string{}
	for k, v := range c.headers {
		n.headers[k] = v
	}
	return &n
}

// In returns a copy that sends X-City: code.
func (c *Client) In(code string) *Client { n := c.clone(); n.city = code; return n }

// As returns a copy that sends the bearer token.
func (c *Client) As(token string) *Client { n := c.clone(); n.token = token; return n }

// With returns a copy that sends a header.
func (c *Client) With(k, v string) *Client { n := c.clone(); n.headers[k] = v; return n }

// Resp is an answer.
type Resp struct {
	t      testing.TB
	Status int
	Body   []byte
	Header http.Header
	what   string
}

// Do sends a request; body is marshalled as JSON unless it is []byte.
func (c *Client) Do(method, path string, body any) *Resp {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.city != "" {
		req.Header.Set("X-City", c.city)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.headers {
		if k == "Host" {
			req.Host = v // net/http takes the Host header from here only
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Resp{t: c.t, Status: res.StatusCode, Body: b, Header: res.Header, what: method + " " + path}
}

// Get, Post, Put, Patch and Delete are Do shortcuts.
func (c *Client) Get(path string) *Resp              { return c.Do("GET", path, nil) }
func (c *Client) Post(path string, body any) *Resp   { return c.Do("POST", path, body) }
func (c *Client) Put(path string, body any) *Resp    { return c.Do("PUT", path, body) }
func (c *Client) Patch(path string, body any) *Resp  { return c.Do("PATCH", path, body) }
func (c *Client) Delete(path string, body any) *Resp { return c.Do("DELETE", path, body) }

// Want fails the test unless the status is one of want.
func (r *Resp) Want(want ...int) *Resp {
	r.t.Helper()
	for _, w := range want {
		if r.Status == w {
			return r
		}
	}
	r.t.Fatalf("%s: status %d, want %v; body: %s", r.what, r.Status, want, r.Body)
	return r
}

// OK is Want(200).
func (r *Resp) OK() *Resp { r.t.Helper(); return r.Want(200) }

// JSON decodes the body into v.
func (r *Resp) JSON(v any) *Resp {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: decode %T: %v; body: %s", r.what, v, err, r.Body)
	}
	return r
}

// Code is the error code of an error answer.
func (r *Resp) Code() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// WantError fails unless the answer is an error with this status and code.
func (r *Resp) WantError(status int, code string) *Resp {
	r.t.Helper()
	if r.Status != status || r.Code() != code {
		r.t.Fatalf("%s: got %d %q, want %d %q; body: %s", r.what, r.Status, r.Code(), status, code, r.Body)
	}
	return r
}

var codeRe = regexp.MustCompile(`\d{6}`)

// SMSCode reads the newest code sent to phone from the sandbox inbox.
func (e *Env) SMSCode(t testing.TB, phone string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var msgs []struct{ Body string }
		e.Client(t).Get("/v1/sandbox/sms?phone=" + phone).OK().JSON(&msgs)
		if len(msgs) > 0 {
			if m := codeRe.FindString(msgs[0].Body); m != "" {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no SMS code reached %s", phone)
	return ""
}

// SignIn signs a phone in with an SMS code read from the sandbox, exactly as
// a person would, and returns the customer session.
func (e *Env) SignIn(t testing.TB, phone string) account.Session {
	t.Helper()
	c := e.Client(t)
	before := e.latestSMSID(t, phone)
	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
	code := e.waitSMS(t, phone, before)
	var s account.Session
	c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": code}).OK().JSON(&s)
	return s
}

func (e *Env) latestSMSID(t testing.TB, phone string) int64 {
	var msgs []struct{ ID int64 }
	e.Client(t).Get("/v1/sandbox/sms?phone=" + phone).OK().JSON(&msgs)
	if len(msgs) == 0 {
		return 0
	}
	return msgs[0].ID
}

func (e *Env) waitSMS(t testing.TB, phone string, after int64) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var msgs []struct {
			ID       int64
			Template string
			Body     string
		}
		e.Client(t).Get("/v1/sandbox/sms?phone=" + phone).OK().JSON(&msgs)
		// Newest first; other notices (an invitation, an order update) may
		// have landed after the code, so look at every newer message.
		for _, m := range msgs {
			if m.ID <= after {
				break
			}
			if strings.HasPrefix(m.Template, "code_") {
				if c := codeRe.FindString(m.Body); c != "" {
					return c
				}
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("no new SMS code reached %s", phone)
	return ""
}

// Grant gives the account of phone a role (created if new) and returns the
// grant, straight through the enforcer (HQ's API is tested on its own).
func (e *Env) Grant(t testing.TB, phone, domain, role string, merchantID, staffID int64) rbac.Grant {
	t.Helper()
	ctx := context.Background()
	id, _, err := e.P.Accounts.FindOrInviteByPhone(ctx, phone, "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.P.RBAC.AddGrant(ctx, rbac.Grant{AccountID: id, Domain: domain, Role: role, MerchantID: merchantID, StaffID: staffID})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Act signs phone in and switches to its grant of role in domain.
func (e *Env) Act(t testing.TB, phone, domain, role string) account.Session {
	t.Helper()
	s := e.SignIn(t, phone)
	for _, g := range s.Grants {
		if g.Domain == domain && g.Role == role {
			var out account.Session
			e.Client(t).As(s.AccessToken).Post("/v1/auth/switch", map[string]int64{"grant_id": g.ID}).OK().JSON(&out)
			return out
		}
	}
	t.Fatalf("%s holds no %s in %s (grants %+v)", phone, role, domain, s.Grants)
	return account.Session{}
}

// HQAdmin returns a session of a fresh HQ admin.
func (e *Env) HQAdmin(t testing.TB, phone string) account.Session {
	t.Helper()
	e.Grant(t, phone, "hq", app.RoleHQAdmin, 0, 0)
	return e.Act(t, phone, "hq", app.RoleHQAdmin)
}

// Phone returns a distinct, valid test phone number.
func Phone(n int) string { return fmt.Sprintf("137%08d", n) }
