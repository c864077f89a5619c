package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/dealdesk/dealdesk"
)

// Simulator plays the other parties of a CPPO deal against the AWS Marketplace simulator, for
// `dealdesk dev` only (Config.Simulator): the opportunity page then offers to make a reseller's
// offer and a buyer's acceptance, so that a newcomer can walk a whole deal in the browser.
type Simulator interface {
	// ResellerCreatesOffer has reseller (an AWS account ID) make and release a CPPO offer from the
	// resale authorization resaleAuthorizationID to buyers (AWS account IDs), available until
	// expiry, and returns AWS's offer ID. The offer reaches dealdesk as AWS's event, later.
	ResellerCreatesOffer(ctx context.Context, resaleAuthorizationID, reseller string, buyers []string, expiry dealdesk.Date) (string, error)
	// BuyerAccepts has buyer (an AWS account ID) accept the offer with AWS's ID offerID as of
	// acceptedAt (in the past, within the metering window: the agreement starts then); the
	// agreement reaches dealdesk as AWS's event, later.
	BuyerAccepts(ctx context.Context, buyer, offerID string, acceptedAt time.Time) error
}

// simAcceptance is a "Simulate: buyer accepts" button: a CPPO offer of the opportunity, a
// buyer it targets who has not accepted it, and how many whole hours before the current hour
// the acceptance is dated (simulatedAcceptance).
type simAcceptance struct {
	OfferID, OfferName, Buyer string
	HoursAgo                  int
}

// simulatedOfferDays is how far ahead the simulated reseller's offer expires (at the latest:
// never after the opportunity's own expiry).
const simulatedOfferDays = 30

// simulatedAcceptanceHours is how many whole hours before the current one the simulated buyer
// accepts: the agreement, and so the entitlement, starts then, so that closed hours of usage
// can be reported and metered at once (simulatedAcceptance clamps it to the metering window).
const simulatedAcceptanceHours = 3

// simulatedAcceptance returns when the simulated buyer accepts at now: the start of the hour
// simulatedAcceptanceHours before the current one, or, when the metering window (with
// its month-end rule) no longer takes usage of that hour, the oldest hour it takes
// (MeteringWindow.OldestUsage), and never after the current hour.
func (h *Handler) simulatedAcceptance(now time.Time) time.Time {
	at := dealdesk.Hour(now).Add(-simulatedAcceptanceHours * time.Hour)
	if oldest := h.meteringWindow().OldestUsage(now); at.Before(oldest) {
		at = oldest
	}
	if cur := dealdesk.Hour(now); at.After(cur) {
		at = cur
	}
	return at
}

// meteringWindow is Config.MeteringWindow, or the default.
func (h *Handler) meteringWindow() dealdesk.MeteringWindow {
	if h.cfg.MeteringWindow > 0 {
		return h.cfg.MeteringWindow
	}
	return dealdesk.DefaultMeteringWindow
}

// canSimulateOffer reports whether the page of o offers "Simulate: reseller creates an offer":
// dev only, for an ACTIVE opportunity published to AWS.
func (h *Handler) canSimulateOffer(o *dealdesk.Offer) bool {
	return h.cfg.Simulator != nil && o.Type == dealdesk.OfferCPPOOut && o.Status == dealdesk.OfferActive && o.ExternalID != ""
}

// simAcceptances returns the "Simulate: buyer accepts" buttons of the page of o: in dev, for
// each CPPO offer of its chain not accepted, each buyer it targets without an entitlement from
// it.
func (h *Handler) simAcceptances(o *dealdesk.Offer, chain *dealdesk.OfferChain) []simAcceptance {
	if h.cfg.Simulator == nil || o.Type != dealdesk.OfferCPPOOut || chain == nil {
		return nil
	}
	now := h.now()
	ago := int(dealdesk.Hour(now).Sub(h.simulatedAcceptance(now)) / time.Hour)
	var out []simAcceptance
	for _, c := range chain.Offers {
		if c.Type != dealdesk.OfferCPPO || c.Status == dealdesk.OfferAccepted || c.ExternalID == "" {
			continue
		}
		for _, b := range c.BuyerAccountIDs {
			accepted := slices.ContainsFunc(chain.Entitlements, func(e *dealdesk.Entitlement) bool {
				return e.OfferID == c.ID && e.BuyerAccountID == b
			})
			if !accepted {
				out = append(out, simAcceptance{OfferID: c.ID, OfferName: c.Name, Buyer: b, HoursAgo: ago})
			}
		}
	}
	return out
}

// handleSimulateResellerOffer plays the reseller of an ACTIVE opportunity making a CPPO offer
// from its resale authorization to the opportunity's buyers (or, when it names none, the
// organization's newest buyer): POST /offers/{id}/simulate/reseller-offer, dev only (404
// without Config.Simulator). The offer shows on the page once AWS's event has arrived: the
// redirect names it (awsOffer), so that the page waits for it (offerWaiting).
func (h *Handler) handleSimulateResellerOffer(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Simulator == nil {
		h.renderStatus(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	ctx := r.Context()
	o, err := h.cfg.Offers.FindOfferByID(ctx, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if !h.canSimulateOffer(o) {
		h.renderStatus(w, r, http.StatusConflict, "Only an ACTIVE opportunity, published to AWS, can be resold.")
		return
	}
	buyers := o.BuyerAccountIDs
	if len(buyers) == 0 {
		found, _, err := h.cfg.Parties.FindBuyers(ctx, dealdesk.BuyerFilter{Limit: 1})
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		if len(found) == 0 {
			h.renderStatus(w, r, http.StatusConflict, "The opportunity names no buyer and the organization knows none: the reseller's offer needs one.")
			return
		}
		buyers = []string{found[0].AccountID}
	}
	expiry := dealdesk.DateOf(h.now()).AddDays(simulatedOfferDays)
	if o.ExpiryDate != nil && expiry.After(*o.ExpiryDate) {
		expiry = *o.ExpiryDate
	}
	awsOffer, err := h.cfg.Simulator.ResellerCreatesOffer(ctx, o.ExternalID, o.ResellerAccountID, buyers, expiry)
	if err != nil {
		h.simulatorRefused(w, r, err)
		return
	}
	q := url.Values{"notice": {"simulated-offer"}, "awsOffer": {awsOffer}}
	http.Redirect(w, r, "/offers/"+url.PathEscape(o.ID)+"?"+q.Encode(), http.StatusSeeOther)
}

// handleSimulateBuyerAccepts plays a buyer accepting a CPPO offer of the opportunity: POST
// /offers/{id}/simulate/buyer-accepts with offerId (dealdesk's ID of the CPPO offer) and buyer,
// dev only (404 without Config.Simulator). The buyer accepts as of a few whole hours ago
// (simulatedAcceptance), so that the entitlement's closed hours can be metered at once. The
// entitlement shows on the page once AWS's event has arrived: the redirect names the offer and
// the buyer, so that the page waits for it (offerWaiting).
func (h *Handler) handleSimulateBuyerAccepts(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Simulator == nil {
		h.renderStatus(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	ctx := r.Context()
	opp, err := h.cfg.Offers.FindOfferByID(ctx, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	c, err := h.cfg.Offers.FindOfferByID(ctx, r.PostForm.Get("offerId"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	buyer := r.PostForm.Get("buyer")
	if c.Type != dealdesk.OfferCPPO || c.OpportunityID != opp.ID || c.ExternalID == "" || !slices.Contains(c.BuyerAccountIDs, buyer) {
		h.renderStatus(w, r, http.StatusConflict, "That buyer cannot accept that offer: it is not a CPPO offer of this opportunity targeting them.")
		return
	}
	now := h.now()
	at := h.simulatedAcceptance(now)
	if err := h.cfg.Simulator.BuyerAccepts(ctx, buyer, c.ExternalID, at); err != nil {
		h.simulatorRefused(w, r, err)
		return
	}
	q := url.Values{"notice": {"simulated-acceptance"}, "at": {at.UTC().Format(time.RFC3339)},
		"hours": {strconv.Itoa(int(dealdesk.Hour(now).Sub(at) / time.Hour))}, "offerId": {c.ID}, "buyer": {buyer}}
	http.Redirect(w, r, "/offers/"+url.PathEscape(opp.ID)+"?"+q.Encode(), http.StatusSeeOther)
}

// simulatorRefused answers an error of the simulator (502): its message is shown, since the
// simulator runs only in dev and says what it refused.
func (h *Handler) simulatorRefused(w http.ResponseWriter, r *http.Request, err error) {
	h.logger.Warn("web: the simulator refused", "path", r.URL.Path, "err", err)
	h.renderStatus(w, r, http.StatusBadGateway, "The simulator refused: "+err.Error())
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
