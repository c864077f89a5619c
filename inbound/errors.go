package inbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// maxProblems bounds how many problems one error lists.
const maxProblems = 10

// problems gathers what is wrong with a body, each naming its JSON path.
type problems struct {
	list    []string
	omitted int
}

func (p *problems) add(path, format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.omitted++
		return
	}
	p.list = append(p.list, path+": "+fmt.Sprintf(format, args...))
}

// err returns nil when nothing was added, else an EMALFORMED error about what (such as
// "EventBridge event") listing the problems.
func (p *problems) err(what string) error {
	if len(p.list) == 0 {
		return nil
	}
	msg := strings.Join(p.list, "; ")
	if p.omitted > 0 {
		msg += fmt.Sprintf("; and %d more", p.omitted)
	}
	return dealdesk.Errorf(dealdesk.EMALFORMED, "%s: %s", what, msg)
}

func malformed(what, format string, args ...any) error {
	return dealdesk.Errorf(dealdesk.EMALFORMED, "%s: %s", what, fmt.Sprintf(format, args...))
}

// decodeObject decodes b, which must be one JSON object, into v and reports on p what is wrong:
// not an object, trailing data, a field of the wrong type (named by its JSON path under path,
// such as "detail.agreement.id"). Unknown fields are ignored: AWS adds fields to its events over
// time. It returns whether v was decoded.
func decodeObject(b []byte, path string, v any, p *problems) bool {
	trimmed := bytes.TrimSpace(b)
	switch {
	case len(trimmed) == 0:
		p.add(orBody(path), "empty; want a JSON object")
		return false
	case trimmed[0] != '{':
		p.add(orBody(path), "must be a JSON object")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			p.add(orBody(path), "unexpected data after the JSON object")
			return false
		}
		return true
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := orBody(path)
		if typeErr.Field != "" {
			field = strings.TrimPrefix(path+"."+typeErr.Field, ".")
		}
		p.add(field, "must be %s, not %s", kindOf(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		p.add(orBody(path), "not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.add(orBody(path), "not valid JSON: it ends in the middle of a value")
	default:
		p.add(orBody(path), "%v", err)
	}
	return false
}

func orBody(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

func kindOf(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a number"
}
