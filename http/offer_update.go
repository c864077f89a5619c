package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleOfferUpdate changes the fields present in the body of a draft (or a CREATE_FAILED
// opportunity, which becomes a draft again), with JSON merge patch's rule that null removes a
// field: PATCH /api/v1/offers/{id}.
func (s *Server) handleOfferUpdate(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in dealdesk.OfferInput
	if err := decodeJSON(body, &in); err != nil {
		s.error(w, r, err)
		return
	}
	in.Clear = nullFields(body)
	o, err := s.cfg.Offers.UpdateOffer(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, offerJSON(o))
}
