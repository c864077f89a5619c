package dealdesk

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in the http package.
const (
	EINVALID      = "invalid"      // input fails validation (422)
	EMALFORMED    = "malformed"    // input cannot be decoded (400)
	ENOTFOUND     = "not_found"    // no such resource in the caller's organization (404)
	ECONFLICT     = "conflict"     // the resource's state forbids the action (409)
	EUNAUTHORIZED = "unauthorized" // missing or invalid credentials (401)
	ETOOLARGE     = "too_large"    // request body over the limit (413)
	EINTERNAL     = "internal"     // anything else; its text is never shown to users (500)
)

// Error is the application error: a code, a message safe to show to users, and for validation
// failures the list of fields that are wrong.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

// FieldError names one invalid input field (JSON path such as "buyerAccountIds[3]") and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("dealdesk error: code=%s message=%s", e.Code, e.Message)
	}
	return fmt.Sprintf("dealdesk error: code=%s message=%s fields=%v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, EINTERNAL for any other non-nil error and
// "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of an application error; other errors get a
// generic message so that internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the invalid fields of a validation error.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems gathers field errors during validation.
type Problems []FieldError

// Add records that field is wrong.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was added, else an EINVALID *Error listing every field.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "The request has invalid fields.", Fields: append([]FieldError(nil), p...)}
}

// OneOf returns "must be one of A, B, C" for the values a field may take.
func OneOf[T ~string](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
	}
	return "must be one of " + strings.Join(parts, ", ")
}
