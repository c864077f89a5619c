package web

import "net/http"

// handleInboundRotate makes a new EventBridge secret in place of the old one: POST
// /settings/inbound/rotate-secret, through InboundEndpointService.RotateInboundSecret as the
// API's POST /api/v1/inbound-endpoint:rotate-secret. The answer page (200, never cached) is
// the only place the secret is shown; from then on the old one is refused.
func (h *Handler) handleInboundRotate(w http.ResponseWriter, r *http.Request) {
	if h.cfg.InboundEndpoints == nil {
		h.settingsUnavailable(w, r)
		return
	}
	ep, secret, err := h.cfg.InboundEndpoints.RotateInboundSecret(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings_inbound", "settings", h.inboundPage(r, ep, secret))
}
