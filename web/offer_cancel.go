package web

import (
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// handleOfferCancelConfirm asks before cancelling an opportunity, which cannot be undone: GET
// /offers/{id}/cancel says what cancelling does in its status (an ACTIVE one's resale
// authorization is restricted on AWS Marketplace) and holds the form that posts it. An
// opportunity that cannot be cancelled is 409, another organization's 404.
func (h *Handler) handleOfferCancelConfirm(w http.ResponseWriter, r *http.Request) {
	o, err := h.cfg.Offers.FindOfferByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if !canCancel(o) {
		h.renderError(w, r, dealdesk.Errorf(dealdesk.ECONFLICT, "Opportunity %s is %s: it cannot be cancelled.", o.ID, o.Status))
		return
	}
	h.render(w, r, http.StatusOK, "offer_cancel", "offers", o)
}

// canCancel reports whether the console offers to cancel o: an opportunity (CPPO_OUT) that is a
// draft, failed to publish, or ACTIVE (OfferService.CancelOffer's rule).
func canCancel(o *dealdesk.Offer) bool {
	return o.Type == dealdesk.OfferCPPOOut && (o.Status == dealdesk.OfferDraft || o.Status == dealdesk.OfferCreateFailed || o.Status == dealdesk.OfferActive)
}

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
