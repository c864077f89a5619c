package sim

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/dealdesk/dealdesk/sim/invalid"
	"github.com/dealdesk/dealdesk/sim/wire"
)

// catalogInvalid is the Catalog API's ValidationException (HTTP 422) for bad fields: the
// problems on one line as Message (after context, e.g. "invalid ListEntities request"), and
// each one in ValidationExceptionFieldList, as the SDK's types.ValidationException reads them.
func catalogInvalid(fields invalid.Fields, context string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Type: "ValidationException", Message: context + ": " + fields.Join(),
		Extra: map[string]any{"ValidationExceptionFieldList": fields.CatalogFieldList()}}
}

// apiError is an error answer of a simulated AWS operation, independent of the wire protocol.
type apiError struct {
	Status  int
	Type    string // the error shape name, e.g. "ValidationException"
	Message string
	Extra   map[string]any // protocol members besides the message (reason, resourceId, ...)
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func newAPIError(status int, typ, format string, args ...any) *apiError {
	return &apiError{Status: status, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// decodeCall decodes c's body into v. Malformed JSON is the SerializationException AWS answers
// for every operation; a well-formed body that does not fit v becomes bad(err).
func decodeCall(c wire.Call, v any, bad func(error) *apiError) error {
	err := c.Decode(v)
	if err == nil {
		return nil
	}
	var re *wire.RequestError
	if errors.As(err, &re) {
		return &apiError{Status: re.Status, Type: re.Type, Message: re.Message}
	}
	return bad(err)
}
