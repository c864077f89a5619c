package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleOfferCreate creates a CPPO_OUT resell opportunity as DRAFT: POST /api/v1/offers.
// It is validated completely unless ?draft=true, which saves an incomplete draft.
func (s *Server) handleOfferCreate(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "draft")
	draft := q.bool("draft")
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	var in dealdesk.OfferInput
	if err := decodeBody(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	o, err := s.cfg.Offers.CreateOffer(r.Context(), in, draft)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/offers/"+o.ID)
	s.writeJSON(w, r, http.StatusCreated, o)
}
