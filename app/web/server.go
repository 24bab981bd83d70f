// Package web is the HTTP door: the Fiber app, its error handler, the
// middleware chain (request id and logging, recover, tenant, authentication,
// Casbin), the whole API in routes.go, one file of handlers per area, and
// the OpenAPI document generated from the same route table.
//
// Handlers parse and validate, then call one service with c.UserContext();
// they hold no SQL. Errors are mapped to HTTP once, in errorHandler.
package web

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/city"
	"doorstep/app/dispatch"
	"doorstep/app/marketing"
	"doorstep/app/merchant"
	"doorstep/app/notify"
	"doorstep/app/oauth"
	"doorstep/app/payment"
	"doorstep/app/payment/sandboxpay"
	"doorstep/app/privacy"
	"doorstep/app/review"
	"doorstep/app/settlement"
	"doorstep/app/sms"
	"doorstep/app/staff"
	"doorstep/app/stats"
	"doorstep/app/storefront"
	"doorstep/rbac"
	"doorstep/tenants"
)

// Config is what the HTTP layer needs to know.
type Config struct {
	BaseDomain     string        // cities answer on <code>.<BaseDomain>
	PublicURL      string        // how clients reach us (links in SMS, OAuth redirects)
	Production     bool          // hides sandbox endpoints
	RequestTimeout time.Duration // upper bound for one request's work
	TrustProxy     bool          // take the client IP from X-Forwarded-For
	Version        string
}

// Deps are the services the handlers call.
type Deps struct {
	Reg      *tenants.Registry
	RBAC     *rbac.Enforcer
	Accounts *account.Service
	Cities   *city.Service
	Audit    *audit.Log
	SMSBox   *sms.Sandbox   // nil when a real SMS provider is configured
	OAuthSbx *oauth.Sandbox // nil when the sandbox login is off

	Catalog   *catalog.Service
	Merchants *merchant.Service
	Staff     *staff.Service
	Booking   *booking.Service
	Dispatch  *dispatch.Service
	Payments  *payment.Service
	Reviews   *review.Service
	Notify    *notify.Service
	// Settlement is the ledger, balances, payouts and reconciliation.
	Settlement *settlement.Service
	Stats      *stats.Service
	// HQ is headquarters' work across cities (lists, policies, moves);
	// Privacy re-seals personal data and reveals it when allowed.
	HQ         *city.HQ
	Privacy    *privacy.Service
	Marketing  *marketing.Service
	Storefront *storefront.Service

	// PaySandbox is the sandbox payment gateway whose pay page we serve
	// (outside production); nil when it is not enabled.
	PaySandbox *sandboxpay.Gateway

	Ready   func(ctx context.Context) error
	Metrics *Metrics
	Log     *slog.Logger
}

// Server is the HTTP API.
type Server struct {
	app    *fiber.App
	cfg    Config
	d      Deps
	routes []*route
	val    *validator.Validate
	log    *slog.Logger
	// closing is closed when shutdown begins: open streams end then
	// instead of holding the drain until its timeout.
	closing   chan struct{}
	closeOnce sync.Once
}

// New builds the Fiber app with every route.
func New(cfg Config, d Deps) *Server {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	s := &Server{cfg: cfg, d: d, log: d.Log, val: newValidator(), closing: make(chan struct{})}
	fc := fiber.Config{
		AppName:               "doorstep",
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		BodyLimit:             2 << 20,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
	}
	if cfg.TrustProxy {
		fc.ProxyHeader = fiber.HeaderXForwardedFor
	}
	s.app = fiber.New(fc)
	s.app.Use(s.requestLog, s.recoverer)
	s.mount()
	s.app.Use(func(c *fiber.Ctx) error { return errNoRoute })
	return s
}

// App returns the Fiber app (for Listen and for tests through app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Listen serves until ctx ends, then drains.
func (s *Server) Listen(ctx context.Context, addr string) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return s.Shutdown(sctx)
	}
}

// Shutdown ends open event streams, stops taking requests and waits for
// those in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	return s.app.ShutdownWithContext(ctx)
}

var errNoRoute = app.E(app.KindNotFound, "route_not_found", "no such endpoint; see /openapi.json")

// status maps an error kind to an HTTP status: the one place it happens.
func status(k app.Kind) int {
	switch k {
	case app.KindInvalid:
		return fiber.StatusBadRequest
	case app.KindUnauthorized:
		return fiber.StatusUnauthorized
	case app.KindForbidden:
		return fiber.StatusForbidden
	case app.KindNotFound:
		return fiber.StatusNotFound
	case app.KindConflict:
		return fiber.StatusConflict
	case app.KindUnprocessable:
		return fiber.StatusUnprocessableEntity
	case app.KindTooMany:
		return fiber.StatusTooManyRequests
	case app.KindUnavailable:
		return fiber.StatusServiceUnavailable
	case app.KindGone:
		return fiber.StatusGone
	case app.KindPaymentRequired:
		return fiber.StatusPaymentRequired
	}
	return fiber.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// errorHandler renders every error as {"error":{"code","message"}}. Unknown
// errors are logged and shown as a bare internal error: no stack, no SQL.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	rid, _ := c.Locals("rid").(string)
	var ae *app.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
		st := status(ae.Kind)
		if st >= 500 {
			s.log.ErrorContext(c.UserContext(), "request failed", "rid", rid, "code", ae.Code, "err", err)
		}
		if ae.Kind == app.KindTooMany {
			c.Set(fiber.HeaderRetryAfter, "60")
		}
		return c.Status(st).JSON(errorBody{errorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields, RequestID: rid}})
	case errors.As(err, &fe):
		code := strings.ToLower(strings.ReplaceAll(utilsStatus(fe.Code), " ", "_"))
		return c.Status(fe.Code).JSON(errorBody{errorDetail{Code: code, Message: fe.Message, RequestID: rid}})
	case errors.Is(err, context.DeadlineExceeded):
		s.log.WarnContext(c.UserContext(), "request timed out", "rid", rid, "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody{errorDetail{Code: "timeout", Message: "the request took too long; try again", RequestID: rid}})
	case errors.Is(err, tenants.ErrUnknownCity):
		return c.Status(fiber.StatusNotFound).JSON(errorBody{errorDetail{Code: "city_not_found", Message: "no such city", RequestID: rid}})
	}
	s.log.ErrorContext(c.UserContext(), "internal error", "rid", rid, "route", routePath(c), "err", err)
	return c.Status(fiber.StatusInternalServerError).JSON(errorBody{errorDetail{Code: "internal", Message: "something went wrong on our side; it has been logged", RequestID: rid}})
}

func utilsStatus(code int) string {
	switch code {
	case fiber.StatusNotFound:
		return "not found"
	case fiber.StatusMethodNotAllowed:
		return "method not allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "body too large"
	case fiber.StatusBadRequest:
		return "bad request"
	case fiber.StatusRequestTimeout:
		return "timeout"
	}
	return "http error"
}

func routePath(c *fiber.Ctx) string {
	if r := c.Route(); r != nil {
		return r.Path
	}
	return ""
}
