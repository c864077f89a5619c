package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealdesk/dealdesk/sqldb"
)

// TestBrowser_OffersFiltersWithTheKeyboard filters the offers list with the keyboard alone in a
// real Chromium: a product picked by typing its first letter, a name search, Enter. The filtered
// page, the empty result and a bad filter's page are checked with axe-core and saved as
// screenshots at 1280 and 390 px, where the filters must fit without sideways scrolling.
func TestBrowser_OffersFiltersWithTheKeyboard(t *testing.T) {
	b := newBrowser(t, 2*time.Minute)
	f := newFilterFixture(t, sqldb.EngineSQLite)
	typeInto := func(sel, text string) {
		t.Helper()
		b.tabTo(sel)
		b.do("type into "+sel, chromedp.KeyEvent(text))
	}
	b.do("open the console", chromedp.Navigate(f.srv.URL+"/offers"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	typeInto(`#email`, f.email)
	typeInto(`#password`, testPassword)
	b.do("sign in with Enter", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#nameContains`)))

	typeInto(`#productId`, "S") // "Second Product (prod-webtest2)"
	if got := eval[string](b, `document.getElementById("productId").value`); got != f.product2.ID {
		t.Fatalf("the product picked by typing S = %q, want %s", got, f.product2.ID)
	}
	typeInto(`#nameContains`, "ACME")
	b.do("filter with Enter", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/offers?type=CPPO_OUT"]`)))
	b.do("wait for the filtered list", chromedp.WaitVisible(chromedp.CSS(`table.list`)))
	if got := eval[[]string](b, `[...document.querySelectorAll("table.list tbody a")].map(a => a.textContent)`); strings.Join(got, ",") != "Acme Seats,acme pilot" {
		t.Errorf("the filtered list = %q, want Acme Seats and acme pilot", got)
	}
	if got := eval[string](b, `document.getElementById("nameContains").value`); got != "ACME" {
		t.Errorf("the search field after filtering = %q, want ACME", got)
	}
	b.shots("offers-filtered")
	b.axe("the filtered offers page")

	b.do("search for a name no offer has", chromedp.Navigate(f.srv.URL+"/offers?type=CPPO_OUT&nameContains=nothing+like+it"),
		chromedp.WaitVisible(chromedp.CSS(`#offers-empty`)))
	if got := b.text(`#offers-empty`); got != "No offers match these filters." {
		t.Errorf("the empty result says %q", got)
	}
	b.axe("the offers page without matches")

	b.do("filter by an unknown product", chromedp.Navigate(f.srv.URL+"/offers?type=CPPO_OUT&productId=prd_nosuch&resellerAccountId=12&nameContains="+strings.Repeat("x", 101)),
		chromedp.WaitVisible(chromedp.CSS(`#filter-errors`)))
	if n := eval[int](b, `document.querySelectorAll('[role="alert"] li').length`); n != 3 {
		t.Errorf("the page names %d bad filters, want 3 (product, reseller, name)", n)
	}
	b.shots("offers-bad-filters")
	b.axe("the offers page with bad filters")
}
