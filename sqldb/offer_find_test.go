package sqldb_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// TestFindOffers_NameContains checks the name search on both engines: ASCII letters match in
// any case, other letters only as written, % _ and \ are literal, it combines with the other
// filters, pages through every match once, and never finds another organization's offers.
func TestFindOffers_NameContains(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		acme, globex := newOrg(t, db, "Acme"), newOrg(t, db, "Globex")
		p1 := newProduct(t, db, acme, "prod-search1")
		p2 := newProduct(t, db, acme, "prod-search2")
		gp := newProduct(t, db, globex, "prod-search1")
		const reseller9 = "999999999999"

		type spec struct {
			name     string
			product  string
			reseller string
			submit   bool
		}
		create := func(ctx context.Context, s spec) {
			t.Helper()
			in := completeOffer(s.product)
			in.Name = ptr(s.name)
			if s.reseller != "" {
				in.ResellerAccountID = ptr(s.reseller)
			}
			o, err := db.CreateOffer(ctx, in, false)
			if err != nil {
				t.Fatalf("create %q: %v", s.name, err)
			}
			if s.submit {
				if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Created oldest first; lists are newest first.
		for _, s := range []spec{
			{name: "100% Uptime", product: p1.ID},
			{name: "100X Uptime", product: p1.ID},
			{name: "snake_case deal", product: p1.ID},
			{name: "snakeXcase deal", product: p1.ID},
			{name: `Back\slash`, product: p1.ID},
			{name: "Backslash", product: p1.ID},
			{name: "Ärger GmbH", product: p1.ID},
			{name: "ACME Renewal", product: p1.ID, submit: true},
			{name: "acme renewal two", product: p2.ID, reseller: reseller9},
			{name: "Acme Expansion", product: p2.ID, reseller: reseller9, submit: true},
			{name: "aCmE Pilot", product: p2.ID, submit: true},
			{name: "Acme Seats", product: p1.ID, reseller: reseller9},
			{name: "Initech", product: p1.ID},
		} {
			create(acme, s)
		}
		for _, name := range []string{"Acme at Globex", "100% Globex", "snake_case globex"} {
			create(globex, spec{name: name, product: gp.ID})
		}
		if _, err := db.SaveCPPOOffer(acme, &dealdesk.Offer{ExternalID: "offer-search1", Name: "Acme via partner",
			ResellerAccountID: reseller9}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveCPPOOffer(globex, &dealdesk.Offer{ExternalID: "offer-search2", Name: "Acme via Globex's partner",
			ResellerAccountID: reseller9}, ""); err != nil {
			t.Fatal(err)
		}

		for _, tt := range []struct {
			name   string
			filter dealdesk.OfferFilter
			want   []string // names, newest first
		}{
			{"any case of ASCII letters", dealdesk.OfferFilter{NameContains: "acme"},
				[]string{"Acme via partner", "Acme Seats", "aCmE Pilot", "Acme Expansion", "acme renewal two", "ACME Renewal"}},
			{"upper case finds lower", dealdesk.OfferFilter{NameContains: "RENEWAL"}, []string{"acme renewal two", "ACME Renewal"}},
			{"a percent sign is literal", dealdesk.OfferFilter{NameContains: "100%"}, []string{"100% Uptime"}},
			{"a percent sign alone is literal", dealdesk.OfferFilter{NameContains: "%"}, []string{"100% Uptime"}},
			{"an underscore is literal", dealdesk.OfferFilter{NameContains: "e_c"}, []string{"snake_case deal"}},
			{"a backslash is literal", dealdesk.OfferFilter{NameContains: `K\S`}, []string{`Back\slash`}},
			{"other letters match as written", dealdesk.OfferFilter{NameContains: "ÄRGER"}, []string{"Ärger GmbH"}},
			{"other letters keep their case", dealdesk.OfferFilter{NameContains: "ärger"}, nil},
			{"no match", dealdesk.OfferFilter{NameContains: "Globex"}, nil},
			{"with type", dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut, NameContains: "ACME"},
				[]string{"Acme Seats", "aCmE Pilot", "Acme Expansion", "acme renewal two", "ACME Renewal"}},
			{"with type CPPO", dealdesk.OfferFilter{Type: dealdesk.OfferCPPO, NameContains: "acme"}, []string{"Acme via partner"}},
			{"with status", dealdesk.OfferFilter{Status: dealdesk.OfferPendingCreate, NameContains: "acme"},
				[]string{"aCmE Pilot", "Acme Expansion", "ACME Renewal"}},
			{"with product", dealdesk.OfferFilter{ProductID: p2.ID, NameContains: "acme"},
				[]string{"aCmE Pilot", "Acme Expansion", "acme renewal two"}},
			{"with reseller", dealdesk.OfferFilter{ResellerAccountID: reseller9, NameContains: "acme"},
				[]string{"Acme via partner", "Acme Seats", "Acme Expansion", "acme renewal two"}},
			{"with every filter", dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut, Status: dealdesk.OfferDraft,
				ProductID: p2.ID, ResellerAccountID: reseller9, NameContains: "ACME r"}, []string{"acme renewal two"}},
		} {
			t.Run(tt.name+" pages through every match once", func(t *testing.T) {
				got := findOfferNames(t, db, acme, tt.filter, 2)
				if !slices.Equal(got, tt.want) {
					t.Fatalf("%+v found\n%q\nwant\n%q", tt.filter, got, tt.want)
				}
			})
		}
		t.Run("another organization finds only its own", func(t *testing.T) {
			got := findOfferNames(t, db, globex, dealdesk.OfferFilter{NameContains: "acme"}, 1)
			want := []string{"Acme via Globex's partner", "Acme at Globex"}
			if !slices.Equal(got, want) {
				t.Fatalf("Globex found %q, want %q", got, want)
			}
			if got := findOfferNames(t, db, globex, dealdesk.OfferFilter{NameContains: "%"}, 1); !slices.Equal(got, []string{"100% Globex"}) {
				t.Fatalf("Globex found %q for %%", got)
			}
		})
		t.Run("bad searches name nameContains", func(t *testing.T) {
			for _, bad := range []string{strings.Repeat("a", dealdesk.MaxOfferNameLength+1), "a\x00b", "\xff"} {
				_, _, err := db.FindOffers(acme, dealdesk.OfferFilter{NameContains: bad})
				wantField(t, err, "nameContains")
			}
			if _, _, err := db.FindOffers(acme, dealdesk.OfferFilter{NameContains: strings.Repeat("é", dealdesk.MaxOfferNameLength)}); err != nil {
				t.Fatalf("a search of %d characters: %v", dealdesk.MaxOfferNameLength, err)
			}
		})
	})
}

// findOfferNames pages through the offers of ctx's organization matching f, limit a page, and
// returns their names; it fails the test on a page that is empty or too long.
func findOfferNames(t *testing.T, db *sqldb.DB, ctx context.Context, f dealdesk.OfferFilter, limit int) []string {
	t.Helper()
	var names []string
	f.Limit = limit
	for pages := 1; ; pages++ {
		if pages > 50 {
			t.Fatal("paging does not end")
		}
		list, next, err := db.FindOffers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > limit || (len(list) == 0 && pages > 1) {
			t.Fatalf("page %d holds %d offers with limit %d", pages, len(list), limit)
		}
		for _, o := range list {
			names = append(names, o.Name)
		}
		if next == "" {
			return names
		}
		f.Cursor = next
	}
}
