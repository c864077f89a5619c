package cli_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// Helpers of the metering tests (metering_*_test.go): a `dealdesk sim` process seeded with a
// product that has an ENTITLED_AND_METERED dimension, a `dealdesk serve` process that can be
// killed and started again on the same database, deals made through both, usage reported
// through the API, and the expected overage computed here from decision 023's rules, apart from
// the code under test.

// Accounts of meterSeed.
const (
	meterSeller   = "111122223333"
	meterReseller = "444455556666"
)

// meterBuyers are meterSeed's buyers, one entitlement each at most per deal.
var meterBuyers = []string{"210987654321", "123456789012", "345678901234", "456789012345", "567890123456", "678901234567"}

// meterProduct is meterSeed's product: compute_hours is bought by contract and metered beyond
// it (AWS Types Entitled and ExternallyMetered), seats is a contract dimension only, the rest
// are metered only.
const (
	meterProductID   = "prod-dd3meteredc0mp"
	meterProductCode = "dd3meteredc0mp0000000000c"
)

// meterDimensions are meterProduct's dimensions: key and AWS Types.
var meterDimensions = []struct {
	key   string
	types []string
}{
	{"seats", []string{"Entitled"}},
	{"compute_hours", []string{"Entitled", "ExternallyMetered"}},
	{"api_calls", []string{"ExternallyMetered"}},
	{"storage_gb", []string{"ExternallyMetered"}},
	{"egress_gb", []string{"ExternallyMetered"}},
	{"gpu_hours", []string{"ExternallyMetered"}},
}

// writeMeterSeed writes the simulator's seed for the metering tests (the default seed of
// `dealdesk dev` has no ENTITLED_AND_METERED dimension) and returns its path.
func writeMeterSeed(t *testing.T) string {
	t.Helper()
	type dim struct {
		Key   string   `json:"key"`
		Name  string   `json:"name"`
		Unit  string   `json:"unit"`
		Types []string `json:"types"`
	}
	var dims []dim
	for _, d := range meterDimensions {
		dims = append(dims, dim{Key: d.key, Name: d.key, Unit: "Units", Types: d.types})
	}
	type party struct {
		AccountID string `json:"accountId"`
		LegalName string `json:"legalName"`
	}
	var buyers []party
	for i, b := range meterBuyers {
		buyers = append(buyers, party{b, fmt.Sprintf("Buyer %d Inc.", i+1)})
	}
	seed := map[string]any{
		"seller": party{meterSeller, "Example Software, Inc."},
		"products": []map[string]any{{"productId": meterProductID, "productCode": meterProductCode, "title": "Example Compute Platform",
			"visibility": "Public", "meteringMode": "LicenseArn", "dimensions": dims}},
		"resellers": []party{{meterReseller, "Northwind Cloud Partners LLC"}},
		"buyers":    buyers,
	}
	b, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// meterEnv is a simulator and a serve process (started again at will) on one database.
type meterEnv struct {
	t       *testing.T
	bin     string
	simURL  string
	dsn     string
	args    []string // serve's
	env     []string
	key     string
	base    string // the API's base URL, http://host:port/api/v1, of the running serve
	serve   *process
	product string // dealdesk's ID of meterProduct
}

// meterConfig says how a meterEnv runs.
type meterConfig struct {
	engine    string
	window    time.Duration // serve's and the simulator's metering window; 0: their defaults
	serveArgs []string      // more flags of serve
}

// newMeterEnv starts the simulator (quotas on) and serve, wires them as `dealdesk dev` would
// (AWS connection, EventBridge target) and registers meterProduct, its reseller and buyers.
func newMeterEnv(t *testing.T, cfg meterConfig) *meterEnv {
	t.Helper()
	bin, err := buildDealdesk()
	if err != nil {
		t.Fatalf("build dealdesk: %v", err)
	}
	simArgs := []string{"sim", "--addr", "127.0.0.1:0", "--changeset-delay", "200ms", "--seed", writeMeterSeed(t)}
	serveArgs := []string{}
	if cfg.window > 0 {
		simArgs = append(simArgs, "--metering-window", cfg.window.String())
		serveArgs = append(serveArgs, "--metering-window", cfg.window.String())
	}
	simProc := start(t, bin, nil, simArgs...)
	e := &meterEnv{t: t, bin: bin, simURL: strings.TrimSpace(simProc.line(t, "dealdesk sim listening on ")), dsn: sqldbtest.DSN(t, cfg.engine),
		env: []string{"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true"}}
	e.args = append([]string{"serve", "--addr", "127.0.0.1:0", "--db", e.dsn, "--key-file", filepath.Join(t.TempDir(), "key"),
		"--secret-key-file", filepath.Join(t.TempDir(), "secret-key"),
		"--change-set-poll", "100ms", "--job-rescue-after", "20s"}, append(serveArgs, cfg.serveArgs...)...)
	e.start()

	e.call("PUT", "/aws-connection", `{"sellerAccountId":"`+meterSeller+`","region":"us-east-1","credentialsMode":"STATIC_KEYS",
		"accessKeyId":"AKIAMETERINGTEST0000","secretAccessKey":"metering-test-secret-access-key","endpointUrl":"`+e.simURL+`"}`, http.StatusOK, nil)
	var ep struct{ OrgKey, Secret, SecretHeader string }
	e.call("POST", "/inbound-endpoint:rotate-secret", "", http.StatusOK, &ep)
	hook := strings.TrimSuffix(e.base, "/api/v1") + "/hooks/aws/eventbridge/" + ep.OrgKey
	body, err := json.Marshal(map[string]any{"targets": []map[string]string{{"name": "serve", "type": "http", "url": hook,
		"secretHeader": ep.SecretHeader, "secret": ep.Secret}}})
	if err != nil {
		t.Fatal(err)
	}
	devCall(t, "PUT", e.simURL+"/_sim/events", "", string(body), http.StatusOK, nil)

	var dims []map[string]string
	for _, d := range meterDimensions {
		kind, ok := dealdesk.DimensionKindOf(d.types)
		if !ok {
			t.Fatalf("no kind for %v", d.types)
		}
		dims = append(dims, map[string]string{"key": d.key, "name": d.key, "unit": "Units", "kind": string(kind)})
	}
	b, err := json.Marshal(map[string]any{"externalId": meterProductID, "productCode": meterProductCode, "title": "Example Compute Platform",
		"meteringIdentity": "LICENSE_ARN", "dimensions": dims})
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ ID string }
	e.call("POST", "/products", string(b), http.StatusCreated, &p)
	e.product = p.ID
	e.call("PUT", "/resellers/"+meterReseller, `{"legalName":"Northwind Cloud Partners LLC"}`, http.StatusOK, nil)
	for _, b := range meterBuyers {
		e.call("PUT", "/buyers/"+b, `{"name":"Buyer `+b+`"}`, http.StatusOK, nil)
	}
	return e
}

// start starts serve (again) and waits until it listens; the first start reads the API key
// its first start wrote.
func (e *meterEnv) start() {
	e.t.Helper()
	p := start(e.t, e.bin, e.env, e.args...)
	if e.key == "" {
		e.key = readKeyFile(e.t, strings.TrimSpace(p.line(e.t, "dealdesk: "+keyFileLine)))
	}
	e.base = strings.TrimSpace(p.line(e.t, "dealdesk: listening on ")) + "/api/v1"
	e.serve = p
}

// call calls the API of the running serve; see devCall.
func (e *meterEnv) call(method, path, body string, want int, out any) {
	e.t.Helper()
	devCall(e.t, method, e.base+path, e.key, body, want, out)
}

// do calls the API and returns the status and the body, whatever they are; err is the
// transport's (the process may be killed meanwhile).
func (e *meterEnv) do(method, path, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// meterTerms are an opportunity's terms that decide coverage, as the test writes them.
type meterTerms struct {
	commit        string            // USD
	againstCommit bool              // meterUsageAgainstCommit
	grants        map[string]int64  // entitledDimensions
	prices        map[string]string // dimensionPrices, USD a unit
}

// meterEntitlement is an entitlement of a deal.
type meterEntitlement struct {
	ID, LicenseArn, Buyer string
	Start                 time.Time
	terms                 meterTerms
}

// deal publishes an opportunity with terms, has the reseller offer it to buyers and each buyer
// accept it at acceptedAt, and returns the entitlements dealdesk recorded, in buyers' order.
func (e *meterEnv) deal(name string, terms meterTerms, buyers []string, acceptedAt time.Time) []*meterEntitlement {
	e.t.Helper()
	t := e.t
	var grants, prices []map[string]any
	for _, k := range slices.Sorted(mapKeys(terms.grants)) {
		grants = append(grants, map[string]any{"dimensionKey": k, "quantity": terms.grants[k]})
	}
	for _, k := range slices.Sorted(mapKeys(terms.prices)) {
		prices = append(prices, map[string]any{"dimensionKey": k, "price": terms.prices[k]})
	}
	body, err := json.Marshal(map[string]any{"type": "CPPO_OUT", "name": name, "productId": e.product, "resellerAccountId": meterReseller,
		"buyerAccountIds": buyers, "commitAmount": terms.commit, "currency": "USD", "contractDuration": "P12M",
		"entitledDimensions": grants, "dimensionPrices": prices, "meterUsageAgainstCommit": terms.againstCommit,
		"expiryDate": time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly), "oneTime": true, "eula": map[string]string{"type": "STANDARD"}})
	if err != nil {
		t.Fatal(err)
	}
	var opp struct {
		ID, Status, ExternalID  string
		MeterUsageAgainstCommit bool
	}
	e.call("POST", "/offers", string(body), http.StatusCreated, &opp)
	if opp.MeterUsageAgainstCommit != terms.againstCommit {
		t.Fatalf("the opportunity says meterUsageAgainstCommit %v, want %v", opp.MeterUsageAgainstCommit, terms.againstCommit)
	}
	e.call("POST", "/offers/"+opp.ID+"/submit", "", http.StatusOK, nil)
	waitUntil(t, 60*time.Second, name+" published", func() bool {
		e.call("GET", "/offers/"+opp.ID, "", http.StatusOK, &opp)
		return opp.Status != "PENDING_CREATE"
	})
	if opp.Status != "ACTIVE" {
		t.Fatalf("%s = %+v, want ACTIVE", name, opp)
	}
	var cppo struct{ OfferID string }
	rb, _ := json.Marshal(map[string]any{"resaleAuthorizationId": opp.ExternalID, "markupPercentage": "5", "buyerAccountIds": buyers})
	devCall(t, "POST", e.simURL+"/_sim/resellers/"+meterReseller+"/offers", "", string(rb), http.StatusOK, &cppo)
	var chain chainJSON
	waitUntil(t, 60*time.Second, name+"'s CPPO offer in the chain", func() bool {
		e.call("GET", "/offers/"+opp.ID+"/chain", "", http.StatusOK, &chain)
		return len(chain.Offers) > 0
	})
	var out []*meterEntitlement
	for _, b := range buyers {
		var acc struct{ AgreementID, LicenseArn string }
		devCall(t, "POST", e.simURL+"/_sim/buyers/"+b+"/accept", "", `{"offerId":"`+cppo.OfferID+`","acceptanceTime":"`+
			acceptedAt.UTC().Format(time.RFC3339)+`"}`, http.StatusOK, &acc)
		out = append(out, &meterEntitlement{LicenseArn: acc.LicenseArn, Buyer: b, Start: acceptedAt, terms: terms})
	}
	waitUntil(t, 60*time.Second, name+"'s entitlements in the chain", func() bool {
		e.call("GET", "/offers/"+opp.ID+"/chain", "", http.StatusOK, &chain)
		n := 0
		for _, ent := range out {
			for _, c := range chain.Entitlements {
				if c.LicenseArn == ent.LicenseArn && c.Status == "ACTIVE" {
					ent.ID = c.ID
					n++
				}
			}
		}
		return n == len(out)
	})
	return out
}

func mapKeys[M ~map[K]V, K comparable, V any](m M) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// usageGroup is a usage group as the batch API takes it.
type usageGroup struct {
	ID            string            `json:"id"`
	EntitlementID string            `json:"entitlementId"`
	Timestamp     time.Time         `json:"timestamp"`
	Records       map[string]string `json:"records"`
}

// report sends groups through POST /usage:batch (at most 2,000 a call) and requires every one
// stored.
func (e *meterEnv) report(groups []usageGroup) {
	e.t.Helper()
	for len(groups) > 0 {
		n := min(len(groups), 2000)
		b, err := json.Marshal(map[string]any{"groups": groups[:n]})
		if err != nil {
			e.t.Fatal(err)
		}
		var res struct {
			Accepted, Rejected int
			Results            []json.RawMessage
		}
		e.call("POST", "/usage:batch", string(b), http.StatusOK, &res)
		if res.Accepted != n || res.Rejected != 0 {
			e.t.Fatalf("usage batch: %d accepted, %d rejected of %d: %s", res.Accepted, res.Rejected, n, res.Results)
		}
		groups = groups[n:]
	}
}

// flushResult is POST /metering/flush's answer.
type flushResult struct {
	Closed, Sent, Failed int
	Records              []meterRecord
}

// meterRecord is a metering record as the API shows it.
type meterRecord struct {
	ID, EntitlementID, DimensionKey, Status, MeteringRecordID, Error string
	Hour                                                             time.Time
	Quantity                                                         int64
	Request, Response                                                json.RawMessage
}

// records returns every metering record of the organization.
func (e *meterEnv) records() []meterRecord {
	e.t.Helper()
	var all []meterRecord
	cursor := ""
	for {
		var page struct {
			Items      []meterRecord
			NextCursor string
		}
		path := "/metering-records?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		e.call("GET", path, "", http.StatusOK, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// ledgerRecord is a record of the simulator's ledger.
type ledgerRecord struct {
	MeteringRecordID, LicenseArn, Dimension string
	Quantity                                int64
	Hour                                    time.Time
}

// ledger returns the simulator's metering ledger: every record AWS accepted.
func (e *meterEnv) ledger() []ledgerRecord {
	e.t.Helper()
	var out struct {
		Records []ledgerRecord
		Count   int
	}
	devCall(e.t, "GET", e.simURL+"/_sim/metering/ledger", "", "", http.StatusOK, &out)
	return out.Records
}

// meterKey names a record: license (or entitlement), hour and dimension.
type meterKey struct {
	who       string
	hour      time.Time
	dimension string
}

func (k meterKey) String() string {
	return fmt.Sprintf("%s %s %s", k.who[max(0, len(k.who)-8):], k.hour.UTC().Format("15:04"), k.dimension)
}

// ledgerTotals returns the ledger's quantities by license, hour and dimension; a key held twice
// fails the test.
func (e *meterEnv) ledgerTotals() map[meterKey]int64 {
	e.t.Helper()
	got := map[meterKey]int64{}
	for _, r := range e.ledger() {
		k := meterKey{r.LicenseArn, r.Hour.UTC(), r.Dimension}
		if _, dup := got[k]; dup {
			e.t.Errorf("the ledger holds %s twice", k)
		}
		got[k] += r.Quantity
	}
	return got
}

// expectedMetering is what decision 023 meters for usage: per entitlement, hour and dimension,
// the integer quantity (zero when covered), computed here apart from dealdesk's code.
type expectedMetering struct {
	quantity                map[meterKey]int64 // by license, hour, dimension; 0 for a record NOT_METERED
	reported, grant, commit map[string]map[string]decimal.Decimal
	carry                   map[string]map[string]decimal.Decimal // by entitlement ID, then dimension
	commitUsed              map[string]decimal.Decimal
}

// expectMetering meters usage (groups of closed hours) of ents: hour by hour, oldest first, and
// within an hour in dimension key order, the grant of the key covers usage until the term has
// used it up; then, when the opportunity meters against its commit, the commit covers usage at
// the dimension's price until used up (a partly covered hour covering remaining ÷ price units
// rounded down to 9 decimals); the rest, with the fraction carried from the dimension's previous
// hour, is metered in whole units and its fraction carried on.
func expectMetering(ents []*meterEntitlement, groups []usageGroup) *expectedMetering {
	x := &expectedMetering{quantity: map[meterKey]int64{}, reported: map[string]map[string]decimal.Decimal{},
		grant: map[string]map[string]decimal.Decimal{}, commit: map[string]map[string]decimal.Decimal{},
		carry: map[string]map[string]decimal.Decimal{}, commitUsed: map[string]decimal.Decimal{}}
	for _, ent := range ents {
		usage := map[time.Time]map[string]decimal.Decimal{} // hour → dimension → units
		for _, g := range groups {
			if g.EntitlementID != ent.ID {
				continue
			}
			h := g.Timestamp.UTC().Truncate(time.Hour)
			if usage[h] == nil {
				usage[h] = map[string]decimal.Decimal{}
			}
			for k, v := range g.Records {
				usage[h][k] = usage[h][k].Add(decimal.RequireFromString(v))
			}
		}
		commitLeft := decimal.RequireFromString(ent.terms.commit)
		if !ent.terms.againstCommit {
			commitLeft = decimal.Zero
		}
		grantLeft := map[string]decimal.Decimal{}
		for k, q := range ent.terms.grants {
			grantLeft[k] = decimal.NewFromInt(q)
		}
		carry, reported, byGrant, byCommit := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
		used := decimal.Zero
		hours := slices.SortedFunc(mapKeys(usage), time.Time.Compare)
		for _, h := range hours {
			for _, k := range slices.Sorted(mapKeys(usage[h])) {
				u := usage[h][k]
				reported[k] = reported[k].Add(u)
				g := decimal.Min(grantLeft[k], u)
				grantLeft[k] = grantLeft[k].Sub(g)
				byGrant[k] = byGrant[k].Add(g)
				left := u.Sub(g)
				if p, ok := ent.terms.prices[k]; ok && left.IsPositive() && commitLeft.IsPositive() {
					price := decimal.RequireFromString(p)
					c := left
					if left.Mul(price).GreaterThan(commitLeft) {
						c = commitLeft.DivRound(price, 20).RoundFloor(9)
					}
					commitLeft = commitLeft.Sub(c.Mul(price))
					used = used.Add(c.Mul(price))
					byCommit[k] = byCommit[k].Add(c)
					left = left.Sub(c)
				}
				total := carry[k].Add(left)
				q := total.Floor()
				carry[k] = total.Sub(q)
				x.quantity[meterKey{ent.LicenseArn, h, k}] = q.IntPart()
			}
		}
		x.reported[ent.ID], x.grant[ent.ID], x.commit[ent.ID], x.carry[ent.ID], x.commitUsed[ent.ID] = reported, byGrant, byCommit, carry, used
	}
	return x
}

// metered returns the expected ledger: the quantities above zero.
func (x *expectedMetering) metered() map[meterKey]int64 {
	out := map[meterKey]int64{}
	for k, q := range x.quantity {
		if q > 0 {
			out[k] = q
		}
	}
	return out
}

// sumByLicense sums quantities per license and dimension.
func sumByLicense(m map[meterKey]int64) map[string]int64 {
	out := map[string]int64{}
	for k, q := range m {
		out[k.who+" "+k.dimension] += q
	}
	return out
}

// diffTotals describes how got differs from want, "" when equal.
func diffTotals(got, want map[meterKey]int64) string {
	var b strings.Builder
	keys := slices.SortedFunc(mapKeys(want), func(a, b meterKey) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		if got[k] != want[k] {
			fmt.Fprintf(&b, "  %s: got %d, want %d\n", k, got[k], want[k])
		}
	}
	for k, q := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  %s: got %d, want nothing\n", k, q)
		}
	}
	return b.String()
}

// checkRecords checks dealdesk's metering records against x: one per expected key, SENT with
// AWS's ID when its quantity is above zero, NOT_METERED otherwise; none in any other status.
func (e *meterEnv) checkRecords(ents []*meterEntitlement, x *expectedMetering) {
	e.t.Helper()
	license := map[string]string{}
	for _, ent := range ents {
		license[ent.ID] = ent.LicenseArn
	}
	seen := map[meterKey]bool{}
	for _, r := range e.records() {
		k := meterKey{license[r.EntitlementID], r.Hour.UTC(), r.DimensionKey}
		want, ok := x.quantity[k]
		switch {
		case !ok:
			e.t.Errorf("record %s (%s, %s): not expected", r.ID, k, r.Status)
		case seen[k]:
			e.t.Errorf("record %s: %s has two records", r.ID, k)
		case r.Quantity != want:
			e.t.Errorf("record %s (%s): quantity %d, want %d", r.ID, k, r.Quantity, want)
		case want > 0 && (r.Status != "SENT" || r.MeteringRecordID == ""):
			e.t.Errorf("record %s (%s): %s, AWS ID %q, answer %s; want SENT", r.ID, k, r.Status, r.MeteringRecordID, r.Response)
		case want == 0 && r.Status != "NOT_METERED":
			e.t.Errorf("record %s (%s): %s, want NOT_METERED", r.ID, k, r.Status)
		}
		seen[k] = true
	}
	for k := range x.quantity {
		if !seen[k] {
			e.t.Errorf("no record for %s: an hour lost", k)
		}
	}
}

// meteringTotals is GET /entitlements/{id}/metering.
type meteringTotals struct {
	CommitUsed decimal.Decimal
	Dimensions []struct {
		DimensionKey                                     string
		Reported, CoveredByGrant, CoveredByCommit, Carry decimal.Decimal
		Metered, Unsent, Failed                          int64
	}
	RecordsByStatus map[string]int64
}

// checkTotals checks each entitlement's totals (GET /entitlements/{id}/metering) against x.
func (e *meterEnv) checkTotals(ents []*meterEntitlement, x *expectedMetering) {
	e.t.Helper()
	metered := sumByLicense(x.metered())
	for _, ent := range ents {
		var got meteringTotals
		e.call("GET", "/entitlements/"+ent.ID+"/metering", "", http.StatusOK, &got)
		if !got.CommitUsed.Equal(x.commitUsed[ent.ID]) {
			e.t.Errorf("%s: commitUsed %s, want %s", ent.ID, got.CommitUsed, x.commitUsed[ent.ID])
		}
		dims := map[string]bool{}
		for _, d := range got.Dimensions {
			dims[d.DimensionKey] = true
			k := d.DimensionKey
			if !d.Reported.Equal(x.reported[ent.ID][k]) || !d.CoveredByGrant.Equal(x.grant[ent.ID][k]) ||
				!d.CoveredByCommit.Equal(x.commit[ent.ID][k]) || !d.Carry.Equal(x.carry[ent.ID][k]) ||
				d.Metered != metered[ent.LicenseArn+" "+k] || d.Unsent != 0 || d.Failed != 0 {
				e.t.Errorf("%s %s: totals %+v; want reported %s, by grant %s, by commit %s, carry %s, metered %d, nothing unsent or failed",
					ent.ID, k, d, x.reported[ent.ID][k], x.grant[ent.ID][k], x.commit[ent.ID][k], x.carry[ent.ID][k], metered[ent.LicenseArn+" "+k])
			}
		}
		for k := range x.reported[ent.ID] {
			if !dims[k] {
				e.t.Errorf("%s: totals have no %s", ent.ID, k)
			}
		}
	}
}

// fraction returns a quantity with a fraction, picked from n: "12.375".
func fraction(n int) string {
	return decimal.NewFromInt(int64(n)).Div(decimal.NewFromInt(8)).String()
}

// historyHours returns how many closed hours before now's hour usage can be reported for with
// a metering window of w: want, or fewer when AWS's month end (from 06:00 UTC on the 1st the
// previous month is closed, decision 023) or the window cuts them; the test is skipped, saying
// why, when fewer than least are left.
func historyHours(t *testing.T, w time.Duration, want, least int) int {
	t.Helper()
	now := time.Now().UTC()
	oldest := dealdesk.MeteringWindow(w).OldestUsage(now)
	n := int(now.Truncate(time.Hour).Sub(oldest) / time.Hour)
	if n > want {
		n = want
	}
	if n < least {
		t.Skipf("only %d hours of usage can still reach AWS at %s (oldest %s; AWS closes the previous month at 06:00 UTC on the 1st): this test needs %d",
			n, now.Format(time.RFC3339), oldest.Format(time.RFC3339), least)
	}
	return n
}
