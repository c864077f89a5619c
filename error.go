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
// failures the list of fields that are wrong: at most MaxProblems of them, and in Omitted the
// number of further problems that were found but not kept.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Omitted int
}

// FieldError names one invalid input field (JSON path such as "buyerAccountIds[3]") and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`

	omitted int // in Problems' overflow entry: how many problems Add did not keep
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("dealdesk error: code=%s message=%s", e.Code, e.Message)
	}
	return fmt.Sprintf("dealdesk error: code=%s message=%s fields=%v", e.Code, e.Message, e.Fields)
}

// Limits of the texts of an error, which may echo input: a message, and a field error's path
// and message.
const (
	maxMessageBytes      = 1024
	maxFieldBytes        = 256
	maxFieldMessageBytes = 512
)

// Errorf returns an *Error with the given code and a formatted message (at most 1 KiB).
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: Clip(fmt.Sprintf(format, args...), maxMessageBytes)}
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

// ErrorOmitted returns how many problems of a validation error are counted but not listed.
func ErrorOmitted(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Omitted
	}
	return 0
}

// MaxProblems is how many field errors a validation error lists. The caller controls how many
// problems a request has (a 1 MiB body holds half a million bad list elements), so Problems
// keeps the first MaxProblems and only counts the rest: the memory a request costs and the size
// of its answer stay bounded (decision 006).
const MaxProblems = 100

// Problems gathers field errors during validation. It keeps the first MaxProblems and counts
// the others in one overflow entry, which Err reports as Error.Omitted.
type Problems []FieldError

// Add records that field is wrong; the path is cut to 256 bytes and the message to 512. Past
// MaxProblems it only counts, without formatting.
func (p *Problems) Add(field, format string, args ...any) {
	if len(*p) >= MaxProblems {
		if len(*p) == MaxProblems {
			*p = append(*p, FieldError{})
		}
		(*p)[MaxProblems].omitted++
		return
	}
	*p = append(*p, FieldError{Field: Clip(field, maxFieldBytes), Message: Clip(fmt.Sprintf(format, args...), maxFieldMessageBytes)})
}

// Err returns nil when nothing was added, else an EINVALID *Error listing the first MaxProblems
// fields and counting the rest in Omitted.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	e := &Error{Code: EINVALID, Message: "The request has invalid fields."}
	for _, f := range p {
		switch {
		case f.omitted > 0:
			e.Omitted += f.omitted
		case len(e.Fields) < MaxProblems:
			e.Fields = append(e.Fields, f)
		default:
			e.Omitted++
		}
	}
	if e.Omitted > 0 {
		e.Message = fmt.Sprintf("The request has invalid fields: the first %d of %d are listed.", len(e.Fields), len(e.Fields)+e.Omitted)
	}
	return e
}

// OneOf returns "must be one of A, B, C" for the values a field may take.
func OneOf[T ~string](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
	}
	return "must be one of " + strings.Join(parts, ", ")
}
