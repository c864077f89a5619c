package http_test

import (
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestOfferChain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.createProduct(e.keyA, "prod-abc123")
	opp := e.createOpportunity(e.keyA, p.ID)

	var c dealdesk.OfferChain
	e.do(req{method: "GET", path: "/api/v1/offers/" + opp.ID + "/chain", key: e.keyA}).want(t, 200).decode(t, &c)
	if c.Opportunity == nil || c.Opportunity.ID != opp.ID || len(c.Offers) != 0 || len(c.Entitlements) != 0 {
		t.Errorf("chain of a new opportunity = %+v", c)
	}

	// A reseller's CPPO offer and its buyer's entitlement, as the event handlers record them,
	// for a resale authorization dealdesk does not know.
	markup := dealdesk.MustDecimal("5.00")
	cppo, err := e.db.SaveCPPOOffer(e.ctxA(), &dealdesk.Offer{
		Type: dealdesk.OfferCPPO, ExternalID: "offer-abc123def456", ProductID: p.ID,
		ResellerAccountID: "123456789012", BuyerAccountIDs: []string{"210987654321"}, MarkupPercentage: &markup,
	}, "resaleauthz-unknown1")
	if err != nil {
		t.Fatalf("SaveCPPOOffer: %v", err)
	}
	ent, err := e.db.SaveEntitlement(e.ctxA(), &dealdesk.Entitlement{
		Type: dealdesk.EntitlementCPPO, Status: dealdesk.EntitlementActive, ExternalID: "agmt-abc123",
		ProductID: p.ID, BuyerAccountID: "210987654321",
	}, "offer-abc123def456")
	if err != nil {
		t.Fatalf("SaveEntitlement: %v", err)
	}

	e.do(req{method: "GET", path: "/api/v1/offers/" + cppo.ID + "/chain", key: e.keyA}).want(t, 200).decode(t, &c)
	if c.Opportunity != nil || len(c.Offers) != 1 || c.Offers[0].ID != cppo.ID || len(c.Entitlements) != 1 || c.Entitlements[0].ID != ent.ID {
		t.Errorf("chain of a CPPO offer without known opportunity = %+v", c)
	}
	var l listResp[dealdesk.Offer]
	e.do(req{method: "GET", path: "/api/v1/offers?type=CPPO", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != cppo.ID || l.Items[0].MarkupPercentage.String() != "5.00" {
		t.Errorf("type=CPPO lists %+v", l.Items)
	}
	var el listResp[dealdesk.Entitlement]
	e.do(req{method: "GET", path: "/api/v1/entitlements?offerId=" + cppo.ID, key: e.keyA}).want(t, 200).decode(t, &el)
	if len(el.Items) != 1 || el.Items[0].ID != ent.ID {
		t.Errorf("entitlements of the CPPO offer = %+v", el.Items)
	}
	e.do(req{method: "GET", path: "/api/v1/offers/off_00000000000000000000000000/chain", key: e.keyA}).want(t, 404)
	e.do(req{method: "GET", path: "/api/v1/offers/" + cppo.ID + "/chain", key: e.keyB}).want(t, 404)
}

// TestOffer_CPPOOfferFromAWSMatchesTheDocument reads a CPPO offer as AWS may report it: longer
// texts than an opportunity allows, a currency and a EULA type outside the opportunity's choices.
// The answers must still match the OpenAPI document, which env.do checks.
func TestOffer_CPPOOfferFromAWSMatchesTheDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o, err := e.db.SaveCPPOOffer(e.ctxA(), &dealdesk.Offer{
		Type: dealdesk.OfferCPPO, Status: dealdesk.OfferActive, ExternalID: "offer-aws1234567890",
		Name: strings.Repeat("n", 200), Description: strings.Repeat("d", 4000),
		ResellerAccountID: "123456789012", BuyerAccountIDs: []string{"210987654321"},
		Currency: "CAD", ContractDuration: "P36M", EULA: &dealdesk.Document{Type: "ENTERPRISE"},
	}, "resaleauthz-aws123456")
	if err != nil {
		t.Fatalf("SaveCPPOOffer: %v", err)
	}
	var got dealdesk.Offer
	e.do(req{method: "GET", path: "/api/v1/offers/" + o.ID, key: e.keyA}).want(t, 200).decode(t, &got)
	if got.Name != o.Name || got.Currency != "CAD" || got.EULA == nil || got.EULA.Type != "ENTERPRISE" {
		t.Errorf("GET offer = %+v", got)
	}
	e.do(req{method: "GET", path: "/api/v1/offers?type=CPPO", key: e.keyA}).want(t, 200)
	e.do(req{method: "GET", path: "/api/v1/offers/" + o.ID + "/chain", key: e.keyA}).want(t, 200)
}
