package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleBuyerList lists the organization's buyers: GET /api/v1/buyers.
func (s *Server) handleBuyerList(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	bs, err := s.cfg.Parties.FindBuyers(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList[*dealdesk.Buyer](bs, ""))
}
