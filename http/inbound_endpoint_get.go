package http

import (
	"net/http"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// inboundEndpointView is the answer of the inbound endpoint routes: what a vendor gives AWS.
// Secret is set only in the answer of a rotation, the one time it can be read.
type inboundEndpointView struct {
	*dealdesk.InboundEndpoint
	EventBridgeURL string `json:"eventBridgeUrl"`
	SNSURL         string `json:"snsUrl"`
	SecretHeader   string `json:"secretHeader"`
	Secret         string `json:"secret,omitempty"`
}

// baseURL is the server's public base URL: Config.PublicBaseURL, else the scheme and Host of
// the request.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicBaseURL != "" {
		return strings.TrimSuffix(s.cfg.PublicBaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) inboundEndpointView(r *http.Request, ep *dealdesk.InboundEndpoint, secret string) inboundEndpointView {
	base := s.baseURL(r)
	return inboundEndpointView{InboundEndpoint: ep, EventBridgeURL: base + "/hooks/aws/eventbridge/" + ep.OrgKey,
		SNSURL: base + "/hooks/aws/sns/" + ep.OrgKey, SecretHeader: dealdesk.InboundSecretHeader, Secret: secret}
}

// handleInboundEndpointGet returns the organization's inbound endpoint, made on first call:
// GET /api/v1/inbound-endpoint. It gives the two webhook URLs and the secret header's name,
// never the secret (hasSecret says whether one is set).
func (s *Server) handleInboundEndpointGet(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	ep, err := s.cfg.InboundEndpoints.FindInboundEndpoint(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.inboundEndpointView(r, ep, ""))
}

// handleInboundEndpointRotate makes a new EventBridge secret in place of the old one and
// returns it, the only time it can be read: POST /api/v1/inbound-endpoint:rotate-secret.
func (s *Server) handleInboundEndpointRotate(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	ep, secret, err := s.cfg.InboundEndpoints.RotateInboundSecret(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.inboundEndpointView(r, ep, secret))
}
