package http

import "net/http"

// handleAWSConnectionGet returns the organization's AWS connection: GET /api/v1/aws-connection.
// It never carries the secret access key (hasSecretAccessKey says whether one is stored); 404
// until one is set.
func (s *Server) handleAWSConnectionGet(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	c, err := s.cfg.AWSConnections.FindAWSConnection(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, c)
}
