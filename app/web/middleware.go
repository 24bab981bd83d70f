package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/rbac"
	"doorstep/tenants"
)

// requestLog gives every request an id and a context, and logs one line per
// request with the route pattern (never the raw URL: query strings may carry
// phone numbers) and no headers or bodies.
func (s *Server) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	rid := c.Get(fiber.HeaderXRequestID)
	if rid == "" || len(rid) > 64 || strings.ContainsAny(rid, " \t\r\n\"") {
		var b [8]byte
		_, _ = rand.Read(b[:])
		rid = hex.EncodeToString(b[:])
	} else {
		rid = strings.Clone(rid) // Fiber reuses header buffers after the handler returns
	}
	c.Locals("rid", rid)
	c.Set(fiber.HeaderXRequestID, rid)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	ctx = app.WithActor(ctx, app.Actor{IP: c.IP(), RequestID: rid})
	c.SetUserContext(ctx)

	err := c.Next()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	st := c.Response().StatusCode()
	route := routePath(c)
	took := time.Since(start)
	if s.d.Metrics != nil {
		s.d.Metrics.observe(c.Method(), route, st, took)
	}
	if route == "/healthz" || route == "/metrics" {
		return nil
	}
	attrs := []any{"rid", rid, "method", c.Method(), "route", route, "status", st, "took_ms", float64(took.Microseconds()) / 1000}
	if ct, ok := tenants.CityFrom(c.UserContext()); ok {
		attrs = append(attrs, "city", ct.Code)
	}
	if a, ok := app.ActorFrom(c.UserContext()); ok && a.AccountID != 0 {
		attrs = append(attrs, "account", a.AccountID)
	}
	switch {
	case st >= 500:
		s.log.Error("http", attrs...)
	case st >= 400:
		s.log.Info("http", attrs...)
	default:
		s.log.Debug("http", attrs...)
	}
	return nil
}

// recoverer turns a panic into a 500 with the stack in the log, not the answer.
func (s *Server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "rid", c.Locals("rid"), "route", routePath(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

// Errors of the middleware.
var (
	errCityRequired = app.E(app.KindInvalid, "city_required", "this endpoint needs a city: use the city's host (sz.example.com) or the X-City header")
	errCityNotFound = app.E(app.KindNotFound, "city_not_found", "no such city")
)

// cityFromRequest reads the city code from the X-City header or the Host's
// first label under the base domain.
func (s *Server) cityFromRequest(c *fiber.Ctx) string {
	if h := c.Get("X-City"); h != "" {
		return strings.ToLower(strings.TrimSpace(h))
	}
	host := c.Hostname()
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if s.cfg.BaseDomain != "" && strings.HasSuffix(host, "."+s.cfg.BaseDomain) {
		sub := strings.TrimSuffix(host, "."+s.cfg.BaseDomain)
		if !strings.Contains(sub, ".") {
			return sub
		}
	}
	return ""
}

// resolveCity binds the request to its city: unknown 404, suspended 403
// (except for HQ and the city's own operators, checked after sign-in).
func (s *Server) resolveCity(c *fiber.Ctx) error {
	code := s.cityFromRequest(c)
	if code == "" {
		return errCityRequired
	}
	if !tenants.ValidCode(code) {
		return errCityNotFound
	}
	ct, err := s.d.Reg.Lookup(code)
	if err != nil {
		return errCityNotFound
	}
	c.SetUserContext(tenants.WithCity(c.UserContext(), ct))
	return c.Next()
}

var errNoToken = app.E(app.KindUnauthorized, "unauthorized", "sign in first: send Authorization: Bearer <access token>")

// authenticate verifies the bearer token, refuses tokens of ended sessions,
// and refuses a city-bound token used in another city (audited).
func (s *Server) authenticate(required bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := c.Get(fiber.HeaderAuthorization)
		if h == "" {
			if required {
				return errNoToken
			}
			return c.Next()
		}
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return errNoToken
		}
		return s.signIn(c, tok)
	}
}

// authenticateQuery is authenticate for routes flagged QueryToken: the
// Authorization header when sent, else the access_token query parameter.
// Only an access token verifies there (refresh tokens are opaque secrets
// that Verify refuses), so what a URL can carry lives minutes. The token is
// copied before use: fasthttp reuses the query buffer.
func (s *Server) authenticateQuery(c *fiber.Ctx) error {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return errNoToken
		}
		return s.signIn(c, tok)
	}
	tok := strings.Clone(c.Query("access_token"))
	if tok == "" {
		return errNoToken
	}
	return s.signIn(c, tok)
}

// signIn verifies an access token, puts its actor in the request's
// context and goes on.
func (s *Server) signIn(c *fiber.Ctx, tok string) error {
	claims, err := s.d.Accounts.Tokens().Verify(tok)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	id := claims.AccountID()
	ep, err := s.d.Accounts.Epoch(ctx, id)
	if err != nil || ep != claims.Epoch {
		return app.E(app.KindUnauthorized, "session_ended", "this session has ended; sign in again")
	}
	a, _ := app.ActorFrom(ctx)
	a.AccountID, a.Scope, a.Role, a.MerchantID, a.StaffID = id, claims.Scope, claims.Role, claims.MerchantID, claims.StaffID
	ctx = app.WithActor(ctx, a)
	c.SetUserContext(ctx)
	if ct, ok := tenants.CityFrom(ctx); ok {
		if strings.HasPrefix(a.Scope, "city:") && a.Scope != ct.Domain() {
			s.d.Audit.Record(ctx, "auth.wrong_city", "city", ct.Code, "denied", map[string]string{"token_scope": a.Scope, "route": routePath(c)})
			return app.ErrWrongCity
		}
	}
	return c.Next()
}

// openCity refuses a suspended city to everyone but HQ and the city's own
// operators, who must still reach it to resume it or look at its data.
func (s *Server) openCity(c *fiber.Ctx) error {
	ct, _ := tenants.CityFrom(c.UserContext())
	if ct != nil && !ct.Open() {
		a, _ := app.ActorFrom(c.UserContext())
		if !(a.IsHQ() || (a.Scope == ct.Domain() && (a.Role == app.RoleCityAdmin || a.Role == app.RoleCityOperator))) {
			return app.ErrCitySuspended
		}
	}
	return c.Next()
}

// authorize asks Casbin whether the actor may do res:act in the request's
// domain (the city's, or hq). A denial is audited.
func (s *Server) authorize(res, act string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		a, _ := app.ActorFrom(ctx)
		dom := "hq"
		if ct, ok := tenants.CityFrom(ctx); ok {
			dom = ct.Domain()
		}
		sub := rbac.Subject(a.AccountID)
		if a.Role == app.RoleCustomer {
			sub = app.RoleCustomer
		}
		if !s.d.RBAC.Allow(sub, dom, res, act) {
			s.d.Audit.Record(ctx, "auth.denied", res, act, "denied", map[string]string{"domain": dom, "role": a.Role, "route": routePath(c)})
			return app.ErrForbidden.WithMessage("your role may not %s %s here", strings.ReplaceAll(act, "_", " "), strings.ReplaceAll(res, "_", " "))
		}
		return c.Next()
	}
}
