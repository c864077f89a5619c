package worker_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// checkActive checks that opportunity id is ACTIVE with the ID of the one resale authorization
// the simulator lists under name, at publish attempt attempt.
func (e *pubEnv) checkActive(id, name string, attempt int) {
	e.t.Helper()
	o := e.offer(id)
	if o.Status != dealdesk.OfferActive || o.ExternalID == "" || len(o.PublishErrors) != 0 {
		e.t.Fatalf("opportunity: status %s, externalId %q, publishErrors %v; want ACTIVE with a resale authorization ID", o.Status, o.ExternalID, o.PublishErrors)
	}
	ras := e.resaleAuthorizations(name)
	if len(ras) != 1 || ras[0].ID != o.ExternalID || ras[0].Status != dealdesk.ResaleAuthorizationActive {
		e.t.Fatalf("the simulator lists %d resale authorizations named %q (%+v); want one, Active, with ID %s", len(ras), name, ras, o.ExternalID)
	}
	pub, err := e.db.FindPublication(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if pub.Attempt != attempt || pub.ChangeSetID == "" {
		e.t.Fatalf("publication %+v; want attempt %d with its change set", pub, attempt)
	}
}

// TestPublishMakesOneActiveResaleAuthorization: a submitted opportunity becomes ACTIVE with the
// ID of the one resale authorization AWS created for it.
func TestPublishMakesOneActiveResaleAuthorization(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, nil)
		o := e.submit(e.opportunity("Acme analytics via Northwind"))
		got := e.outcome(o.ID)
		if got.Kind != dealdesk.OutcomePublished || got.ChangeSetID == "" {
			t.Fatalf("outcome %+v; want PUBLISHED with its change set", got)
		}
		e.checkActive(o.ID, "Acme analytics via Northwind", 1)
		entries, notes := e.timeline(o.ID)
		if want := []string{"PUBLISHED " + got.ChangeSetID}; !slices.Equal(entries, want) || !slices.Equal(notes, []string{"PUBLISHED"}) {
			t.Fatalf("timeline %q, notifications %q; want %q and one PUBLISHED notification", entries, notes, want)
		}
	})
}

// TestRefusedOpportunityCanBeFixedAndResubmitted: a reseller AWS does not know fails the change
// set asynchronously; the opportunity is CREATE_FAILED naming resellerAccountId, and once fixed
// and submitted again it is published by a new change set with a new token (attempt 2), with
// no resale authorization left from the failed one.
func TestRefusedOpportunityCanBeFixedAndResubmitted(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, nil)
		in := e.opportunity("Initech via an unknown partner")
		in.ResellerAccountID = ptr("999988887777")
		o := e.submit(in)
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublishFailed {
			t.Fatalf("outcome %+v; want PUBLISH_FAILED", got)
		}
		failed := e.offer(o.ID)
		if failed.Status != dealdesk.OfferCreateFailed || len(failed.PublishErrors) != 1 ||
			failed.PublishErrors[0].Field != "resellerAccountId" {
			t.Fatalf("opportunity: status %s, publishErrors %+v; want CREATE_FAILED naming resellerAccountId", failed.Status, failed.PublishErrors)
		}
		if _, err := e.db.UpdateOffer(e.ctx, o.ID, dealdesk.OfferInput{ResellerAccountID: ptr(reseller)}); err != nil {
			t.Fatalf("edit: %v", err)
		}
		if _, err := e.db.SubmitOffer(e.ctx, o.ID); err != nil {
			t.Fatalf("resubmit: %v", err)
		}
		published := e.outcome(o.ID)
		if published.Kind != dealdesk.OutcomePublished {
			t.Fatalf("outcome %+v; want PUBLISHED", published)
		}
		e.checkActive(o.ID, "Initech via an unknown partner", 2)
		entries, notes := e.timeline(o.ID)
		if len(entries) != 2 || !strings.HasPrefix(entries[0], "PUBLISH_FAILED ") || entries[1] != "PUBLISHED "+published.ChangeSetID ||
			!slices.Equal(notes, []string{"PUBLISHED", "PUBLISH_FAILED"}) {
			t.Fatalf("timeline %q, notifications %q; want PUBLISH_FAILED then PUBLISHED, both notified", entries, notes)
		}
	})
}

// TestPublishWaitsForTheAWSConnection: without an AWS connection the opportunity stays
// PENDING_CREATE and says why in its publishErrors; the job is retried and publishes it once a
// connection is set.
func TestPublishWaitsForTheAWSConnection(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := setupPub(t, engine, sim.Config{DisableQuotas: true}, nil, false)
		o := e.submit(e.opportunity("Hooli, connected later"))
		e.waitUntil("the missing connection shown", func() bool {
			got := e.offer(o.ID)
			return got.Status == dealdesk.OfferPendingCreate && len(got.PublishErrors) == 1 && got.PublishErrors[0].Field == "awsConnection"
		})
		e.connect()
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
			t.Fatalf("outcome %+v; want PUBLISHED", got)
		}
		e.checkActive(o.ID, "Hooli, connected later", 1)
	})
}

// TestTerminalAWSErrorFailsThePublish: an AWS error that no retry can get past ends the
// publish at once: CREATE_FAILED with AWS's code and message, and the change set never started.
func TestTerminalAWSErrorFailsThePublish(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		errorType string
		status    int
	}{
		{"ValidationException", 422},
		{"AccessDeniedException", 403},
	} {
		t.Run(tc.errorType, func(t *testing.T) {
			t.Parallel()
			sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
				e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, nil)
				e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{
					"StartChangeSet": {ErrorRate: 1, ErrorType: tc.errorType, ErrorStatus: tc.status, ErrorMessage: "refused by the test"}}})
				o := e.submit(e.opportunity("Refused " + tc.errorType))
				if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublishFailed {
					t.Fatalf("outcome %+v; want PUBLISH_FAILED", got)
				}
				got := e.offer(o.ID)
				want := "StartChangeSet: " + tc.errorType + ": refused by the test"
				if got.Status != dealdesk.OfferCreateFailed || len(got.PublishErrors) != 1 || got.PublishErrors[0].Message != want {
					t.Fatalf("status %s, publishErrors %+v; want CREATE_FAILED with %q", got.Status, got.PublishErrors, want)
				}
				if n := e.http.count("StartChangeSet", tc.status); n != 1 {
					t.Fatalf("StartChangeSet answered %d times with %d; want once (no retry)", n, tc.status)
				}
			})
		})
	}
}

// TestPublishThroughFaults: throttling, locked entities (423) and change sets AWS failed with
// SERVER_FAULT on the way still give exactly one ACTIVE resale authorization. The faults are
// checked to have happened, so the test shows they were gone through.
func TestPublishThroughFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		faults map[string]sim.OpFault
		// answered is an operation and status the simulator must have answered at least once.
		answeredOp     string
		answeredStatus int
		minAttempt     int
	}{
		{name: "throttled start, locked describe", faults: map[string]sim.OpFault{
			"StartChangeSet":    {ErrorRate: 0.6, ErrorType: "ThrottlingException"},
			"DescribeChangeSet": {ErrorRate: 0.6, ErrorType: "ResourceInUseException", ErrorStatus: 423},
		}, answeredOp: "DescribeChangeSet", answeredStatus: 423, minAttempt: 1},
		{name: "locked start, throttled describe", faults: map[string]sim.OpFault{
			"StartChangeSet":    {ErrorRate: 0.6, ErrorType: "ResourceInUseException", ErrorStatus: 423},
			"DescribeChangeSet": {ErrorRate: 0.6, ErrorType: "ThrottlingException"},
		}, answeredOp: "StartChangeSet", answeredStatus: 423, minAttempt: 1},
		{name: "server fault", faults: map[string]sim.OpFault{
			"StartChangeSet": {ServerFaultRate: 0.7},
		}, answeredOp: "StartChangeSet", answeredStatus: 200, minAttempt: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
				e := newPubEnv(t, engine, sim.Config{}, nil)
				seed := uint64(7)
				e.control("PUT", "/_sim/faults", sim.FaultConfig{Seed: &seed, Operations: tc.faults})
				name := "Faulty " + tc.name
				o := e.submit(e.opportunity(name))
				if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
					t.Fatalf("outcome %+v; want PUBLISHED", got)
				}
				if n := e.http.count(tc.answeredOp, tc.answeredStatus); n == 0 {
					t.Fatalf("the simulator never answered %s with %d: the faults were not gone through", tc.answeredOp, tc.answeredStatus)
				}
				pub, err := e.db.FindPublication(e.ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if pub.Attempt < tc.minAttempt {
					t.Fatalf("attempt %d; want at least %d", pub.Attempt, tc.minAttempt)
				}
				e.checkActive(o.ID, name, pub.Attempt)
			})
		})
	}
}

// TestCancelRestrictsTheResaleAuthorization: cancelling an ACTIVE opportunity restricts its
// resale authorization on AWS; the opportunity stays CANCELLED and the result is recorded.
func TestCancelRestrictsTheResaleAuthorization(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, nil)
		o := e.submit(e.opportunity("Globex, cancelled later"))
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
			t.Fatalf("outcome %+v; want PUBLISHED", got)
		}
		if _, err := e.db.CancelOffer(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomeRestricted || got.ChangeSetID == "" {
			t.Fatalf("outcome %+v; want RESTRICTED with its change set", got)
		}
		ras := e.resaleAuthorizations("Globex, cancelled later")
		if len(ras) != 1 || ras[0].Status != dealdesk.ResaleAuthorizationRestricted {
			t.Fatalf("resale authorizations %+v; want one, Restricted", ras)
		}
		if got := e.offer(o.ID); got.Status != dealdesk.OfferCancelled {
			t.Fatalf("status %s; want CANCELLED", got.Status)
		}
		pub, err := e.db.FindPublication(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.RestrictResult != "SUCCEEDED" || pub.RestrictChangeSetID == "" {
			t.Fatalf("publication %+v; want the restriction SUCCEEDED with its change set", pub)
		}
	})
}

// TestExpiryJobExpiresActiveOpportunities: the periodic expiry job moves an ACTIVE opportunity
// to EXPIRED on the day after its expiry date.
func TestExpiryJobExpiresActiveOpportunities(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, func(c *worker.Config) { c.ExpiryInterval = 100 * time.Millisecond })
		o := e.submit(e.opportunity("Umbrella, expiring"))
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
			t.Fatalf("outcome %+v; want PUBLISHED", got)
		}
		e.clock.set(time.Date(2030, 7, 1, 0, 0, 1, 0, time.UTC)) // the opportunity expires on 2030-06-30
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomeExpired {
			t.Fatalf("outcome %+v; want EXPIRED", got)
		}
		if got := e.offer(o.ID); got.Status != dealdesk.OfferExpired || got.ExternalID == "" {
			t.Fatalf("status %s, externalId %q; want EXPIRED keeping its resale authorization ID", got.Status, got.ExternalID)
		}
	})
}

// TestRunnerAppliesStoredEvents: the Runner also works the jobs that apply stored AWS events
// (Config.Apply): an event stored in the inbox is marked by the time its job ran.
func TestRunnerAppliesStoredEvents(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, nil)
		stored, _, err := e.db.StoreInboxEvent(e.ctx, &dealdesk.InboxEvent{Channel: dealdesk.ChannelEventBridge,
			EventID: "runner-test-1", Body: []byte(`{"not":"an EventBridge envelope"}`)})
		if err != nil {
			t.Fatal(err)
		}
		var got *dealdesk.InboxEvent
		e.waitUntil("the stored event marked", func() bool {
			got, err = e.db.FindInboxEventByID(e.ctx, stored.ID)
			return err == nil && got.Status != dealdesk.InboxReceived
		})
		if got.Status != dealdesk.InboxMalformed {
			t.Fatalf("status %s (%s); want MALFORMED", got.Status, got.Error)
		}
	})
}

// TestRunnerSyncsAndReconcilesConnectedOrganizations registers product sync and reconciliation
// with the Runner: a connected organization's products are synced at start (the periodic job
// runs on start) and a sync asked for on demand runs too.
func TestRunnerSyncsAndReconcilesConnectedOrganizations(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		var orgID string
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, func(c *worker.Config) {
			store := c.Store.(*sqldb.DB)
			c.Sync = worker.NewProductSyncWorker(store, c.Catalog.(*awsmp.Catalog), nil)
			c.Reconcile = worker.NewReconcileWorker(store, c.Catalog.(*awsmp.Catalog), awsmp.NewEntitlements(), nil, nil)
			ids, err := store.OrganizationsWithAWSConnection(context.Background())
			if err != nil || len(ids) != 1 {
				t.Fatalf("connected organizations %v, %v: want the test's one", ids, err)
			}
			orgID = ids[0]
			c.Organizations = store.OrganizationsWithAWSConnection
		})
		if orgID == "" {
			t.Fatal("the workers were not tuned")
		}
		// The demo seed has two products; the test registered one. The sync at start adds the
		// other, keeping the registered one's ID.
		e.waitUntil("the products synced at start", func() bool {
			ps, _, err := e.db.FindProducts(e.ctx, dealdesk.ProductFilter{})
			return err == nil && len(ps) == 2
		})
		p, err := e.db.FindProductByID(e.ctx, e.product.ID)
		if err != nil || p.ExternalID != e.product.ExternalID {
			t.Fatalf("the registered product after the sync: %v, %v", p, err)
		}
	})
}
