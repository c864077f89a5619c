package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleAPIKeyList lists the organization's API keys, revoked ones included, newest first:
// GET /api/v1/api-keys. A key shows its prefix, never the key or its hash.
func (s *Server) handleAPIKeyList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r)
	var f dealdesk.APIKeyFilter
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	keys, next, err := s.cfg.APIKeys.FindAPIKeys(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(keys, next))
}
