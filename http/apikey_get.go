package http

import "net/http"

// handleAPIKeyGet returns one API key of the caller's organization, revoked or not, as listed
// (never the key or its hash): GET /api/v1/api-keys/{id}, the Location of a created key. Another
// organization's key is 404.
func (s *Server) handleAPIKeyGet(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	k, err := s.cfg.APIKeys.FindAPIKeyByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, k)
}
