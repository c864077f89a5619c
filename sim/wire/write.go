package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"
)

// WriteResult writes v as the successful output of c, in c's protocol (JSON with the right
// Content-Type, or CBOR with `Smithy-Protocol: rpc-v2-cbor` and `Content-Type: application/cbor`).
// v is a struct with json tags (omitempty honoured in both encodings) or a map; nil writes an
// empty output. In CBOR, Time members become tag 1, []byte members byte strings, and whole
// numbers inside generic maps and slices integers.
func WriteResult(w http.ResponseWriter, c Call, v any) {
	if v == nil {
		v = struct{}{}
	}
	body, err := encode(c.Protocol, v)
	if err != nil {
		writeInternal(w, c, err)
		return
	}
	writeBody(w, c.Protocol, http.StatusOK, body)
}

// WriteError writes an error the SDK turns into its typed exception: status, the shape name
// (e.g. "ThrottlingException"; a qualified "namespace#Name" is written as given), the message
// (member "message"), and extra members (e.g. "reason", "resourceId"). Agreement errors also
// get "requestId" (the response's x-amzn-RequestId) unless extra has one. For restJson1 it
// writes what WriteRESTErrorFields does.
func WriteError(w http.ResponseWriter, c Call, status int, typ, msg string, extra map[string]any) {
	WriteErrorHeader(w, c, status, typ, msg, extra, nil)
}

// WriteErrorHeader is WriteError with extra response headers, such as SQS's
// `x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender`.
func WriteErrorHeader(w http.ResponseWriter, c Call, status int, typ, msg string, extra map[string]any, header http.Header) {
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if c.Protocol == RestJSON1 {
		WriteRESTErrorFields(w, status, typ, msg, extra)
		return
	}
	status, m := errorBody(status, typ, "message", msg, extra)
	rid := requestID(w)
	if _, ok := m["requestId"]; !ok && c.Service == agreementService {
		// Every Agreement error shape has a requestId member, which AWS fills.
		m["requestId"] = rid
	}
	body, err := encode(c.Protocol, m)
	if err != nil {
		writeInternal(w, c, err)
		return
	}
	writeBody(w, c.Protocol, status, body)
}

// WriteRequestError answers a request ParseCall refused: a *RequestError with its own status
// and type, anything else as a 400 SerializationException.
func WriteRequestError(w http.ResponseWriter, c Call, err error) {
	var re *RequestError
	if !errors.As(err, &re) {
		re = &RequestError{Status: http.StatusBadRequest, Type: "SerializationException", Message: err.Error()}
	}
	if c.Protocol == 0 {
		c.Protocol = AWSJSON11
	}
	WriteError(w, c, re.Status, re.Type, re.Message, nil)
}

// encode marshals v in protocol p.
func encode(p Protocol, v any) ([]byte, error) {
	if p == RPCv2CBOR {
		return marshalCBOR(v)
	}
	return marshalJSON(v)
}

// marshalJSON marshals v without HTML escaping, as AWS services write JSON.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// writeBody writes the protocol's headers, the status and the body.
func writeBody(w http.ResponseWriter, p Protocol, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", p.ContentType())
	if p == RPCv2CBOR {
		h.Set("Smithy-Protocol", SmithyProtocolCBOR)
	}
	requestID(w)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// agreementService is the Agreement API's service shape.
const agreementService = "AWSMPCommerceService_v20200301"

// requestID returns the response's x-amzn-RequestId, setting a new one if the caller has not.
func requestID(w http.ResponseWriter) string {
	h := w.Header()
	if id := h.Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	id := uuid.NewString()
	h.Set("X-Amzn-Requestid", id)
	return id
}

// writeInternal answers with a 500 when an output cannot be encoded (a handler bug); the
// encoder's text is not shown to the client.
func writeInternal(w http.ResponseWriter, c Call, _ error) {
	typ := "InternalFailure"
	body, err := encode(c.Protocol, map[string]any{"__type": typ, "message": "the simulator could not encode its response"})
	if err != nil {
		body = []byte("{}")
	}
	if c.Protocol == RestJSON1 {
		w.Header().Set("X-Amzn-ErrorType", typ)
	}
	writeBody(w, c.Protocol, http.StatusInternalServerError, body)
}
