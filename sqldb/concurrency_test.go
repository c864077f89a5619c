package sqldb_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		const writers = 20
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, err := db.CreateOffer(ctx, completeOffer(p.ID), false)
				if err != nil {
					errs <- err
					return
				}
				if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent writer: %v", err)
		}
		if n := count(t, db, "offers", "status = $1", dealdesk.OfferPendingCreate); n != writers {
			t.Fatalf("%d submitted offers, want %d", n, writers)
		}
		if n := len(jobs(t, db, dealdesk.PublishOpportunityJob{}.Kind())); n != writers {
			t.Fatalf("%d publish jobs, want %d", n, writers)
		}
	})
}

func TestConcurrentSQLiteProcesses(t *testing.T) {
	t.Parallel()
	// Two pools on one file stand for two processes (serve and an admin command): immediate
	// transactions and the busy timeout make their writers wait for each other, never fail.
	e := newSQLiteEngine(t)
	a, b := e.open(t), e.open(t)
	ctx := newOrg(t, a, "Acme")
	p := newProduct(t, a, ctx, "prod-abc123")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Add(1)
		go func(db *sqldb.DB) {
			defer wg.Done()
			if _, err := db.CreateOffer(ctx, completeOffer(p.ID), false); err != nil {
				errs <- err
			}
		}(db)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	if n := count(t, b, "offers", ""); n != 20 {
		t.Fatalf("%d offers, want 20", n)
	}
}

func TestConcurrentUpsertsOfOneAWSObject(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		// The same EventBridge event delivered several times at once.
		ctx := newOrg(t, db, "Acme")
		const deliveries = 8
		var wg sync.WaitGroup
		errs := make(chan error, 2*deliveries)
		for i := 0; i < deliveries; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-dup"}, "resaleauthz-1"); err != nil {
					errs <- err
				}
				if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-dup"}, "offer-dup"); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("delivery: %v", err)
		}
		if n := count(t, db, "offers", "external_id = $1", "offer-dup"); n != 1 {
			t.Fatalf("%d offers for one AWS offer", n)
		}
		if n := count(t, db, "entitlements", "external_id = $1", "agmt-dup"); n != 1 {
			t.Fatalf("%d entitlements for one agreement", n)
		}
	})
}

func TestConcurrentSubmitAndCancelOfOneOffer(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		// Double clicks and two tabs: submits and cancels of one draft race; exactly one wins.
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		for round := 0; round < 3; round++ {
			o := newOffer(t, db, ctx, p.ID)
			const callers = 8
			var wg sync.WaitGroup
			results := make(chan error, callers)
			start := make(chan struct{})
			for i := 0; i < callers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var err error
					if i%2 == 0 {
						_, err = db.SubmitOffer(ctx, o.ID)
					} else {
						_, err = db.CancelOffer(ctx, o.ID)
					}
					results <- err
				}()
			}
			close(start)
			wg.Wait()
			close(results)
			wins := 0
			for err := range results {
				switch dealdesk.ErrorCode(err) {
				case "":
					wins++
				case dealdesk.ECONFLICT:
				default:
					t.Errorf("caller: %v", err)
				}
			}
			back, err := db.FindOfferByID(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			published := 0
			for _, j := range jobs(t, db, dealdesk.PublishOpportunityJob{}.Kind()) {
				if j.OfferID == o.ID {
					published++
				}
			}
			if wins != 1 {
				t.Fatalf("%d callers succeeded on one draft (now %s), want 1", wins, back.Status)
			}
			if want := map[dealdesk.OfferStatus]int{dealdesk.OfferPendingCreate: 1, dealdesk.OfferCancelled: 0}; want[back.Status] != published ||
				(back.Status != dealdesk.OfferPendingCreate && back.Status != dealdesk.OfferCancelled) {
				t.Fatalf("offer ended %s with %d publish jobs", back.Status, published)
			}
		}
	})
}

func TestConcurrentOfferAndAgreementLink(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		// The offer event and the agreement event of one deal handled at the same time by two
		// replicas: whichever commits last must link the entitlement to the offer.
		ctx := newOrg(t, db, "Acme")
		for round := 0; round < 20; round++ {
			offerID, agreementID := fmt.Sprintf("offer-%d", round), fmt.Sprintf("agmt-%d", round)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				_, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: offerID}, "")
				errs <- err
			}()
			go func() {
				defer wg.Done()
				<-start
				_, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: agreementID}, offerID)
				errs <- err
			}()
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			ents, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{})
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, ent := range ents {
				if ent.ExternalID != agreementID {
					continue
				}
				found++
				if ent.OfferID == "" {
					t.Fatalf("round %d: entitlement %s left unlinked to its offer", round, agreementID)
				}
			}
			if found != 1 {
				t.Fatalf("round %d: %d entitlements for agreement %s, want 1", round, found, agreementID)
			}
		}
	})
}
