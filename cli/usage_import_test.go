package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/cli"
	"github.com/dealdesk/dealdesk/sqldb"
)

// usageAPI is a `dealdesk serve` on a SQLite file that the test also opens, with a CPPO deal
// whose entitlement meters api_calls and seats (seats is also granted; support is a contract
// dimension), started three hours ago.
type usageAPI struct {
	apiServer
	db          *sqldb.DB
	ctx         context.Context
	entitlement string
}

func startUsageAPI(t *testing.T) usageAPI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := newLineWriter(), newLineWriter()
	dbPath := filepath.Join(t.TempDir(), "dealdesk.db")
	env := cli.Env{Getenv: func(string) string { return "" }, Stdout: out, Stderr: errOut}
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", dbPath}, env) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, errOut.String())
		}
	})
	keyFile := out.waitFor(t, keyFileLine)
	base := out.waitFor(t, "listening on ")
	u := usageAPI{apiServer: apiServer{URL: base + "/api/v1", Key: readKeyFile(t, keyFile), KeyFile: keyFile}}

	db, err := sqldb.Open(context.Background(), dbPath, sqldb.Options{})
	if err != nil {
		t.Fatalf("open the server's database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	key, err := db.AuthenticateAPIKey(context.Background(), u.Key)
	if err != nil {
		t.Fatal(err)
	}
	u.db, u.ctx = db, dealdesk.NewContextWithOrgID(context.Background(), key.OrgID)
	p, err := db.CreateProduct(u.ctx, dealdesk.ProductInput{ExternalID: "prod-usage1", ProductCode: "usage1", Title: "Analytics",
		Dimensions: []dealdesk.Dimension{
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitledAndMetered},
			{Key: "support", Name: "Support", Unit: "Units", Kind: dealdesk.DimensionEntitled},
		}})
	if err != nil {
		t.Fatal(err)
	}
	ptr := func(s string) *string { return &s }
	typ, usd, no := dealdesk.OfferCPPOOut, dealdesk.USD, false
	commit := dealdesk.MustDecimal("100")
	opp, err := db.CreateOffer(u.ctx, dealdesk.OfferInput{Type: &typ, Name: ptr("Usage deal"), ProductID: &p.ID,
		ResellerAccountID: ptr("123456789012"), Renewal: &no, CommitAmount: &commit, Currency: &usd, ContractDuration: ptr("P12M"),
		EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 10}},
		DimensionPrices: &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.5")},
			{DimensionKey: "seats", Price: dealdesk.MustDecimal("1")}},
		EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(u.ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE id = $3`, dealdesk.OfferActive, "ra-usage1", opp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveCPPOOffer(u.ctx, &dealdesk.Offer{ExternalID: "offer-usage1"}, "ra-usage1"); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-3 * time.Hour)
	ent, err := db.SaveEntitlement(u.ctx, &dealdesk.Entitlement{ExternalID: "agmt-usage1", BuyerAccountID: "210987654321",
		LicenseARN: "arn:aws:license-manager::1:license:l-usage1", StartTime: &start}, "offer-usage1")
	if err != nil || ent.OpportunityID != opp.ID {
		t.Fatalf("entitlement %+v: %v", ent, err)
	}
	u.entitlement = ent.ID
	return u
}

// storedGroups returns the stored usage groups by id.
func (u usageAPI) storedGroups(t *testing.T) map[string]*dealdesk.UsageGroup {
	t.Helper()
	out := map[string]*dealdesk.UsageGroup{}
	cursor := ""
	for {
		gs, next, err := u.db.FindUsageGroups(u.ctx, dealdesk.UsageGroupFilter{Cursor: cursor, Limit: dealdesk.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			out[g.ID] = g
		}
		if cursor = next; cursor == "" {
			return out
		}
	}
}

// importCounts runs `dealdesk usage import args...` and returns its exit code, the counts it
// printed and its output.
func (u usageAPI) importCounts(t *testing.T, args ...string) (code int, stored, already, rejected string, out string) {
	t.Helper()
	vars := map[string]string{"DEALDESK_API_URL": u.URL, "DEALDESK_API_KEY": u.Key}
	code, out, errOut := client(t, vars, "", append([]string{"usage", "import"}, args...)...)
	return code, line(out, "stored"), line(out, "already stored"), line(out, "rejected"), out + errOut
}

func TestUsageImport_CSVResumesAndSendsNothingTwice(t *testing.T) {
	t.Parallel()
	u := startUsageAPI(t)
	ts := time.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339)
	file := filepath.Join(t.TempDir(), "usage.csv")
	rows := "id,entitlementId,timestamp,dimension,quantity\n" +
		"g1," + u.entitlement + "," + ts + ",api_calls,1.5\n" +
		"g1," + u.entitlement + "," + ts + ",seats,2\n" +
		"g2," + u.entitlement + "," + ts + ",api_calls,0.1\n" +
		"g3," + u.entitlement + "," + ts + ",support,1\n" +
		"g4," + u.entitlement + "," + ts + ",api_calls,1e2\n"
	if err := os.WriteFile(file, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stored, already, rejected, out := u.importCounts(t, file, "--batch-size", "2")
	if code != 1 || stored != "3" || already != "0" || rejected != "1" {
		t.Fatalf("first run: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
	if !strings.Contains(out, "line 5 (id g3)") || !strings.Contains(out, "records.support") {
		t.Errorf("the rejection of g3 is not described with its line and field:\n%s", out)
	}
	groups := u.storedGroups(t)
	if len(groups) != 3 || groups["g1"].Records["api_calls"].String() != "1.5" || groups["g1"].Records["seats"].String() != "2" ||
		groups["g2"].Records["api_calls"].String() != "0.1" || groups["g4"].Records["api_calls"].String() != "100" {
		t.Fatalf("stored groups: %+v", groups)
	}

	// A re-run sends only from the rejected g3 on: the checkpoint stops before it.
	code, stored, already, rejected, out = u.importCounts(t, file)
	if code != 1 || stored != "0" || already != "1" || rejected != "1" || !strings.Contains(out, "after line 4") {
		t.Fatalf("re-run: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}

	// Rows added to the file are sent alone.
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "g5,%s,%s,seats,4\ng5,%s,%s,api_calls,0.25\n", u.entitlement, ts, u.entitlement, ts)
	f.Close()
	code, stored, already, rejected, out = u.importCounts(t, file)
	if code != 1 || stored != "1" || already != "1" || rejected != "1" || !strings.Contains(out, "resuming") {
		t.Fatalf("appended rows: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
	if g := u.storedGroups(t)["g5"]; g == nil || len(g.Records) != 2 {
		t.Fatalf("g5 = %+v", g)
	}

	// Without the checkpoint everything is sent again and the server stores nothing twice.
	if err := os.Remove(file + ".progress"); err != nil {
		t.Fatal(err)
	}
	code, stored, already, rejected, out = u.importCounts(t, file)
	if code != 1 || stored != "0" || already != "4" || rejected != "1" {
		t.Fatalf("without checkpoint: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
	if n := len(u.storedGroups(t)); n != 4 {
		t.Errorf("%d groups stored, want 4", n)
	}

	// A file changed before the checkpoint is not resumed at a wrong place.
	changed := strings.Replace(rows, "0.1", "0.2", 1)
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, _, _, out = u.importCounts(t, file)
	if code != 1 || !strings.Contains(out, "does not match") && !strings.Contains(out, "changed") {
		t.Errorf("changed file: exit %d:\n%s", code, out)
	}
}

func TestUsageImport_JSONL(t *testing.T) {
	t.Parallel()
	u := startUsageAPI(t)
	ts := time.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339)
	file := filepath.Join(t.TempDir(), "usage.jsonl")
	var b strings.Builder
	for i := range 25 {
		fmt.Fprintf(&b, `{"id":"j%02d","entitlementId":"%s","timestamp":"%s","records":{"api_calls":%d.5}}`+"\n", i, u.entitlement, ts, i)
	}
	b.WriteString("\n{not json}\n")
	fmt.Fprintf(&b, `{"id":"neg","entitlementId":"%s","timestamp":"%s","records":{"api_calls":-1}}`+"\r\n", u.entitlement, ts)
	fmt.Fprintf(&b, `{"id":"exp","entitlementId":"%s","timestamp":"%s","records":{"seats":1.5e-7}}`, u.entitlement, ts)
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stored, already, rejected, out := u.importCounts(t, "--batch-size", "10", file)
	if code != 1 || stored != "26" || already != "0" || rejected != "2" {
		t.Fatalf("first run: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
	if !strings.Contains(out, "line 27:") || !strings.Contains(out, "line 28 (id neg)") || !strings.Contains(out, "records.api_calls") {
		t.Errorf("rejections are not described:\n%s", out)
	}
	groups := u.storedGroups(t)
	if len(groups) != 26 || groups["j07"].Records["api_calls"].String() != "7.5" || groups["exp"].Records["seats"].String() != "0.00000015" {
		t.Fatalf("%d stored groups: j07 %+v, exp %+v", len(groups), groups["j07"], groups["exp"])
	}
	// A re-run sends the rejected groups again, and those after them (already stored).
	code, stored, already, rejected, out = u.importCounts(t, file)
	if code != 1 || stored != "0" || already != "1" || rejected != "2" {
		t.Fatalf("re-run: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
	code, _, _, _, out = u.importCounts(t, filepath.Join(t.TempDir(), "usage.txt"))
	if code != 2 || !strings.Contains(out, ".csv or .jsonl") {
		t.Errorf("a .txt file: exit %d:\n%s", code, out)
	}
}

// TestMeteringFlush_PrintsWhatItDid: serve runs the metering worker, so a flush answers what it
// closed, sent and failed (here nothing: no usage yet). A server without the worker answers 503,
// which http's TestMetering_FlushWithoutAFlusherIsUnavailable shows.
func TestMeteringFlush_PrintsWhatItDid(t *testing.T) {
	t.Parallel()
	u := startUsageAPI(t)
	code, out, errOut := client(t, map[string]string{"DEALDESK_API_URL": u.URL, "DEALDESK_API_KEY": u.Key}, "", "metering", "flush")
	if code != 0 || !strings.Contains(out, "closed  0\n") || !strings.Contains(out, "sent    0\n") || !strings.Contains(out, "failed  0\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestUsageImport_RejectedGroupsAreSentAgain: a group the server rejected for a problem that
// passes (here: before the entitlement's start, until the start is corrected) is not counted
// done: the checkpoint stops before it, so a re-run sends it again and it is stored; the groups
// after it are answered as already stored, and a third run has nothing left to send.
func TestUsageImport_RejectedGroupsAreSentAgain(t *testing.T) {
	t.Parallel()
	u := startUsageAPI(t)
	setStart := func(start time.Time) {
		t.Helper()
		if _, err := u.db.SQL().ExecContext(u.ctx, `UPDATE entitlements SET start_time = $1 WHERE id = $2`,
			start.UTC().Format("2006-01-02T15:04:05.000000000Z"), u.entitlement); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	setStart(now.Add(-time.Hour))
	recent, early := now.Add(-30*time.Minute).UTC().Format(time.RFC3339), now.Add(-2*time.Hour).UTC().Format(time.RFC3339)
	file := filepath.Join(t.TempDir(), "usage.jsonl")
	var b strings.Builder
	for i, ts := range []string{recent, recent, early, recent, recent} {
		fmt.Fprintf(&b, `{"id":"r%d","entitlementId":"%s","timestamp":"%s","records":{"api_calls":%d}}`+"\n", i, u.entitlement, ts, i+1)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stored, already, rejected, out := u.importCounts(t, "--batch-size", "2", file)
	if code != 1 || stored != "4" || already != "0" || rejected != "1" || !strings.Contains(out, "line 3 (id r2)") {
		t.Fatalf("first run: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
	setStart(now.Add(-3 * time.Hour)) // the problem passes
	code, stored, already, rejected, out = u.importCounts(t, "--batch-size", "2", file)
	if code != 0 || stored != "1" || already != "2" || rejected != "0" {
		t.Fatalf("re-run: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
	if g := u.storedGroups(t)["r2"]; g == nil {
		t.Fatal("the group rejected first was never stored")
	}
	code, stored, already, rejected, out = u.importCounts(t, file)
	if code != 0 || stored != "0" || already != "0" || rejected != "0" {
		t.Fatalf("third run: exit %d, stored %q, already %q, rejected %q:\n%s", code, stored, already, rejected, out)
	}
}
