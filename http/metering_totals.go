package http

import "net/http"

// handleMeteringTotals sums an entitlement's usage and metering per dimension: GET
// /api/v1/entitlements/{id}/metering.
func (s *Server) handleMeteringTotals(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	t, err := s.cfg.Metering.MeteringTotals(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, t)
}
