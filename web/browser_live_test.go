package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// waitLive waits, for up to a minute, until the JavaScript condition js holds on the page,
// without reloading it: the page must update itself (static/app.js's live refresh). An
// evaluation that fails while the page reloads itself is tried again.
func (b *browser) waitLive(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("browser: waited a minute, without reloading, for %s (last: %v, %v)", what, ok, err)
		}
		b.do("look again for "+what, chromedp.Sleep(250*time.Millisecond))
	}
}

// liveLine is the JavaScript of the opportunity page's waiting line as the script shows it:
// its token, whether the no-script words are hidden and the script's words shown, its text.
const liveLine = `(() => {
	const l = document.querySelector("#live-refresh[data-refresh-token]");
	if (l === null) return null;
	return {token: l.dataset.refreshToken, noJSHidden: [...l.querySelectorAll("[data-live-nojs]")].every(e => e.hidden),
		jsShown: [...l.querySelectorAll("[data-live-js]")].some(e => !e.hidden), text: l.innerText};
})()`

type liveLineState struct {
	Token      string `json:"token"`
	NoJSHidden bool   `json:"noJSHidden"`
	JSShown    bool   `json:"jsShown"`
	Text       string `json:"text"`
}

// checkLiveLine fails the test unless the waiting line, when the page shows one (state not
// nil), says with the script that the page updates by itself, and not to reload.
func checkLiveLine(t *testing.T, where string, state *liveLineState) {
	t.Helper()
	if state == nil {
		return
	}
	if !state.NoJSHidden || !state.JSShown || !strings.Contains(state.Text, "This page updates by itself.") || strings.Contains(state.Text, "Reload") {
		t.Errorf("%s: the waiting line with the script: %+v", where, *state)
	}
}

// TestBrowser_LiveOpportunityBecomesActiveAndGetsItsOfferInDev creates and submits a CPPO
// opportunity through the form against `dealdesk dev`, and watches it, without reloading,
// become ACTIVE by itself (the page says it waits and updates by itself, and reloads itself);
// then clicks "Simulate: reseller creates an offer" and watches the CPPO offer arrive in the
// chain, again without reloading.
func TestBrowser_LiveOpportunityBecomesActiveAndGetsItsOfferInDev(t *testing.T) {
	b := newBrowser(t, 4*time.Minute)
	d := startDev(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	expiry := time.Now().UTC().AddDate(0, 2, 0).Format(time.DateOnly)

	b.do("sign in with dev.json's user",
		chromedp.Navigate(d.ConsoleURL+"offers"),
		chromedp.WaitVisible(css(`#email`)),
		chromedp.SendKeys(css(`#email`), d.ConsoleEmail),
		chromedp.SendKeys(css(`#password`), d.ConsolePassword),
		chromedp.Click(css(`main form button[type="submit"]`)),
		chromedp.WaitVisible(css(`a.button[href="/offers/new"]`)))
	b.do("open Create CPPO and pick the seed's first product",
		chromedp.Click(css(`a.button[href="/offers/new"]`)),
		chromedp.WaitVisible(css(`#pick-product`)),
		chromedp.SetValue(css(`#pick-product`), d.ProductID),
		chromedp.Click(css(`#choose-product`)),
		chromedp.WaitVisible(css(`[id="price.storage_gb"]`)))
	b.do("fill it in and submit it",
		chromedp.SendKeys(css(`#name`), "Live CPPO deal"),
		chromedp.SendKeys(css(`#resellerAccountId`), d.ResellerAccountID),
		chromedp.SendKeys(css(`[id="buyerAccountIds[0]"]`), d.BuyerAccountID),
		chromedp.SendKeys(css(`#commitAmount`), "1200.00"),
		chromedp.SendKeys(css(`[id="entitled.seats"]`), "5"),
		chromedp.SendKeys(css(`[id="price.api_calls"]`), "0.002"),
		chromedp.SendKeys(css(`[id="price.storage_gb"]`), "0.02"),
		chromedp.SetValue(css(`#expiryDate`), expiry),
		chromedp.Click(css(`button[value="submit"]`)),
		chromedp.WaitVisible(css(`#offer-status`)))
	// AWS's change set takes a second in dev: the page shows the opportunity pending first.
	if got := b.text(`#offer-status`); got != "PENDING_CREATE" {
		t.Fatalf("the submitted opportunity's first page shows %s, want PENDING_CREATE", got)
	}
	waiting := eval[*liveLineState](b, liveLine)
	if waiting == nil {
		t.Fatal("the PENDING_CREATE opportunity's page has no waiting line")
	}
	checkLiveLine(t, "PENDING_CREATE", waiting)

	b.waitLive("the opportunity ACTIVE", `document.getElementById("offer-status")?.textContent.trim() === "ACTIVE"`)
	if got := eval[string](b, `performance.getEntriesByType("navigation")[0].type`); got != "reload" {
		t.Errorf("the ACTIVE page came by a %q navigation, want the script's reload", got)
	}
	if got := eval[*liveLineState](b, liveLine); got != nil {
		t.Errorf("the ACTIVE opportunity's page still waits: %+v", *got)
	}

	b.do("simulate the reseller",
		chromedp.Click(css(`#simulate-reseller`)),
		chromedp.WaitVisible(css(`.notice`)))
	checkLiveLine(t, "after simulating the reseller", eval[*liveLineState](b, liveLine))
	b.waitLive("the reseller's CPPO offer", `document.querySelector(".simulate-buyer") !== null`)
	if got := b.text(`section[aria-labelledby="chain-offers"]`); !strings.Contains(got, "CPPO") {
		t.Errorf("the CPPO offers of the opportunity:\n%s", got)
	}
	if got := eval[*liveLineState](b, liveLine); got != nil {
		t.Errorf("the page still waits once the offer arrived: %+v", *got)
	}
}

// TestBrowser_LiveWaitingLineIsAccessibleAndThePageUpdatesItself opens a PENDING_CREATE
// opportunity of a console without jobs (it stays pending until the test publishes it): the
// waiting line says, with the script, that the page updates by itself; the page passes
// axe-core and is saved as screenshots; once the store publishes it, the page shows ACTIVE
// without being reloaded by the test, and its live line says so.
func TestBrowser_LiveWaitingLineIsAccessibleAndThePageUpdatesItself(t *testing.T) {
	b := newBrowser(t, 2*time.Minute)
	f := newFixture(t, sqldb.EngineSQLite)
	ctx := f.ctx(f.acme)
	typ, name, reseller, cur, dur := dealdesk.OfferCPPOOut, "Pending deal", "111122223333", dealdesk.USD, "P12M"
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
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.do("sign in and open the pending opportunity",
		chromedp.Navigate(f.srv.URL+"/offers/"+o.ID), chromedp.WaitVisible(css(`#email`)),
		chromedp.SendKeys(css(`#email`), f.email), chromedp.SendKeys(css(`#password`), testPassword),
		chromedp.Click(css(`main form button[type="submit"]`)), chromedp.WaitVisible(css(`#offer-status`)))
	waiting := eval[*liveLineState](b, liveLine)
	if waiting == nil {
		t.Fatal("the PENDING_CREATE opportunity's page has no waiting line")
	}
	checkLiveLine(t, "PENDING_CREATE", waiting)
	b.shots("opportunity-waiting")
	b.axe("a pending opportunity's page")

	if _, err := f.db.PublishSucceeded(ctx, o.ID, "resaleauthz-pending1", nil, dealdesk.TimelineEntry{Kind: dealdesk.TimelinePublished,
		At: time.Now().UTC(), Source: dealdesk.SourceCall, SourceRef: "cs-pending1", Summary: "AWS published the opportunity"}); err != nil {
		t.Fatal(err)
	}
	b.waitLive("the opportunity ACTIVE", `document.getElementById("offer-status")?.textContent.trim() === "ACTIVE"`)
	if got := eval[string](b, `performance.getEntriesByType("navigation")[0].type`); got != "reload" {
		t.Errorf("the ACTIVE page came by a %q navigation, want the script's reload", got)
	}
	b.waitLive("the update announced", `document.getElementById("live-refresh").textContent === "Updated: the status is ACTIVE."`)
	b.axe("the opportunity's page updated")
}
