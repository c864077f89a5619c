package client

import (
	"encoding/json"
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// problem is the part of an RFC 9457 problem answer the client reads (http/error.go writes it).
type problem struct {
	Title         string                `json:"title"`
	Status        int                   `json:"status"`
	Detail        string                `json:"detail"`
	Code          string                `json:"code"`
	Errors        []dealdesk.FieldError `json:"errors"`
	OmittedErrors int                   `json:"omittedErrors"`
}

// statusCode is the reverse of the server's table of error codes and statuses (http/error.go),
// for answers without a code: a proxy's, or a server older than codes.
var statusCode = map[int]string{
	http.StatusUnprocessableEntity:   dealdesk.EINVALID,
	http.StatusBadRequest:            dealdesk.EMALFORMED,
	http.StatusNotFound:              dealdesk.ENOTFOUND,
	http.StatusConflict:              dealdesk.ECONFLICT,
	http.StatusUnauthorized:          dealdesk.EUNAUTHORIZED,
	http.StatusRequestEntityTooLarge: dealdesk.ETOOLARGE,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusServiceUnavailable:    "unavailable",
}

// answerError returns the *dealdesk.Error an error answer with status and body describes: the
// problem's code (else the status's), its detail as the message (else its title, else the
// status text) and its invalid fields. A status the table lacks is EINTERNAL.
func answerError(status int, body []byte) *dealdesk.Error {
	var p problem
	_ = json.Unmarshal(body, &p) // a body that is no problem leaves p empty: the status speaks
	code := p.Code
	if code == "" {
		if c, ok := statusCode[status]; ok {
			code = c
		} else {
			code = dealdesk.EINTERNAL
		}
	}
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := dealdesk.Errorf(code, "%s", msg)
	e.Fields = p.Errors
	e.Omitted = p.OmittedErrors
	return e
}
