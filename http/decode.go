package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/internal/jsonraw"
)

// MaxBodyBytes is the largest request body the API reads (1 MiB).
const MaxBodyBytes = 1 << 20

// decodeBody reads the request body, at most MaxBodyBytes, into dst strictly (see decodeJSON).
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, dst)
}

// readBody reads the request body, at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, dealdesk.Errorf(dealdesk.ETOOLARGE, "The request body is larger than %d bytes.", MaxBodyBytes)
		}
		return nil, dealdesk.Errorf(dealdesk.EMALFORMED, "The request body could not be read.")
	}
	return body, nil
}

// mergeClears returns what the JSON merge patch body (RFC 7396) removes, by JSON path: its null
// members at any depth of nested objects ("expiryDate", "eula.url"), and the empty strings of
// nested objects, since the domain merges a nested object's non-empty members only (see
// dealdesk.OfferInput.Clear). Arrays are values, replaced whole: nothing inside them is a path.
func mergeClears(body []byte) []string {
	var paths []string
	var walk func(prefix string, raw json.RawMessage)
	walk = func(prefix string, raw json.RawMessage) {
		m, ok := splitObject(raw)
		if !ok {
			return
		}
		for name, v := range m.obj {
			v = bytes.TrimSpace(v)
			switch {
			case bytes.Equal(v, []byte("null")), prefix != "" && bytes.Equal(v, []byte(`""`)):
				paths = append(paths, joinPath(prefix, name))
			case len(v) > 0 && v[0] == '{':
				walk(joinPath(prefix, name), v)
			}
		}
	}
	walk("", body)
	slices.Sort(paths)
	return paths
}

// decodeJSON decodes one JSON object into the struct that dst points to.
//
// Syntax errors, a body that is not an object and data after the object are EMALFORMED.
// Everything else is checked field by field, so that every problem names its JSON path
// ("installments[1].chargeDate"): unknown fields and values of the wrong type (including those
// that a type's UnmarshalJSON refuses, such as a bad decimal or date) are EINVALID, all listed.
// JSON null leaves a field unset. Values are not validated beyond their type: that is the
// domain's work.
func decodeJSON(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body is empty: a JSON object is expected.")
		}
		return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body is not valid JSON: %s.", syntaxMessage(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body has data after the JSON object.")
	}
	if raw[0] != '{' {
		return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body must be a JSON object.")
	}
	var p dealdesk.Problems
	decodeValue(&p, "", raw, reflect.ValueOf(dst).Elem())
	return p.Err()
}

// syntaxMessage describes a JSON syntax error without Go type names.
func syntaxMessage(err error) string {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return e.Error() + " at byte " + strconv.FormatInt(e.Offset, 10)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends too early"
	}
	return "it cannot be parsed"
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// decodeValue decodes raw into v, adding a problem at path for each value that does not fit.
func decodeValue(p *dealdesk.Problems, path string, raw json.RawMessage, v reflect.Value) {
	null := bytes.Equal(raw, []byte("null"))
	if v.Kind() == reflect.Pointer {
		if null {
			v.SetZero()
			return
		}
		elem := reflect.New(v.Type().Elem())
		decodeValue(p, path, raw, elem.Elem())
		v.Set(elem)
		return
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		// The domain's own types (Decimal, Date) say what is wrong in words fit for users.
		if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			p.Add(path, "%s", err.Error())
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		decodeObject(p, path, raw, v)
	case reflect.Slice:
		if null {
			v.SetZero()
			return
		}
		decodeArray(p, path, raw, v)
	case reflect.String:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			p.Add(path, "must be %s", describeType(v.Type()))
		} else if hasHiddenRune(raw) {
			p.Add(path, "must be valid UTF-8 text: invalid bytes and unpaired surrogate escapes are refused")
		}
	default:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			p.Add(path, "must be %s", describeType(v.Type()))
		}
	}
}

// decodeArray decodes the JSON array raw into the slice v one element at a time. Once a problem
// is known the request will be refused, so elements are still checked (each bad one is
// counted) but no longer kept: a 1 MiB body of half a million elements costs the memory of
// one element, not of the list (decision 006).
func decodeArray(p *dealdesk.Problems, path string, raw json.RawMessage, v reflect.Value) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		p.Add(path, "must be an array")
		return
	}
	s := reflect.MakeSlice(v.Type(), 0, 0)
	elem := reflect.New(v.Type().Elem()).Elem()
	for i := 0; dec.More(); i++ {
		var e json.RawMessage
		if err := dec.Decode(&e); err != nil {
			p.Add(path, "must be an array") // not reached: raw is valid JSON
			return
		}
		elem.SetZero()
		decodeValue(p, path+"["+strconv.Itoa(i)+"]", e, elem)
		if len(*p) == 0 {
			s = reflect.Append(s, elem)
		}
	}
	v.Set(s)
}

// hasHiddenRune reports whether the JSON string raw holds what encoding/json would silently
// replace with U+FFFD (invalid UTF-8, an unpaired surrogate escape): text the caller did not send.
func hasHiddenRune(raw []byte) bool {
	_, hidden := jsonraw.HiddenRune(raw)
	return hidden
}

// decodeObject decodes a JSON object into the struct v, field by field by JSON name. It names
// every key the struct does not have and every key given twice.
func decodeObject(p *dealdesk.Problems, path string, raw json.RawMessage, v reflect.Value) {
	m, ok := splitObject(raw)
	if !ok {
		p.Add(path, "must be an object")
		return
	}
	for _, k := range m.dups {
		p.Add(joinPath(path, k), "is given more than once")
	}
	for range m.moreDups {
		p.Add(path, "is given more than once") // past the cap: only counted
	}
	known := map[string]bool{}
	t := v.Type()
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		if name == "" {
			continue
		}
		known[name] = true
		if rv, ok := m.obj[name]; ok {
			decodeValue(p, joinPath(path, name), rv, v.Field(i))
		}
	}
	var unknown []string
	for k := range m.obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		p.Add(joinPath(path, k), "unknown field")
	}
}

// members are the members of a JSON object, by key, and the keys it gives more than once.
type members struct {
	obj map[string]json.RawMessage
	// dups are the first dealdesk.MaxProblems keys given more than once, in order of their second
	// appearance; moreDups counts the others. A key given many times counts once.
	dups     []string
	moreDups int
}

// splitObject returns the members of a JSON object; ok is false when raw is not an object. Its
// cost is linear in the size of raw whatever the caller repeats: repeated keys are found by map,
// and only the first MaxProblems of them are kept (a problem answer lists no more; decision 006).
func splitObject(raw json.RawMessage) (m members, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return members{}, false
	}
	m.obj = map[string]json.RawMessage{}
	counted := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return members{}, false
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return members{}, false
		}
		if _, seen := m.obj[key]; seen && !counted[key] {
			counted[key] = true
			if len(m.dups) < dealdesk.MaxProblems {
				m.dups = append(m.dups, key)
			} else {
				m.moreDups++
			}
		}
		m.obj[key] = val
	}
	return m, true
}

// jsonName returns the JSON name of a struct field, or "" when JSON ignores it.
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// describeType names what a JSON value for t must be.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a valid value"
}
