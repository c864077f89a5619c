package sim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/dealdesk/dealdesk/sim"
)

func TestStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim-state.json")
	e := newEnv(t, withState(path), withDelay(2*time.Second))
	ra := e.publish(renewalChangeSet())
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller1+"/offers", map[string]any{"resaleAuthorizationId": ra}, &offer)
	var acc subscription
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer1+"/accept", map[string]any{"offerId": offer.OfferID}, &acc)
	hour := e.clock.Now().Truncate(time.Hour)
	first, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(hour, "api_calls", 7), buyer1, acc.LicenseArn)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Results) != 1 || first.Results[0].MeteringRecordId == nil {
		t.Fatalf("metering before the restart: %s, want one record", mustJSON(t, first))
	}
	// A change set still running when the simulator stops.
	running, err := e.start([]types.Change{change("RestrictResaleAuthorization", ra, "", map[string]any{}, false)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.sqs().CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String("events")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sqs().SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	e.mustControl(http.MethodPut, "/_sim/events", map[string]any{"targets": []any{map[string]any{"name": "q", "type": "sqs", "queueName": "events"}}}, nil)
	before := snapshotOf(t, e)

	e.restart()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("state file: %v", err)
	}
	after := snapshotOf(t, e)
	if before != after {
		t.Errorf("state differs after restart:\nbefore %s\nafter  %s", before, after)
	}
	// The running change set still holds its lock and finishes after the restart.
	if _, err := e.start([]types.Change{change("RestrictResaleAuthorization", ra, "", map[string]any{}, false)}); err == nil {
		t.Error("the lock of the running change set was lost in the restart")
	}
	if d := e.finish(*running.ChangeSetId); d.Status != "SUCCEEDED" {
		t.Errorf("running change set ended %s after restart", d.Status)
	}
	// The ledger's dedupe survives: an identical retry gets the same record id.
	again, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(hour, "api_calls", 7), buyer1, acc.LicenseArn)}})
	if err != nil || len(again.Results) != 1 || aws.ToString(again.Results[0].MeteringRecordId) != aws.ToString(first.Results[0].MeteringRecordId) {
		t.Errorf("retry after restart: %v %v, want record %s", again, err, aws.ToString(first.Results[0].MeteringRecordId))
	}
	msg, err := e.sqs().ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
	if err != nil || len(msg.Messages) != 1 || aws.ToString(msg.Messages[0].Body) != "hello" {
		t.Errorf("queue after restart: %v %v", msg, err)
	}
}

// snapshotOf reads what the simulator shows through its APIs: change sets, resale
// authorizations, offers, the agreement of the ledger's first record, the ledger, and the event
// targets and log. It fails the test when there is no resale authorization or no ledger record,
// which would leave them out of the comparison.
func snapshotOf(t *testing.T, e *env) string {
	t.Helper()
	cat := e.catalog("")
	cs, err := cat.ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace")})
	if err != nil {
		t.Fatal(err)
	}
	ents, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ents.EntitySummaryList) == 0 {
		t.Fatal("no resale authorization: the snapshot would leave the entities out")
	}
	var docs []any
	for _, s := range ents.EntitySummaryList {
		d, _ := e.describeRA(*s.EntityId)
		docs = append(docs, d)
	}
	offers, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("Offer"), OwnershipType: "SHARED"})
	if err != nil {
		t.Fatal(err)
	}
	var ledger, events, agreement any
	e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &ledger)
	e.mustControl(http.MethodGet, "/_sim/events", nil, &events)
	var list struct {
		Records []struct {
			AgreementID string `json:"agreementId"`
		} `json:"records"`
	}
	e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &list)
	if len(list.Records) == 0 {
		t.Fatal("the metering ledger is empty: the snapshot would leave the agreement out")
	}
	e.mustControl(http.MethodGet, "/_sim/agreements/"+list.Records[0].AgreementID, nil, &agreement)
	b, err := json.Marshal(map[string]any{"changeSets": cs.ChangeSetSummaryList, "entities": docs, "offers": offers.EntitySummaryList,
		"ledger": ledger, "events": events, "agreement": agreement})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNewRejectsACorruptStateFile: a damaged state file is an error at start naming what is
// wrong, never a panic then or on a later call.
func TestNewRejectsACorruptStateFile(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, inErr string }{
		{"not JSON", `{not json`, "not valid"},
		{"other version", `{"version":99}`, "version 99"},
		{"empty change set", `{"version":1,"core":{"changeSets":{"x":null}}}`, `change set "x"`},
		{"empty change", `{"version":1,"core":{"changeSets":{"x":{"id":"x","status":"PREPARING","changes":[null]}}}}`, "change 0 is empty"},
		{"empty entity", `{"version":1,"core":{"entities":{"a":null}}}`, `entity "a"`},
		{"resale authorization without details", `{"version":1,"core":{"entities":{"a":{"id":"a","type":"ResaleAuthorization"}}}}`, "no details"},
		{"empty agreement", `{"version":1,"core":{"agreements":{"a":null}}}`, `agreement "a"`},
		{"empty ledger record", `{"version":1,"ledger":[null]}`, "ledger record 0"},
		{"empty queue", `{"version":1,"queues":{"a/q":null}}`, `queue "a/q"`},
		{"events of the wrong type", `{"version":1,"events":"x"}`, "events"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			srv, err := sim.New(sim.Config{StatePath: path})
			if err == nil {
				srv.Close()
				t.Fatal("New accepted a corrupt state file")
			}
			if !strings.Contains(err.Error(), tc.inErr) {
				t.Errorf("error %q does not say %q", err, tc.inErr)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.body {
				t.Errorf("the refused state file was rewritten: %s", b)
			}
		})
	}
}

func TestStateIsSavedInTheBackground(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	saved := make(chan error, 16)
	e := newEnv(t, withState(path), func(c *simConfig) {
		c.SaveDelay = time.Millisecond
		c.OnSave = func(err error) { saved <- err }
	})
	id := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case err := <-saved:
			if err != nil {
				t.Fatalf("background save: %v", err)
			}
		case <-deadline:
			t.Fatal("no background save of the state holding the resale authorization")
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), id) {
			return // written without Close
		}
	}
}

// TestFaultsAndQuotasSurviveRestart: what PUT /_sim/faults and PUT /_sim/quotas set is part of
// the state, so a rehearsal does not silently lose its injected faults when the simulator restarts.
func TestFaultsAndQuotasSurviveRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim-state.json")
	e := newEnv(t, withState(path)) // quotas off by default in tests
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"seed": 7, "operations": map[string]any{
		"BatchMeterUsage": map[string]any{"errorRate": 1, "errorType": "ThrottlingException"}}}, nil)
	e.mustControl(http.MethodPut, "/_sim/quotas", map[string]any{"enabled": true}, nil)
	var before, after, quotas map[string]any
	e.mustControl(http.MethodGet, "/_sim/faults", nil, &before)

	e.restart()
	e.mustControl(http.MethodGet, "/_sim/faults", nil, &after)
	if mustJSON(t, before) != mustJSON(t, after) {
		t.Errorf("faults after restart = %s, want %s", mustJSON(t, after), mustJSON(t, before))
	}
	_, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{}})
	var th *mtypes.ThrottlingException
	if !errors.As(err, &th) {
		t.Errorf("BatchMeterUsage after restart: %v, want the injected ThrottlingException", err)
	}
	e.mustControl(http.MethodGet, "/_sim/quotas", nil, &quotas)
	if quotas["enabled"] != true {
		t.Errorf("quotas after restart = %v, want enabled as set before the restart", quotas["enabled"])
	}
}

// TestNewRefusesAStateFileInAMissingDirectory fails at start rather than losing every save.
func TestNewRefusesAStateFileInAMissingDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing", "sim-state.json")
	s, err := sim.New(sim.Config{StatePath: path})
	if err == nil {
		s.Close()
		t.Fatal("New accepted a state file whose directory does not exist")
	}
	if !strings.Contains(err.Error(), filepath.Dir(path)) {
		t.Fatalf("err = %v, want the missing directory named", err)
	}
	ok, err := sim.New(sim.Config{StatePath: filepath.Join(t.TempDir(), "sim-state.json")})
	if err != nil {
		t.Fatalf("a new state file in an existing directory: %v", err)
	}
	ok.Close()
}
