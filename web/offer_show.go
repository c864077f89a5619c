package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// offerPage is what the page of an offer shows: the offer, AWS's errors by the field they
// concern, and the deal's chain (its opportunity, CPPO offers, entitlements and timeline).
type offerPage struct {
	Offer       *dealdesk.Offer
	Product     *dealdesk.Product // the offer's product, nil when it names none or it is not known
	Chain       *dealdesk.OfferChain
	Errors      map[string][]string // PublishErrors by top-level field ("eula.url" under "eula")
	OtherErrors []dealdesk.FieldError
	CanCancel   bool
	// CanEdit: a DRAFT or CREATE_FAILED opportunity, which can be edited and (re)submitted.
	CanEdit bool
	// SimulateOffer and SimulateAcceptances are dev's "Simulate" buttons (Config.Simulator).
	SimulateOffer       bool
	SimulateAcceptances []simAcceptance
	Notice              string
	// Waiting is what the page waits on AWS for (offerWaiting), "" for nothing; RefreshToken,
	// set only while waiting, fingerprints what the page shows (offerRefreshToken).
	Waiting, RefreshToken string
}

// offerFields are the fields the offer page shows, by their JSON names, so that AWS's errors
// about them appear next to them; errors about other fields are listed at the top.
var offerFields = map[string]bool{"name": true, "description": true, "productId": true, "resellerAccountId": true,
	"buyerAccountIds": true, "renewal": true, "commitAmount": true, "currency": true, "contractDuration": true,
	"entitledDimensions": true, "dimensionPrices": true, "expiryDate": true, "oneTime": true, "eula": true,
	"resellerContract": true, "installments": true, "meterUsageAgainstCommit": true}

// handleOfferShow shows an offer and its deal: GET /offers/{id}. An offer of another
// organization is 404.
func (h *Handler) handleOfferShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o, err := h.cfg.Offers.FindOfferByID(ctx, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	chain, err := h.cfg.Offers.FindOfferChain(ctx, o.ID)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := offerPage{Offer: o, Chain: chain, Errors: map[string][]string{},
		CanCancel: canCancel(o),
		CanEdit:   editable(o), SimulateOffer: h.canSimulateOffer(o), SimulateAcceptances: h.simAcceptances(o, chain),
		Notice: noticeText(r.URL.Query()), Waiting: offerWaiting(o, chain, r.URL.Query())}
	if p.Waiting != "" {
		p.RefreshToken = offerRefreshToken(o, chain)
	}
	if o.ProductID != "" {
		if p.Product, err = h.cfg.Products.FindProductByID(ctx, o.ProductID); err != nil && dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND {
			h.renderError(w, r, err)
			return
		}
	}
	for _, fe := range o.PublishErrors {
		top := topField(fe.Field)
		if offerFields[top] {
			p.Errors[top] = append(p.Errors[top], fe.Message)
		} else {
			p.OtherErrors = append(p.OtherErrors, fe)
		}
	}
	h.render(w, r, http.StatusOK, "offer_show", "offers", p)
}

// topField returns the top-level field of a field path: "installments" of
// "installments[2].amount", "eula" of "eula.url".
func topField(f string) string {
	if i := strings.IndexAny(f, ".["); i >= 0 {
		return f[:i]
	}
	return f
}

// noticeText is the message a redirect after a post asks the next page to show: q's notice,
// with the values some notices carry (a simulated acceptance's at and hours).
func noticeText(q url.Values) string {
	switch q.Get("notice") {
	case "saved":
		return "Saved as a draft."
	case "submitted":
		return "Submitted: it is being published to AWS Marketplace."
	case "cancelled":
		return "Cancelled."
	case "simulated-offer":
		return "The simulated reseller made a CPPO offer: it appears below once AWS's event has arrived."
	case "simulated-acceptance":
		// at and hours are what handleSimulateBuyerAccepts writes, or are left out of the text
		// (a link can carry anything): at a whole hour in UTC, not ahead of the clock, written
		// as RFC 3339; hours a count up to simulatedAcceptanceHours.
		as := ""
		s := q.Get("at")
		if at, err := time.Parse(time.RFC3339, s); err == nil && at.UTC().Format(time.RFC3339) == s && at.Equal(dealdesk.Hour(at)) && !at.After(time.Now()) {
			as = " as of " + at.UTC().Format("15:04") + " UTC"
			if n, err := strconv.Atoi(q.Get("hours")); err == nil && n > 0 && n <= simulatedAcceptanceHours && strconv.Itoa(n) == q.Get("hours") {
				as += fmt.Sprintf(" (%d whole hour%s ago), so that usage can be metered at once", n, plural(n))
			}
		}
		return "The simulated buyer accepted" + as + ": the entitlement appears below once AWS's event has arrived."
	}
	return ""
}
