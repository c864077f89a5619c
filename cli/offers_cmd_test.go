package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// listRow is a line of `offers list`, by column.
type listRow struct{ ID, Type, Status, Name, Reseller, Commit, Created string }

// parseList reads the output of `offers list`: a header, then a row an offer. It fails the test
// unless every cell starts at its header's column (the table is aligned) and every row has
// every column.
func parseList(t *testing.T, out string) []listRow {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	header := []string{"ID", "TYPE", "STATUS", "NAME", "RESELLER", "COMMIT", "CREATED"}
	if got := strings.Fields(lines[0]); !slices.Equal(got, header) {
		t.Fatalf("header %q, want %q:\n%s", lines[0], header, out)
	}
	var starts []int
	for _, h := range header {
		starts = append(starts, strings.Index(lines[0], h))
	}
	var rows []listRow
	for _, l := range lines[1:] {
		cells := make([]string, len(header))
		for i, s := range starts {
			if len(l) <= s || l[s] == ' ' || (s > 0 && l[s-1] != ' ') {
				t.Fatalf("line %q: no cell starts at column %d (%s): not aligned:\n%s", l, s, header[i], out)
			}
			end := len(l)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			cells[i] = strings.TrimSpace(l[s:end])
		}
		rows = append(rows, listRow{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]})
	}
	return rows
}

// ids returns the rows' IDs, in order.
func ids(rows []listRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

// listOffer is an offer the list test makes, as the API answered it.
type listOffer struct {
	ID, Type, Status, Name, ResellerAccountID, ProductID, CommitAmount, Currency string
	CreatedAt                                                                    time.Time
}

// seedOffers registers two products and makes five opportunities through the API: four drafts
// and one submitted (PENDING_CREATE: no AWS connection is set). It returns them newest first,
// as GET /offers lists them, and the products' IDs.
func seedOffers(t *testing.T, api apiServer) ([]listOffer, []string) {
	t.Helper()
	var products []string
	for i, code := range []string{"abc123def456", "fed654cba321"} {
		var p struct{ ID string }
		devCall(t, "POST", api.URL+"/products", api.Key, fmt.Sprintf(`{"externalId":"prod-%s","productCode":"%s","title":"Product %d",
			"dimensions":[{"key":"users","name":"Users","unit":"Users","kind":"ENTITLED"}]}`, code, code, i), http.StatusCreated, &p)
		products = append(products, p.ID)
	}
	expiry := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	seeds := []struct {
		name, product, reseller string
		submit                  bool
	}{
		{"Acme via Northwind", products[0], "123456789012", true},
		{"Beta via Northwind", products[0], "123456789012", false},
		{"Gamma via Contoso", products[1], "444455556666", false},
		{"acme renewal", products[1], "123456789012", false},
		{"Delta", "", "", false},
	}
	for _, s := range seeds {
		body := map[string]any{"type": "CPPO_OUT", "name": s.name, "commitAmount": "12000.00", "currency": "USD"}
		if s.product != "" {
			body["productId"] = s.product
		}
		if s.reseller != "" {
			body["resellerAccountId"] = s.reseller
		}
		if s.submit {
			for k, v := range map[string]any{"buyerAccountIds": []string{"210987654321"}, "contractDuration": "P12M",
				"entitledDimensions": []map[string]any{{"dimensionKey": "users", "quantity": 10}}, "expiryDate": expiry,
				"oneTime": true, "eula": map[string]string{"type": "STANDARD"}} {
				body[k] = v
			}
		}
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		var o listOffer
		devCall(t, "POST", api.URL+"/offers?draft=true", api.Key, string(b), http.StatusCreated, &o)
		if s.submit {
			devCall(t, "POST", api.URL+"/offers/"+o.ID+"/submit", api.Key, "", http.StatusOK, nil)
		}
	}
	var page struct{ Items []listOffer }
	devCall(t, "GET", api.URL+"/offers?limit=200", api.Key, "", http.StatusOK, &page)
	if len(page.Items) != len(seeds) {
		t.Fatalf("GET /offers lists %d offers, want the %d made", len(page.Items), len(seeds))
	}
	return page.Items, products
}

// TestOffersList lists, filters and pages through offers made through the API, on both engines:
// each line shows the offer as the API does, the filters select exactly the offers that match,
// and --all follows every page, each offer once, in the API's order.
func TestOffersList(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		api := startAPIOn(t, sqldbtest.DSN(t, engine))
		vars := map[string]string{"DEALDESK_API_URL": api.URL, "DEALDESK_API_KEY": api.Key}
		offers, products := seedOffers(t, api)
		var all []string
		for _, o := range offers {
			all = append(all, o.ID)
		}
		// want returns the IDs of the offers keep selects, in the API's order.
		want := func(keep func(listOffer) bool) []string {
			var out []string
			for _, o := range offers {
				if keep(o) {
					out = append(out, o.ID)
				}
			}
			return out
		}

		t.Run("every offer, a line each, as the API shows it", func(t *testing.T) {
			code, out, errOut := client(t, vars, "", "offers", "list")
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errOut)
			}
			rows := parseList(t, out)
			if !slices.Equal(ids(rows), all) {
				t.Fatalf("listed %v, want %v:\n%s", ids(rows), all, out)
			}
			for i, r := range rows {
				o := offers[i]
				reseller := o.ResellerAccountID
				if reseller == "" {
					reseller = "-"
				}
				w := listRow{o.ID, o.Type, o.Status, o.Name, reseller, o.CommitAmount + " " + o.Currency, o.CreatedAt.UTC().Format(time.RFC3339)}
				if r != w {
					t.Errorf("row %+v, want %+v", r, w)
				}
			}
			if errOut != "" {
				t.Errorf("stderr %q, want nothing: every offer fits one page", errOut)
			}
		})

		filters := []struct {
			name string
			args []string
			keep func(listOffer) bool
		}{
			{"by status", []string{"--status", "PENDING_CREATE"}, func(o listOffer) bool { return o.Status == "PENDING_CREATE" }},
			{"by status in lower case", []string{"--status", "draft"}, func(o listOffer) bool { return o.Status == "DRAFT" }},
			{"by type", []string{"--type", "CPPO_OUT"}, func(o listOffer) bool { return o.Type == "CPPO_OUT" }},
			{"by a type no offer has", []string{"--type", "CPPO"}, func(o listOffer) bool { return o.Type == "CPPO" }},
			{"by product", []string{"--product-id", products[1]}, func(o listOffer) bool { return o.ProductID == products[1] }},
			{"by reseller", []string{"--reseller-account-id", "444455556666"}, func(o listOffer) bool { return o.ResellerAccountID == "444455556666" }},
			{"by name, any case", []string{"--name-contains", "ACME"}, func(o listOffer) bool { return strings.Contains(strings.ToLower(o.Name), "acme") }},
			{"by every filter at once", []string{"--name-contains", "acme", "--reseller-account-id", "123456789012", "--status", "DRAFT", "--product-id", products[1]},
				func(o listOffer) bool {
					return strings.Contains(strings.ToLower(o.Name), "acme") && o.ResellerAccountID == "123456789012" && o.Status == "DRAFT" && o.ProductID == products[1]
				}},
		}
		for _, tt := range filters {
			t.Run(tt.name, func(t *testing.T) {
				code, out, errOut := client(t, vars, "", append([]string{"offers", "list"}, tt.args...)...)
				if code != 0 {
					t.Fatalf("exit %d, stderr %s", code, errOut)
				}
				if got, w := ids(parseList(t, out)), want(tt.keep); !slices.Equal(got, w) {
					t.Fatalf("listed %v, want %v:\n%s", got, w, out)
				}
			})
		}

		t.Run("one page says more follow", func(t *testing.T) {
			code, out, errOut := client(t, vars, "", "offers", "list", "--limit", "2")
			if code != 0 || !slices.Equal(ids(parseList(t, out)), all[:2]) || !strings.Contains(errOut, "more offers follow: --all lists them all") {
				t.Fatalf("exit %d, stdout\n%s\nstderr %q; want the first 2 of %v and a word that more follow", code, out, errOut, all)
			}
		})
		t.Run("--all follows every page", func(t *testing.T) {
			code, out, errOut := client(t, vars, "", "offers", "list", "--limit", "2", "--all")
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if got := ids(parseList(t, out)); !slices.Equal(got, all) {
				t.Fatalf("listed %v in pages of 2, want %v:\n%s", got, all, out)
			}
			code, out, _ = client(t, vars, "", "offers", "list", "--limit", "2", "--all", "--name-contains", "via")
			if got, w := ids(parseList(t, out)), want(func(o listOffer) bool { return strings.Contains(o.Name, "via") }); code != 0 || !slices.Equal(got, w) {
				t.Fatalf("filtered in pages: exit %d, listed %v, want %v", code, got, w)
			}
		})
		t.Run("--json prints each page as the API answers it", func(t *testing.T) {
			code, out, errOut := client(t, vars, "", "offers", "list", "--limit", "2", "--all", "--json")
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			var got []string
			cursor := ""
			for i, l := range lines {
				var page struct {
					Items      []map[string]any
					NextCursor *string
				}
				if err := json.Unmarshal([]byte(l), &page); err != nil || page.NextCursor == nil {
					t.Fatalf("line %d is not a page of the API (%v): %s", i, err, l)
				}
				// The same page, asked of the API directly, is the same JSON.
				path := "/offers?limit=2"
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				var direct json.RawMessage
				devCall(t, "GET", api.URL+path, api.Key, "", http.StatusOK, &direct)
				if string(direct) != l {
					t.Errorf("page %d printed\n%s\nthe API answers\n%s", i, l, direct)
				}
				for _, it := range page.Items {
					got = append(got, it["id"].(string))
				}
				cursor = *page.NextCursor
			}
			if len(lines) != 3 || cursor != "" || !slices.Equal(got, all) {
				t.Fatalf("%d pages listing %v (last cursor %q), want 3 pages listing %v", len(lines), got, cursor, all)
			}
		})
	})
}

// TestOffersErrors: bad flags and IDs are named, with the exit codes of the other client
// commands (1 for what the server refuses, 2 for bad usage), and print nothing on stdout.
func TestOffersErrors(t *testing.T) {
	t.Parallel()
	api := startAPI(t)
	vars := map[string]string{"DEALDESK_API_URL": api.URL, "DEALDESK_API_KEY": api.Key}
	noKey := map[string]string{"DEALDESK_API_URL": api.URL}
	var opp struct{ ID string }
	devCall(t, "POST", api.URL+"/offers?draft=true", api.Key, `{"type":"CPPO_OUT","name":"Only"}`, http.StatusCreated, &opp)
	tests := []struct {
		name   string
		vars   map[string]string
		args   []string
		code   int
		stderr []string
	}{
		{"an unknown ID is not found", vars, []string{"offers", "show", "off_nope"}, 1,
			[]string{`No offer "off_nope" in your organization.`}},
		{"an ID that is no ID is not found", vars, []string{"offers", "show", "../offers"}, 1,
			[]string{`No offer "../offers" in your organization.`}},
		{"an unknown ID is not found in JSON too", vars, []string{"offers", "show", "--json", "off_nope"}, 1,
			[]string{`No offer "off_nope" in your organization.`}},
		{"show without a key answers the 401 detail", noKey, []string{"offers", "show", opp.ID}, 1,
			[]string{"An API key is required"}},
		{"list without a key answers the 401 detail", noKey, []string{"offers", "list"}, 1,
			[]string{"An API key is required"}},
		{"a wrong key answers the 401 detail", map[string]string{"DEALDESK_API_URL": api.URL, "DEALDESK_API_KEY": "ddk_wrong"}, []string{"offers", "list"}, 1,
			[]string{"The API key is not valid."}},
		{"a bad status is named as its flag", vars, []string{"offers", "list", "--status", "SOLD"}, 1,
			[]string{"--status: must be one of"}},
		{"a bad type is named as its flag", vars, []string{"offers", "list", "--type", "RESALE", "--status", "ACTIVE"}, 1,
			[]string{"--type: must be one of"}},
		{"a name filter too long is named as its flag", vars, []string{"offers", "list", "--name-contains", strings.Repeat("a", 101)}, 1,
			[]string{"--name-contains: "}},
		{"an empty filter is refused", vars, []string{"offers", "list", "--status", ""}, 2,
			[]string{"--status must not be empty", "Usage: dealdesk offers list"}},
		{"a page size out of bounds is refused", vars, []string{"offers", "list", "--limit", "0"}, 2,
			[]string{"--limit must be from 1 to 200"}},
		{"an unknown flag shows the usage", vars, []string{"offers", "list", "--sort", "name"}, 2,
			[]string{"flag provided but not defined: -sort", "Usage: dealdesk offers list"}},
		{"list takes no argument", vars, []string{"offers", "list", opp.ID}, 2,
			[]string{"unexpected argument", "Usage: dealdesk offers list"}},
		{"show needs an ID", vars, []string{"offers", "show"}, 2,
			[]string{"missing the offer ID", "Usage: dealdesk offers show"}},
		{"show needs an ID after its flags", vars, []string{"offers", "show", "--json"}, 2,
			[]string{"missing the offer ID", "Usage: dealdesk offers show"}},
		{"show takes one ID", vars, []string{"offers", "show", opp.ID, "off_other"}, 2,
			[]string{`unexpected argument "off_other"`}},
		{"an unknown command shows the usage", vars, []string{"offers", "delete", opp.ID}, 2,
			[]string{`unknown command "delete"`, "dealdesk offers show ID"}},
		{"no command shows the usage", vars, []string{"offers"}, 2,
			[]string{"dealdesk offers list"}},
		{"a bad API URL shows the usage", map[string]string{"DEALDESK_API_URL": "127.0.0.1:8080", "DEALDESK_API_KEY": api.Key}, []string{"offers", "show", opp.ID}, 2,
			[]string{`the API URL "127.0.0.1:8080" is not`, "Usage: dealdesk offers show"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := client(t, tt.vars, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tt.code, out, errOut)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if code == 1 && strings.Contains(out, "ID") {
				t.Errorf("stdout %q, want nothing printed on a failure", out)
			}
		})
	}

	t.Run("help", func(t *testing.T) {
		for _, args := range [][]string{{"offers", "help"}, {"offers", "list", "--help"}, {"offers", "show", "-h"}, {"help"}} {
			code, out, errOut := client(t, nil, "", args...)
			if code != 0 || !strings.Contains(out+errOut, "offers show") && !strings.Contains(out+errOut, "-api-url") {
				t.Errorf("%v: exit %d, printed\n%s%s", args, code, out, errOut)
			}
		}
	})
	t.Run("an opportunity alone shows its chain, with nothing made from it yet", func(t *testing.T) {
		code, out, errOut := client(t, vars, "", "offers", "show", opp.ID, "--api-key-file", api.KeyFile)
		if code != 0 {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
		for _, w := range []string{"Opportunity " + opp.ID + "  Only\n", "  status                DRAFT\n", "  resale authorization  -\n",
			"  No CPPO offer made from it yet.\n", "Timeline (oldest first)\n"} {
			if !strings.Contains(out, w) {
				t.Errorf("show printed\n%s\nwithout %q", out, w)
			}
		}
		if regexp.MustCompile(`(?m)^\s*(CPPO offer|Entitlement) `).MatchString(out) {
			t.Errorf("show printed an offer or entitlement the deal does not have:\n%s", out)
		}
	})
}
