package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// handleOpportunityCreate creates a resell opportunity from the Create CPPO form: POST /offers.
// With action=draft it is saved as a draft (OfferService.CreateOffer with draft set: missing
// fields allowed); with action=submit it is validated completely, saved and submitted for
// publishing. A refused form comes back (422) with each error next to its field: the errors are
// the domain's own (dealdesk.ValidateOpportunity, which CreateOffer applies), never the form's.
func (h *Handler) handleOpportunityCreate(w http.ResponseWriter, r *http.Request) {
	f := newOpportunityForm()
	h.saveOpportunity(w, r, f, func(in dealdesk.OfferInput, submit bool) (*dealdesk.Offer, error) {
		return h.cfg.Offers.CreateOffer(r.Context(), in, !submit)
	})
}

// saveOpportunity reads the posted opportunity form f into an OfferInput, stores it with save
// (create or update; submit set when the form's action is "submit") and, for action=submit,
// submits it (OfferService.SubmitOffer); then it redirects to the opportunity's page. Values
// that cannot be read, and the domain's EINVALID fields, bring the form back (422) with each
// error next to its field; nothing is stored when a value cannot be read. An action that adds
// or removes a buyer or installment row (opportunityForm.rowAction: the form's no-JavaScript
// buttons) brings the form back (200) with the row added or removed, nothing checked or stored,
// as does pick-product (Choose this product: the form laid out for the product chosen, with
// what was typed),
// unless the rows themselves cannot be read (opportunityForm.readRows: 422). The action must be
// one of the form's buttons (formAction): any other is 400, nothing stored.
func (h *Handler) saveOpportunity(w http.ResponseWriter, r *http.Request, f *opportunityForm,
	save func(in dealdesk.OfferInput, submit bool) (*dealdesk.Offer, error)) {
	ctx := r.Context()
	action, refused := formAction(r.PostForm)
	if refused != "" {
		h.renderStatus(w, r, http.StatusBadRequest, refused)
		return
	}
	if err := h.loadChoices(ctx, f, r.PostForm.Get("productId"), r.PostForm); err != nil {
		h.renderError(w, r, err)
		return
	}
	in, parse, keys := f.readForm(r.PostForm)
	if action == "pick-product" || len(f.rowProblems) == 0 && f.rowAction(action) {
		h.render(w, r, http.StatusOK, "opportunity_new", f.nav(), f)
		return
	}
	submit := action == "submit"

	var fields []dealdesk.FieldError
	if err := parse.Err(); err != nil {
		// Some values could not even be read: check the others with the same domain rules
		// CreateOffer and UpdateOffer apply, without storing anything, so that every error
		// shows at once.
		// A value that could not be read is left out of the input, so the domain would call it
		// missing too: its field keeps only the error of reading it.
		fields = dealdesk.ErrorFields(err)
		unread := map[string]bool{}
		for _, fe := range fields {
			unread[fe.Field] = true
		}
		verr := dealdesk.ValidateOpportunity(dealdesk.NewOpportunity(in), f.Product, dealdesk.DateOf(h.now()), submit)
		for _, fe := range dealdesk.ErrorFields(verr) {
			if !unread[fe.Field] {
				fields = append(fields, fe)
			}
		}
	} else {
		o, err := save(in, submit)
		if err == nil && submit {
			o, err = h.cfg.Offers.SubmitOffer(ctx, o.ID)
		}
		if err == nil {
			notice := "saved"
			if submit {
				notice = "submitted"
			}
			http.Redirect(w, r, "/offers/"+url.PathEscape(o.ID)+"?notice="+notice, http.StatusSeeOther)
			return
		}
		if dealdesk.ErrorCode(err) != dealdesk.EINVALID {
			h.renderError(w, r, err)
			return
		}
		fields = dealdesk.ErrorFields(err)
	}
	f.addErrors(fields, keys)
	h.render(w, r, http.StatusUnprocessableEntity, "opportunity_new", f.nav(), f)
}

// formAction returns the action the Create CPPO form was posted with: "draft" (Save as draft,
// also the form's default button for Enter in a field), "submit" (Submit to AWS),
// "pick-product" (Choose this product) or a row's
// Add or Remove (parseRowAction). A post without one, or with an empty one (an older page, a
// script), is a draft. Any
// other action, or more than one, is refused: refused says why, for the person who posted it
// (such a post is no button of the form, and saving it as a draft would hide the mistake).
func formAction(v url.Values) (action, refused string) {
	actions := v["action"]
	switch {
	case len(actions) == 0 || len(actions) == 1 && actions[0] == "":
		return "draft", ""
	case len(actions) > 1:
		return "", fmt.Sprintf("The form was posted with %d actions; it has one per button. Nothing was saved.", len(actions))
	}
	a := actions[0]
	if _, _, ok := parseRowAction(a); ok || a == "draft" || a == "submit" || a == "pick-product" {
		return a, ""
	}
	return "", fmt.Sprintf("Unknown action %q: the form posts draft (Save as draft), submit (Submit to AWS), pick-product (Choose this product) or a row's Add or Remove. Nothing was saved.",
		dealdesk.Clip(a, 64))
}
