package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleOfferUpdate applies the body, a JSON merge patch (RFC 7396), to a draft (or a
// CREATE_FAILED opportunity, which becomes a draft again): PATCH /api/v1/offers/{id}. Absent
// members keep their value, null removes one, nested objects (eula, resellerContract) merge
// member by member, and arrays are replaced whole.
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
	in.Clear = mergeClears(body)
	o, err := s.cfg.Offers.UpdateOffer(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, o)
}
