package wire

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// CatalogTimeLayout is the Catalog API's date format (shape DateTimeISO8601).
const CatalogTimeLayout = "2006-01-02T15:04:05Z"

// CatalogTime formats t as the Catalog API writes dates: "2006-01-02T15:04:05Z" in UTC.
func CatalogTime(t time.Time) string { return t.UTC().Format(CatalogTimeLayout) }

// WriteREST writes a restJson1 (Catalog) result: 200 unless status says otherwise, application/json.
func WriteREST(w http.ResponseWriter, status int, v any) {
	if status == 0 {
		status = http.StatusOK
	}
	if v == nil {
		v = struct{}{}
	}
	body, err := marshalJSON(v)
	if err != nil {
		writeInternal(w, Call{Protocol: RestJSON1}, err)
		return
	}
	writeBody(w, RestJSON1, status, body)
}

// WriteRESTError writes a restJson1 error: status, header X-Amzn-ErrorType: typ, body
// {"__type": typ, "Message": msg}.
func WriteRESTError(w http.ResponseWriter, status int, typ, msg string) {
	WriteRESTErrorFields(w, status, typ, msg, nil)
}

// WriteRESTErrorFields is WriteRESTError with extra body members (for example the
// ValidationException's "ErrorCodes" or "ValidationExceptionFieldList").
func WriteRESTErrorFields(w http.ResponseWriter, status int, typ, msg string, extra map[string]any) {
	if status < 300 {
		status = http.StatusBadRequest
	}
	m := make(map[string]any, len(extra)+2)
	for k, v := range extra {
		m[k] = v
	}
	m["__type"] = typ
	m["Message"] = capMessage(msg)
	body, err := marshalJSON(m)
	if err != nil {
		writeInternal(w, Call{Protocol: RestJSON1}, err)
		return
	}
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeBody(w, RestJSON1, status, body)
}

// ReadJSON decodes a restJson1 request body of at most maxBody bytes into v. An empty body
// leaves v unchanged.
func ReadJSON(r *http.Request, maxBody int64, v any) error {
	body, err := readBody(r, maxBody)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("malformed JSON body: %w", err)
	}
	return nil
}
