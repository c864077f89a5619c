package http

import (
	"context"
	"net/http"
	"time"

	"github.com/dealdesk/dealdesk"
)

// status is the body of /healthz and /readyz.
type status struct {
	Status string `json:"status"`
}

// handleHealthz answers 200 while the process serves requests. Like every endpoint it refuses
// query parameters it does not know, here any (decision 006: one query rule everywhere).
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, status{Status: "ok"})
}

// handleReadyz answers 200 when the readiness check (the database) answers within a few
// seconds, else 503.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.logger.WarnContext(r.Context(), "not ready", "err", err)
			s.error(w, r, dealdesk.Errorf(codeUnavailable, "The database does not answer."))
			return
		}
	}
	s.writeJSON(w, r, http.StatusOK, status{Status: "ok"})
}
