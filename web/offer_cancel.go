package web

import (
	"net/http"
	"net/url"
)

// handleOfferCancel cancels an opportunity: POST /offers/{id}/cancel (OfferService.CancelOffer:
// a draft at once, an active one by restricting its resale authorization), then shows it.
func (h *Handler) handleOfferCancel(w http.ResponseWriter, r *http.Request) {
	o, err := h.cfg.Offers.CancelOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/offers/"+url.PathEscape(o.ID)+"?notice=cancelled", http.StatusSeeOther)
}
