package http

import "net/http"

// handleOfferChain returns a deal whole: the opportunity, its CPPO offers and their
// entitlements: GET /api/v1/offers/{id}/chain.
func (s *Server) handleOfferChain(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	c, err := s.cfg.Offers.FindOfferChain(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, c)
}
