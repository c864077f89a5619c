package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleOfferList lists offers, newest first, with filters and paging: GET /api/v1/offers.
// ?nameContains= searches the offers' names (dealdesk.OfferFilter.NameContains).
func (s *Server) handleOfferList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r, "type", "status", "productId", "resellerAccountId", "opportunityId", "nameContains")
	f := dealdesk.OfferFilter{
		Type:              dealdesk.OfferType(q.enum("type", offerTypes...)),
		Status:            dealdesk.OfferStatus(q.enum("status", offerStatuses...)),
		ProductID:         q.str("productId"),
		ResellerAccountID: q.str("resellerAccountId"),
		OpportunityID:     q.str("opportunityId"),
		NameContains:      q.str("nameContains"),
	}
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	offers, next, err := s.cfg.Offers.FindOffers(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(offers, next))
}
