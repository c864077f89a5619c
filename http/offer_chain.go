package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

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
	out := dealdesk.OfferChain{
		Opportunity:  c.Opportunity,
		Offers:       offersJSON(c.Offers),
		Entitlements: nonNil(c.Entitlements),
	}
	if out.Opportunity != nil {
		out.Opportunity = offerJSON(out.Opportunity)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
