package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// The values of the entitlement list's type and status filters.
var (
	entitlementTypes    = strs(dealdesk.EntitlementTypes)
	entitlementStatuses = strs(dealdesk.EntitlementStatuses)
)

// handleEntitlementList lists entitlements, newest first, with filters and paging:
// GET /api/v1/entitlements.
func (s *Server) handleEntitlementList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r, "type", "status", "productId", "offerId", "opportunityId")
	f := dealdesk.EntitlementFilter{
		Type:          dealdesk.EntitlementType(q.enum("type", entitlementTypes...)),
		Status:        dealdesk.EntitlementStatus(q.enum("status", entitlementStatuses...)),
		ProductID:     q.str("productId"),
		OfferID:       q.str("offerId"),
		OpportunityID: q.str("opportunityId"),
	}
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	ents, next, err := s.cfg.Entitlements.FindEntitlements(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(ents, next))
}
