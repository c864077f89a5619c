package http

import "net/http"

// handleOfferCancel withdraws an offer: POST /api/v1/offers/{id}/cancel.
func (s *Server) handleOfferCancel(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	o, err := s.cfg.Offers.CancelOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, o)
}
