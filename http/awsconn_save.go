package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleAWSConnectionSave sets the organization's AWS connection: PUT /api/v1/aws-connection
// with a dealdesk.AWSConnectionInput. The secret access key is write-only: it is stored
// encrypted, an empty one keeps the stored one, and the answer never carries it. 422 names
// every bad field; 409 when a secret is given but the server has no key to encrypt it.
func (s *Server) handleAWSConnectionSave(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	var in dealdesk.AWSConnectionInput
	if err := decodeBody(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	c, err := s.cfg.AWSConnections.SaveAWSConnection(r.Context(), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, c)
}
