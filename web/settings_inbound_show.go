package web

import (
	"net/http"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// inboundPage is what the Inbound events page shows: the organization's webhook URLs to give
// AWS, the EventBridge secret's header name, whether a secret is set, and, only in the answer
// of a rotation, the new secret.
type inboundPage struct {
	Endpoint       *dealdesk.InboundEndpoint
	EventBridgeURL string
	SNSURL         string
	SecretHeader   string
	Secret         string // set once, in the answer of a rotation
	TopicName      string
}

// snsTopicName is the name an organization's own SNS topic must have for the SNS webhook to
// accept it (README "Try it"; decision 022).
const snsTopicName = "dealdesk-marketplace-events"

// baseURL is the server's public base URL: Config.PublicBaseURL, else the scheme and Host of
// the request (as the API's inbound endpoint answer).
func (h *Handler) baseURL(r *http.Request) string {
	if h.cfg.PublicBaseURL != "" {
		return strings.TrimSuffix(h.cfg.PublicBaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// inboundPage returns the page of ep, with secret when it was just made.
func (h *Handler) inboundPage(r *http.Request, ep *dealdesk.InboundEndpoint, secret string) inboundPage {
	base := h.baseURL(r)
	return inboundPage{Endpoint: ep, EventBridgeURL: base + "/hooks/aws/eventbridge/" + ep.OrgKey,
		SNSURL: base + "/hooks/aws/sns/" + ep.OrgKey, SecretHeader: dealdesk.InboundSecretHeader, Secret: secret,
		TopicName: snsTopicName}
}

// handleInboundShow shows where AWS delivers the organization's events: GET /settings/inbound,
// from InboundEndpointService.FindInboundEndpoint (which makes the endpoint on first call), as
// the API's GET /api/v1/inbound-endpoint. It never shows the secret.
func (h *Handler) handleInboundShow(w http.ResponseWriter, r *http.Request) {
	if h.cfg.InboundEndpoints == nil {
		h.settingsUnavailable(w, r)
		return
	}
	ep, err := h.cfg.InboundEndpoints.FindInboundEndpoint(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings_inbound", "settings", h.inboundPage(r, ep, ""))
}
