package http

import "net/http"

// handleOfferDelete deletes a draft: DELETE /api/v1/offers/{id}. Submitted offers are 409.
func (s *Server) handleOfferDelete(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Offers.DeleteOffer(r.Context(), r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
