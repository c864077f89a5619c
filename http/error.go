package http

import (
	"encoding/json"
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// problem is an RFC 9457 problem detail, the body of every error answer. Errors lists the bad
// fields of a validation failure.
type problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail,omitempty"`
	Code   string                `json:"code,omitempty"`
	Errors []dealdesk.FieldError `json:"errors,omitempty"`
	// OmittedErrors counts the invalid fields found but not listed (see boundedErrors).
	OmittedErrors int `json:"omittedErrors,omitempty"`
}

// problemContentType is the media type of problem answers.
const problemContentType = "application/problem+json"

// Error codes of the HTTP layer alone, beside the domain's.
const (
	codeMethodNotAllowed = "method_not_allowed" // the path exists with other methods (405)
	codeUnavailable      = "unavailable"        // the database does not answer (503)
)

// errorStatus is the one table from error codes to HTTP statuses and problem titles.
var errorStatus = map[string]struct {
	status int
	title  string
}{
	dealdesk.EINVALID:      {http.StatusUnprocessableEntity, "Invalid request"},
	dealdesk.EMALFORMED:    {http.StatusBadRequest, "Malformed request"},
	dealdesk.ENOTFOUND:     {http.StatusNotFound, "Not found"},
	dealdesk.ECONFLICT:     {http.StatusConflict, "Conflict"},
	dealdesk.EUNAUTHORIZED: {http.StatusUnauthorized, "Unauthorized"},
	dealdesk.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "Request too large"},
	dealdesk.EINTERNAL:     {http.StatusInternalServerError, "Internal error"},
	codeMethodNotAllowed:   {http.StatusMethodNotAllowed, "Method not allowed"},
	codeUnavailable:        {http.StatusServiceUnavailable, "Service unavailable"},
}

// problemType returns the problem type URI of an error code.
func problemType(code string) string { return "urn:dealdesk:problem:" + code }

// error answers with the problem that err describes (see problemOf).
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	if dealdesk.ErrorCode(err) == dealdesk.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dealdesk"`)
	}
	s.writeProblem(w, r, s.problemOf(r, err))
}

// problemOf returns the problem that err describes. Internal errors, and errors with a code the
// table does not know, are logged in full and described with a generic message.
func (s *Server) problemOf(r *http.Request, err error) problem {
	code := dealdesk.ErrorCode(err)
	e, known := errorStatus[code]
	if !known || code == dealdesk.EINTERNAL {
		s.logger.ErrorContext(r.Context(), "internal error", append(requestAttrs(r), "err", err)...)
		code, e = dealdesk.EINTERNAL, errorStatus[dealdesk.EINTERNAL]
		err = dealdesk.Errorf(dealdesk.EINTERNAL, "Internal error.")
	}
	return problem{
		Type:   problemType(code),
		Title:  e.title,
		Status: e.status,
		Detail: dealdesk.ErrorMessage(err),
		Code:   code,
	}.withErrors(err)
}

// writeProblem writes p as application/problem+json.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	w.Header().Set("Content-Type", problemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	if err := json.NewEncoder(w).Encode(p); err != nil {
		s.logger.DebugContext(r.Context(), "write problem", "err", err)
	}
}
