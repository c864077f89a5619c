package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// handleOpportunityNew shows the Create CPPO form: GET /offers/new, with ?productId= to pick
// the product whose dimensions the form lists (the organization's newest by default).
func (h *Handler) handleOpportunityNew(w http.ResponseWriter, r *http.Request) {
	f := newOpportunityForm()
	if err := h.loadChoices(r.Context(), f, r.URL.Query().Get("productId"), nil); err != nil {
		h.renderError(w, r, err)
		return
	}
	f.startRows()
	h.render(w, r, http.StatusOK, "opportunity_new", "new", f)
}

// loadChoices fills in the form's products and resellers and picks the product productID (on
// a new form, vals nil, the newest product when productID is ""), laying out its dimensions
// with the values of vals, the posted form.
func (h *Handler) loadChoices(ctx context.Context, f *opportunityForm, productID string, vals url.Values) error {
	products, _, err := h.cfg.Products.FindProducts(ctx, dealdesk.ProductFilter{Limit: dealdesk.MaxPageSize})
	if err != nil {
		return err
	}
	resellers, _, err := h.cfg.Parties.FindResellers(ctx, dealdesk.ResellerFilter{Limit: dealdesk.MaxPageSize})
	if err != nil {
		return err
	}
	f.Products, f.Resellers = products, resellers
	var picked *dealdesk.Product
	for _, p := range products {
		if p.ID == productID {
			picked = p
		}
	}
	if picked == nil && productID != "" {
		// Not among the newest page: look it up, so that an older product can be picked too.
		if p, err := h.cfg.Products.FindProductByID(ctx, productID); err == nil {
			picked = p
			f.Products = append(f.Products, p)
		} else if dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND {
			return err
		}
	}
	if picked == nil && len(products) > 0 && productID == "" && vals == nil {
		picked = products[0]
	}
	f.ProductID = productID
	f.setProduct(picked, vals)
	return nil
}
