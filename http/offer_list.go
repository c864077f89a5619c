package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleOfferList lists offers, newest first, with filters and paging: GET /api/v1/offers.
func (s *Server) handleOfferList(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "type", "status", "productId", "resellerAccountId", "opportunityId", "limit", "cursor")
	f := dealdesk.OfferFilter{
		Type:              dealdesk.OfferType(q.enum("type", validOfferType, offerTypes...)),
		Status:            dealdesk.OfferStatus(q.enum("status", validOfferStatus, offerStatuses...)),
		ProductID:         q.str("productId"),
		ResellerAccountID: q.str("resellerAccountId"),
		OpportunityID:     q.str("opportunityId"),
		Cursor:            q.str("cursor"),
		Limit:             q.limit(),
	}
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	offers, next, err := s.cfg.Offers.FindOffers(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(offersJSON(offers), next))
}
