package http

import "net/http"

// handleEntitlementGet returns one entitlement: GET /api/v1/entitlements/{id}.
func (s *Server) handleEntitlementGet(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	e, err := s.cfg.Entitlements.FindEntitlementByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, e)
}
