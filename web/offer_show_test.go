package web_test

import (
	"net/http"
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
			"the cancel button":               `action="/offers/` + o.ID + `/cancel"`,
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
