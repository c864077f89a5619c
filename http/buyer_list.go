package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleBuyerList lists the organization's buyers, newest first, a page at a time:
// GET /api/v1/buyers?limit=&cursor=.
func (s *Server) handleBuyerList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r)
	var f dealdesk.BuyerFilter
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	items, next, err := s.cfg.Parties.FindBuyers(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(items, next))
}
