package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// editable reports whether o is an opportunity the console lets one edit and submit: a
// CPPO_OUT offer that is DRAFT or CREATE_FAILED (OfferService.UpdateOffer's and SubmitOffer's
// rule).
func editable(o *dealdesk.Offer) bool {
	return o.Type == dealdesk.OfferCPPOOut && (o.Status == dealdesk.OfferDraft || o.Status == dealdesk.OfferCreateFailed)
}

// handleOpportunityEdit shows the Create CPPO form filled in with a DRAFT or CREATE_FAILED
// opportunity, to correct it and save or resubmit it: GET /offers/{id}/edit (?productId= picks
// another product). Another organization's offer is 404; an offer in another status is 409.
func (h *Handler) handleOpportunityEdit(w http.ResponseWriter, r *http.Request) {
	o, f, ok := h.editForm(w, r)
	if !ok {
		return
	}
	if err := h.fillForm(r.Context(), f, o, r.URL.Query().Get("productId")); err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "opportunity_new", f.nav(), f)
}

// editForm finds the opportunity of the request's {id} and returns an empty form that edits
// it; it answers the request itself (404, 409) and returns false when the offer cannot be
// edited.
func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) (*dealdesk.Offer, *opportunityForm, bool) {
	o, err := h.cfg.Offers.FindOfferByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return nil, nil, false
	}
	if !editable(o) {
		h.renderStatus(w, r, http.StatusConflict, fmt.Sprintf("Only a draft or a failed opportunity can be edited; this one is %s.", o.Status))
		return nil, nil, false
	}
	f := newOpportunityForm()
	f.OfferID = o.ID
	f.Action = "/offers/" + url.PathEscape(o.ID) + "/edit"
	return o, f, true
}

// fillForm fills f with the stored opportunity o, laid out for the product productID (o's own
// when ""), through the same reading as a posted form, so that what is shown is what a save
// would store.
func (h *Handler) fillForm(ctx context.Context, f *opportunityForm, o *dealdesk.Offer, productID string) error {
	vals := offerValues(o)
	if productID != "" {
		vals.Set("productId", productID)
	}
	if err := h.loadChoices(ctx, f, vals.Get("productId"), vals); err != nil {
		return err
	}
	f.readForm(vals)
	f.startRows()
	return nil
}

// offerValues returns o as the Create CPPO form would post it.
func offerValues(o *dealdesk.Offer) url.Values {
	v := url.Values{}
	set := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	check := func(name string, on bool) {
		if on {
			v.Set(name, "on")
		}
	}
	set("name", o.Name)
	set("description", o.Description)
	set("productId", o.ProductID)
	set("resellerAccountId", o.ResellerAccountID)
	for i, b := range o.BuyerAccountIDs {
		v.Set(fmt.Sprintf("buyerAccountIds[%d]", i), b)
	}
	check("renewal", o.Renewal)
	set("renewalChannel", string(o.RenewalChannel))
	if o.CommitAmount != nil {
		set("commitAmount", o.CommitAmount.String())
	}
	set("currency", string(o.Currency))
	set("contractDuration", o.ContractDuration)
	if o.ExpiryDate != nil {
		set("expiryDate", o.ExpiryDate.String())
	}
	check("oneTime", o.OneTime)
	check("meterUsageAgainstCommit", o.MeterUsageAgainstCommit)
	if o.EULA != nil {
		set("eula.type", string(o.EULA.Type))
		set("eula.url", o.EULA.URL)
	}
	v.Set("resellerContract.type", "NONE")
	if o.ResellerContract != nil {
		set("resellerContract.type", string(o.ResellerContract.Type))
		set("resellerContract.url", o.ResellerContract.URL)
	}
	for _, d := range o.EntitledDimensions {
		v.Set("entitled."+d.DimensionKey, fmt.Sprint(d.Quantity))
	}
	for _, d := range o.DimensionPrices {
		v.Set("price."+d.DimensionKey, d.Price.String())
	}
	for i, in := range o.Installments {
		v.Set(fmt.Sprintf("installments[%d].chargeDate", i), in.ChargeDate.String())
		v.Set(fmt.Sprintf("installments[%d].amount", i), in.Amount.String())
	}
	return v
}

// offerKeys maps the indexes of o's lists, as the domain's errors about a stored offer number
// them, to the form filled in with o (fillForm): dimensions to their keys, buyers and
// installments to rows of the same index.
func offerKeys(o *dealdesk.Offer) formKeys {
	var k formKeys
	for _, d := range o.EntitledDimensions {
		k.entitled = append(k.entitled, d.DimensionKey)
	}
	for _, d := range o.DimensionPrices {
		k.prices = append(k.prices, d.DimensionKey)
	}
	for i := range o.BuyerAccountIDs {
		k.buyers = append(k.buyers, i)
	}
	for i := range o.Installments {
		k.installments = append(k.installments, i)
	}
	return k
}
