package web

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"doorstep/app"
)

// access says who may call a route.
type access int

const (
	public   access = iota // anyone
	optional               // anyone; a valid token is read when sent
	signedIn               // any valid token
)

// route is one endpoint: the handler plus everything the middleware and the
// OpenAPI document need to know about it.
type route struct {
	Method  string
	Path    string
	Summary string
	Tag     string
	Access  access
	City    bool   // needs a city (Host subdomain or X-City)
	Perm    string // "resource:action" checked with Casbin in the request's domain
	Body    any    // request body type (zero value), nil when none
	Query   any    // query parameter struct, nil when none
	Resp    any    // success body type, nil for 204
	Status  int    // success status; 200 when 0
	Produce string // content type when not JSON
	Idem    bool   // honours Idempotency-Key
	// QueryToken lets the access token come as ?access_token= when no
	// Authorization header is sent: only for streams a browser opens with
	// EventSource, which cannot send headers. Every other route ignores the
	// parameter. The request log writes route patterns only, so the token
	// never reaches a log line.
	QueryToken bool
	h          fiber.Handler
}

// handle registers a route with its middleware chain:
// tenant -> authentication -> open city -> Casbin -> handler.
func (s *Server) handle(r route, h fiber.Handler) {
	r.h = h
	var chain []fiber.Handler
	if r.City {
		chain = append(chain, s.resolveCity)
	}
	if r.QueryToken && r.Perm == "" && r.Access != signedIn {
		panic("route " + r.Path + ": QueryToken is for signed-in routes")
	}
	switch {
	case r.QueryToken:
		chain = append(chain, s.authenticateQuery)
	case r.Perm != "" || r.Access == signedIn:
		chain = append(chain, s.authenticate(true))
	case r.Access == optional:
		chain = append(chain, s.authenticate(false))
	}
	if r.City {
		chain = append(chain, s.openCity)
	}
	if r.Perm != "" {
		res, act, ok := strings.Cut(r.Perm, ":")
		if !ok {
			panic("route " + r.Path + ": perm must be resource:action")
		}
		chain = append(chain, s.authorize(res, act))
	}
	chain = append(chain, h)
	s.app.Add(r.Method, r.Path, chain...)
	rr := r
	s.routes = append(s.routes, &rr)
}

// Routes lists the registered routes (the OpenAPI generator and tests).
func (s *Server) Routes() []*route { return s.routes }

// ---- request decoding and validation ----

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"json", "query"} {
			if n := strings.Split(f.Tag.Get(tag), ",")[0]; n != "" && n != "-" {
				return n
			}
		}
		return f.Name
	})
	return v
}

// bind parses a JSON body into v and validates it.
func (s *Server) bind(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := fiberJSON(body, v); err != nil {
		return app.E(app.KindInvalid, "invalid_json", "the body is not valid JSON for this endpoint: "+jsonErrText(err))
	}
	return s.check(v)
}

// query parses query parameters into v and validates it.
func (s *Server) query(c *fiber.Ctx, v any) error {
	if err := c.QueryParser(v); err != nil {
		return app.E(app.KindInvalid, "invalid_query", "bad query parameter: "+err.Error())
	}
	return s.check(v)
}

func (s *Server) check(v any) error {
	if err := s.val.Struct(v); err != nil {
		var ve validator.ValidationErrors
		if errors.As(err, &ve) && len(ve) > 0 {
			fields := map[string]string{}
			var msgs []string
			for _, fe := range ve {
				m := fieldMessage(fe)
				fields[fe.Field()] = m
				msgs = append(msgs, fe.Field()+": "+m)
			}
			return &app.Error{Kind: app.KindInvalid, Code: "invalid_input", Message: strings.Join(msgs, "; "), Fields: fields}
		}
		return app.E(app.KindInvalid, "invalid_input", err.Error())
	}
	return nil
}

func fieldMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "min":
		return "must be at least " + fe.Param()
	case "max":
		return "must be at most " + fe.Param()
	case "oneof":
		return "must be one of " + fe.Param()
	case "gte":
		return "must be >= " + fe.Param()
	case "lte":
		return "must be <= " + fe.Param()
	case "gt":
		return "must be > " + fe.Param()
	case "url", "http_url":
		return "must be a URL"
	case "email":
		return "must be an email address"
	case "len":
		return "must have length " + fe.Param()
	}
	return "is invalid (" + fe.Tag() + ")"
}

// pathID reads a positive integer path parameter.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	v, err := c.ParamsInt(name)
	if err != nil || v <= 0 {
		return 0, app.Invalid(name, "must be a positive integer")
	}
	return int64(v), nil
}

// actor returns the signed-in person.
func actor(c *fiber.Ctx) app.Actor {
	a, _ := app.ActorFrom(c.UserContext())
	return a
}
