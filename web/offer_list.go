package web

import (
	"net/http"
	"net/url"

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

// offerListPage is what the offers list shows.
type offerListPage struct {
	Type     dealdesk.OfferType
	Status   dealdesk.OfferStatus
	Tabs     []offerTab
	Statuses []dealdesk.OfferStatus
	Offers   []*dealdesk.Offer
	NextURL  string // the next page, "" on the last
	FirstURL string // the first page, "" on it
}

// handleOfferList lists the organization's offers of one type, newest first: GET /offers,
// with ?type= (CPPO_OUT, resell opportunities, by default; or CPPO, the partners' offers),
// ?status= and the cursor of a page.
func (h *Handler) handleOfferList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := offerListPage{Type: dealdesk.OfferType(q.Get("type")), Status: dealdesk.OfferStatus(q.Get("status")),
		Statuses: dealdesk.OfferStatuses}
	if p.Type != dealdesk.OfferCPPO {
		p.Type = dealdesk.OfferCPPOOut
	}
	offers, next, err := h.cfg.Offers.FindOffers(r.Context(), dealdesk.OfferFilter{Type: p.Type, Status: p.Status,
		Cursor: q.Get("cursor"), Limit: offerListPageSize})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Offers = offers
	for _, t := range []offerTab{{Type: dealdesk.OfferCPPOOut, Label: "Resell opportunities (CPPO_OUT)"},
		{Type: dealdesk.OfferCPPO, Label: "CPPO offers (CPPO)"}} {
		t.URL, t.Active = offerListURL(t.Type, "", ""), t.Type == p.Type
		p.Tabs = append(p.Tabs, t)
	}
	if next != "" {
		p.NextURL = offerListURL(p.Type, p.Status, next)
	}
	if q.Get("cursor") != "" {
		p.FirstURL = offerListURL(p.Type, p.Status, "")
	}
	h.render(w, r, http.StatusOK, "offer_list", "offers", p)
}

// offerListURL is the URL of a page of the offers list.
func offerListURL(t dealdesk.OfferType, s dealdesk.OfferStatus, cursor string) string {
	v := url.Values{"type": {string(t)}}
	if s != "" {
		v.Set("status", string(s))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return "/offers?" + v.Encode()
}
