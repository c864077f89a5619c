package web_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// signInAndOpenForm signs the fixture's user in and opens Create CPPO.
func (b *browser) signInAndOpenForm(f *fixture) {
	b.t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.do("sign in and open Create CPPO",
		chromedp.Navigate(f.srv.URL+"/offers"), chromedp.WaitVisible(css(`#email`)),
		chromedp.SendKeys(css(`#email`), f.email), chromedp.SendKeys(css(`#password`), testPassword),
		chromedp.Click(css(`main form button[type="submit"]`)), chromedp.WaitVisible(css(`a.button[href="/offers/new"]`)),
		chromedp.Navigate(f.srv.URL+"/offers/new"), chromedp.WaitVisible(css(`#name`)))
}

// rowValues returns name=value of the form's inputs whose names start with prefix, in page
// order (the template rows' inputs are not in the document).
func (b *browser) rowValues(prefix string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll('#opportunity-form input[name^=%q]')].map(e => e.name + "=" + e.value)`, prefix))
}

// focused returns the id of the focused element.
func (b *browser) focused() string {
	b.t.Helper()
	return eval[string](b, `document.activeElement ? document.activeElement.id || document.activeElement.value : ""`)
}

// TestBrowser_FormRowsWithJavaScript adds three buyers and removes the middle one, adds
// installments and watches their total against the commit change as amounts are typed (short,
// not a number, exact), all in the page without a round trip, then submits the form and finds
// exactly the remaining buyers and installments on the opportunity.
func TestBrowser_FormRowsWithJavaScript(t *testing.T) {
	b := newBrowser(t, 2*time.Minute)
	f := newFixture(t, sqldb.EngineSQLite)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	id := func(s string) chromedp.CSS { return chromedp.CSS(`[id="` + s + `"]`) }
	today := time.Now().UTC()
	b.signInAndOpenForm(f)
	if !eval[bool](b, `document.documentElement.classList.contains("js")`) {
		t.Fatal("app.js did not run")
	}
	// A round trip would load a new document, without this mark.
	eval[bool](b, `window.sameDocument = true`)

	b.do("fill in the opportunity",
		chromedp.SendKeys(css(`#name`), "Rows deal"),
		chromedp.SendKeys(css(`#resellerAccountId`), "111122223333"),
		chromedp.SendKeys(css(`#commitAmount`), "12000.00"),
		chromedp.SendKeys(id("entitled.seats"), "10"),
		chromedp.SendKeys(id("price.api_calls"), "0.002"),
		chromedp.SetValue(css(`#expiryDate`), today.AddDate(0, 2, 0).Format(time.DateOnly)),
		chromedp.Click(css(`#oneTime`)))

	b.do("add three buyers",
		chromedp.SendKeys(id("buyerAccountIds[0]"), "100000000001"),
		chromedp.Click(css(`button[value="add-buyer"]`)))
	if got := b.focused(); got != "buyerAccountIds[1]" {
		t.Errorf("after Add a buyer the focus is on %q, want the new row's input", got)
	}
	b.do("type the second and add a third",
		chromedp.KeyEvent("100000000002"),
		chromedp.Click(css(`button[value="add-buyer"]`)),
		chromedp.SendKeys(id("buyerAccountIds[2]"), "100000000003"))
	if got := b.text(`#rows-status`); got != "Buyer 3 added." {
		t.Errorf("the live region says %q after the third buyer", got)
	}
	if got := b.text(`label[for="buyerAccountIds[2]"]`); got != "Buyer AWS account ID 3" {
		t.Errorf("the third buyer's label: %q", got)
	}
	b.do("remove the middle buyer", chromedp.Click(css(`button[value="remove-buyer:1"]`)))
	if got, want := b.rowValues("buyerAccountIds"), []string{"buyerAccountIds[0]=100000000001", "buyerAccountIds[1]=100000000003"}; !slices.Equal(got, want) {
		t.Errorf("buyers after removing the middle one: %v, want %v", got, want)
	}
	if got := b.text(`label[for="buyerAccountIds[1]"]`); got != "Buyer AWS account ID 2" {
		t.Errorf("the renumbered buyer's label: %q", got)
	}
	if got := eval[[]string](b, `[...document.querySelectorAll('[data-rows="buyer"] [data-remove-row]')].map(e => e.value)`); !slices.Equal(got, []string{"remove-buyer:0", "remove-buyer:1"}) {
		t.Errorf("the Remove buttons after renumbering: %v", got)
	}
	if got := b.focused(); got != "buyerAccountIds[0]" {
		t.Errorf("after Remove the focus is on %q, want the previous row's input", got)
	}
	if got := b.text(`#rows-status`); got != "Buyer 2 removed; 2 left." {
		t.Errorf("the live region says %q after the remove", got)
	}

	retype := func(sel, text string) {
		t.Helper()
		eval[string](b, fmt.Sprintf(`document.querySelector(%q).value = ""`, sel))
		b.do("type "+text+" into "+sel, chromedp.SendKeys(css(sel), text))
	}
	sum := func(want string) {
		t.Helper()
		if got := b.text(`#installments-sum`); got != want {
			t.Errorf("the installments' total says %q, want %q", got, want)
		}
	}
	b.do("the first installment",
		chromedp.SetValue(id("installments[0].chargeDate"), today.AddDate(0, 3, 0).Format(time.DateOnly)),
		chromedp.SendKeys(id("installments[0].amount"), "4000.00"))
	sum("Installments total 4,000.00 of the 12,000.00 USD commit: 8,000.00 short.")
	b.do("the second, typed in part", chromedp.SetValue(id("installments[1].chargeDate"), today.AddDate(0, 4, 0).Format(time.DateOnly)),
		chromedp.SendKeys(id("installments[1].amount"), "7999.9"))
	sum("Installments total 11,999.90 of the 12,000.00 USD commit: 0.10 short.")
	b.do("the second, typed out", chromedp.SendKeys(id("installments[1].amount"), "9"))
	sum("Installments total 11,999.99 of the 12,000.00 USD commit: 0.01 short.")
	retype(`[id="installments[1].amount"]`, "8000")
	sum("Installments total 12,000.00 of the 12,000.00 USD commit.")
	retype(`#commitAmount`, "13000.00")
	sum("Installments total 12,000.00 of the 13,000.00 USD commit: 1,000.00 short.")
	retype(`#commitAmount`, "12000.00")
	sum("Installments total 12,000.00 of the 12,000.00 USD commit.")

	b.do("add a third installment", chromedp.Click(css(`button[value="add-installment"]`)))
	if got := b.focused(); got != "installments[2].chargeDate" {
		t.Errorf("after Add an installment the focus is on %q, want the new row's date", got)
	}
	b.do("type an amount that is not a number", chromedp.SendKeys(id("installments[2].amount"), "1,5"))
	sum("Installments total: the amount of installment 3 is not a number.")
	b.shots("create-cppo-rows")
	b.axe("the Create CPPO form with rows added")
	b.do("remove it", chromedp.Click(css(`button[value="remove-installment:2"]`)))
	sum("Installments total 12,000.00 of the 12,000.00 USD commit.")
	if got := b.focused(); got != "installments[1].chargeDate" {
		t.Errorf("after removing the third installment the focus is on %q, want the second's date", got)
	}
	if !eval[bool](b, `window.sameDocument === true`) {
		t.Fatal("adding and removing rows left the page: the script did not do them in place")
	}

	b.do("submit", chromedp.Click(css(`button[value="submit"]`)), chromedp.WaitVisible(css(`#offer-status`)))
	offers, _, err := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut})
	if err != nil || len(offers) != 1 {
		t.Fatalf("the stored opportunities: %+v, %v", offers, err)
	}
	o := offers[0]
	if !slices.Equal(o.BuyerAccountIDs, []string{"100000000001", "100000000003"}) {
		t.Errorf("the stored buyers: %v", o.BuyerAccountIDs)
	}
	var amounts []string
	for _, in := range o.Installments {
		amounts = append(amounts, in.Amount.String())
	}
	if !slices.Equal(amounts, []string{"4000.00", "8000"}) {
		t.Errorf("the stored installments' amounts: %v", amounts)
	}
}

// TestBrowser_FormRowsWithoutJavaScript runs the Create CPPO form with JavaScript off: Add a
// buyer and Remove post the form, which comes back with the row added (its input focused) or
// removed and nothing saved; Enter in a field saves the draft (the form's default button, not a
// row's Remove), with the buyers entered.
func TestBrowser_FormRowsWithoutJavaScript(t *testing.T) {
	b := newBrowser(t, 2*time.Minute)
	f := newFixture(t, sqldb.EngineSQLite)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	id := func(s string) chromedp.CSS { return chromedp.CSS(`[id="` + s + `"]`) }
	scripts := func(off bool) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
			return err
		})
	}
	b.do("turn JavaScript off", scripts(true))
	b.signInAndOpenForm(f)
	if eval[bool](b, `document.documentElement.classList.contains("js")`) {
		t.Fatal("app.js ran with JavaScript off")
	}

	b.do("a buyer, and Add a buyer",
		chromedp.SendKeys(css(`#name`), "No-script deal"),
		chromedp.SendKeys(id("buyerAccountIds[0]"), "100000000001"),
		chromedp.Click(css(`button[value="add-buyer"]`)),
		chromedp.WaitVisible(id("buyerAccountIds[1]")))
	if got := b.focused(); got != "buyerAccountIds[1]" {
		t.Errorf("the page came back with the focus on %q, want the new buyer row", got)
	}
	if n := f.countOffers(t, f.acme); n != 0 {
		t.Fatalf("Add a buyer stored %d offers", n)
	}
	b.do("a second buyer, a third row and an installment row",
		chromedp.KeyEvent("100000000002"),
		chromedp.Click(css(`button[value="add-buyer"]`)),
		chromedp.WaitVisible(id("buyerAccountIds[2]")),
		chromedp.Click(css(`button[value="add-installment"]`)),
		chromedp.WaitVisible(id("installments[2].amount")))
	if got, want := b.rowValues("buyerAccountIds"), []string{"buyerAccountIds[0]=100000000001", "buyerAccountIds[1]=100000000002", "buyerAccountIds[2]="}; !slices.Equal(got, want) {
		t.Errorf("buyers after two adds: %v, want %v", got, want)
	}
	// Without the script the server's page says what was done, next to the rows, as a status.
	if got := b.text(`#installments-notice[role="status"]`); got != "Installment 3 added." {
		t.Errorf("the notice next to the installments: %q, want Installment 3 added.", got)
	}
	b.shots("create-cppo-rows-noscript")
	// axe-core needs the page's timers: scripts go on for it (app.js, skipped when the page
	// loaded, does not run now) and off again.
	b.do("JavaScript on for axe-core", scripts(false))
	b.axe("the Create CPPO form without JavaScript, rows added")
	b.do("JavaScript off again", scripts(true))
	if eval[bool](b, `document.documentElement.classList.contains("js")`) {
		t.Fatal("app.js ran on the page loaded without JavaScript")
	}
	b.do("remove the first buyer",
		chromedp.Click(css(`button[value="remove-buyer:0"]`)),
		chromedp.WaitNotPresent(id("buyerAccountIds[2]")))
	if got, want := b.rowValues("buyerAccountIds"), []string{"buyerAccountIds[0]=100000000002", "buyerAccountIds[1]="}; !slices.Equal(got, want) {
		t.Errorf("buyers after removing the first: %v, want %v", got, want)
	}
	if got := b.focused(); got != "add-buyer" {
		t.Errorf("after Remove the focus is on %q, want Add a buyer", got)
	}
	if n := f.countOffers(t, f.acme); n != 0 {
		t.Fatalf("the row buttons stored %d offers", n)
	}

	b.do("Enter in the name saves the draft",
		chromedp.Click(css(`#name`)), chromedp.KeyEvent("\r"), chromedp.WaitVisible(css(`#offer-status`)))
	offers, _, err := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut})
	if err != nil || len(offers) != 1 || offers[0].Status != dealdesk.OfferDraft || offers[0].Name != "No-script deal" ||
		!slices.Equal(offers[0].BuyerAccountIDs, []string{"100000000002"}) {
		t.Fatalf("the stored opportunities: %+v, %v", offers, err)
	}
}
