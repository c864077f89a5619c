package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Call is one decoded RPC request (awsJson or RPC v2 CBOR).
type Call struct {
	Protocol  Protocol
	Service   string // "AWSMPMeteringService", "AWSMPEntitlementService", "AWSMPCommerceService_v20200301", "AmazonSQS"
	Operation string // "BatchMeterUsage", ...
	Body      []byte // the input as JSON; a CBOR body is transcoded to JSON (tag-1 timestamps -> epoch-second numbers, byte strings -> base64 strings)
}

// RequestError is a request that names an RPC protocol but cannot be served: its status and
// error shape are what AWS answers (SerializationException, UnknownOperationException, ...).
type RequestError struct {
	Status  int
	Type    string
	Message string
}

// Error implements error.
func (e *RequestError) Error() string { return e.Type + ": " + e.Message }

func badRequest(typ, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// ParseCall recognises an RPC request: CBOR (`POST /service/<Service>/operation/<Op>`, header
// `Smithy-Protocol: rpc-v2-cbor`) or awsJson (`X-Amz-Target: <Service>.<Op>`, Content-Type
// application/x-amz-json-1.0 or 1.1). ok is false when the request is neither (restJson1 Catalog
// and the control API are routed by path by the caller). A body over maxBody, a CBOR body that
// does not decode or a JSON body that is not an object is an error (a *RequestError); c then
// still holds the protocol, and the service and operation when known, so the caller can answer
// with WriteRequestError. A JSON body is not otherwise checked here: the handler decodes it
// anyway, and Decode reports malformed JSON as a SerializationException (a second pass over
// every body cost a fifth of the server's time on BatchMeterUsage).
func ParseCall(r *http.Request, maxBody int64) (c Call, ok bool, err error) {
	if proto := r.Header.Get("Smithy-Protocol"); proto != "" {
		return parseCBOR(r, proto, maxBody)
	}
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		return Call{}, false, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case ContentTypeJSON10:
		c.Protocol = AWSJSON10
	case ContentTypeJSON11:
		c.Protocol = AWSJSON11
	}
	service, op, found := strings.Cut(target, ".")
	c.Service, c.Operation = service, op
	if c.Protocol == 0 {
		c.Protocol = jsonProtocolOf(service)
		return c, true, &RequestError{Status: http.StatusUnsupportedMediaType, Type: "UnsupportedMediaTypeException",
			Message: fmt.Sprintf("Content-Type %.80q is not %s or %s", r.Header.Get("Content-Type"), ContentTypeJSON10, ContentTypeJSON11)}
	}
	if !found || service == "" || op == "" || strings.Contains(op, ".") {
		return c, true, badRequest("UnknownOperationException", "X-Amz-Target %.100q is not <Service>.<Operation>", target)
	}
	if r.Method != http.MethodPost {
		return c, true, &RequestError{Status: http.StatusMethodNotAllowed, Type: "UnknownOperationException",
			Message: fmt.Sprintf("method %s is not allowed; awsJson requests are POST", r.Method)}
	}
	body, err := readBody(r, maxBody)
	if err != nil {
		return c, true, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := checkJSONObject(body); err != nil {
		return c, true, err
	}
	c.Body = body
	return c, true, nil
}

// jsonProtocolOf returns the awsJson version a service speaks (1.1 unless known to be 1.0).
func jsonProtocolOf(service string) Protocol {
	switch service {
	case "AmazonSQS", "AWSMPCommerceService_v20200301":
		return AWSJSON10
	}
	return AWSJSON11
}

// parseCBOR handles a request carrying a Smithy-Protocol header.
func parseCBOR(r *http.Request, proto string, maxBody int64) (Call, bool, error) {
	c := Call{Protocol: RPCv2CBOR}
	if !strings.EqualFold(strings.TrimSpace(proto), SmithyProtocolCBOR) {
		return c, true, badRequest("UnknownOperationException", "Smithy-Protocol %.60q is not supported; only %s is", proto, SmithyProtocolCBOR)
	}
	service, op, found := cborPath(r.URL.Path)
	c.Service, c.Operation = service, op
	if !found {
		return c, true, &RequestError{Status: http.StatusNotFound, Type: "UnknownOperationException",
			Message: fmt.Sprintf("path %.200q is not /service/<Service>/operation/<Operation>", r.URL.Path)}
	}
	if r.Method != http.MethodPost {
		return c, true, &RequestError{Status: http.StatusMethodNotAllowed, Type: "UnknownOperationException",
			Message: fmt.Sprintf("method %s is not allowed; RPC v2 requests are POST", r.Method)}
	}
	body, err := readBody(r, maxBody)
	if err != nil {
		return c, true, err
	}
	if len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != ContentTypeCBOR {
			return c, true, &RequestError{Status: http.StatusUnsupportedMediaType, Type: "UnsupportedMediaTypeException",
				Message: fmt.Sprintf("Content-Type %.80q is not %s", r.Header.Get("Content-Type"), ContentTypeCBOR)}
		}
	}
	js, err := cborToJSON(body)
	if err != nil {
		return c, true, badRequest("SerializationException", "%v", err)
	}
	c.Body = js
	return c, true, nil
}

// cborPath splits `[prefix]/service/<Service>/operation/<Op>` into its names.
func cborPath(path string) (service, op string, ok bool) {
	i := strings.LastIndex(path, "/service/")
	if i < 0 {
		return "", "", false
	}
	parts := strings.Split(path[i+1:], "/")
	if len(parts) != 4 || parts[0] != "service" || parts[2] != "operation" {
		return "", "", false
	}
	service, op = parts[1], parts[3]
	return service, op, service != "" && op != ""
}

// readBody reads at most maxBody bytes of the request body; a larger body is an error.
func readBody(r *http.Request, maxBody int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if maxBody <= 0 {
		maxBody = 1 << 20
	}
	if r.ContentLength > maxBody {
		return nil, tooLarge(maxBody)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest("SerializationException", "reading the request body: %v", err)
	}
	if int64(len(b)) > maxBody {
		return nil, tooLarge(maxBody)
	}
	return b, nil
}

func tooLarge(maxBody int64) *RequestError {
	return &RequestError{Status: http.StatusRequestEntityTooLarge, Type: "RequestEntityTooLargeException",
		Message: fmt.Sprintf("request body is larger than %d bytes", maxBody)}
}

// checkJSONObject reports whether body starts as a JSON object (its syntax is checked when it
// is decoded).
func checkJSONObject(body []byte) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] != '{' {
		return badRequest("SerializationException", "malformed JSON body: top-level value must be an object")
	}
	return nil
}

// MalformedJSON returns the SerializationException for a body that is not valid JSON, for
// handlers that decode Body with another decoder than Decode.
func MalformedJSON(err error) *RequestError {
	return badRequest("SerializationException", "malformed JSON body: %v", err)
}

// Decode unmarshals the call's JSON body into v (encoding/json rules). A body that is not valid
// JSON is a *RequestError (SerializationException); a valid body that does not fit v is a plain
// error naming the member and the JSON types (never a Go type).
func (c Call) Decode(v any) error {
	if err := json.Unmarshal(c.Body, v); err != nil {
		if msg, ok := TypeMismatch(err); ok {
			return errors.New(msg)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
			return MalformedJSON(err)
		}
		return err
	}
	return nil
}
