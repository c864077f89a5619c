package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// devJSON is dev.json as a client reads it.
type devJSON struct {
	APIURL, APIKey, SimURL, OrgID, ProductID, ResellerAccountID, BuyerAccountID string
	ConsoleURL, ConsoleEmail, ConsolePassword                                   string
}

// startDev runs `dealdesk dev` on dir with free ports, waits until it is ready and returns
// dev.json.
func startDev(t *testing.T, bin, dir string) (*process, devJSON) {
	t.Helper()
	p := start(t, bin, nil, "dev", "--data", dir, "--addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0")
	p.line(t, "dealdesk dev: ready")
	path := filepath.Join(dir, "dev.json")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("dev.json has mode %v, want -rw-------", fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]string
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("dev.json: %v\n%s", err, b)
	}
	for _, f := range []string{"apiUrl", "apiKey", "simUrl", "orgId", "productId", "resellerAccountId", "buyerAccountId",
		"consoleUrl", "consoleEmail", "consolePassword"} {
		if raw[f] == "" {
			t.Fatalf("dev.json has no %s:\n%s", f, b)
		}
	}
	var d devJSON
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return p, d
}

// interrupt sends SIGINT and requires a clean exit (status 0) within 20s.
func (p *process) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dev after SIGINT: %v, want a clean exit", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("dev did not stop within 20s of SIGINT")
	}
}

// devCall sends a JSON request (auth: an API key, or "" for none) and decodes the answer into
// out; it fails the test unless the status is want.
func devCall(t *testing.T, method, url, key, body string, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, url, err, b)
		}
	}
}

type chainJSON struct {
	Opportunity  struct{ ID, Status, ExternalID string }
	Offers       []struct{ ID, Type, Status, ExternalID, OpportunityID string }
	Entitlements []struct {
		ID, Status, ExternalID, LicenseArn, OfferID, OpportunityID string
	}
	Timeline []json.RawMessage
}

// TestDev runs `dealdesk dev` on a fresh folder: it writes dev.json (every field, mode 0600),
// the API answers with its key, the AWS connection points at the simulator and the
// simulator's events at the organization's EventBridge webhook. A second run on the same
// folder resumes with the same organization and key, and registers nothing twice. Then a whole
// deal goes through it: the opportunity is published (ACTIVE, resaleauthz-...), the
// reseller's offer is linked to it, the buyer's acceptance makes an entitlement with a license
// ARN, and the agreement's end ends the entitlement.
func TestDev(t *testing.T) {
	t.Parallel()
	bin, err := buildDealdesk()
	if err != nil {
		t.Fatalf("build dealdesk: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "data")

	first, d1 := startDev(t, bin, dir)
	if !strings.HasPrefix(d1.APIKey, "ddk_") || !strings.HasPrefix(d1.OrgID, "org_") || !strings.HasPrefix(d1.ProductID, "prd_") {
		t.Fatalf("dev.json = %+v", d1)
	}
	var conn struct{ EndpointURL, SellerAccountID, CredentialsMode string }
	devCall(t, "GET", d1.APIURL+"/aws-connection", d1.APIKey, "", http.StatusOK, &conn)
	if conn.EndpointURL != d1.SimURL || conn.SellerAccountID != "111122223333" || conn.CredentialsMode != "STATIC_KEYS" {
		t.Fatalf("the AWS connection = %+v, want STATIC_KEYS to the simulator %s as its seller", conn, d1.SimURL)
	}
	var ep struct{ OrgKey string }
	devCall(t, "GET", d1.APIURL+"/inbound-endpoint", d1.APIKey, "", http.StatusOK, &ep)
	var events struct {
		Targets struct {
			Targets []struct{ Type, URL, SecretHeader string }
		}
	}
	devCall(t, "GET", d1.SimURL+"/_sim/events", "", "", http.StatusOK, &events)
	hook := strings.TrimSuffix(d1.APIURL, "/api/v1") + "/hooks/aws/eventbridge/" + ep.OrgKey
	if tg := events.Targets.Targets; len(tg) != 1 || tg[0].Type != "http" || tg[0].URL != hook || tg[0].SecretHeader != "X-Dealdesk-Secret" {
		t.Fatalf("the simulator's targets = %+v, want one http target %s with X-Dealdesk-Secret", tg, hook)
	}
	if d1.ConsoleEmail != "demo@dealdesk.local" || d1.ConsoleURL != strings.TrimSuffix(d1.APIURL, "api/v1") {
		t.Fatalf("dev.json's console: %s, %s", d1.ConsoleURL, d1.ConsoleEmail)
	}
	devConsoleSignIn(t, d1)
	first.interrupt(t)

	_, d := startDev(t, bin, dir)
	if d.ConsoleEmail != d1.ConsoleEmail || d.ConsolePassword != d1.ConsolePassword {
		t.Fatalf("the second run's console user: %s %q, want the first's %s %q", d.ConsoleEmail, d.ConsolePassword, d1.ConsoleEmail, d1.ConsolePassword)
	}
	devConsoleSignIn(t, d)
	if d.OrgID != d1.OrgID || d.APIKey != d1.APIKey || d.ProductID != d1.ProductID {
		t.Fatalf("the second run: %+v, want the first's organization, key and product: %+v", d, d1)
	}
	var products, resellers, buyers struct{ Items []json.RawMessage }
	devCall(t, "GET", d.APIURL+"/products", d.APIKey, "", http.StatusOK, &products)
	devCall(t, "GET", d.APIURL+"/resellers", d.APIKey, "", http.StatusOK, &resellers)
	devCall(t, "GET", d.APIURL+"/buyers", d.APIKey, "", http.StatusOK, &buyers)
	if len(products.Items) != 2 || len(resellers.Items) != 1 || len(buyers.Items) != 1 {
		t.Fatalf("after two runs: %d products, %d resellers, %d buyers; want the seed's 2, 1 and 1",
			len(products.Items), len(resellers.Items), len(buyers.Items))
	}

	// A whole deal.
	expiry := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	var opp struct{ ID, Status, ExternalID string }
	devCall(t, "POST", d.APIURL+"/offers", d.APIKey, `{"type":"CPPO_OUT","name":"Dev deal","productId":"`+d.ProductID+`",
		"resellerAccountId":"`+d.ResellerAccountID+`","buyerAccountIds":["`+d.BuyerAccountID+`"],
		"commitAmount":"12000.00","currency":"USD","contractDuration":"P12M",
		"entitledDimensions":[{"dimensionKey":"seats","quantity":10}],
		"dimensionPrices":[{"dimensionKey":"api_calls","price":"0.002"},{"dimensionKey":"storage_gb","price":"0.02"}],
		"expiryDate":"`+expiry+`","oneTime":true,"eula":{"type":"STANDARD"}}`, http.StatusCreated, &opp)
	devCall(t, "POST", d.APIURL+"/offers/"+opp.ID+"/submit", d.APIKey, "", http.StatusOK, nil)
	waitUntil(t, 60*time.Second, "the opportunity ACTIVE", func() bool {
		devCall(t, "GET", d.APIURL+"/offers/"+opp.ID, d.APIKey, "", http.StatusOK, &opp)
		return opp.Status != "PENDING_CREATE"
	})
	if opp.Status != "ACTIVE" || !strings.HasPrefix(opp.ExternalID, "resaleauthz-") {
		t.Fatalf("the opportunity = %+v, want ACTIVE with a resaleauthz- externalId", opp)
	}

	var cppo struct{ OfferID string }
	devCall(t, "POST", d.SimURL+"/_sim/resellers/"+d.ResellerAccountID+"/offers", "",
		`{"resaleAuthorizationId":"`+opp.ExternalID+`","markupPercentage":"5","buyerAccountIds":["`+d.BuyerAccountID+`"]}`, http.StatusOK, &cppo)
	var chain chainJSON
	chainURL := d.APIURL + "/offers/" + opp.ID + "/chain"
	waitUntil(t, 60*time.Second, "the CPPO offer in the chain", func() bool {
		devCall(t, "GET", chainURL, d.APIKey, "", http.StatusOK, &chain)
		return len(chain.Offers) > 0
	})
	if o := chain.Offers[0]; len(chain.Offers) != 1 || o.Type != "CPPO" || o.ExternalID != cppo.OfferID || o.OpportunityID != opp.ID {
		t.Fatalf("the chain's offers = %+v, want the CPPO offer %s of %s", chain.Offers, cppo.OfferID, opp.ID)
	}

	var agreement struct{ AgreementID, LicenseArn string }
	devCall(t, "POST", d.SimURL+"/_sim/buyers/"+d.BuyerAccountID+"/accept", "", `{"offerId":"`+cppo.OfferID+`"}`, http.StatusOK, &agreement)
	// AWS's agreement and license events arrive in either order: a license reported first makes
	// an entitlement keyed by its ARN, which the agreement's event then names by the agreement.
	waitUntil(t, 60*time.Second, "the entitlement in the chain, named by its agreement", func() bool {
		devCall(t, "GET", chainURL, d.APIKey, "", http.StatusOK, &chain)
		return len(chain.Entitlements) > 0 && chain.Entitlements[0].LicenseArn != "" && chain.Entitlements[0].ExternalID == agreement.AgreementID
	})
	if e := chain.Entitlements[0]; len(chain.Entitlements) != 1 || e.Status != "ACTIVE" || e.ExternalID != agreement.AgreementID ||
		e.LicenseArn != agreement.LicenseArn || e.OfferID != chain.Offers[0].ID || e.OpportunityID != opp.ID {
		t.Fatalf("the chain's entitlements = %+v, want the ACTIVE entitlement of %+v, linked to %s and %s", chain.Entitlements, agreement, chain.Offers[0].ID, opp.ID)
	}
	if len(chain.Timeline) == 0 {
		t.Fatal("the chain has no timeline")
	}

	devCall(t, "POST", d.SimURL+"/_sim/agreements/"+agreement.AgreementID+"/end", "", `{"status":"CANCELLED"}`, http.StatusOK, nil)
	waitUntil(t, 60*time.Second, "the entitlement ended", func() bool {
		devCall(t, "GET", chainURL, d.APIKey, "", http.StatusOK, &chain)
		return chain.Entitlements[0].Status != "ACTIVE"
	})
	if got := chain.Entitlements[0].Status; got != "CANCELLED" {
		t.Fatalf("the entitlement after the agreement's end: %s, want CANCELLED", got)
	}
}

// devConsoleSignIn signs in to dev's console with dev.json's email and password and finds the
// offers page behind it.
func devConsoleSignIn(t *testing.T, d devJSON) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Get(d.ConsoleURL + "signin")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %ssignin: %s\n%s", d.ConsoleURL, resp.Status, b)
	}
	resp, err = c.PostForm(d.ConsoleURL+"signin", url.Values{"csrf": {string(m[1])}, "email": {d.ConsoleEmail}, "password": {d.ConsolePassword}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/offers" || !strings.Contains(string(b), "Create CPPO") {
		t.Fatalf("signing in to the console with dev.json's password: %s at %s", resp.Status, resp.Request.URL)
	}
}
