package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

// controlError is the JSON error of the /_sim/ API.
type controlError struct {
	Status  int            `json:"-"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Fields  invalid.Fields `json:"fields,omitempty"`
}

func (e *controlError) Error() string { return e.Code + ": " + e.Message }

func ctlErr(status int, code, msg string) *controlError {
	return &controlError{Status: status, Code: code, Message: msg}
}

func (s *Server) controlRoutes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /_sim/seed", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.seed.seed) })
	m.HandleFunc("POST /_sim/resellers/{accountId}/offers", s.ctl1(s.createOffer))
	m.HandleFunc("POST /_sim/buyers/{accountId}/accept", s.ctl1(s.acceptOffer))
	m.HandleFunc("POST /_sim/agreements/{id}/amend", s.ctl1(s.amendAgreement))
	m.HandleFunc("POST /_sim/agreements/{id}/end", s.ctl1(s.endAgreement))
	m.HandleFunc("GET /_sim/agreements/{id}", s.ctl1(s.getAgreement))
	m.HandleFunc("GET /_sim/agreements", s.ctl1(s.listAgreements))
	m.HandleFunc("PUT /_sim/events", s.ctl1(s.putEvents))
	m.HandleFunc("GET /_sim/events", s.getEvents)
	m.HandleFunc("GET /_sim/metering/ledger", s.getLedger)
	m.HandleFunc("PUT /_sim/faults", s.ctl1(s.putFaults))
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.faults.get()) })
	m.HandleFunc("PUT /_sim/quotas", s.ctl1(s.putQuotas))
	m.HandleFunc("GET /_sim/quotas", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"enabled": s.quotas.isEnabled(), "rates": quotaRates})
	})
	m.HandleFunc("GET "+certPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.bus.CertificatePEM())
	})
	s.snsRoutes(m)
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ctlErr(http.StatusNotFound, "NOT_FOUND", "no control operation at "+r.Method+" "+r.URL.Path))
	})
	return m
}

// ctl1 adapts a control handler that reads a JSON body and returns a result or an error.
func (s *Server) ctl1(h func(r *http.Request, body []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil || len(body) > maxRequestBody {
			writeJSON(w, http.StatusRequestEntityTooLarge, ctlErr(http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", "the body is unreadable or larger than 1 MiB"))
			return
		}
		out, err := h(r, body)
		if err != nil {
			var ce *controlError
			if !errors.As(err, &ce) {
				s.log.Error("sim: control handler failed", "path", r.URL.Path, "err", err)
				ce = ctlErr(http.StatusInternalServerError, "INTERNAL", "internal error")
			}
			writeJSON(w, ce.Status, ce)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// requireConfiguration refuses the body of a PUT that replaces a configuration (/_sim/events,
// /_sim/faults, /_sim/quotas) unless it is a JSON object: a PUT states the whole configuration,
// so an empty body or null, which a script sends by mistake, must not silently reset it. {}
// resets to the defaults. The body of a POST (an action) may be empty: it is read as {}.
func requireConfiguration(body []byte) error {
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return &controlError{Status: http.StatusBadRequest, Code: "VALIDATION",
			Message: "invalid body: a PUT states the whole configuration as a JSON object; send {} to reset it to the defaults"}
	}
	return nil
}

// decodeControl strictly decodes a control body; the error names the bad property.
func decodeControl(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := strictJSON(body, v); err != nil {
		return &controlError{Status: http.StatusBadRequest, Code: "VALIDATION", Message: "invalid body: " + err.Error()}
	}
	return nil
}

// controlInvalid is the control API's answer to bad fields: 400, code VALIDATION, the problems
// on one line as message, and the "fields" list.
func controlInvalid(fields invalid.Fields) *controlError {
	return &controlError{Status: http.StatusBadRequest, Code: "VALIDATION", Message: "invalid request: " + fields.Join(), Fields: fields}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// putEvents replaces the event bus's targets, faults and retry policy: PUT /_sim/events.
func (s *Server) putEvents(_ *http.Request, body []byte) (any, error) {
	if err := requireConfiguration(body); err != nil {
		return nil, err
	}
	if err := s.bus.ConfigureJSON(body); err != nil {
		ce := &controlError{Status: http.StatusBadRequest, Code: "VALIDATION", Message: err.Error()}
		var ie *invalid.Error
		if errors.As(err, &ie) {
			ce.Fields = ie.Fields
		}
		return nil, ce
	}
	s.markDirty()
	return s.bus.Targets(), nil
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"targets": s.bus.Targets(), "subscriptions": s.bus.Subscriptions(), "events": s.bus.Log()})
}
