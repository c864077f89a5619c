package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// validForm is a complete Create CPPO form for the fixture's product.
func (f *fixture) validForm(token string) url.Values {
	expiry := time.Now().UTC().AddDate(0, 2, 0).Format("2006-01-02")
	return url.Values{"csrf": {token}, "productId": {f.product.ID}, "name": {"Acme via Reseller"},
		"resellerAccountId": {"111122223333"}, "buyerAccountIds[0]": {"444455556666"}, "buyerAccountIds[1]": {"777788889999"},
		"commitAmount": {"12000.00"}, "currency": {"USD"}, "contractDuration": {"P12M"},
		"entitled.seats": {"10"}, "price.api_calls": {"0.002"}, "expiryDate": {expiry},
		"eula.type": {"STANDARD"}, "resellerContract.type": {"NONE"}, "action": {"submit"}}
}

// fieldErrorOf returns the error shown right after the input named name, or "".
func fieldErrorOf(body, name string) string {
	re := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*>\s*(?:<datalist[^>]*>.*?</datalist>\s*)?<p class="field-error" id="[^"]+">([^<]*)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestCreateCPPO_BadValuesShowTheDomainsErrorNextToTheirFields(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/offers/new")
		for _, label := range []string{`<label for="name">`, `<label for="resellerAccountId">`, `<label for="commitAmount">`,
			`<label for="entitled.seats">`, `<label for="price.api_calls">`, `<label for="expiryDate">`, `<label for="eula-custom">`,
			`<label class="visually-hidden" for="installments[0].amount">`} {
			if !strings.Contains(body, label) {
				t.Errorf("the form lacks %s", label)
			}
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /offers/new: %s", resp.Status)
		}

		form := f.validForm(token)
		form.Set("resellerAccountId", "12345")     // a domain rule: 12 digits
		form.Set("price.api_calls", "0.123456789") // a domain rule: at most 8 decimals
		form.Set("commitAmount", "12,000")         // not a number at all
		form.Set("installments[0].chargeDate", "2020-01-01")
		form.Set("installments[0].amount", "12000.00") // installments need a one-time opportunity
		resp, body = f.postBody(t, c, "/offers", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %s, want 422", resp.Status)
		}
		for name, want := range map[string]string{
			"resellerAccountId":          "must be a 12-digit AWS account ID",
			"price.api_calls":            "must have at most 8 decimals",
			"commitAmount":               "must be",
			"installments[0].chargeDate": "must be after today",
		} {
			if got := fieldErrorOf(body, name); !strings.Contains(got, want) {
				t.Errorf("error next to %s = %q, want it to say %q", name, got, want)
			}
		}
		// A value that is not a number is told in the form's words, once: not also "is required".
		if got := fieldErrorOf(body, "commitAmount"); got != "must be a number such as 12000.00: digits and at most one decimal point, without commas, spaces or a currency sign" {
			t.Errorf("error next to the commit 12,000 = %q", got)
		}
		if !strings.Contains(body, `value="12345"`) || !strings.Contains(body, `value="12,000"`) {
			t.Errorf("the refused values are not shown back for correction")
		}
		if offers, _, _ := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{}); len(offers) != 0 {
			t.Fatalf("a refused form stored %d offers", len(offers))
		}

		// Only the domain's rule (no form-side one): the same refusal the API gives.
		form = f.validForm(token)
		form.Set("resellerAccountId", "12345")
		resp, body = f.postBody(t, c, "/offers", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldErrorOf(body, "resellerAccountId") != "must be a 12-digit AWS account ID" {
			t.Fatalf("domain-only error: %s, %q", resp.Status, fieldErrorOf(body, "resellerAccountId"))
		}

		// Fixed, it is saved and submitted, and its page shows it.
		resp = f.post(t, c, "/offers", f.validForm(token))
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/offers/off") {
			t.Fatalf("good form: %s, Location %q", resp.Status, loc)
		}
		resp, body = f.get(t, c, loc)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Acme via Reseller") || !strings.Contains(body, "PENDING_CREATE") {
			t.Fatalf("the opportunity's page: %s\n%s", resp.Status, body)
		}
	})
}

func TestCreateCPPO_SaveAsDraftAllowsMissingFields(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp := f.post(t, c, "/offers", url.Values{"csrf": {token}, "productId": {f.product.ID}, "name": {"Half done"}, "action": {"draft"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("draft: %s", resp.Status)
		}
		offers, _, err := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{})
		if err != nil || len(offers) != 1 || offers[0].Status != dealdesk.OfferDraft || offers[0].Name != "Half done" {
			t.Fatalf("offers = %+v, %v", offers, err)
		}
		// Submitting the same incomplete form names each missing field.
		resp, body := f.postBody(t, c, "/offers", url.Values{"csrf": {token}, "productId": {f.product.ID}, "name": {"Half done"}, "action": {"submit"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldErrorOf(body, "resellerAccountId") != "is required" {
			t.Fatalf("incomplete submit: %s, resellerAccountId error %q", resp.Status, fieldErrorOf(body, "resellerAccountId"))
		}
	})
}

func TestOfferList_TabsStatusFilterAndPages(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		for i := range 27 {
			f.draft(t, f.acme, "Deal "+string(rune('A'+i%26))+strings.Repeat("!", i/26))
		}
		c := f.client(t)
		f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/offers")
		rows := strings.Count(body, `<a href="/offers/off`)
		if resp.StatusCode != http.StatusOK || rows != 25 || !strings.Contains(body, `rel="next"`) {
			t.Fatalf("first page: %s, %d rows, want 25 and a next page", resp.Status, rows)
		}
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body)[1]
		_, body = f.get(t, c, strings.ReplaceAll(next, "&amp;", "&"))
		if rows := strings.Count(body, `<a href="/offers/off`); rows != 2 || strings.Contains(body, `rel="next"`) {
			t.Fatalf("second page: %d rows, want 2 and no next page", rows)
		}
		_, body = f.get(t, c, "/offers?type=CPPO_OUT&status=ACTIVE")
		if rows := strings.Count(body, `<a href="/offers/off`); rows != 0 {
			t.Fatalf("status ACTIVE: %d rows, want 0", rows)
		}
		_, body = f.get(t, c, "/offers?type=CPPO")
		if rows := strings.Count(body, `<a href="/offers/off`); rows != 0 || !strings.Contains(body, `aria-current="page">CPPO offers`) {
			t.Fatalf("CPPO tab: %d rows, want 0, and its tab current", rows)
		}
		if resp, _ := f.get(t, c, "/offers?status=NOPE"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("unknown status: %s, want 422", resp.Status)
		}
	})
}

func TestCreateCPPO_AnActionNoButtonPostsIsRefused(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		o := f.draft(t, f.acme, "Stored draft")
		for _, path := range []string{"/offers", "/offers/" + o.ID + "/edit"} {
			for _, action := range [][]string{{"bogus"}, {"add-buyerX"}, {"Draft"}, {"submit "}, {"add-buyer:1"}, {"remove-buyer"},
				{"remove-buyer:"}, {"remove-buyer:x"}, {"remove-buyer:-1"}, {"remove-buyer:01"}, {"remove-installment:+1"}, {"draft", "submit"}} {
				form := f.validForm(token)
				form["action"] = action
				resp, body := f.postBody(t, c, path, form)
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("POST %s action %q: %s, want 400", path, action, resp.Status)
				}
				if want := "Nothing was saved."; !strings.Contains(body, want) {
					t.Errorf("POST %s action %q: the page does not say %q:\n%s", path, action, want, body)
				}
				if len(action) == 1 && !strings.Contains(html.UnescapeString(body), `Unknown action "`+action[0]+`"`) {
					t.Errorf("POST %s action %q: the page does not name the action", path, action)
				}
			}
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Name != "Stored draft" {
			t.Errorf("the stored draft after refused actions: %+v, %v", got, err)
		}
		if n := f.countOffers(t, f.acme); n != 1 {
			t.Fatalf("refused actions stored %d offers", n)
		}

		// No action (an older page, a script), or an empty one, saves a draft, as Enter does.
		for i, action := range [][]string{nil, {""}} {
			form := f.validForm(token)
			form["action"] = action
			form.Set("name", fmt.Sprintf("No action %d", i))
			if resp := f.post(t, c, "/offers", form); resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "?notice=saved") {
				t.Errorf("create with action %q: %s %s, want 303 to the saved draft", action, resp.Status, resp.Header.Get("Location"))
			}
			form.Set("name", fmt.Sprintf("Edited %d", i))
			if resp := f.post(t, c, "/offers/"+o.ID+"/edit", form); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("edit with action %q: %s, want 303", action, resp.Status)
			}
			if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Name != fmt.Sprintf("Edited %d", i) || got.Status != dealdesk.OfferDraft {
				t.Errorf("the draft after an edit with action %q: %+v, %v", action, got, err)
			}
		}
		if n := f.countOffers(t, f.acme); n != 3 {
			t.Errorf("%d offers, want the draft and two created without an action", n)
		}
	})
}

// TestCreateCPPO_ChoosingTheProductKeepsWhatWasTyped: the product picker is a button of the
// form (action=pick-product): it lays the form out for the product chosen, keeps what was typed
// and saves nothing.
func TestCreateCPPO_ChoosingTheProductKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		_, body := f.get(t, c, "/offers/new")
		if !strings.Contains(body, `<select id="pick-product" name="productId">`) || !strings.Contains(body, `value="pick-product"`) ||
			strings.Contains(body, `method="get" action="/offers/new"`) {
			t.Fatalf("the picker should be part of the form:\n%s", body)
		}
		form := url.Values{"csrf": {token}, "action": {"pick-product"}, "productId": {f.product.ID}, "name": {"Typed before choosing"},
			"commitAmount": {"5000.00"}}
		resp, body := f.postBody(t, c, "/offers", form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="Typed before choosing"`) || !strings.Contains(body, `value="5000.00"`) ||
			!strings.Contains(body, `<option value="`+f.product.ID+`" selected>`) || strings.Contains(body, `class="field-error"`) {
			t.Fatalf("choosing the product: %s\n%s", resp.Status, body)
		}
		if offers, _, _ := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{}); len(offers) != 0 {
			t.Fatalf("choosing the product stored %d offers", len(offers))
		}
	})
}
