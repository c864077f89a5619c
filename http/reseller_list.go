package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleResellerList lists the organization's resellers: GET /api/v1/resellers.
func (s *Server) handleResellerList(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	rs, err := s.cfg.Parties.FindResellers(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList[*dealdesk.Reseller](rs, ""))
}
