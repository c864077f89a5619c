package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"

	"github.com/dealdesk/dealdesk"
)

// offerWaiting returns what the page of o is waiting on AWS for, in words that follow "Waiting
// for AWS: ", or "" when it waits on nothing: a PENDING_CREATE offer being published; after a
// simulated reseller (q's notice simulated-offer, with awsOffer: AWS's offer ID), the CPPO
// offer not in the chain yet; after a simulated buyer (notice simulated-acceptance, with
// offerId and buyer), the buyer's entitlement from that offer not in the chain yet. A notice
// without those values waits for the first CPPO offer, or the first entitlement.
func offerWaiting(o *dealdesk.Offer, chain *dealdesk.OfferChain, q url.Values) string {
	if o.Status == dealdesk.OfferPendingCreate {
		return "it is being published to AWS Marketplace"
	}
	if o.Type != dealdesk.OfferCPPOOut || chain == nil {
		return ""
	}
	switch q.Get("notice") {
	case "simulated-offer":
		awsOffer := q.Get("awsOffer")
		arrived := slices.ContainsFunc(chain.Offers, func(c *dealdesk.Offer) bool {
			return c.Type == dealdesk.OfferCPPO && (awsOffer == "" || c.ExternalID == awsOffer)
		})
		if !arrived {
			return "the reseller's CPPO offer has not arrived yet"
		}
	case "simulated-acceptance":
		offerID, buyer := q.Get("offerId"), q.Get("buyer")
		arrived := slices.ContainsFunc(chain.Entitlements, func(e *dealdesk.Entitlement) bool {
			return offerID == "" || (e.OfferID == offerID && e.BuyerAccountID == buyer)
		})
		if !arrived {
			return "the buyer's entitlement has not arrived yet"
		}
	}
	return ""
}

// offerRefreshToken fingerprints what the page of o shows that AWS's answers and events
// change: the offer's status and errors, and its chain's offers and entitlements (IDs and
// statuses) and timeline length. The console's script reloads a waiting page when the token
// of the page it fetches differs (static/app.js). 16 hex digits.
func offerRefreshToken(o *dealdesk.Offer, chain *dealdesk.OfferChain) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s %s %d\n", o.ID, o.Status, o.ExternalID, len(o.PublishErrors))
	if chain != nil {
		for _, c := range chain.Offers {
			fmt.Fprintf(h, "offer %s %s\n", c.ID, c.Status)
		}
		for _, e := range chain.Entitlements {
			fmt.Fprintf(h, "entitlement %s %s\n", e.ID, e.Status)
		}
		fmt.Fprintf(h, "timeline %d\n", len(chain.Timeline))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
