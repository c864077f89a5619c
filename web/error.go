package web

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// errorPage is what the error page shows.
type errorPage struct {
	Status  int
	Message string
}

// renderStatus answers status with the error page showing message.
func (h *Handler) renderStatus(w http.ResponseWriter, r *http.Request, status int, message string) {
	h.render(w, r, status, "error", "", errorPage{Status: status, Message: message})
}

// renderError answers err with the error page: the status of its code (as the REST API maps
// it), and its message unless it is internal, whose details are only logged.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if dealdesk.ErrorCode(err) == dealdesk.EUNAUTHORIZED {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	status, msg := errorStatus(err)
	if status == http.StatusInternalServerError {
		h.logger.Error("web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.renderStatus(w, r, status, msg)
}

// errorStatus returns the HTTP status of err's code (as the REST API maps it) and the message
// to show: err's own, unless it is internal (500), whose details are only logged.
func errorStatus(err error) (status int, message string) {
	switch dealdesk.ErrorCode(err) {
	case dealdesk.ENOTFOUND:
		status = http.StatusNotFound
	case dealdesk.ECONFLICT:
		status = http.StatusConflict
	case dealdesk.EINVALID, dealdesk.EMALFORMED:
		status = http.StatusUnprocessableEntity
	case dealdesk.EUNAUTHORIZED:
		status = http.StatusUnauthorized
	default:
		return http.StatusInternalServerError, "Something went wrong on our side; it has been logged."
	}
	return status, dealdesk.ErrorMessage(err)
}
