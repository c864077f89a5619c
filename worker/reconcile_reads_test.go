package worker_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// catalogProxy stands between the AWS clients and the simulator: it counts DescribeEntity
// calls, and answers DescribeEntity of one entity with AWS's 404 ResourceNotFoundException.
type catalogProxy struct {
	url       string
	mu        sync.Mutex
	failID    string
	describes int
}

func newCatalogProxy(t *testing.T, target string) *catalogProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &catalogProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/DescribeEntity" {
			p.mu.Lock()
			p.describes++
			fail := p.failID != "" && r.URL.Query().Get("entityId") == p.failID
			p.mu.Unlock()
			if fail {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"Message":"Entity not found"}`))
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	p.url = hs.URL
	return p
}

func (p *catalogProxy) fail(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failID = id
}

// takeDescribes returns the DescribeEntity calls since the last take.
func (p *catalogProxy) takeDescribes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.describes
	p.describes = 0
	return n
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReconcileWorker_OneFailedReadDoesNotStopTheRun (review F10): two resale authorizations
// were restricted on AWS and dealdesk missed both; DescribeEntity of the first fails. The run
// still cancels the other opportunity, logs and counts the failed read, and completes; the next
// run repairs the first. A third opportunity stays ACTIVE, with a CPPO offer the first run
// saves, and a fourth is untouched: a run after the repairs describes nothing, since the
// listings show nothing that could change what dealdesk has.
func TestReconcileWorker_OneFailedReadDoesNotStopTheRun(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		px := newCatalogProxy(t, e.url)
		o := e.newOrg("Acme", false)
		e.connect(o, px.url)
		opp1, ra1 := e.publish(o)
		opp2, ra2 := e.publish(o)
		_, ra3 := e.publish(o)
		opp4, _ := e.publish(o)
		offerID := e.createOffer(ra3)
		conn, err := e.db.AWSConnectionWithSecret(o.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ opp, ra string }{{opp1.ID, ra1}, {opp2.ID, ra2}} {
			csID, err := e.cat.RestrictResaleAuthorization(o.ctx, conn, c.ra, dealdesk.RestrictToken(c.opp))
			if err != nil {
				t.Fatalf("RestrictResaleAuthorization: %v", err)
			}
			if res, err := e.cat.DescribeChangeSet(o.ctx, conn, csID); err != nil || res.Status != dealdesk.ChangeSetSucceeded {
				t.Fatalf("restrict change set: %+v, %v", res, err)
			}
		}
		logs := &lockedBuffer{}
		w := worker.NewReconcileWorker(e.db, e.cat, awsmp.NewEntitlements(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)),
			awsmp.WithRetry(3, 20*time.Millisecond)), e.clock.Now, slog.New(slog.NewTextHandler(logs, nil)))
		status := func(id string) dealdesk.OfferStatus { return e.chain(o, id).Opportunity.Status }

		px.fail(ra1)
		repairs, err := w.Reconcile(bg(t), dealdesk.ReconcileJob{OrgID: o.id})
		if err != nil {
			t.Fatalf("a run with one failed read: %v; want it to go on and complete", err)
		}
		if status(opp2.ID) != dealdesk.OfferCancelled || status(opp1.ID) != dealdesk.OfferActive || len(repairs) < 2 {
			t.Fatalf("opportunities %s and %s, repairs %+v: want the readable one CANCELLED, the other still ACTIVE",
				status(opp1.ID), status(opp2.ID), repairs)
		}
		if l := logs.String(); !strings.Contains(l, "read failed") || !strings.Contains(l, ra1) || !strings.Contains(l, "failedReads=1") {
			t.Fatalf("logs %s: want the failed read of %s logged and counted", l, ra1)
		}

		offers, _, err := e.db.FindOffers(o.ctx, dealdesk.OfferFilter{Type: dealdesk.OfferCPPO})
		if err != nil || len(offers) != 1 || offers[0].ExternalID != offerID || offers[0].OpportunityID == "" {
			t.Fatalf("CPPO offers %+v, %v: want %s saved, linked, by the run with the failed read", offers, err, offerID)
		}

		px.fail("")
		if again := e.reconcile(w, o); len(again) != 1 || status(opp1.ID) != dealdesk.OfferCancelled {
			t.Fatalf("the next run repaired %+v, opportunity %s: want it CANCELLED", again, status(opp1.ID))
		}
		if status(opp4.ID) != dealdesk.OfferActive {
			t.Fatalf("the untouched opportunity is %s, want ACTIVE", status(opp4.ID))
		}
		px.takeDescribes()
		if again := e.reconcile(w, o); len(again) != 0 {
			t.Fatalf("a run after the repairs repaired %+v", again)
		}
		if n := px.takeDescribes(); n != 0 {
			t.Errorf("a run with nothing changed described %d entities, want 0", n)
		}
	})
}
