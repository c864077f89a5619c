package http

import "net/http"

// handleOfferSubmit validates a draft completely and queues it for publishing on AWS (status
// PENDING_CREATE): POST /api/v1/offers/{id}/submit.
func (s *Server) handleOfferSubmit(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	o, err := s.cfg.Offers.SubmitOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, o)
}
