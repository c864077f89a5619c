package cli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// replicaDeals is how many deals go through the two replicas.
const replicaDeals = 4

// replicaSecretKey is the secret key both replicas share (64 hex digits): the AWS connection's
// secret one stores, the other must read.
const replicaSecretKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// simEvents is what GET /_sim/events gives of the simulator's event log.
type simEvents struct {
	Events []struct {
		ID, Kind, Type string
		Deliveries     []struct{ Target, Status string }
	}
}

// riverJob is a row of River's job table.
type riverJob struct {
	ID, Attempt, MaxAttempts int64
	Kind, State              string
	Args                     struct{ OrgID, OfferID, InboxEventID string }
	Errors                   int
	AttemptedBy              []string // the River clients (replicas) that fetched it, once per fetch (a snoozed job is fetched again)
}

// TestTwoReplicasFedTheSameEvents runs two `dealdesk serve` processes on one PostgreSQL database
// with a `dealdesk sim` process whose events go to both replicas' EventBridge webhooks (every
// event delivered twice, once to each). Deals go through both (opportunities created and
// submitted on alternate replicas, offers made and accepted in the simulator): each
// opportunity has one resale authorization, each CPPO offer and entitlement is recorded once,
// each event is stored once in the inbox, and each job ran once (issue 7).
func TestTwoReplicasFedTheSameEvents(t *testing.T) {
	t.Parallel()
	bin, err := buildDealdesk()
	if err != nil {
		t.Fatalf("build dealdesk: %v", err)
	}
	began := time.Now()
	simProc := start(t, bin, nil, "sim", "--addr", "127.0.0.1:0", "--changeset-delay", "300ms", "--quotas=false")
	simURL := strings.TrimSpace(simProc.line(t, "dealdesk sim listening on "))

	dsn := sqldbtest.PostgresDSN(t)
	dir := t.TempDir()
	secretKeyFile := filepath.Join(dir, "secret-key")
	if err := os.WriteFile(secretKeyFile, []byte(replicaSecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	serveEnv := []string{"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true"}
	replica := func(n int) *process {
		return start(t, bin, serveEnv, "serve", "--db", dsn, "--addr", "127.0.0.1:0",
			"--key-file", filepath.Join(dir, fmt.Sprintf("api-key-%d", n)), "--secret-key-file", secretKeyFile,
			"--change-set-poll", "100ms", "--job-rescue-after", "20s")
	}
	r1 := replica(1)
	key := readKeyFile(t, strings.TrimSpace(r1.line(t, "dealdesk: "+keyFileLine)))
	r2 := replica(2)
	bases := [2]string{
		strings.TrimSpace(r1.line(t, "dealdesk: listening on ")),
		strings.TrimSpace(r2.line(t, "dealdesk: listening on ")),
	}
	api := func(i int) string { return bases[i%2] + "/api/v1" }

	// Wiring, through replica 1: the AWS connection to the simulator, the inbound secret.
	devCall(t, "PUT", api(0)+"/aws-connection", key, `{"sellerAccountId":"111122223333","region":"us-east-1",
		"credentialsMode":"STATIC_KEYS","accessKeyId":"AKIAREPLICATEST00000","secretAccessKey":"replica-test-secret-access-key",
		"endpointUrl":"`+simURL+`"}`, http.StatusOK, nil)
	var ep struct{ OrgKey, Secret, SecretHeader string }
	devCall(t, "POST", api(0)+"/inbound-endpoint:rotate-secret", key, "", http.StatusOK, &ep)
	if ep.Secret == "" || ep.SecretHeader != dealdesk.InboundSecretHeader {
		t.Fatalf("the rotation gave %+v, want a secret and the header %s", ep, dealdesk.InboundSecretHeader)
	}
	// Each replica names its own webhook URL (from the request's host): one target for each.
	var targets []map[string]string
	for i, base := range bases {
		var got struct {
			OrgKey, EventBridgeURL string
			HasSecret              bool
		}
		devCall(t, "GET", api(i)+"/inbound-endpoint", key, "", http.StatusOK, &got)
		if want := base + "/hooks/aws/eventbridge/" + ep.OrgKey; got.EventBridgeURL != want || got.OrgKey != ep.OrgKey || !got.HasSecret {
			t.Fatalf("replica %d's inbound endpoint = %+v, want %s with the rotated secret", i+1, got, want)
		}
		targets = append(targets, map[string]string{"name": fmt.Sprintf("replica-%d", i+1), "type": "http",
			"url": got.EventBridgeURL, "secretHeader": ep.SecretHeader, "secret": ep.Secret})
	}
	body, err := json.Marshal(map[string]any{"targets": targets})
	if err != nil {
		t.Fatal(err)
	}
	devCall(t, "PUT", simURL+"/_sim/events", "", string(body), http.StatusOK, nil)

	// The seed's product, reseller and buyer, through replica 2.
	var product struct{ ID string }
	devCall(t, "POST", api(1)+"/products", key, `{"externalId":"prod-dd3mo4nalyt1cs","productCode":"dd3mo4nalyt1cs0000000000a",
		"title":"Example Analytics Platform","dimensions":[{"key":"seats","name":"Seats","unit":"Users","kind":"ENTITLED"},
		{"key":"api_calls","name":"API calls","unit":"Requests","kind":"METERED"},
		{"key":"storage_gb","name":"Storage","unit":"GB","kind":"METERED"}]}`, http.StatusCreated, &product)
	const resellerID, buyerID = "444455556666", "210987654321"
	devCall(t, "PUT", api(1)+"/resellers/"+resellerID, key, `{"legalName":"Northwind Cloud Partners LLC"}`, http.StatusOK, nil)
	devCall(t, "PUT", api(1)+"/buyers/"+buyerID, key, `{"name":"Acme Corporation"}`, http.StatusOK, nil)

	// Opportunities created and submitted on alternate replicas.
	expiry := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	type deal struct {
		name, oppID, raID, offerID, agreementID, licenseArn string
	}
	deals := make([]*deal, replicaDeals)
	for i := range deals {
		d := &deal{name: fmt.Sprintf("Replica deal %d", i+1)}
		var opp struct{ ID string }
		devCall(t, "POST", api(i)+"/offers", key, `{"type":"CPPO_OUT","name":"`+d.name+`","productId":"`+product.ID+`",
			"resellerAccountId":"`+resellerID+`","buyerAccountIds":["`+buyerID+`"],
			"commitAmount":"12000.00","currency":"USD","contractDuration":"P12M",
			"entitledDimensions":[{"dimensionKey":"seats","quantity":10}],
			"dimensionPrices":[{"dimensionKey":"api_calls","price":"0.002"},{"dimensionKey":"storage_gb","price":"0.02"}],
			"expiryDate":"`+expiry+`","oneTime":true,"eula":{"type":"STANDARD"}}`, http.StatusCreated, &opp)
		d.oppID = opp.ID
		devCall(t, "POST", api(i+1)+"/offers/"+opp.ID+"/submit", key, "", http.StatusOK, nil)
		deals[i] = d
	}
	for i, d := range deals {
		var opp struct{ Status, ExternalID string }
		waitUntil(t, 30*time.Second, d.name+" published", func() bool {
			devCall(t, "GET", api(i)+"/offers/"+d.oppID, key, "", http.StatusOK, &opp)
			return opp.Status != "PENDING_CREATE"
		})
		if opp.Status != "ACTIVE" || !strings.HasPrefix(opp.ExternalID, "resaleauthz-") {
			t.Fatalf("%s = %+v, want ACTIVE with a resaleauthz- externalId", d.name, opp)
		}
		d.raID = opp.ExternalID
	}
	reader := &dealdesk.AWSConnection{OrgID: "reader", SellerAccountID: "111122223333", Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIAREPLICAREADER000", SecretAccessKey: "replica-test-secret-access-key",
		EndpointURL: simURL}
	ras, err := awsmp.NewCatalog(awsmp.WithLimits(nil)).ListResaleAuthorizations(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(ras) != replicaDeals {
		t.Fatalf("the simulator holds %d resale authorizations, want %d (one per opportunity): %+v", len(ras), replicaDeals, ras)
	}
	for _, d := range deals {
		var named []string
		for _, ra := range ras {
			if ra.Name == d.name {
				named = append(named, ra.ID)
			}
		}
		if len(named) != 1 || named[0] != d.raID {
			t.Fatalf("resale authorizations named %q: %v, want one, %s", d.name, named, d.raID)
		}
	}

	// The reseller's offers, then the buyer's acceptances; each replica gets every event.
	for _, d := range deals {
		var cppo struct{ OfferID string }
		devCall(t, "POST", simURL+"/_sim/resellers/"+resellerID+"/offers", "",
			`{"resaleAuthorizationId":"`+d.raID+`","markupPercentage":"5","buyerAccountIds":["`+buyerID+`"]}`, http.StatusOK, &cppo)
		d.offerID = cppo.OfferID
	}
	var chain chainJSON
	for i, d := range deals {
		waitUntil(t, 30*time.Second, d.name+"'s CPPO offer in the chain", func() bool {
			devCall(t, "GET", api(i)+"/offers/"+d.oppID+"/chain", key, "", http.StatusOK, &chain)
			return len(chain.Offers) > 0
		})
	}
	for _, d := range deals {
		var agreement struct{ AgreementID, LicenseArn string }
		devCall(t, "POST", simURL+"/_sim/buyers/"+buyerID+"/accept", "", `{"offerId":"`+d.offerID+`"}`, http.StatusOK, &agreement)
		d.agreementID, d.licenseArn = agreement.AgreementID, agreement.LicenseArn
	}
	for i, d := range deals {
		waitUntil(t, 30*time.Second, d.name+"'s entitlement in the chain", func() bool {
			devCall(t, "GET", api(i+1)+"/offers/"+d.oppID+"/chain", key, "", http.StatusOK, &chain)
			return len(chain.Entitlements) > 0 && chain.Entitlements[0].LicenseArn != ""
		})
	}

	// Every event reached both replicas, and the replicas are done with them: no delivery
	// pending, no stored event waiting to be applied, no job left to run.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var events simEvents
	waitUntil(t, 30*time.Second, "every event delivered and applied, every job finished", func() bool {
		devCall(t, "GET", simURL+"/_sim/events", "", "", http.StatusOK, &events)
		for _, e := range events.Events {
			for _, dl := range e.Deliveries {
				if dl.Status == "pending" {
					return false
				}
			}
		}
		var waiting int
		err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM inbox_events WHERE status = 'RECEIVED') +
			(SELECT count(*) FROM river_job WHERE kind IN ('publish_opportunity', 'apply_event')
				AND state NOT IN ('completed', 'discarded', 'cancelled'))`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting == 0
	})
	eventIDs := map[string]bool{}
	for _, e := range events.Events {
		if e.Kind != "eventbridge" {
			continue
		}
		delivered := map[string]bool{}
		for _, dl := range e.Deliveries {
			if dl.Status == "delivered" {
				delivered[dl.Target] = true
			}
		}
		if !delivered["replica-1"] || !delivered["replica-2"] || len(e.Deliveries) != 2 {
			t.Fatalf("the event %s (%s) was delivered %+v, want once to each replica", e.ID, e.Type, e.Deliveries)
		}
		eventIDs[e.ID] = true
	}
	// A CPPO offer and an agreement for each deal: at least 2 events each.
	if len(eventIDs) < 2*replicaDeals {
		t.Fatalf("the simulator emitted %d EventBridge events, want at least %d", len(eventIDs), 2*replicaDeals)
	}

	// Each CPPO offer and entitlement is recorded once, linked to its own chain.
	for i, d := range deals {
		devCall(t, "GET", api(i)+"/offers/"+d.oppID+"/chain", key, "", http.StatusOK, &chain)
		if len(chain.Offers) != 1 || chain.Offers[0].ExternalID != d.offerID || chain.Offers[0].Type != "CPPO" {
			t.Fatalf("%s's chain offers = %+v, want one CPPO offer %s", d.name, chain.Offers, d.offerID)
		}
		if e := chain.Entitlements; len(e) != 1 || e[0].ExternalID != d.agreementID || e[0].LicenseArn != d.licenseArn ||
			e[0].OfferID != chain.Offers[0].ID || e[0].Status != "ACTIVE" {
			t.Fatalf("%s's chain entitlements = %+v, want one ACTIVE entitlement of %s (%s)", d.name, e, d.agreementID, d.licenseArn)
		}
	}
	var cppoOffers, entitlements struct {
		Items []struct{ ID, ExternalID string }
	}
	devCall(t, "GET", api(0)+"/offers?type=CPPO&limit=100", key, "", http.StatusOK, &cppoOffers)
	devCall(t, "GET", api(1)+"/entitlements?limit=100", key, "", http.StatusOK, &entitlements)
	if len(cppoOffers.Items) != replicaDeals || len(entitlements.Items) != replicaDeals {
		t.Fatalf("the API lists %d CPPO offers and %d entitlements, want %d of each:\n%+v\n%+v",
			len(cppoOffers.Items), len(entitlements.Items), replicaDeals, cppoOffers.Items, entitlements.Items)
	}

	// Each event is stored once.
	inbox := map[string]string{} // inbox event ID → status
	rows, err := db.QueryContext(ctx, `SELECT id, event_id, status FROM inbox_events`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var id, eventID, status string
		if err := rows.Scan(&id, &eventID, &status); err != nil {
			t.Fatal(err)
		}
		inbox[id] = status
		stored[eventID]++
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(eventIDs) {
		t.Fatalf("the inbox holds %d events, the simulator emitted %d", len(stored), len(eventIDs))
	}
	for id := range eventIDs {
		if stored[id] != 1 {
			t.Fatalf("the event %s is stored %d times, want once", id, stored[id])
		}
	}

	// Each job ran once: one publish job per opportunity and one apply job per stored event,
	// each completed on its first attempt with no error.
	rows, err = db.QueryContext(ctx, `SELECT id, kind, state, attempt, max_attempts, args, COALESCE(array_length(errors, 1), 0),
		COALESCE(array_to_string(attempted_by, ' '), '') FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	published, applied, ranOn := map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var j riverJob
		var args []byte
		var attemptedBy string
		if err := rows.Scan(&j.ID, &j.Kind, &j.State, &j.Attempt, &j.MaxAttempts, &args, &j.Errors, &attemptedBy); err != nil {
			t.Fatal(err)
		}
		j.AttemptedBy = strings.Fields(attemptedBy)
		if err := json.Unmarshal(args, &j.Args); err != nil {
			t.Fatal(err)
		}
		switch j.Kind {
		case dealdesk.PublishOpportunityJob{}.Kind():
			published[j.Args.OfferID]++
		case dealdesk.ApplyEventJob{}.Kind():
			applied[j.Args.InboxEventID]++
		default:
			continue
		}
		// A publish job snoozes while its change set runs (river.JobSnooze), and a snoozed job is
		// taken up again by whichever replica fetches it next: one run, continued, so its
		// attempted_by may name both replicas. An apply job never snoozes: one replica.
		replicas := len(slices.Compact(slices.Sorted(slices.Values(j.AttemptedBy))))
		oneRun := replicas >= 1 && (replicas == 1 || j.Kind == dealdesk.PublishOpportunityJob{}.Kind())
		if j.State != "completed" || j.Attempt != 1 || j.Errors != 0 || !oneRun {
			t.Errorf("job %d (%s %s): %s after %d attempts with %d errors by %v, want completed in one run on its first attempt",
				j.ID, j.Kind, string(args), j.State, j.Attempt, j.Errors, j.AttemptedBy)
		}
		if len(j.AttemptedBy) > 0 {
			ranOn[j.AttemptedBy[0]]++
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range deals {
		if published[d.oppID] != 1 {
			t.Errorf("%s has %d publish jobs, want 1", d.name, published[d.oppID])
		}
	}
	if len(published) != replicaDeals {
		t.Errorf("publish jobs for %d opportunities, want %d", len(published), replicaDeals)
	}
	for id, status := range inbox {
		if applied[id] != 1 || status != "APPLIED" {
			t.Errorf("the inbox event %s is %s with %d apply jobs, want APPLIED by one", id, status, applied[id])
		}
	}
	if len(applied) != len(inbox) {
		t.Errorf("apply jobs for %d inbox events, the inbox holds %d", len(applied), len(inbox))
	}
	t.Logf("%d deals through two replicas, %d events each delivered twice, in %s; jobs run per replica: %v",
		replicaDeals, len(eventIDs), time.Since(began).Round(time.Millisecond), ranOn)
}
