package http

import (
	"errors"

	"github.com/dealdesk/dealdesk"
)

// renameField returns err with the validation field from renamed to to, for domain rules whose
// field name differs from the JSON name of the endpoint.
func renameField(err error, from, to string) error {
	e, ok := errors.AsType[*dealdesk.Error](err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]dealdesk.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if f.Field == from {
			f.Field = to
		}
		c.Fields[i] = f
	}
	return &c
}
