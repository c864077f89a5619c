package web

import "net/http"

// handleMeteringRetry makes a FAILED metering record PENDING again
// (MeteringService.RetryMeteringRecord) and shows its entitlement with a notice: POST
// /metering-records/{id}/retry. A record in any other status is 409 with the domain's
// message; another organization's is 404.
func (h *Handler) handleMeteringRetry(w http.ResponseWriter, r *http.Request) {
	rec, err := h.cfg.Metering.RetryMeteringRecord(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, entitlementURL(rec.EntitlementID, "")+"?notice=retried", http.StatusSeeOther)
}
