package web

import (
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// handleOpportunitySubmit submits a DRAFT opportunity, or resubmits a CREATE_FAILED one as it
// is: POST /offers/{id}/submit (OfferService.SubmitOffer), then shows it. When the domain finds
// fields missing or bad, the edit form comes back (422) with each error next to its field.
func (h *Handler) handleOpportunitySubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o, err := h.cfg.Offers.SubmitOffer(ctx, r.PathValue("id"))
	if err == nil {
		http.Redirect(w, r, "/offers/"+url.PathEscape(o.ID)+"?notice=submitted", http.StatusSeeOther)
		return
	}
	if dealdesk.ErrorCode(err) != dealdesk.EINVALID {
		h.renderError(w, r, err)
		return
	}
	fields := dealdesk.ErrorFields(err)
	o, f, ok := h.editForm(w, r)
	if !ok {
		return
	}
	if err := h.fillForm(ctx, f, o, ""); err != nil {
		h.renderError(w, r, err)
		return
	}
	f.addErrors(fields, offerKeys(o))
	h.render(w, r, http.StatusUnprocessableEntity, "opportunity_new", f.nav(), f)
}
