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

	"github.com/shopspring/decimal"

	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// offersShowTerms: a $10 commit that usage does not consume, 10 compute_hours granted.
var offersShowTerms = meterTerms{commit: "10.00", grants: map[string]int64{"seats": 5, "compute_hours": 10},
	prices: map[string]string{"compute_hours": "0.50", "api_calls": "0.01", "storage_gb": "0.25", "egress_gb": "0.09", "gpu_hours": "2.50"}}

// offersShowUsage is the usage TestOffersShowWholeDeal reports, by hour before the current one.
var offersShowUsage = map[int]map[string]string{
	-2: {"api_calls": "120.5", "compute_hours": "6"},
	-1: {"api_calls": "10.25", "compute_hours": "7.5"},
}

// TestOffersShowWholeDeal runs a whole deal through `dealdesk sim` and `dealdesk serve`, on
// both engines (the metering tests' helpers): published, offered by the reseller, accepted two
// hours ago, usage reported over those hours and metered. `offers show` of the opportunity then
// prints the chain as a tree: the opportunity with its resale authorization, the CPPO offer
// under it, the entitlement under that with its metering totals per dimension (as computed
// apart from dealdesk, expectMetering), and the timeline oldest first; the CPPO offer's ID
// shows the same deal; --json prints the API's chain; `offers list --type CPPO` lists the
// reseller's offer.
func TestOffersShowWholeDeal(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		historyHours(t, 24*time.Hour, 2, 2)
		e := newMeterEnv(t, meterConfig{engine: engine, window: 24 * time.Hour})
		hour := time.Now().UTC().Truncate(time.Hour)
		name := "Show " + engine
		ents := e.deal(name, offersShowTerms, meterBuyers[:1], hour.Add(-2*time.Hour-15*time.Minute))
		ent := ents[0]
		var groups []usageGroup
		for _, h := range []int{-2, -1} {
			groups = append(groups, usageGroup{ID: fmt.Sprintf("show%d", h), EntitlementID: ent.ID,
				Timestamp: hour.Add(time.Duration(h)*time.Hour + 5*time.Minute), Records: offersShowUsage[h]})
		}
		e.report(groups)
		var res flushResult
		e.call("POST", "/metering/flush", "", http.StatusOK, &res)
		x := expectMetering(ents, groups)
		metered := sumByLicense(x.metered())
		if metered[ent.LicenseArn+" api_calls"] == 0 || metered[ent.LicenseArn+" compute_hours"] == 0 {
			t.Fatalf("the usage meters %v: the test wants units metered in both dimensions", metered)
		}

		var got struct{ OpportunityID, OfferID, ExternalID string }
		e.call("GET", "/entitlements/"+ent.ID, "", http.StatusOK, &got)
		var chain struct {
			Opportunity struct{ ID, Status, ExternalID string }
			Offers      []struct{ ID, ExternalID, Status string }
			Timeline    []struct{ Kind string }
		}
		e.call("GET", "/offers/"+got.OpportunityID+"/chain", "", http.StatusOK, &chain)
		if len(chain.Offers) != 1 || chain.Offers[0].ID != got.OfferID {
			t.Fatalf("the chain's offers %+v, want the entitlement's %s", chain.Offers, got.OfferID)
		}
		opp, offer := chain.Opportunity, chain.Offers[0]
		vars := map[string]string{"DEALDESK_API_URL": e.base, "DEALDESK_API_KEY": e.key}

		code, out, errOut := client(t, vars, "", "offers", "show", opp.ID)
		if code != 0 {
			t.Fatalf("show: exit %d, stderr %s", code, errOut)
		}
		t.Logf("dealdesk offers show %s:\n%s", opp.ID, out)
		// The tree, in this order and at these depths.
		tree := []string{
			"Opportunity " + opp.ID + "  " + name + "\n",
			"  status                " + opp.Status + "\n",
			"  resale authorization  " + opp.ExternalID + "\n",
			"  reseller              " + meterReseller + "\n",
			"  commit                10.00 USD P12M\n",
			"  CPPO offer " + offer.ID,
			"    AWS offer ID  " + offer.ExternalID + "\n",
			"    status        " + offer.Status + "\n",
			"    buyers        " + ent.Buyer + "\n",
			"    Entitlement " + ent.ID + "\n",
			"      agreement    " + got.ExternalID + "\n",
			"      buyer        " + ent.Buyer + "\n",
			"      status       ACTIVE\n",
			"      license      " + ent.LicenseArn + "\n",
			"      commit used  0",
			"      metering\n",
			"        DIMENSION ",
			"Timeline (oldest first)\n",
			"  TIME ",
		}
		at := 0
		for _, w := range tree {
			i := strings.Index(out[at:], w)
			if i < 0 {
				t.Fatalf("show printed\n%s\nwithout %q after offset %d", out, w, at)
			}
			at += i + len(w)
		}
		if !strings.HasPrefix(out, tree[0]) {
			t.Errorf("show printed\n%s\nwant the opportunity first", out)
		}

		// The metering totals, a row per dimension, as expected apart from dealdesk.
		rows := regexp.MustCompile(`(?m)^ {8}([a-z_]+) +(\S+) +(\S+) +(\S+) +(\d+) +(\d+) +(\d+)$`).FindAllStringSubmatch(out, -1)
		seen := map[string]bool{}
		for _, r := range rows {
			k := r[1]
			seen[k] = true
			for i, w := range []decimal.Decimal{x.reported[ent.ID][k], x.grant[ent.ID][k], x.commit[ent.ID][k]} {
				if g, err := decimal.NewFromString(r[2+i]); err != nil || !g.Equal(w) {
					t.Errorf("%s column %d printed %q, want %s", k, 2+i, r[2+i], w)
				}
			}
			if w := metered[ent.LicenseArn+" "+k]; r[5] != itoa(w) || r[6] != "0" || r[7] != "0" {
				t.Errorf("%s printed metered %s, unsent %s, failed %s; want %d, 0, 0", k, r[5], r[6], r[7], w)
			}
		}
		for k := range x.reported[ent.ID] {
			if !seen[k] {
				t.Errorf("show printed no metering row for %s:\n%s", k, out)
			}
		}

		// The timeline, oldest first, with the deal's steps.
		_, timeline, _ := strings.Cut(out, "Timeline (oldest first)\n")
		lines := strings.Split(strings.TrimSuffix(timeline, "\n"), "\n")[1:]
		var times []time.Time
		var kinds []string
		for _, l := range lines {
			f := strings.Fields(l)
			at, err := time.Parse(time.RFC3339, f[0])
			if err != nil || len(f) < 3 {
				t.Fatalf("timeline line %q: no time, kind and source", l)
			}
			times, kinds = append(times, at), append(kinds, f[1])
		}
		if !slices.IsSortedFunc(times, time.Time.Compare) || len(lines) < len(chain.Timeline) {
			t.Errorf("timeline %v at %v: want oldest first, and the chain's %d entries", kinds, times, len(chain.Timeline))
		}
		// The acceptance is ACCEPTED from AWS's event, or REPAIRED when reconciliation read it first.
		for _, k := range []string{"PUBLISHED", "CPPO_OFFER_CREATED", "ACCEPTED|REPAIRED"} {
			if !slices.ContainsFunc(kinds, func(kind string) bool { return slices.Contains(strings.Split(k, "|"), kind) }) {
				t.Errorf("timeline %v lacks %s", kinds, k)
			}
		}

		// The CPPO offer's ID shows its opportunity's chain.
		code, byOffer, errOut := client(t, vars, "", "offers", "show", offer.ID)
		if code != 0 || !strings.HasPrefix(byOffer, tree[0]) || !strings.Contains(byOffer, "    Entitlement "+ent.ID+"\n") {
			t.Errorf("show of the CPPO offer %s: exit %d, stderr %s, printed\n%s\nwant the opportunity's chain", offer.ID, code, errOut, byOffer)
		}

		// --json prints the chain as the API answers it.
		code, js, errOut := client(t, vars, "", "offers", "show", "--json", offer.ID)
		var printed struct {
			Opportunity  struct{ ID string }
			Offers       []struct{ ID string }
			Entitlements []struct{ ID, LicenseArn string }
			Timeline     []json.RawMessage
		}
		if err := json.Unmarshal([]byte(js), &printed); code != 0 || err != nil {
			t.Fatalf("show --json: exit %d (%v), stderr %s, printed %s", code, err, errOut, js)
		}
		if printed.Opportunity.ID != opp.ID || len(printed.Offers) != 1 || printed.Offers[0].ID != offer.ID ||
			len(printed.Entitlements) != 1 || printed.Entitlements[0].ID != ent.ID || printed.Entitlements[0].LicenseArn != ent.LicenseArn ||
			len(printed.Timeline) < len(chain.Timeline) {
			t.Errorf("show --json printed %+v, want the chain of %s, %s, %s", printed, opp.ID, offer.ID, ent.ID)
		}

		// The reseller's offer is listed with its type.
		code, list, errOut := client(t, vars, "", "offers", "list", "--type", "CPPO")
		if rows := parseList(t, list); code != 0 || len(rows) != 1 || rows[0].ID != offer.ID || rows[0].Type != "CPPO" ||
			rows[0].Status != offer.Status || rows[0].Reseller != meterReseller {
			t.Errorf("list --type CPPO: exit %d, stderr %s, printed\n%s\nwant the one CPPO offer %s", code, errOut, list, offer.ID)
		}
	})
}

// itoa is n in decimal.
func itoa(n int64) string { return decimal.NewFromInt(n).String() }
