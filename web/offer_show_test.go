package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestOfferShow_AWSErrorsAppearNextToTheirFieldsWithTheTimeline(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := f.ctx(f.acme)
		typ, name, reseller, cur, dur := dealdesk.OfferCPPOOut, "Refused deal", "111122223333", dealdesk.USD, "P12M"
		commit := dealdesk.MustDecimal("100.00")
		expiry := dealdesk.DateOf(time.Now().AddDate(0, 2, 0))
		o, err := f.db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &f.product.ID,
			ResellerAccountID: &reseller, CommitAmount: &commit, Currency: &cur, ContractDuration: &dur, ExpiryDate: &expiry,
			EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 1}},
			DimensionPrices:    &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.01")}},
			EULA:               &dealdesk.Document{Type: dealdesk.DocumentStandard}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.PublishFailed(ctx, o.ID, []dealdesk.FieldError{
			{Field: "resellerAccountId", Message: "AWS says the reseller is not a CPPO partner"},
			{Field: "eula.url", Message: "AWS could not fetch the EULA"},
			{Field: "", Message: "AWS refused the change set"},
		}, dealdesk.TimelineEntry{Kind: dealdesk.TimelinePublishFailed, At: time.Now().UTC(), Source: dealdesk.SourceCall,
			SourceRef: "cs-test", Summary: "AWS refused the opportunity"}); err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/offers/"+o.ID)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET the opportunity: %s", resp.Status)
		}
		for what, re := range map[string]string{
			"the reseller's error in its row": `<dt>Reseller account</dt><dd>111122223333<p class="field-error" id="error-resellerAccountId">AWS says the reseller is not a CPPO partner</p></dd>`,
			"the EULA's error in its row":     `<dt>EULA</dt><dd>STANDARD <p class="field-error" id="error-eula">AWS could not fetch the EULA</p></dd>`,
			"the general error at the top":    `<li>AWS refused the change set</li>`,
			"the status":                      `id="offer-status">CREATE_FAILED<`,
			"the timeline":                    `<strong>PUBLISH_FAILED</strong> AWS refused the opportunity`,
			"the cancel link":                 `href="/offers/` + o.ID + `/cancel"`,
		} {
			if !regexp.MustCompile(regexp.QuoteMeta(re)).MatchString(body) {
				t.Errorf("the page lacks %s (%s)", what, re)
			}
		}
		if strings.Count(body, "AWS says the reseller") != 1 {
			t.Errorf("the reseller's error shows %d times, want once", strings.Count(body, "AWS says the reseller"))
		}
	})
}

var refreshToken = regexp.MustCompile(`data-refresh-token="([^"]*)"`)

// pageRefreshToken returns the data-refresh-token of the page at path, "" when it has none.
func (f *fixture) pageRefreshToken(t *testing.T, c *http.Client, path string) (token, body string) {
	t.Helper()
	resp, body := f.get(t, c, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if n := len(refreshToken.FindAllString(body, -1)); n > 1 {
		t.Fatalf("GET %s: %d refresh tokens, want at most one", path, n)
	}
	if m := refreshToken.FindStringSubmatch(body); m != nil {
		if m[1] == "" {
			t.Fatalf("GET %s: an empty refresh token", path)
		}
		return m[1], body
	}
	return "", body
}

func TestOfferShow_WaitsForAWSWhilePendingCreateAndNotOnceActive(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ctx := f.ctx(f.acme)
		typ, name, reseller, cur, dur := dealdesk.OfferCPPOOut, "Live deal", "111122223333", dealdesk.USD, "P12M"
		commit := dealdesk.MustDecimal("100.00")
		expiry := dealdesk.DateOf(time.Now().AddDate(0, 2, 0))
		o, err := f.db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &f.product.ID,
			ResellerAccountID: &reseller, CommitAmount: &commit, Currency: &cur, ContractDuration: &dur, ExpiryDate: &expiry,
			EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 1}},
			DimensionPrices:    &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.01")}},
			EULA:               &dealdesk.Document{Type: dealdesk.DocumentStandard}}, false)
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		f.signIn(t, c, f.email)
		path := "/offers/" + o.ID
		if token, body := f.pageRefreshToken(t, c, path); token != "" || strings.Contains(body, "Waiting for AWS") {
			t.Errorf("a draft waits on AWS (token %q)", token)
		}

		if _, err := f.db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		pending, body := f.pageRefreshToken(t, c, path)
		if pending == "" {
			t.Fatalf("the PENDING_CREATE opportunity's page has no refresh token:\n%s", body)
		}
		for what, want := range map[string]string{
			"the polite status line":    `id="live-refresh" role="status" data-refresh-token="` + pending + `"`,
			"what it waits for":         `Waiting for AWS: it is being published to AWS Marketplace.`,
			"the line without script":   `<span data-live-nojs>Reload this page in a few seconds`,
			"the line with the script":  `<span data-live-js hidden>This page updates by itself.</span>`,
			"the status PENDING_CREATE": `id="offer-status">PENDING_CREATE<`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the waiting page lacks %s (%s)", what, want)
			}
		}
		if again, _ := f.pageRefreshToken(t, c, path); again != pending {
			t.Errorf("the token changed with nothing arrived: %q then %q", pending, again)
		}

		if _, err := f.db.PublishSucceeded(ctx, o.ID, "resaleauthz-live1", nil, dealdesk.TimelineEntry{Kind: dealdesk.TimelinePublished,
			At: time.Now().UTC(), Source: dealdesk.SourceCall, SourceRef: "cs-live1", Summary: "AWS published the opportunity"}); err != nil {
			t.Fatal(err)
		}
		token, body := f.pageRefreshToken(t, c, path)
		if token != "" || strings.Contains(body, "Waiting for AWS") {
			t.Errorf("the ACTIVE opportunity still waits on AWS (token %q)", token)
		}
		if !strings.Contains(body, `id="offer-status">ACTIVE<`) || !strings.Contains(body, `<p class="live-refresh" id="live-refresh" role="status"></p>`) {
			t.Errorf("the ACTIVE opportunity's page lacks its status or its empty live line:\n%s", body)
		}
	})
}

func TestOfferShow_WaitsForTheSimulatedResellersOfferAndBuyersEntitlement(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f, _ := newDevFixture(t, engine)
		ctx := f.ctx(f.acme)
		typ, name, reseller, buyer := dealdesk.OfferCPPOOut, "Simulated live deal", "123456789012", "210987654321"
		opp, err := f.db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &f.product.ID,
			ResellerAccountID: &reseller, BuyerAccountIDs: &[]string{buyer}}, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SQL().ExecContext(ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE id = $3`, dealdesk.OfferActive, "ra-live2", opp.ID); err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		csrf := f.signIn(t, c, f.email)
		if token, _ := f.pageRefreshToken(t, c, "/offers/"+opp.ID); token != "" {
			t.Errorf("the ACTIVE opportunity waits on AWS before any simulation (token %q)", token)
		}

		// The reseller: the fake simulator's offer is "offer-fake".
		resp := f.post(t, c, "/offers/"+opp.ID+"/simulate/reseller-offer", url.Values{"csrf": {csrf}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("simulate the reseller: %s", resp.Status)
		}
		offerPage := resp.Header.Get("Location")
		first, body := f.pageRefreshToken(t, c, offerPage)
		if first == "" || !strings.Contains(body, "Waiting for AWS: the reseller&#39;s CPPO offer has not arrived yet.") {
			t.Fatalf("after simulating the reseller (%s) the page does not wait for the offer (token %q):\n%s", offerPage, first, body)
		}
		// Another CPPO offer of the chain arrives: still waiting, for the simulated one, but the
		// page shows something new.
		if _, err := f.db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-other", BuyerAccountIDs: []string{buyer}}, "ra-live2"); err != nil {
			t.Fatal(err)
		}
		second, _ := f.pageRefreshToken(t, c, offerPage)
		if second == "" || second == first {
			t.Errorf("another CPPO offer arrived: the token %q then %q, want another, still waiting", first, second)
		}
		cppo, err := f.db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-fake", BuyerAccountIDs: []string{buyer}}, "ra-live2")
		if err != nil {
			t.Fatal(err)
		}
		if token, body := f.pageRefreshToken(t, c, offerPage); token != "" || strings.Contains(body, "Waiting for AWS") {
			t.Errorf("the simulated reseller's offer arrived, the page still waits (token %q)", token)
		}

		// The buyer.
		resp = f.post(t, c, "/offers/"+opp.ID+"/simulate/buyer-accepts", url.Values{"csrf": {csrf}, "offerId": {cppo.ID}, "buyer": {buyer}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("simulate the buyer: %s", resp.Status)
		}
		acceptPage := resp.Header.Get("Location")
		before, body := f.pageRefreshToken(t, c, acceptPage)
		if before == "" || !strings.Contains(body, "Waiting for AWS: the buyer&#39;s entitlement has not arrived yet.") {
			t.Fatalf("after simulating the buyer (%s) the page does not wait for the entitlement (token %q):\n%s", acceptPage, before, body)
		}
		// The other offer's acceptance is not the one awaited.
		if _, err := f.db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-other", Status: dealdesk.EntitlementActive,
			BuyerAccountID: buyer, ProductID: f.product.ID}, "offer-other"); err != nil {
			t.Fatal(err)
		}
		after, _ := f.pageRefreshToken(t, c, acceptPage)
		if after == "" || after == before {
			t.Errorf("another entitlement arrived: the token %q then %q, want another, still waiting", before, after)
		}
		if _, err := f.db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-fake", Status: dealdesk.EntitlementActive,
			BuyerAccountID: buyer, ProductID: f.product.ID}, "offer-fake"); err != nil {
			t.Fatal(err)
		}
		if token, body := f.pageRefreshToken(t, c, acceptPage); token != "" || strings.Contains(body, "Waiting for AWS") {
			t.Errorf("the buyer's entitlement arrived, the page still waits (token %q)", token)
		}
	})
}
