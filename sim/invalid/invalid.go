// Package invalid is the simulator's one list of bad fields. Every validation in the simulator
// (Catalog requests, the control API, the event delivery configuration, the seed file) gathers
// its problems in a Fields, and adapters write it in each wire shape: one line of text
// (Error, as a Catalog ValidationException's Message or a command-line error), the control API's
// JSON "fields" list (Fields marshals to it), and the Catalog ValidationException's
// ValidationExceptionFieldList (CatalogFieldList).
package invalid

import (
	"fmt"
	"strings"
)

// Field is one bad field: its path in the input (JSON names, "a.b[2].c") and what is wrong.
type Field struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Fields lists every bad field of one input, in the order found. The zero value is empty and
// ready to use.
type Fields []Field

// Add appends a problem with field, its message formatted as by fmt.Sprintf.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, Field{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when f is empty, else an *Error of f whose text starts with context (what
// was invalid, e.g. "invalid ListEntities request").
func (f Fields) Err(context string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Context: context, Fields: f}
}

// Join is the problems on one line: "field: message; field: message".
func (f Fields) Join() string {
	parts := make([]string, len(f))
	for i, p := range f {
		parts[i] = p.Field + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

// CatalogField is one member of the Catalog API's ValidationExceptionFieldList.
type CatalogField struct {
	Field   string `json:"Field"`
	Message string `json:"Message"`
	Reason  string `json:"Reason"` // FieldValidationFailed
}

// CatalogFieldList is f as the Catalog ValidationException's ValidationExceptionFieldList
// (aws-sdk-go-v2 marketplacecatalog types.ValidationExceptionField).
func (f Fields) CatalogFieldList() []CatalogField {
	out := make([]CatalogField, len(f))
	for i, p := range f {
		out[i] = CatalogField{Field: p.Field, Message: p.Message, Reason: "FieldValidationFailed"}
	}
	return out
}

// Error is an invalid input: what it was and every bad field.
type Error struct {
	Context string
	Fields  Fields
}

// Error is the context and the problems on one line.
func (e *Error) Error() string { return e.Context + ": " + e.Fields.Join() }
