package tsunagari

import (
	"errors"
	"fmt"
)

// Code classifies an error by how the caller should treat it. The codes
// follow HTTP semantics, but only package web turns them into statuses.
type Code string

const (
	CodeInvalid         Code = "invalid"           // the input is wrong; fix it and retry
	CodeUnauthorized    Code = "unauthorized"      // sign in first
	CodeForbidden       Code = "forbidden"         // signed in, but not allowed
	CodeNotFound        Code = "not_found"         // absent, or not yours to know about
	CodeConflict        Code = "conflict"          // clashes with the current state
	CodeTooLarge        Code = "too_large"         // the request body is over its limit
	CodeTooManyRequests Code = "too_many_requests" // slow down
	CodeUnavailable     Code = "unavailable"       // a dependency is down; retry later
	CodeInternal        Code = "internal"          // our fault
)

// Sentinel errors returned by stores. Callers test them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Error is an error whose message may be shown to the user in the user's
// language: Key names a message in the i18n catalogue and Args fill it.
// Err is an optional cause, logged but never rendered.
type Error struct {
	Code    Code
	Key     string
	Args    []any
	Details []Detail
	Err     error
}

// Detail is one problem inside a larger input, such as one field of a form
// or one line of an uploaded file.
type Detail struct {
	Line  int    `json:"line,omitempty"`  // 1-based line of an uploaded file, 0 if none
	Field string `json:"field,omitempty"` // form field or column name
	Key   string `json:"-"`               // message key
	Args  []any  `json:"-"`
}

// NewError returns an *Error with the given code, message key and arguments.
func NewError(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Invalid returns a CodeInvalid error about one field.
func Invalid(field, key string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Key: key, Args: args,
		Details: []Detail{{Field: field, Key: key, Args: args}}}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Key)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode reports how err should be treated. Errors that are neither an
// *Error nor a sentinel are CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, ErrNotFound):
		return CodeNotFound
	case errors.Is(err, ErrConflict):
		return CodeConflict
	}
	return CodeInternal
}
