package http

import "net/http"

// handleAPIKeyRevoke revokes an API key of the caller's organization: DELETE
// /api/v1/api-keys/{id}. Every later request with the key is 401, on every replica; revoking a
// revoked key is 204 again (decision 007). Another organization's key is 404.
func (s *Server) handleAPIKeyRevoke(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	if _, err := s.cfg.APIKeys.RevokeAPIKey(r.Context(), r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
