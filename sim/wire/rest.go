package wire

import "net/http"

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
	status, m := errorBody(status, typ, "Message", msg, extra)
	body, err := marshalJSON(m)
	if err != nil {
		writeInternal(w, Call{Protocol: RestJSON1}, err)
		return
	}
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeBody(w, RestJSON1, status, body)
}

// errorBody returns the status and body members of an error answer in every protocol: extra,
// "__type": typ and the message, cut to MaxMessageLength, under messageKey ("Message" in
// restJson1, "message" in the RPC protocols). A status under 300 becomes 400.
func errorBody(status int, typ, messageKey, msg string, extra map[string]any) (int, map[string]any) {
	if status < 300 {
		status = http.StatusBadRequest
	}
	m := make(map[string]any, len(extra)+2)
	for k, v := range extra {
		m[k] = v
	}
	m["__type"] = typ
	m[messageKey] = capMessage(msg)
	return status, m
}
