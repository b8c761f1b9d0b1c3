package workflow

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is a refusal the API shows to its caller: a stable code, the HTTP
// status that goes with it and a message naming the field or state at fault.
type Error struct {
	Status  int
	Code    string
	Message string
	// AttemptsLeft, when set, is how many more wrong SMS codes are allowed.
	AttemptsLeft *int
	// RetryAfter, when positive, is how long to wait before the same
	// request can succeed (HTTP Retry-After).
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Err }

func newErr(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels callers (and tests) branch on; every *Error with that code wraps one.
var (
	ErrNotFound           = errors.New("not found")
	ErrWrongState         = errors.New("wrong state")
	ErrNotYourTurn        = errors.New("not your turn")
	ErrLinkUsed           = errors.New("signing link already used")
	ErrClosed             = errors.New("contract closed")
	ErrUnverifiedIdentity = errors.New("identity not verified")
	ErrOTP                = errors.New("intent check failed")
	// ErrLinkLocked: too many wrong codes over the link's life.
	ErrLinkLocked = errors.New("signing link locked")
	// ErrRateLimited: codes are asked for too often.
	ErrRateLimited = errors.New("too many codes")
	// ErrUndeliverable: a Notifier refuses an item for good (bad input).
	ErrUndeliverable = errors.New("undeliverable notification")
)

func badField(field, format string, args ...any) *Error {
	return newErr(http.StatusBadRequest, "bad_field", "field "+field+": "+format, args...)
}

func notFound(what, id string) *Error {
	e := newErr(http.StatusNotFound, "not_found", "%s %q not found", what, id)
	e.Err = ErrNotFound
	return e
}

func wrongState(format string, args ...any) *Error {
	e := newErr(http.StatusConflict, "wrong_state", format, args...)
	e.Err = ErrWrongState
	return e
}

// closedErr explains why a contract accepts no more actions.
func closedErr(c *Contract) *Error {
	var e *Error
	switch c.Status {
	case StatusVoided:
		e = newErr(http.StatusGone, "contract_voided", "contract %s was voided", c.ID)
	case StatusDeclined:
		e = newErr(http.StatusGone, "contract_declined", "contract %s was declined by a party", c.ID)
	case StatusExpired:
		e = newErr(http.StatusGone, "contract_expired", "contract %s passed its deadline %s", c.ID, c.Deadline.Format("2006-01-02T15:04:05Z07:00"))
	default:
		return wrongState("contract %s is %s", c.ID, c.Status)
	}
	e.Err = ErrClosed
	return e
}
