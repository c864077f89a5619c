package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"unicode/utf8"
)

// MaxMessageLength is the longest error message AWS writes: the Catalog's
// ExceptionMessageContent shape allows 1..2048 characters, and the simulator keeps every
// protocol's messages within the same bound.
const MaxMessageLength = 2048

// capMessage shortens msg to at most MaxMessageLength characters, ending a cut message with
// "…" so that the reader sees it was cut.
func capMessage(msg string) string {
	if utf8.RuneCountInString(msg) <= MaxMessageLength {
		return msg
	}
	runes := []rune(msg)
	return string(runes[:MaxMessageLength-1]) + "…"
}

// JSONTypeName names the JSON type a Go type decodes from ("string", "number", "boolean",
// "array", "object"), so that error messages speak of the wire form, never of the simulator's
// Go types.
func JSONTypeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(json.Number("")) {
		return "number"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeOf(json.RawMessage(nil)) {
			return "JSON value"
		}
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}

// TypeMismatch describes an encoding/json *UnmarshalTypeError in wire terms: the member path,
// the JSON type expected and the JSON type given ("UsageRecords: expected array, got JSON
// object"). ok is false when err is not one.
func TypeMismatch(err error) (msg string, ok bool) {
	var ute *json.UnmarshalTypeError
	if !errors.As(err, &ute) {
		return "", false
	}
	field := ute.Field
	if field == "" {
		field = "(request)"
	}
	return fmt.Sprintf("%s: expected %s, got JSON %s", field, JSONTypeName(ute.Type), ute.Value), true
}
