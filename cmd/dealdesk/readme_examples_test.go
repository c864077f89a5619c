package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeVars are the shell variables the README's examples set that the test checks against
// the services afterwards; devVars those the walk-through on dev sets (the shell blocks before
// the first transcript), read as they are at its end, since later blocks reuse some names.
var (
	readmeVars = []string{"PRODUCT", "OFFER", "RA", "CPPO_OFFER", "AGREEMENT"}
	devVars    = []string{"OPPORTUNITY", "CPPO_OFFER", "AGREEMENT", "ENTITLEMENT"}
)

// TestREADMEExamples runs the README's examples as a reader would, in document order, and
// checks what they claim. It builds dealdesk once, into a directory put first on PATH, and
// starts the service and the simulator from the README's transcripts (in a fresh working
// directory, on free ports: the README's fixed addresses are rewritten to them). Then every
// ```sh block after the first runs as one bash script (set -euo pipefail, variables shared from
// block to block); every "# =>" claim is checked against what its commands printed or, for the
// HTTP status, media type and a command that prints nothing, against the answer of the last
// curl before it (curl is wrapped, on PATH, by a script that records each answer and prints it
// as curl would); every ```go block is compiled, as a program, and run against the simulator;
// every transcript's output is checked against what the service printed. A block that is
// neither run, compiled nor checked fails the test (planBlocks). At the end the state the README
// promises is read back from the service's API and the simulator's control API. Decision 011
// gives the rules a README example follows.
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	blocks := readmeBlocks(t)
	kinds, err := planBlocks(blocks)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's examples need %s (scripts/test.sh installs it): %v", tool, err)
		}
	}
	tmp := t.TempDir()
	work, bin, out := filepath.Join(tmp, "work"), filepath.Join(tmp, "bin"), filepath.Join(tmp, "out")
	for _, d := range []string{work, bin, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if work, err = filepath.EvalSymlinks(work); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("go", "build", "-o", filepath.Join(bin, "dealdesk"), ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	writeRecordingCurl(t, bin)
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "README_OUT=" + out}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DEALDESK_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}

	// The README's first command, dealdesk dev, in the working directory of the shell blocks:
	// the walk-through reads dealdesk-data/dev.json there.
	dev := startDev(t, filepath.Join(bin, "dealdesk"), blocks[0], work, env)
	devEnd := slices.Index(kinds, blockService) // the blocks before it run against dev
	if devEnd < 0 {
		devEnd = len(blocks)
	}
	services := map[string]*service{}
	for i, b := range blocks {
		if kinds[i] != blockService {
			continue
		}
		s := startService(t, filepath.Join(bin, "dealdesk"), b, work, env)
		if services[s.name] != nil {
			t.Fatalf("README.md:%d: a second transcript starts dealdesk %s", b.Line, s.name)
		}
		services[s.name] = s
	}
	for name := range readmeAddrs {
		if services[name] == nil {
			t.Fatalf("no README transcript starts dealdesk %s (%q%s)", name, serviceCommand, name)
		}
	}
	rewrite := func(s string) string {
		for name, fixed := range readmeAddrs {
			for _, f := range fixed {
				s = strings.ReplaceAll(s, f, services[name].addr)
			}
		}
		return s
	}
	devAddrs := map[string]string{"serve": dev.api, "sim": dev.sim}
	rewriteFor := func(i int) func(string) string {
		if i >= devEnd {
			return rewrite
		}
		return func(s string) string {
			for name, fixed := range readmeAddrs {
				for _, f := range fixed {
					s = strings.ReplaceAll(s, f, devAddrs[name])
				}
			}
			return s
		}
	}

	// The Go blocks compile while the script runs.
	type goExample struct {
		block readmeBlock
		lists bool // the program lists resale authorizations (goExampleProgram)
		exe   string
		err   error
	}
	built := make(chan []goExample, 1)
	go func() {
		var examples []goExample
		for i, b := range blocks {
			if kinds[i] != blockGo {
				continue
			}
			dir := filepath.Join(tmp, "go"+strconv.Itoa(b.Line))
			ex := goExample{block: b, err: os.Mkdir(dir, 0o755)}
			if ex.err == nil {
				program := goExampleProgram(rewrite(strings.Join(b.Lines, "\n")))
				ex.lists = strings.Contains(program, "catalog.ListEntities")
				ex.exe, ex.err = buildGoExample(dir, program)
			}
			examples = append(examples, ex)
		}
		built <- examples
	}()

	script, markers, claims := readmeScript(blocks, kinds, devEnd, rewriteFor)
	scriptPath := filepath.Join(tmp, "readme.sh")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", scriptPath)
	cmd.Dir, cmd.Env = work, env
	cmd.WaitDelay = 5 * time.Second // a command left behind must not hold the test
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	if runErr != nil {
		at := lastMarker(stderr.String())
		t.Errorf("README.md: the shell block at line %d failed (in the part from line %d): %v\nits output:\n%s\nstandard error:\n%s",
			blockAt(blocks, at).Line, at, runErr, readFileOrEmpty(filepath.Join(out, "out-"+strconv.Itoa(at))), stderr.String())
	}

	checked := 0
	for _, c := range claims {
		seg := segmentOf(markers, c.Line)
		if runErr != nil && seg >= lastMarker(stderr.String()) {
			continue // the commands before it failed or did not run
		}
		ans, ran := readAnswer(out, seg)
		if !ran {
			t.Errorf("README.md:%d: the commands before this claim did not run", c.Line)
			continue
		}
		if msg := ans.check(c); msg != "" {
			t.Errorf("README.md:%d: %s", c.Line, msg)
		}
		checked++
	}
	if runErr != nil {
		t.FailNow()
	}
	if checked == 0 {
		t.Fatal("the README's shell blocks claim nothing (# =>) that could be checked")
	}

	checkDevDeal(t, dev, readVars(t, filepath.Join(out, "vars-dev"), devVars))
	vars := readVars(t, filepath.Join(out, "vars"), readmeVars)
	checkServiceState(t, services, work, vars)

	for _, ex := range <-built {
		if ex.err != nil {
			t.Errorf("README.md:%d: the Go block does not compile: %v", ex.block.Line, ex.err)
			continue
		}
		b, err := exec.CommandContext(ctx, ex.exe).CombinedOutput()
		if err != nil {
			t.Errorf("README.md:%d: the Go block's program failed: %v\n%s", ex.block.Line, err, b)
			continue
		}
		if ex.lists && !slices.Contains(strings.Fields(string(b)), vars["RA"]) {
			t.Errorf("README.md:%d: the Go block's Catalog client does not list the walk-through's resale authorization %s: %q", ex.block.Line, vars["RA"], b)
		}
	}

	for i, b := range blocks {
		if kinds[i] == blockService {
			name := serviceName(b)
			checkTranscript(t, b, services[name], func(s string) string {
				return strings.ReplaceAll(rewrite(s), "/home/you/dealdesk", work)
			})
		}
	}
}

// readmeScript builds one bash script from the README's shell blocks, in order. Before each
// block, and after each claim, it calls readme_at with the README line the next commands start
// at: from there on, their standard output goes to $README_OUT/out-LINE and curl records its
// answers as $README_OUT/curl-LINE.{head,body}; standard error gets a line "@@README.md:LINE".
// After the last shell block before blocks[devEnd] (the walk-through on dev) it writes devVars to
// $README_OUT/vars-dev; the script ends by writing readmeVars to $README_OUT/vars. rewriteFor(i)
// rewrites the README's addresses in block i. It returns the script, the lines readme_at is
// called with, and the claims.
func readmeScript(blocks []readmeBlock, kinds []string, devEnd int, rewriteFor func(int) func(string) string) (string, []int, []readmeClaim) {
	var s strings.Builder
	s.WriteString(`set -euo pipefail
readme_at() {
	exec >"$README_OUT/out-$1"
	export README_SEGMENT=$1
	echo "@@README.md:$1" >&2
}
`)
	var markers []int
	var claims []readmeClaim
	at := func(line int) {
		markers = append(markers, line)
		fmt.Fprintf(&s, "readme_at %d\n", line)
	}
	writeVars := func(file string, names []string) {
		fmt.Fprintf(&s, "exec >\"$README_OUT/%s\"\nfor v in %s; do printf '%%s=%%s\\n' \"$v\" \"${!v-}\"; done\n", file, strings.Join(names, " "))
	}
	lastDev := -1
	for i := range min(devEnd, len(blocks)) {
		if kinds[i] == blockScript {
			lastDev = i
		}
	}
	for i, b := range blocks {
		if kinds[i] != blockScript {
			continue
		}
		rewrite := rewriteFor(i)
		at(b.firstContentLine())
		ends := map[int]bool{}
		for _, c := range claimsOf(b) {
			claims = append(claims, c)
			ends[c.End] = true
		}
		for j, line := range b.Lines {
			s.WriteString(rewrite(line) + "\n")
			if ends[b.firstContentLine()+j] {
				at(b.firstContentLine() + j + 1)
			}
		}
		if i == lastDev {
			writeVars("vars-dev", devVars)
		}
	}
	writeVars("vars", readmeVars)
	return s.String(), markers, claims
}

// writeRecordingCurl puts a curl on bin that runs the real one and records its answer for the
// claims (readmeScript), then prints the body as curl would have.
func writeRecordingCurl(t *testing.T, bin string) {
	t.Helper()
	real, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal(err)
	}
	script := `#!/usr/bin/env bash
rec="$README_OUT/curl-${README_SEGMENT:-0}"
rm -f "$rec.head" "$rec.body"
` + strconv.Quote(real) + ` "$@" -D "$rec.head" -o "$rec.body"
rc=$?
if [ -f "$rec.body" ]; then cat "$rec.body"; fi
exit $rc
`
	if err := os.WriteFile(filepath.Join(bin, "curl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// lastMarker is the line of the last "@@README.md:LINE" in the script's standard error, or 0.
func lastMarker(stderr string) int {
	at := 0
	for _, line := range strings.Split(stderr, "\n") {
		if n, ok := strings.CutPrefix(line, "@@README.md:"); ok {
			at, _ = strconv.Atoi(n)
		}
	}
	return at
}

// blockAt returns the block that holds README line n.
func blockAt(blocks []readmeBlock, n int) readmeBlock {
	var found readmeBlock
	for _, b := range blocks {
		if b.Line <= n {
			found = b
		}
	}
	return found
}

// segmentOf is the marker the commands a claim at line n speaks of start at: the last one
// before n.
func segmentOf(markers []int, n int) int {
	seg := 0
	for _, m := range markers {
		if m < n {
			seg = m
		}
	}
	return seg
}

func readFileOrEmpty(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// answer is what the commands of one part of the script produced.
type answer struct {
	stdout  string
	curled  bool   // a curl ran
	status  int    // the last curl's HTTP status
	media   string // its Content-Type
	body    string // its body
	headers string
}

// readAnswer reads what the commands from marker seg on printed and the last answer curl
// recorded; ran is false when they did not run.
func readAnswer(out string, seg int) (a answer, ran bool) {
	stdout, err := os.ReadFile(filepath.Join(out, "out-"+strconv.Itoa(seg)))
	if err != nil {
		return a, false
	}
	a.stdout = string(stdout)
	prefix := filepath.Join(out, "curl-"+strconv.Itoa(seg))
	head, err := os.ReadFile(prefix + ".head")
	if err != nil {
		return a, true
	}
	a.curled, a.headers = true, string(head)
	for _, line := range strings.Split(a.headers, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "HTTP/") {
			f := strings.Fields(line)
			if len(f) > 1 {
				a.status, _ = strconv.Atoi(f[1])
			}
			a.media = ""
		} else if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Type") {
			a.media = strings.TrimSpace(v)
		}
	}
	a.body = readFileOrEmpty(prefix + ".body")
	return a, true
}

// check returns what is wrong with claim c of this answer, or "". The status and the media type
// are the last curl's; the text is checked against what the commands printed or, when they
// printed nothing, against the last curl's body.
func (a answer) check(c readmeClaim) string {
	if (c.Status != 0 || c.MediaType != "") && !a.curled {
		return "the claim gives an HTTP status or media type, but no curl ran before it"
	}
	got := fmt.Sprintf("got %d %s %s", a.status, a.media, a.body)
	if c.Status != 0 && a.status != c.Status {
		return fmt.Sprintf("claims status %d, %s", c.Status, got)
	}
	if c.MediaType != "" && !strings.HasPrefix(a.media, c.MediaType) {
		return fmt.Sprintf("claims media type %s, %s", c.MediaType, got)
	}
	out := a.stdout
	if strings.TrimSpace(out) == "" {
		out = a.body
	}
	if !claimHolds(c.Text, out) {
		return fmt.Sprintf("claims %s\nbut the output was:\n%s", c.Text, out)
	}
	return ""
}

// readVars reads the variables the script wrote to path; each of names must be set.
func readVars(t *testing.T, path string, names []string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		vars[k] = v
	}
	for _, name := range names {
		if v := vars[name]; v == "" || v == "null" {
			t.Fatalf("the README's examples do not set $%s (got %q); the test checks what it names", name, v)
		}
	}
	return vars
}

// checkServiceState reads back, through the service's API and the simulator's control API, the
// state the README's examples promise.
func checkServiceState(t *testing.T, services map[string]*service, work string, vars map[string]string) {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(work, "dealdesk.db.api-key"))
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + services["serve"].addr + "/api/v1"
	auth := "Bearer " + strings.TrimSpace(string(key))

	var products struct {
		Items []struct{ ID, ExternalID string }
	}
	getJSON(t, api+"/products", auth, &products)
	if len(products.Items) != 1 || products.Items[0].ID != vars["PRODUCT"] || products.Items[0].ExternalID != "prod-abc123def456" {
		t.Errorf("products after the examples = %+v, want only $PRODUCT %s, prod-abc123def456", products.Items, vars["PRODUCT"])
	}

	var offers struct {
		Items []struct{ ID, Type, Status, ExpiryDate, ExternalID string }
	}
	// The simulator's events reach the service in the background: wait (30s at most) until the
	// CPPO offer is recorded as accepted, then check.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		getJSON(t, api+"/offers", auth, &offers)
		accepted := slices.ContainsFunc(offers.Items, func(o struct{ ID, Type, Status, ExpiryDate, ExternalID string }) bool {
			return o.Type == "CPPO" && o.Status == "ACCEPTED"
		})
		if accepted || time.Now().After(deadline) {
			break
		}
	}
	var opportunities, cppo []int
	for i, o := range offers.Items {
		switch o.Type {
		case "CPPO_OUT":
			opportunities = append(opportunities, i)
		case "CPPO":
			cppo = append(cppo, i)
		}
	}
	if len(opportunities) != 1 || len(cppo) != 1 || len(offers.Items) != 2 {
		t.Fatalf("offers after the examples = %+v, want only $OFFER %s (the bad input stores nothing) and the simulator walk-through's CPPO offer $CPPO_OFFER %s, once (its events reach the service's webhook)",
			offers.Items, vars["OFFER"], vars["CPPO_OFFER"])
	}
	o := offers.Items[opportunities[0]]
	if o.ID != vars["OFFER"] || o.Status != "PENDING_CREATE" {
		t.Errorf("the opportunity = %+v, want $OFFER %s, CPPO_OUT, PENDING_CREATE (submitted)", o, vars["OFFER"])
	}
	if d, err := time.Parse(time.DateOnly, o.ExpiryDate); err != nil || !d.After(time.Now()) {
		t.Errorf("the opportunity's expiry date %q is not in the future", o.ExpiryDate)
	}
	if c := offers.Items[cppo[0]]; c.ExternalID != vars["CPPO_OFFER"] || c.Status != "ACCEPTED" {
		t.Errorf("the CPPO offer the service recorded from the simulator's events = %+v, want $CPPO_OFFER %s, ACCEPTED", c, vars["CPPO_OFFER"])
	}

	var agreements struct {
		Agreements []struct {
			AgreementID, ResaleAuthorizationID, OfferID, Proposer, Acceptor, Status string
			Grants                                                                  []struct {
				DimensionKey string
				MaxQuantity  int
			}
		}
	}
	getJSON(t, "http://"+services["sim"].addr+"/_sim/agreements?offerId="+url.QueryEscape(vars["CPPO_OFFER"]), "", &agreements)
	if len(agreements.Agreements) != 1 {
		t.Fatalf("the simulator's agreements of $CPPO_OFFER %s = %+v, want one", vars["CPPO_OFFER"], agreements.Agreements)
	}
	a := agreements.Agreements[0]
	want := fmt.Sprintf("%s %s %s 444455556666 210987654321 CANCELLED [{seats 150}]", vars["AGREEMENT"], vars["RA"], vars["CPPO_OFFER"])
	if got := fmt.Sprintf("%s %s %s %s %s %s %v", a.AgreementID, a.ResaleAuthorizationID, a.OfferID, a.Proposer, a.Acceptor, a.Status, a.Grants); got != want {
		t.Errorf("the walk-through's agreement = %s, want %s (agreement, resale authorization, offer, reseller, buyer, ended, amended)", got, want)
	}
}

// getJSON GETs u (with an Authorization header when auth is not empty), requires 200 and
// decodes the JSON answer into v.
func getJSON(t *testing.T, u, auth string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body.String())
	}
	if err := json.Unmarshal(body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: the answer is not the JSON expected: %v\n%s", u, err, body.String())
	}
}

// checkDevDeal reads back, through dev's API, the deal the walk-through on dev made: its
// opportunity published (resaleauthz-...) and USED (one-time, its offer made), the reseller's
// CPPO offer linked to it and accepted, the buyer's entitlement, with a license ARN, linked to
// both and ended with the agreement (the walk-through ends it), and its usage metered: every
// metering record SENT, and the simulator's ledger holding what they carry.
func checkDevDeal(t *testing.T, dev devService, vars map[string]string) {
	t.Helper()
	var chain struct {
		Opportunity  struct{ ID, Type, Status, ExternalID string }
		Offers       []struct{ ID, Type, Status, ExternalID, OpportunityID string }
		Entitlements []struct {
			Type, Status, ExternalID, LicenseArn, OfferID, OpportunityID string
		}
	}
	getJSON(t, "http://"+dev.api+"/api/v1/offers/"+url.PathEscape(vars["OPPORTUNITY"])+"/chain", "Bearer "+dev.apiKey, &chain)
	if o := chain.Opportunity; o.ID != vars["OPPORTUNITY"] || o.Type != "CPPO_OUT" || o.Status != "USED" || !strings.HasPrefix(o.ExternalID, "resaleauthz-") {
		t.Errorf("the walk-through's opportunity = %+v, want $OPPORTUNITY %s, CPPO_OUT, USED, published as resaleauthz-...", o, vars["OPPORTUNITY"])
	}
	if len(chain.Offers) != 1 {
		t.Fatalf("the walk-through's chain has offers %+v, want the one CPPO offer $CPPO_OFFER %s", chain.Offers, vars["CPPO_OFFER"])
	}
	offer := chain.Offers[0]
	if offer.Type != "CPPO" || offer.Status != "ACCEPTED" || offer.ExternalID != vars["CPPO_OFFER"] || offer.OpportunityID != vars["OPPORTUNITY"] {
		t.Errorf("the chain's offer = %+v, want CPPO, ACCEPTED, $CPPO_OFFER %s, of $OPPORTUNITY %s", offer, vars["CPPO_OFFER"], vars["OPPORTUNITY"])
	}
	if len(chain.Entitlements) != 1 {
		t.Fatalf("the walk-through's chain has entitlements %+v, want the one of $AGREEMENT %s", chain.Entitlements, vars["AGREEMENT"])
	}
	e := chain.Entitlements[0]
	if e.Type != "CPPO" || e.Status != "CANCELLED" || e.ExternalID != vars["AGREEMENT"] || !strings.HasPrefix(e.LicenseArn, "arn:aws:license-manager::") ||
		e.OfferID != offer.ID || e.OpportunityID != vars["OPPORTUNITY"] {
		t.Errorf("the chain's entitlement = %+v, want CPPO, CANCELLED (the agreement ended), $AGREEMENT %s, a license ARN, of offer %s and $OPPORTUNITY %s",
			e, vars["AGREEMENT"], offer.ID, vars["OPPORTUNITY"])
	}
	var records struct {
		Items []struct {
			Status, DimensionKey string
			Quantity             int64
		}
	}
	getJSON(t, "http://"+dev.api+"/api/v1/metering-records?entitlementId="+url.QueryEscape(vars["ENTITLEMENT"]), "Bearer "+dev.apiKey, &records)
	var sent int64
	for _, r := range records.Items {
		if r.Status != "SENT" || r.DimensionKey != "api_calls" {
			t.Errorf("metering record %+v, want SENT api_calls", r)
		}
		sent += r.Quantity
	}
	var ledger struct{ Count, TotalQuantity int64 }
	getJSON(t, "http://"+dev.sim+"/_sim/metering/ledger?agreementId="+url.QueryEscape(vars["AGREEMENT"]), "", &ledger)
	if len(records.Items) == 0 || sent != 2200 || ledger.TotalQuantity != sent || ledger.Count != int64(len(records.Items)) {
		t.Errorf("metering: dealdesk sent %d in %d records, the ledger holds %+v; want 2200 (2200.5 reported, 0.5 carried) in both", sent, len(records.Items), ledger)
	}
}
