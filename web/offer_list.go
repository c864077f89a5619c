package web

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/dealdesk/dealdesk"
)

// offerListPageSize is how many offers a page of the list shows.
const offerListPageSize = 25

// offerTab is one tab of the offers list.
type offerTab struct {
	Type   dealdesk.OfferType
	Label  string
	URL    string
	Active bool
}

// offerListFilters are the filters of the offers list, named in its URL as in the REST API
// (type, status, productId, resellerAccountId, nameContains). Empty ones select every offer.
type offerListFilters struct {
	Type              dealdesk.OfferType
	Status            dealdesk.OfferStatus
	ProductID         string
	ResellerAccountID string
	NameContains      string
}

// narrowed reports whether a filter other than the type (the tab) is set.
func (f offerListFilters) narrowed() bool {
	return f.Status != "" || f.ProductID != "" || f.ResellerAccountID != "" || f.NameContains != ""
}

// resellerChoice is one reseller of the filter's select.
type resellerChoice struct {
	AccountID string
	Label     string
}

// offerListPage is what the offers list shows.
type offerListPage struct {
	offerListFilters
	Tabs      []offerTab
	Statuses  []dealdesk.OfferStatus
	Products  []*dealdesk.Product
	Resellers []resellerChoice
	// Errors are the messages of each bad filter, by its parameter name; then no offers show.
	Errors   map[string][]string
	Filtered bool // a filter other than the tab is set: an empty list says none match
	Offers   []*dealdesk.Offer
	NextURL  string // the next page, "" on the last
	FirstURL string // the first page, "" on it
	ClearURL string // the list without filters, "" when none is set
}

// offerFilterLabels are the filters' labels, for the messages that name a bad one.
var offerFilterLabels = map[string]string{"": "Filters", "status": "Status", "productId": "Product",
	"resellerAccountId": "Reseller", "nameContains": "Name contains", "cursor": "Page"}

// ErrorList is Errors in the form's order, each with its filter's label (any other field
// last, by its name).
func (p offerListPage) ErrorList() []dealdesk.FieldError {
	order := []string{"status", "productId", "resellerAccountId", "nameContains", "cursor"}
	for _, field := range slices.Sorted(maps.Keys(p.Errors)) {
		if !slices.Contains(order, field) {
			order = append(order, field)
		}
	}
	var out []dealdesk.FieldError
	for _, field := range order {
		label, ok := offerFilterLabels[field]
		if !ok {
			label = field
		}
		for _, m := range p.Errors[field] {
			out = append(out, dealdesk.FieldError{Field: label, Message: m})
		}
	}
	return out
}

// handleOfferList lists the organization's offers of one type, newest first: GET /offers, with
// ?type= (CPPO_OUT, resell opportunities, by default; or CPPO, the partners' offers), the
// filters ?status=, ?productId=, ?resellerAccountId= and ?nameContains= (a part of the name,
// see dealdesk.OfferFilter.NameContains; an empty one is no filter, as the form sends it) and the
// cursor of a page. Paging keeps the filters; a tab shows its type without them. A bad filter
// (an unknown product, a reseller that is not an account ID, an unknown status, a search too
// long) is a 422 page naming it, with the form to correct it.
func (h *Handler) handleOfferList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	p := offerListPage{Statuses: dealdesk.OfferStatuses, Errors: map[string][]string{}}
	p.Type, p.Status = dealdesk.OfferType(q.Get("type")), dealdesk.OfferStatus(q.Get("status"))
	p.ProductID, p.ResellerAccountID, p.NameContains = q.Get("productId"), q.Get("resellerAccountId"), q.Get("nameContains")
	if p.Type != dealdesk.OfferCPPO {
		p.Type = dealdesk.OfferCPPOOut
	}
	p.Filtered = p.narrowed()
	if err := h.loadOfferFilterChoices(ctx, &p); err != nil {
		h.renderError(w, r, err)
		return
	}
	for _, t := range []offerTab{{Type: dealdesk.OfferCPPOOut, Label: "Resell opportunities (CPPO_OUT)"},
		{Type: dealdesk.OfferCPPO, Label: "CPPO offers (CPPO)"}} {
		t.URL, t.Active = offerListURL(offerListFilters{Type: t.Type}, ""), t.Type == p.Type
		p.Tabs = append(p.Tabs, t)
	}
	if p.Filtered {
		p.ClearURL = offerListURL(offerListFilters{Type: p.Type}, "")
	}
	cursor := q.Get("cursor")
	if cursor != "" {
		p.FirstURL = offerListURL(p.offerListFilters, "")
	}
	// The store checks the other filters even when the product or the reseller is bad, so that
	// the page names every bad filter at once.
	filter := dealdesk.OfferFilter{Type: p.Type, Status: p.Status, ProductID: p.ProductID,
		ResellerAccountID: p.ResellerAccountID, NameContains: p.NameContains, Cursor: cursor, Limit: offerListPageSize}
	if p.Errors["productId"] != nil {
		filter.ProductID = ""
	}
	if p.Errors["resellerAccountId"] != nil {
		filter.ResellerAccountID = ""
	}
	offers, next, err := h.cfg.Offers.FindOffers(ctx, filter)
	if dealdesk.ErrorCode(err) == dealdesk.EINVALID {
		for _, fe := range dealdesk.ErrorFields(err) {
			p.Errors[fe.Field] = append(p.Errors[fe.Field], fe.Message)
		}
		if len(p.Errors) == 0 {
			p.Errors[""] = []string{dealdesk.ErrorMessage(err)}
		}
		err = nil
	}
	if len(p.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, "offer_list", "offers", p)
		return
	}
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Offers = offers
	if next != "" {
		p.NextURL = offerListURL(p.offerListFilters, next)
	}
	h.render(w, r, http.StatusOK, "offer_list", "offers", p)
}

// loadOfferFilterChoices fills in the products and resellers the filters offer, and adds to
// p.Errors a product that is not the organization's or a reseller that is not an account ID. A
// picked product or reseller beyond the first page of choices is added to them, so that it
// stays picked.
func (h *Handler) loadOfferFilterChoices(ctx context.Context, p *offerListPage) error {
	products, _, err := h.cfg.Products.FindProducts(ctx, dealdesk.ProductFilter{Limit: dealdesk.MaxPageSize})
	if err != nil {
		return err
	}
	p.Products = products
	if id := p.ProductID; id != "" && !slices.ContainsFunc(products, func(pr *dealdesk.Product) bool { return pr.ID == id }) {
		switch pr, err := h.cfg.Products.FindProductByID(ctx, id); {
		case err == nil:
			p.Products = append(p.Products, pr)
		case dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND:
			p.Errors["productId"] = append(p.Errors["productId"], "no such product in your organization: pick one from the list")
		default:
			return err
		}
	}
	resellers, _, err := h.cfg.Parties.FindResellers(ctx, dealdesk.ResellerFilter{Limit: dealdesk.MaxPageSize})
	if err != nil {
		return err
	}
	for _, rs := range resellers {
		p.Resellers = append(p.Resellers, resellerChoice{AccountID: rs.AccountID, Label: rs.LegalName + " (" + rs.AccountID + ")"})
	}
	if id := p.ResellerAccountID; id != "" && !slices.ContainsFunc(p.Resellers, func(c resellerChoice) bool { return c.AccountID == id }) {
		if dealdesk.ValidAccountID(id) {
			// An account no reseller record names, such as a partner known only from its offers.
			p.Resellers = append(p.Resellers, resellerChoice{AccountID: id, Label: id})
		} else {
			p.Errors["resellerAccountId"] = append(p.Errors["resellerAccountId"], "must be a 12-digit AWS account ID: pick a reseller from the list")
		}
	}
	return nil
}

// offerListURL is the URL of a page of the offers list with filters f.
func offerListURL(f offerListFilters, cursor string) string {
	v := url.Values{"type": {string(f.Type)}}
	for name, value := range map[string]string{"status": string(f.Status), "productId": f.ProductID,
		"resellerAccountId": f.ResellerAccountID, "nameContains": f.NameContains, "cursor": cursor} {
		if value != "" {
			v.Set(name, value)
		}
	}
	return "/offers?" + v.Encode()
}
