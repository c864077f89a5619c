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

// inputValues returns the values of the inputs whose names re matches, in page order, as
// name=value.
func inputValues(body string, re string) []string {
	var got []string
	for _, m := range regexp.MustCompile(`<input id="[^"]*" name="(`+re+`)" (?:type="date" )?value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		got = append(got, m[1]+"="+m[2])
	}
	return got
}

// errorByID returns the field error the element of id errID shows, or "".
func errorByID(body, errID string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(errID) + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// sumOf returns the installments' total the form shows.
func sumOf(body string) string {
	m := regexp.MustCompile(`<p class="sum" id="installments-sum">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// countOffers returns how many offers org has.
func (f *fixture) countOffers(t *testing.T, org string) int {
	t.Helper()
	offers, _, err := f.db.FindOffers(f.ctx(org), dealdesk.OfferFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(offers)
}

func TestCreateCPPO_RowButtonsAddAndRemoveRowsWithoutSaving(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		later := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)

		_, body := f.get(t, c, "/offers/new")
		if got := inputValues(body, `buyerAccountIds\[\d+\]`); len(got) != 1 || got[0] != "buyerAccountIds[0]=" {
			t.Errorf("a new form's buyer rows: %v, want one empty", got)
		}
		if !strings.Contains(body, `<label for="buyerAccountIds[0]">Buyer AWS account ID <span data-row-number>1</span></label>`) {
			t.Errorf("the first buyer row is not labelled as buyer 1")
		}

		t.Run("add a buyer", func(t *testing.T) {
			form := f.validForm(token)
			form.Set("commitAmount", "not money") // not checked: nothing is
			form.Set("action", "add-buyer")
			resp, body := f.postBody(t, c, "/offers", form)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("add-buyer: %s, want 200", resp.Status)
			}
			want := []string{"buyerAccountIds[0]=444455556666", "buyerAccountIds[1]=777788889999", "buyerAccountIds[2]="}
			if got := inputValues(body, `buyerAccountIds\[\d+\]`); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("buyer rows after add: %v, want %v", got, want)
			}
			if !regexp.MustCompile(`name="buyerAccountIds\[2\]"[^>]*autofocus`).MatchString(body) {
				t.Errorf("the new buyer row's input is not focused")
			}
			// Said next to the buyers, visibly, as a status (text in a live region at page load
			// is not announced); the script's live region is empty.
			if !regexp.MustCompile(`(?s)id="buyers".*<p class="notice" role="status" id="buyers-notice">Buyer 3 added.</p>.*id="installments"`).MatchString(body) ||
				strings.Contains(body, `installments-notice`) {
				t.Errorf("no notice next to the buyers that buyer 3 was added")
			}
			if !strings.Contains(body, `id="rows-status" aria-live="polite"></p>`) {
				t.Errorf("the live region is not empty at page load")
			}
			if strings.Contains(body, `class="field-error"`) || strings.Contains(body, `id="form-error"`) {
				t.Errorf("a row action showed validation errors")
			}
			for _, kept := range []string{`value="Acme via Reseller"`, `value="not money"`, `value="111122223333"`, `value="0.002"`} {
				if !strings.Contains(body, kept) {
					t.Errorf("the value %s was not kept", kept)
				}
			}
			if n := f.countOffers(t, f.acme); n != 0 {
				t.Errorf("adding a row stored %d offers", n)
			}
		})

		t.Run("remove a middle buyer renumbers the rest", func(t *testing.T) {
			form := f.validForm(token)
			form.Set("buyerAccountIds[2]", "121212121212")
			form.Set("action", "remove-buyer:1")
			resp, body := f.postBody(t, c, "/offers", form)
			want := []string{"buyerAccountIds[0]=444455556666", "buyerAccountIds[1]=121212121212"}
			if got := inputValues(body, `buyerAccountIds\[\d+\]`); resp.StatusCode != http.StatusOK || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("remove-buyer:1: %s, rows %v, want %v", resp.Status, got, want)
			}
			buttons := regexp.MustCompile(`value="(remove-buyer:\d+)"`).FindAllStringSubmatch(body, -1)
			if len(buttons) != 2 || buttons[0][1] != "remove-buyer:0" || buttons[1][1] != "remove-buyer:1" {
				t.Errorf("remove buttons after the remove: %v", buttons)
			}
			if !regexp.MustCompile(`value="add-buyer"[^>]*autofocus`).MatchString(body) {
				t.Errorf("after a remove the Add a buyer button is not focused")
			}
			if n := f.countOffers(t, f.acme); n != 0 {
				t.Errorf("removing a row stored %d offers", n)
			}
			// A remove of a row that is not there changes nothing; one that no button posts is
			// refused (TestCreateCPPO_AnActionNoButtonPostsIsRefused).
			form.Set("action", "remove-buyer:3")
			resp, body = f.postBody(t, c, "/offers", form)
			if n := len(inputValues(body, `buyerAccountIds\[\d+\]`)); resp.StatusCode != http.StatusOK || n != 3 || strings.Contains(body, "buyers-notice") {
				t.Errorf("action remove-buyer:3: %s, %d buyer rows, want the 3 untouched and no notice", resp.Status, n)
			}
		})

		t.Run("add and remove installments", func(t *testing.T) {
			form := f.validForm(token)
			form.Set("installments[0].chargeDate", later)
			form.Set("installments[0].amount", "2000.00")
			form.Set("installments[1].chargeDate", "")
			form.Set("installments[1].amount", "4000.00")
			form.Set("installments[2].amount", "6000.00")
			form.Set("action", "add-installment")
			_, body := f.postBody(t, c, "/offers", form)
			want := []string{"installments[0].amount=2000.00", "installments[1].amount=4000.00", "installments[2].amount=6000.00", "installments[3].amount="}
			if got := inputValues(body, `installments\[\d+\]\.amount`); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("installment rows after add: %v, want %v", got, want)
			}
			if got := inputValues(body, `installments\[0\]\.chargeDate`); fmt.Sprint(got) != "[installments[0].chargeDate="+later+"]" {
				t.Errorf("the first charge date: %v", got)
			}
			if !regexp.MustCompile(`(?s)id="installments".*<p class="notice" role="status" id="installments-notice">Installment 4 added.</p>`).MatchString(body) ||
				strings.Contains(body, `buyers-notice`) {
				t.Errorf("no notice next to the installments that installment 4 was added")
			}
			if got := sumOf(body); got != "Installments total 12,000.00 of the 12,000.00 USD commit." {
				t.Errorf("the total: %q", got)
			}

			form.Set("action", "remove-installment:0")
			_, body = f.postBody(t, c, "/offers", form)
			want = []string{"installments[0].amount=4000.00", "installments[1].amount=6000.00"}
			if got := inputValues(body, `installments\[\d+\]\.amount`); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("installment rows after removing the first: %v, want %v", got, want)
			}
			if got := sumOf(body); got != "Installments total 10,000.00 of the 12,000.00 USD commit: 2,000.00 short." {
				t.Errorf("the total after the remove: %q", got)
			}
			if n := f.countOffers(t, f.acme); n != 0 {
				t.Errorf("installment rows stored %d offers", n)
			}
		})

		t.Run("the edit form's buttons leave the stored draft alone", func(t *testing.T) {
			o := f.draft(t, f.acme, "Stored draft")
			form := url.Values{"csrf": {token}, "productId": {f.product.ID}, "name": {"Renamed"}, "buyerAccountIds[0]": {"444455556666"}, "action": {"add-buyer"}}
			resp, body := f.postBody(t, c, "/offers/"+o.ID+"/edit", form)
			if resp.StatusCode != http.StatusOK || len(inputValues(body, `buyerAccountIds\[\d+\]`)) != 2 || !strings.Contains(body, `value="Renamed"`) {
				t.Errorf("add-buyer on the edit form: %s, buyers %v", resp.Status, inputValues(body, `buyerAccountIds\[\d+\]`))
			}
			if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Name != "Stored draft" || len(got.BuyerAccountIDs) != 0 {
				t.Errorf("the stored draft after a row action: %+v, %v", got, err)
			}
			if n := f.countOffers(t, f.acme); n != 1 {
				t.Errorf("%d offers, want the one draft", n)
			}
		})

		t.Run("a row action needs the CSRF token", func(t *testing.T) {
			form := f.validForm(token)
			form.Set("action", "add-buyer")
			form.Del("csrf")
			if resp, body := f.postBody(t, c, "/offers", form); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "444455556666") {
				t.Errorf("add-buyer without a CSRF token: %s, want 403 without the form", resp.Status)
			}
		})
	})
}

func TestCreateCPPO_RowButtonsStopAtTheDomainsCaps(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		addButton := func(body, action string) (offered bool) {
			m := regexp.MustCompile(`<button [^>]*value="` + action + `"[^>]*>`).FindString(body)
			if m == "" {
				t.Fatalf("no %s button", action)
			}
			return !strings.Contains(m, " hidden")
		}

		form := url.Values{"csrf": {token}, "productId": {f.product.ID}, "action": {"add-buyer"}}
		for i := range dealdesk.MaxBuyerAccounts - 1 {
			form.Set(fmt.Sprintf("buyerAccountIds[%d]", i), fmt.Sprintf("1000000000%02d", i))
		}
		_, body := f.postBody(t, c, "/offers", form)
		if n := len(inputValues(body, `buyerAccountIds\[\d+\]`)); n != dealdesk.MaxBuyerAccounts || addButton(body, "add-buyer") {
			t.Errorf("at %d buyers: %d rows, Add offered %v; want the cap and no Add", dealdesk.MaxBuyerAccounts, n, addButton(body, "add-buyer"))
		}
		form.Set(fmt.Sprintf("buyerAccountIds[%d]", dealdesk.MaxBuyerAccounts-1), "")
		_, body = f.postBody(t, c, "/offers", form) // add-buyer posted at the cap anyway
		if n := len(inputValues(body, `buyerAccountIds\[\d+\]`)); n != dealdesk.MaxBuyerAccounts || !strings.Contains(body, "At most 25 buyers.") {
			t.Errorf("add-buyer beyond the cap: %d rows", n)
		}
		form.Set("action", "remove-buyer:3")
		_, body = f.postBody(t, c, "/offers", form)
		if n := len(inputValues(body, `buyerAccountIds\[\d+\]`)); n != dealdesk.MaxBuyerAccounts-1 || !addButton(body, "add-buyer") {
			t.Errorf("below the cap again: %d rows, Add offered %v", n, addButton(body, "add-buyer"))
		}

		form = url.Values{"csrf": {token}, "productId": {f.product.ID}, "action": {"add-installment"}}
		for i := range dealdesk.MaxInstallments - 1 {
			form.Set(fmt.Sprintf("installments[%d].amount", i), "1")
		}
		_, body = f.postBody(t, c, "/offers", form)
		if n := len(inputValues(body, `installments\[\d+\]\.amount`)); n != dealdesk.MaxInstallments || addButton(body, "add-installment") {
			t.Errorf("at %d installments: %d rows, Add offered %v", dealdesk.MaxInstallments, n, addButton(body, "add-installment"))
		}
		_, body = f.postBody(t, c, "/offers", form)
		if !addButton(body, "add-buyer") {
			t.Errorf("a form without buyer rows offers no Add a buyer")
		}
		if n := f.countOffers(t, f.acme); n != 0 {
			t.Errorf("row actions stored %d offers", n)
		}
	})
}

func TestCreateCPPO_RowErrorsShowNextToTheirRow(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)

		// Blank rows are skipped: the domain's buyerAccountIds[0] and installments[0] are the
		// second rows of the form.
		form := f.validForm(token)
		form.Set("buyerAccountIds[0]", "")
		form.Set("buyerAccountIds[1]", "123")
		form.Set("installments[0].chargeDate", "")
		form.Set("installments[0].amount", "")
		form.Set("installments[1].chargeDate", "2020-01-01")
		form.Set("installments[1].amount", "12000.00")
		form.Set("oneTime", "on")
		resp, body := f.postBody(t, c, "/offers", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad rows: %s, want 422", resp.Status)
		}
		if got := errorByID(body, "error-buyerAccountIds-1"); got != "must be a 12-digit AWS account ID" {
			t.Errorf("error next to the second buyer row = %q", got)
		}
		if !strings.Contains(body, `name="buyerAccountIds[1]" value="123" inputmode="numeric" autocomplete="off" aria-describedby="error-buyerAccountIds-1"`) {
			t.Errorf("the second buyer's input is not described by its error")
		}
		if got := errorByID(body, "error-installments-1-chargeDate"); !strings.Contains(got, "must be after today") {
			t.Errorf("error next to the second installment's date = %q", got)
		}
		if errorByID(body, "error-buyerAccountIds-0") != "" || errorByID(body, "error-installments-0-chargeDate") != "" {
			t.Errorf("an error landed on a blank row")
		}

		// A renewal needs a buyer: the error is the buyers'.
		form = f.validForm(token)
		form.Del("buyerAccountIds[0]")
		form.Del("buyerAccountIds[1]")
		form.Set("renewal", "on")
		form.Set("renewalChannel", "AWS_MARKETPLACE")
		_, body = f.postBody(t, c, "/offers", form)
		if got := errorByID(body, "error-buyerAccountIds"); !strings.Contains(got, "at least one buyer account is required for a renewal") {
			t.Errorf("renewal without buyers: the buyers' error = %q", got)
		}
		if n := f.countOffers(t, f.acme); n != 0 {
			t.Errorf("refused forms stored %d offers", n)
		}
	})
}

func TestCreateCPPO_InstallmentsTotalAgainstTheCommit(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		for _, tc := range []struct {
			commit, currency string
			amounts          []string
			want             string
		}{
			{"12000.00", "USD", []string{"4000.00", "8000.00"}, "Installments total 12,000.00 of the 12,000.00 USD commit."},
			{"12000.00", "USD", []string{"4000.00", "", "6000"}, "Installments total 10,000.00 of the 12,000.00 USD commit: 2,000.00 short."},
			{"1000", "USD", []string{"999.995", "0.01"}, "Installments total 1,000.005 of the 1,000.000 USD commit: 0.005 over."},
			{"1200000", "JPY", []string{"1200000"}, "Installments total 1,200,000 of the 1,200,000 JPY commit."},
			{"0.1", "USD", []string{"0.1", "0.2"}, "Installments total 0.30 of the 0.10 USD commit: 0.20 over."},
			{"", "USD", []string{"5"}, "Installments total 5.00; no commit amount to compare with."},
			{"12,000", "USD", []string{"5"}, "Installments total 5.00; the commit amount is not a number."},
			{"12000", "USD", []string{"5", "1,5"}, "Installments total: the amount of installment 2 is not a number."},
			{"12000", "USD", []string{"", ""}, "No installment amount entered."},
		} {
			form := url.Values{"csrf": {token}, "productId": {f.product.ID}, "commitAmount": {tc.commit}, "currency": {tc.currency}, "action": {"add-installment"}}
			for i, a := range tc.amounts {
				form.Set(fmt.Sprintf("installments[%d].amount", i), a)
			}
			if _, body := f.postBody(t, c, "/offers", form); sumOf(body) != tc.want {
				t.Errorf("commit %s %s, amounts %v: the total says %q, want %q", tc.commit, tc.currency, tc.amounts, sumOf(body), tc.want)
			}
		}
	})
}

func TestCreateCPPO_RowsTheFormCannotPostAreRefusedAndNothingSaved(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		buyers := func(form url.Values, n int) url.Values {
			for i := range n {
				form.Set(fmt.Sprintf("buyerAccountIds[%d]", i), fmt.Sprintf("1000000000%02d", i))
			}
			return form
		}
		refused := func(t *testing.T, path string, form url.Values, errID, want string) string {
			t.Helper()
			resp, body := f.postBody(t, c, path, form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %s, want 422", form.Get("action"), resp.Status)
			}
			if got := html.UnescapeString(errorByID(body, errID)); !strings.Contains(got, want) {
				t.Errorf("the error of %s = %q, want %q", errID, got, want)
			}
			return body
		}

		t.Run("at the caps the form saves", func(t *testing.T) {
			form := buyers(f.validForm(token), dealdesk.MaxBuyerAccounts)
			form.Set("action", "draft")
			for i := range dealdesk.MaxInstallments {
				form.Set(fmt.Sprintf("installments[%d].chargeDate", i), "")
				form.Set(fmt.Sprintf("installments[%d].amount", i), "")
			}
			if resp := f.post(t, c, "/offers", form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("a draft with %d buyers and %d (blank) installment rows: %s, want 303", dealdesk.MaxBuyerAccounts, dealdesk.MaxInstallments, resp.Status)
			}
			offers, _, err := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{})
			if err != nil || len(offers) != 1 || len(offers[0].BuyerAccountIDs) != dealdesk.MaxBuyerAccounts {
				t.Fatalf("stored: %+v, %v; want one draft with %d buyers", offers, err, dealdesk.MaxBuyerAccounts)
			}
			if err := f.db.DeleteOffer(f.ctx(f.acme), offers[0].ID); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("more rows than the caps", func(t *testing.T) {
			for _, action := range []string{"draft", "submit", "add-buyer", "remove-buyer:0"} {
				form := buyers(f.validForm(token), dealdesk.MaxBuyerAccounts+1)
				form.Set("action", action)
				body := refused(t, "/offers", form, "error-buyerAccountIds", fmt.Sprintf("at most %d buyers", dealdesk.MaxBuyerAccounts))
				if n := len(inputValues(body, `buyerAccountIds\[\d+\]`)); n != dealdesk.MaxBuyerAccounts {
					t.Errorf("%s: the refused form shows %d buyer rows, want the first %d", action, n, dealdesk.MaxBuyerAccounts)
				}
			}
			form := f.validForm(token)
			for i := range dealdesk.MaxInstallments + 1 {
				form.Set(fmt.Sprintf("installments[%d].amount", i), "1")
			}
			refused(t, "/offers", form, "error-installments", fmt.Sprintf("at most %d installments", dealdesk.MaxInstallments))

			// A big post does not come back as a bigger page: the rows shown are the caps'.
			form = f.validForm(token)
			for i := range 5000 {
				form.Set(fmt.Sprintf("buyerAccountIds[%d]", i), "1")
			}
			body := refused(t, "/offers", form, "error-buyerAccountIds", "at most 25 buyers")
			if n := len(inputValues(body, `buyerAccountIds\[\d+\]`)); n != dealdesk.MaxBuyerAccounts {
				t.Errorf("5,000 buyer rows posted: %d shown", n)
			}
		})

		t.Run("a row index written otherwise, or a row posted twice", func(t *testing.T) {
			for _, tc := range []struct{ name, errID, want string }{
				{"buyerAccountIds[01]", "error-buyerAccountIds", `"buyerAccountIds[01]" is not a row of this form`},
				{"buyerAccountIds[+2]", "error-buyerAccountIds", `"buyerAccountIds[+2]" is not a row of this form`},
				{"buyerAccountIds[-1]", "error-buyerAccountIds", `"buyerAccountIds[-1]" is not a row of this form`},
				{"buyerAccountIds[]", "error-buyerAccountIds", `"buyerAccountIds[]" is not a row of this form`},
				{"buyerAccountIds[10000]", "error-buyerAccountIds", `"buyerAccountIds[10000]" is not a row of this form`},
				{"installments[01].amount", "error-installments", `"installments[01].amount" is not a row of this form`},
				{"installments[ 1].chargeDate", "error-installments", `"installments[ 1].chargeDate" is not a row of this form`},
			} {
				form := f.validForm(token)
				form.Set(tc.name, "999999999999")
				form.Set("action", "draft")
				body := refused(t, "/offers", form, tc.errID, tc.want)
				if strings.Contains(body, `value="999999999999"`) {
					t.Errorf("%s: its value is shown as a row's", tc.name)
				}
			}
			form := f.validForm(token)
			form.Add("buyerAccountIds[1]", "999999999999")
			refused(t, "/offers", form, "error-buyerAccountIds", "buyerAccountIds[1] was sent more than once")
		})

		t.Run("the edit form too", func(t *testing.T) {
			o := f.draft(t, f.acme, "Stored draft")
			form := buyers(url.Values{"csrf": {token}, "productId": {f.product.ID}, "name": {"Renamed"}, "action": {"draft"}}, dealdesk.MaxBuyerAccounts+1)
			refused(t, "/offers/"+o.ID+"/edit", form, "error-buyerAccountIds", "at most 25 buyers")
			form = url.Values{"csrf": {token}, "productId": {f.product.ID}, "name": {"Renamed"}, "buyerAccountIds[00]": {"444455556666"}}
			refused(t, "/offers/"+o.ID+"/edit", form, "error-buyerAccountIds", "is not a row of this form")
			if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Name != "Stored draft" || len(got.BuyerAccountIDs) != 0 {
				t.Errorf("the stored draft after refused posts: %+v, %v", got, err)
			}
		})
		if n := f.countOffers(t, f.acme); n != 1 {
			t.Errorf("%d offers stored, want the edited draft only", n)
		}
	})
}
