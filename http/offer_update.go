package http

import (
	"net/http"
	"slices"

	"github.com/dealdesk/dealdesk"
)

// handleOfferUpdate applies the body, a JSON merge patch (RFC 7396), to a draft (or a
// CREATE_FAILED opportunity, which becomes a draft again): PATCH /api/v1/offers/{id}. Absent
// members keep their value, null removes one, nested objects (eula, resellerContract) merge
// member by member, and arrays are replaced whole. The body may be sent as application/json or
// as RFC 7396's application/merge-patch+json. "type": null is refused like any change of type.
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
	if i := slices.Index(in.Clear, "type"); i >= 0 {
		// An opportunity's type is fixed: removing it is changing it, which the store refuses
		// naming the field, after the offer is found and found editable, as for any other type.
		in.Clear = slices.Delete(in.Clear, i, i+1)
		in.Type = new(dealdesk.OfferType)
	}
	o, err := s.cfg.Offers.UpdateOffer(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, o)
}
