package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleEntitlementList lists entitlements, newest first, with filters and paging:
// GET /api/v1/entitlements.
func (s *Server) handleEntitlementList(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r, "type", "status", "productId", "offerId", "opportunityId", "limit", "cursor")
	f := dealdesk.EntitlementFilter{
		Type:          dealdesk.EntitlementType(q.enum("type", validEntitlementType, "CPPO")),
		Status:        dealdesk.EntitlementStatus(q.enum("status", validEntitlementStatus, "PENDING_START", "ACTIVE", "CANCELLED", "EXPIRED")),
		ProductID:     q.str("productId"),
		OfferID:       q.str("offerId"),
		OpportunityID: q.str("opportunityId"),
		Cursor:        q.str("cursor"),
		Limit:         q.limit(),
	}
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

func validEntitlementType(s string) bool {
	return dealdesk.EntitlementType(s) == dealdesk.EntitlementCPPO
}

func validEntitlementStatus(s string) bool { return dealdesk.EntitlementStatus(s).Valid() }
