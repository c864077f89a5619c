package web

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// opportunityFields are the fields of an opportunity the form holds, by their JSON names: an
// update from the form clears them all first (OfferInput.Clear), so that a value emptied on the
// form is emptied in the store, and then sets the ones filled in.
var opportunityFields = []string{"name", "description", "productId", "resellerAccountId", "buyerAccountIds", "renewal",
	"renewalChannel", "commitAmount", "currency", "contractDuration", "entitledDimensions", "dimensionPrices",
	"expiryDate", "oneTime", "eula", "resellerContract", "installments", "meterUsageAgainstCommit"}

// handleOpportunityUpdate saves the edit form of a DRAFT or CREATE_FAILED opportunity: POST
// /offers/{id}/edit (OfferService.UpdateOffer: it becomes a DRAFT), and with action=submit
// submits it (OfferService.SubmitOffer). Errors come back next to their fields, as on Create
// CPPO (saveOpportunity); another organization's offer is 404.
func (h *Handler) handleOpportunityUpdate(w http.ResponseWriter, r *http.Request) {
	o, f, ok := h.editForm(w, r)
	if !ok {
		return
	}
	h.saveOpportunity(w, r, f, func(in dealdesk.OfferInput, _ bool) (*dealdesk.Offer, error) {
		in.Type = nil // the type is the offer's; the form cannot change it
		in.Clear = opportunityFields
		return h.cfg.Offers.UpdateOffer(r.Context(), o.ID, in)
	})
}
