package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleResellerList lists the organization's resellers, newest first, a page at a time:
// GET /api/v1/resellers?limit=&cursor=.
func (s *Server) handleResellerList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r)
	var f dealdesk.ResellerFilter
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	items, next, err := s.cfg.Parties.FindResellers(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(items, next))
}
