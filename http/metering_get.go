package http

import "net/http"

// handleMeteringRecordGet returns one metering record: GET /api/v1/metering-records/{id}.
func (s *Server) handleMeteringRecordGet(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	rec, err := s.cfg.Metering.FindMeteringRecordByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rec)
}
