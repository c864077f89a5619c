package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// filterFixture is a console fixture with offers to filter: Acme has a second product, a saved
// reseller and drafts of both products and two resellers; Globex has a draft whose name
// matches Acme's searches.
type filterFixture struct {
	*fixture
	product2 *dealdesk.Product
	globexID string // the ID of Globex's draft
}

const (
	partnerAccount = "999999999999" // the saved reseller, Partner Co
	otherAccount   = "111122223333" // a reseller no record names
)

func newFilterFixture(t *testing.T, engine string) *filterFixture {
	t.Helper()
	f := &filterFixture{fixture: newFixture(t, engine)}
	acme, globex := f.ctx(f.acme), f.ctx(f.globex)
	p2, err := f.db.CreateProduct(acme, dealdesk.ProductInput{ExternalID: "prod-webtest2", ProductCode: "webtest2",
		Title: "Second Product", Dimensions: []dealdesk.Dimension{{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled}}})
	if err != nil {
		t.Fatal(err)
	}
	f.product2 = p2
	if _, err := f.db.SaveReseller(acme, partnerAccount, "Partner Co"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct{ name, product, reseller string }{
		{"ACME Renewal", f.product.ID, otherAccount},
		{"acme pilot", p2.ID, partnerAccount},
		{"Acme Seats", p2.ID, partnerAccount},
		{"Initech", f.product.ID, partnerAccount},
		{"100% Uptime", f.product.ID, otherAccount},
		{"100X Uptime", f.product.ID, otherAccount},
	} {
		f.draftOf(t, f.acme, d.name, d.product, d.reseller)
	}
	gp, err := f.db.CreateProduct(globex, dealdesk.ProductInput{ExternalID: "prod-webtest1", ProductCode: "webtest1",
		Title: "Globex Product", Dimensions: []dealdesk.Dimension{{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled}}})
	if err != nil {
		t.Fatal(err)
	}
	f.globexID = f.draftOf(t, f.globex, "Acme at Globex", gp.ID, partnerAccount).ID
	return f
}

// draftOf stores a draft opportunity of org with a product and a reseller.
func (f *filterFixture) draftOf(t *testing.T, org, name, productID, reseller string) *dealdesk.Offer {
	t.Helper()
	typ := dealdesk.OfferCPPOOut
	o, err := f.db.CreateOffer(f.ctx(org), dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &productID,
		ResellerAccountID: &reseller}, true)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var offerRow = regexp.MustCompile(`<a href="/offers/(off_[^"]+)">([^<]*)</a>`)

// listedOffers returns the names of the offers a list page shows, in order, and their IDs.
func listedOffers(body string) (names, ids []string) {
	for _, m := range offerRow.FindAllStringSubmatch(body, -1) {
		names = append(names, html.UnescapeString(m[2]))
		ids = append(ids, m[1])
	}
	return names, ids
}

func TestOfferList_EachFilterNarrowsTheList(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFilterFixture(t, engine)
		c := f.client(t)
		f.signIn(t, c, f.email)
		p1, p2 := url.QueryEscape(f.product.ID), url.QueryEscape(f.product2.ID)
		all := []string{"100X Uptime", "100% Uptime", "Initech", "Acme Seats", "acme pilot", "ACME Renewal"}
		for _, tt := range []struct {
			query string
			want  []string // names, newest first
		}{
			{"type=CPPO_OUT", all},
			{"type=CPPO_OUT&status=&productId=&resellerAccountId=&nameContains=", all}, // the form sent with Any everywhere
			{"productId=" + p2, []string{"Acme Seats", "acme pilot"}},
			{"productId=" + p1, []string{"100X Uptime", "100% Uptime", "Initech", "ACME Renewal"}},
			{"resellerAccountId=" + partnerAccount, []string{"Initech", "Acme Seats", "acme pilot"}},
			{"resellerAccountId=" + otherAccount, []string{"100X Uptime", "100% Uptime", "ACME Renewal"}},
			{"nameContains=acme", []string{"Acme Seats", "acme pilot", "ACME Renewal"}},
			{"nameContains=ACME+P", []string{"acme pilot"}},
			{"nameContains=100%25", []string{"100% Uptime"}},
			{"status=DRAFT&nameContains=uptime", []string{"100X Uptime", "100% Uptime"}},
			{"status=ACTIVE&nameContains=uptime", nil},
			{"nameContains=acme&productId=" + p2 + "&resellerAccountId=" + partnerAccount, []string{"Acme Seats", "acme pilot"}},
			{"nameContains=acme&productId=" + p1 + "&resellerAccountId=" + partnerAccount, nil},
			{"type=CPPO&nameContains=acme", nil},
		} {
			t.Run(tt.query, func(t *testing.T) {
				resp, body := f.get(t, c, "/offers?"+tt.query)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s:\n%s", resp.Status, body)
				}
				names, ids := listedOffers(body)
				if !slices.Equal(names, tt.want) {
					t.Errorf("listed %q, want %q", names, tt.want)
				}
				if slices.Contains(ids, f.globexID) {
					t.Errorf("Globex's offer is listed to Acme")
				}
				// Every case without matches sets a filter.
				if empty := strings.Contains(body, "No offers match these filters."); empty != (len(tt.want) == 0) {
					t.Errorf("says none match: %v, with %d offers listed", empty, len(names))
				}
			})
		}
	})
}

func TestOfferList_FormKeepsTheFiltersAndOffersTheChoices(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFilterFixture(t, engine)
		c := f.client(t)
		f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/offers?type=CPPO_OUT&status=DRAFT&productId="+url.QueryEscape(f.product2.ID)+
			"&resellerAccountId="+partnerAccount+"&nameContains="+url.QueryEscape(`Pi"lot`))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s", resp.Status)
		}
		for what, want := range map[string]string{
			"the status picked":       `<option value="DRAFT" selected>DRAFT</option>`,
			"the product picked":      `<option value="` + f.product2.ID + `" selected>Second Product (prod-webtest2)</option>`,
			"the other product":       `<option value="` + f.product.ID + `">Web Test Product (prod-webtest1)</option>`,
			"the reseller picked":     `<option value="999999999999" selected>Partner Co (999999999999)</option>`,
			"the search kept":         `id="nameContains" name="nameContains" type="search" value="Pi&#34;lot"`,
			"the product's label":     `<label for="productId">Product</label>`,
			"the reseller's label":    `<label for="resellerAccountId">Reseller</label>`,
			"the search's label":      `<label for="nameContains">Name contains</label>`,
			"the empty result":        `No offers match these filters.`,
			"a link to clear them":    `<a href="/offers?type=CPPO_OUT">Clear filters</a>`,
			"an Any product":          `<select id="productId" name="productId" aria-describedby="error-productId">` + "\n      " + `<option value="">Any</option>`,
			"an Any reseller":         `<select id="resellerAccountId" name="resellerAccountId" aria-describedby="error-resellerAccountId">` + "\n      " + `<option value="">Any</option>`,
			"the tabs without filter": `<a href="/offers?type=CPPO">CPPO offers (CPPO)</a>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s: %s", what, want)
			}
		}
		if strings.Contains(body, "Globex Product") {
			t.Error("Globex's product is offered to Acme")
		}
		// A reseller no record names stays picked when it is an account ID.
		_, body = f.get(t, c, "/offers?resellerAccountId="+otherAccount)
		if want := `<option value="` + otherAccount + `" selected>` + otherAccount + `</option>`; !strings.Contains(body, want) {
			t.Errorf("the unnamed reseller is not picked: want %s", want)
		}
	})
}

func TestOfferList_FiltersSurviveInTheNextPageLink(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFilterFixture(t, engine)
		for range 27 {
			f.draftOf(t, f.acme, "Bulk ACME deal", f.product2.ID, partnerAccount)
		}
		f.draftOf(t, f.acme, "Bulk other deal", f.product2.ID, partnerAccount)
		f.draftOf(t, f.acme, "Bulk ACME elsewhere", f.product.ID, partnerAccount)
		c := f.client(t)
		f.signIn(t, c, f.email)
		first := "/offers?type=CPPO_OUT&status=DRAFT&productId=" + url.QueryEscape(f.product2.ID) +
			"&resellerAccountId=" + partnerAccount + "&nameContains=bulk+acme"
		_, body := f.get(t, c, first)
		names, _ := listedOffers(body)
		m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body)
		if len(names) != 25 || m == nil {
			t.Fatalf("first page: %d offers, next link %v; want 25 and a next page", len(names), m)
		}
		next, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		q := next.Query()
		for name, want := range map[string]string{"type": "CPPO_OUT", "status": "DRAFT", "productId": f.product2.ID,
			"resellerAccountId": partnerAccount, "nameContains": "bulk acme"} {
			if got := q.Get(name); got != want {
				t.Errorf("the next page link has %s=%q, want %q: %s", name, got, want, next)
			}
		}
		if q.Get("cursor") == "" {
			t.Errorf("the next page link has no cursor: %s", next)
		}
		_, body = f.get(t, c, next.String())
		names, _ = listedOffers(body)
		if len(names) != 2 || strings.Contains(body, `rel="next"`) {
			t.Fatalf("second page: %q, want the last 2 matches and no next page", names)
		}
		for _, n := range names {
			if n != "Bulk ACME deal" {
				t.Errorf("second page lists %q, which the filters exclude", n)
			}
		}
		fm := regexp.MustCompile(`<a href="([^"]+)">First page</a>`).FindStringSubmatch(body)
		if fm == nil {
			t.Fatal("the second page has no link to the first")
		}
		firstURL, _ := url.Parse(html.UnescapeString(fm[1]))
		if fq := firstURL.Query(); fq.Get("nameContains") != "bulk acme" || fq.Get("productId") != f.product2.ID ||
			fq.Get("resellerAccountId") != partnerAccount || fq.Get("status") != "DRAFT" || fq.Get("cursor") != "" {
			t.Errorf("the first page link loses the filters: %s", firstURL)
		}
	})
}

func TestOfferList_BadFiltersAreNamedNotFailed(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFilterFixture(t, engine)
		globexProduct, _, err := f.db.FindProducts(f.ctx(f.globex), dealdesk.ProductFilter{})
		if err != nil || len(globexProduct) != 1 {
			t.Fatalf("Globex's products: %v, %v", globexProduct, err)
		}
		c := f.client(t)
		f.signIn(t, c, f.email)
		for _, tt := range []struct{ query, message string }{
			{"productId=prd_nosuchproduct", "Product: no such product in your organization"},
			{"productId=" + url.QueryEscape(globexProduct[0].ID), "Product: no such product in your organization"},
			{"productId=%FF", "Product: no such product in your organization"},
			{"resellerAccountId=12345", "Reseller: must be a 12-digit AWS account ID"},
			{"nameContains=" + strings.Repeat("x", dealdesk.MaxOfferNameLength+1), "Name contains: must be at most 100 characters"},
			{"nameContains=a%00b", "Name contains: must be UTF-8 text"},
			{"status=LIVE", "Status: must be one of"},
			{"cursor=not-a-cursor", "Page: "},
		} {
			t.Run(dealdesk.Clip(tt.query, 40), func(t *testing.T) {
				resp, body := f.get(t, c, "/offers?"+tt.query)
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("%s, want 422", resp.Status)
				}
				if !strings.Contains(html.UnescapeString(body), "<li>"+tt.message) {
					t.Errorf("the page does not say %q:\n%s", tt.message, body)
				}
				if !strings.Contains(body, `<form class="filters offer-filters"`) {
					t.Error("the page has no filter form to correct the filter")
				}
				if names, _ := listedOffers(body); len(names) != 0 {
					t.Errorf("a bad filter lists %q", names)
				}
			})
		}
		t.Run("every bad filter at once", func(t *testing.T) {
			resp, body := f.get(t, c, "/offers?status=LIVE&productId=prd_nosuch&resellerAccountId=12&nameContains="+
				strings.Repeat("x", dealdesk.MaxOfferNameLength+1))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s, want 422", resp.Status)
			}
			for _, label := range []string{"Status", "Product", "Reseller", "Name contains"} {
				if !strings.Contains(body, "<li>"+label+": ") {
					t.Errorf("the page does not name %s", label)
				}
			}
		})
	})
}

func TestOfferList_AnotherOrganizationsOffersNeverShow(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFilterFixture(t, engine)
		c := f.client(t)
		f.signIn(t, c, f.otherEmail)
		for _, query := range []string{"", "?nameContains=acme", "?resellerAccountId=" + partnerAccount,
			"?productId=" + url.QueryEscape(f.product2.ID)} {
			resp, body := f.get(t, c, "/offers"+query)
			names, ids := listedOffers(body)
			switch {
			case strings.Contains(query, "productId"):
				if resp.StatusCode != http.StatusUnprocessableEntity || len(names) != 0 {
					t.Errorf("Globex filtering by Acme's product: %s, %q; want 422 and nothing listed", resp.Status, names)
				}
			case resp.StatusCode != http.StatusOK || !slices.Equal(ids, []string{f.globexID}):
				t.Errorf("Globex's list%s: %s, %q; want only its own offer", query, resp.Status, names)
			}
			if strings.Contains(body, "Second Product") || strings.Contains(body, "Partner Co") {
				t.Errorf("Globex's list%s offers Acme's product or reseller", query)
			}
		}
	})
}
