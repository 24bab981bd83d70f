// Package app holds the vocabulary every capability shares: typed errors with
// stable codes, the acting person in the context, paging cursors and money.
// It imports only the standard library.
package app

import (
	"errors"
	"fmt"
)

// Kind is the generic class of an error; the HTTP edge maps each kind to a
// status once.
type Kind int

const (
	KindInternal        Kind = iota
	KindInvalid              // 400: the request is malformed or breaks a rule about its own content
	KindUnauthorized         // 401: no valid credentials
	KindForbidden            // 403: credentials valid, action not allowed
	KindNotFound             // 404
	KindConflict             // 409: the state of the world forbids it (slot taken, wrong order state)
	KindUnprocessable        // 422: well-formed but semantically refused (idempotency key reuse)
	KindTooMany              // 429
	KindUnavailable          // 503: a dependency is down
	KindGone                 // 410
	KindPaymentRequired      // 402
)

// Error is a typed application error with a stable machine-readable code.
type Error struct {
	Kind    Kind
	Code    string // stable, snake_case, part of the API contract
	Message string // human readable, safe to show to the client
	Fields  map[string]string
	Err     error // cause, never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error by code, so sentinel errors work with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// E builds an error of a kind with a code and message.
func E(kind Kind, code, msg string) *Error { return &Error{Kind: kind, Code: code, Message: msg} }

// Wrap attaches a cause to a copy of e.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// WithMessage returns a copy of e with another human message (same code).
func (e *Error) WithMessage(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

// Invalid is a 400 for a specific field.
func Invalid(field, msg string) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_input", Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}

// Shared sentinel errors. Capability packages declare their own beside these.
var (
	ErrNotFound      = E(KindNotFound, "not_found", "not found")
	ErrUnauthorized  = E(KindUnauthorized, "unauthorized", "sign-in required")
	ErrForbidden     = E(KindForbidden, "forbidden", "you are not allowed to do this")
	ErrConflict      = E(KindConflict, "conflict", "the resource changed; reload and retry")
	ErrInvalid       = E(KindInvalid, "invalid_input", "invalid input")
	ErrTooMany       = E(KindTooMany, "rate_limited", "too many requests; try again later")
	ErrUnavailable   = E(KindUnavailable, "unavailable", "a service we depend on is unavailable; try again")
	ErrIdempotency   = E(KindUnprocessable, "idempotency_key_reused", "this Idempotency-Key was used with a different request")
	ErrCitySuspended = E(KindForbidden, "city_suspended", "this city is suspended and takes no bookings")
	ErrWrongCity     = E(KindForbidden, "wrong_city", "this token belongs to another city")
)

// ErrPermanent marks a background failure that retrying cannot fix: a
// provider refused the message for good, the payload names nothing that
// exists. Wrap it beside the cause (fmt.Errorf("send: %w: %w", err,
// app.ErrPermanent)); the job worker then drops the task instead of retrying,
// so app packages say "do not retry" without importing the queue library.
var ErrPermanent = errors.New("permanent failure: retrying cannot fix it")

// NotFound is a not-found error naming what was missing.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: what + "_not_found", Message: what + " not found"}
}

// KindOf returns the kind of err, KindInternal when it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
