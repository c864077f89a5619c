package http

import "net/http"

// handleOfferGet returns one offer: GET /api/v1/offers/{id}.
func (s *Server) handleOfferGet(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	o, err := s.cfg.Offers.FindOfferByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, o)
}
