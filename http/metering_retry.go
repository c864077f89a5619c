package http

import "net/http"

// handleMeteringRecordRetry sends a FAILED metering record again: POST
// /api/v1/metering-records/{id}/retry makes it PENDING (409 in any other status).
func (s *Server) handleMeteringRecordRetry(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	rec, err := s.cfg.Metering.RetryMeteringRecord(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rec)
}
