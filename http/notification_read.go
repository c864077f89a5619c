package http

import "net/http"

// handleNotificationRead marks a notification read (keeping the first time it was) and returns
// it: POST /api/v1/notifications/{id}/read. Another organization's notification is 404.
func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	n, err := s.cfg.Notifications.MarkNotificationRead(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, n)
}
