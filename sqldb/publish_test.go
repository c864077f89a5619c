package sqldb_test

import (
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// publication returns the publication of offer id.
func publication(t *testing.T, db *sqldb.DB, ctx context.Context, id string) *dealdesk.Publication {
	t.Helper()
	p, err := db.FindPublication(ctx, id)
	if err != nil {
		t.Fatalf("FindPublication: %v", err)
	}
	return p
}

// TestPublishAttempt: every submission starts a publish attempt owned by its job; retries of
// that job get the same attempt and change set; only SERVER_FAULT or a resubmission moves to
// the next attempt (and so to a new ClientRequestToken).
func TestPublishAttempt(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		o := newOffer(t, db, ctx, p.ID)
		if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		first := publication(t, db, ctx, o.ID)
		if first.Attempt != 1 || first.JobID == 0 || first.ChangeSetID != "" || !first.Settled {
			t.Fatalf("after submit: %+v; want attempt 1 owned by a job, no change set, settled", first)
		}
		job := first.JobID

		t.Run("another job has nothing to do", func(t *testing.T) {
			_, err := db.PublishAttempt(ctx, o.ID, job+1000)
			wantCode(t, err, dealdesk.ECONFLICT)
		})
		t.Run("another organization does not see it", func(t *testing.T) {
			other := newOrg(t, db, "Other")
			_, err := db.PublishAttempt(other, o.ID, job)
			wantCode(t, err, dealdesk.ENOTFOUND)
			_, err = db.FindPublication(other, o.ID)
			wantCode(t, err, dealdesk.ENOTFOUND)
			wantCode(t, db.SetPublishChangeSet(other, o.ID, 1, "cs-other"), dealdesk.ENOTFOUND)
		})
		t.Run("the change set is kept for the job's next runs", func(t *testing.T) {
			wantCode(t, db.UnsettlePublishAttempt(ctx, o.ID, 2), dealdesk.ECONFLICT)
			if err := db.UnsettlePublishAttempt(ctx, o.ID, 1); err != nil {
				t.Fatal(err)
			}
			if got := publication(t, db, ctx, o.ID); got.Settled {
				t.Fatalf("after UnsettlePublishAttempt: %+v; want unsettled", got)
			}
			wantCode(t, db.SetPublishChangeSet(ctx, o.ID, 2, "cs-stale"), dealdesk.ECONFLICT)
			if err := db.SetPublishChangeSet(ctx, o.ID, 1, "cs-1"); err != nil {
				t.Fatal(err)
			}
			got, err := db.PublishAttempt(ctx, o.ID, job)
			if err != nil || got.Attempt != 1 || got.ChangeSetID != "cs-1" {
				t.Fatalf("PublishAttempt = %+v, %v; want attempt 1 with cs-1", got, err)
			}
		})
		t.Run("SERVER_FAULT moves to the next attempt", func(t *testing.T) {
			_, err := db.NextPublishAttempt(ctx, o.ID, 2)
			wantCode(t, err, dealdesk.ECONFLICT)
			got, err := db.NextPublishAttempt(ctx, o.ID, 1)
			if err != nil || got.Attempt != 2 || got.ChangeSetID != "" || got.JobID != job || !got.Settled {
				t.Fatalf("NextPublishAttempt = %+v, %v; want attempt 2 of the same job, no change set, settled", got, err)
			}
		})
		t.Run("a problem shows while it waits", func(t *testing.T) {
			problem := []dealdesk.FieldError{{Field: "awsConnection", Message: "No AWS connection is set."}}
			if err := db.NotePublishProblem(ctx, o.ID, problem); err != nil {
				t.Fatal(err)
			}
			got := findOffer(t, db, ctx, o.ID)
			if got.Status != dealdesk.OfferPendingCreate || len(got.PublishErrors) != 1 || got.PublishErrors[0].Field != "awsConnection" {
				t.Fatalf("offer %s %+v; want PENDING_CREATE showing the problem", got.Status, got.PublishErrors)
			}
		})
		t.Run("a refused opportunity is resubmitted with the next attempt", func(t *testing.T) {
			errs := []dealdesk.FieldError{{Field: "resellerAccountId", Message: "INVALID_RESELLER_ACCOUNT: not a partner"}}
			failed, err := db.PublishFailed(ctx, o.ID, errs)
			if err != nil || failed.Status != dealdesk.OfferCreateFailed || len(failed.PublishErrors) != 1 {
				t.Fatalf("PublishFailed = %+v, %v", failed, err)
			}
			if got := findOffer(t, db, ctx, o.ID); got.Status != dealdesk.OfferCreateFailed || got.PublishErrors[0] != errs[0] {
				t.Fatalf("stored %s %+v; want CREATE_FAILED with the errors", got.Status, got.PublishErrors)
			}
			_, err = db.PublishAttempt(ctx, o.ID, job)
			wantCode(t, err, dealdesk.ECONFLICT)
			_, err = db.PublishFailed(ctx, o.ID, errs)
			wantCode(t, err, dealdesk.ECONFLICT)
			if _, err := db.UpdateOffer(ctx, o.ID, dealdesk.OfferInput{ResellerAccountID: ptr("444455556666")}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			again := publication(t, db, ctx, o.ID)
			if again.Attempt != 3 || again.JobID == job || again.ChangeSetID != "" {
				t.Fatalf("after resubmit: %+v; want attempt 3 owned by a new job", again)
			}
			if _, err := db.PublishAttempt(ctx, o.ID, job); dealdesk.ErrorCode(err) != dealdesk.ECONFLICT {
				t.Fatalf("the first submission's job: %v; want ECONFLICT", err)
			}
			if got, err := db.PublishAttempt(ctx, o.ID, again.JobID); err != nil || got.Attempt != 3 {
				t.Fatalf("the new job: %+v, %v", got, err)
			}
		})
		t.Run("success makes it ACTIVE with the resale authorization", func(t *testing.T) {
			active, err := db.PublishSucceeded(ctx, o.ID, "resaleauthz-1234567890abc", nil)
			if err != nil || active.Status != dealdesk.OfferActive || active.ExternalID != "resaleauthz-1234567890abc" {
				t.Fatalf("PublishSucceeded = %+v, %v", active, err)
			}
			got := findOffer(t, db, ctx, o.ID)
			if got.Status != dealdesk.OfferActive || got.ExternalID != "resaleauthz-1234567890abc" || len(got.PublishErrors) != 0 {
				t.Fatalf("stored %s %q %+v", got.Status, got.ExternalID, got.PublishErrors)
			}
		})
		t.Run("the restriction of a cancelled one is recorded", func(t *testing.T) {
			wantCode(t, db.SetRestrictChangeSet(ctx, o.ID, 1, "cs-r"), dealdesk.ECONFLICT) // still ACTIVE
			if _, err := db.CancelOffer(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			wantCode(t, db.SetRestrictChangeSet(ctx, o.ID, 2, "cs-r"), dealdesk.ECONFLICT) // not the current attempt
			if err := db.SetRestrictChangeSet(ctx, o.ID, 1, "cs-r"); err != nil {
				t.Fatal(err)
			}
			if err := db.RestrictEnded(ctx, o.ID, 1, "SUCCEEDED"); err != nil {
				t.Fatal(err)
			}
			got := publication(t, db, ctx, o.ID)
			if got.RestrictChangeSetID != "cs-r" || got.RestrictResult != "SUCCEEDED" || got.Attempt != 3 || got.RestrictAttempt != 1 {
				t.Fatalf("publication %+v", got)
			}
			if _, err := db.CancelOffer(ctx, o.ID); dealdesk.ErrorCode(err) != dealdesk.ECONFLICT {
				t.Fatalf("cancelling a restricted opportunity again: %v; want ECONFLICT", err)
			}
		})
	})
}

// TestUnsettledAttemptIsCarriedOver (decision 021): an opportunity submitted again while its
// publish attempt is not settled keeps that attempt, carried over, for the new job to settle;
// a settled one moves to the next attempt.
func TestUnsettledAttemptIsCarriedOver(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		o := newOffer(t, db, ctx, p.ID)
		if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.UnsettlePublishAttempt(ctx, o.ID, 1); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPublishChangeSet(ctx, o.ID, 1, "cs-1"); err != nil {
			t.Fatal(err)
		}
		// A store written by an earlier version could end it unsettled; PublishFailed itself
		// settles, so the row is put back as such a version left it.
		if _, err := db.PublishFailed(ctx, o.ID, []dealdesk.FieldError{{Field: "opportunity", Message: "gave up"}}); err != nil {
			t.Fatal(err)
		}
		if got := publication(t, db, ctx, o.ID); !got.Settled {
			t.Fatalf("after PublishFailed: %+v; want settled", got)
		}
		if _, err := db.SQL().ExecContext(context.Background(), `UPDATE publications SET settled = FALSE WHERE offer_id = $1`, o.ID); err != nil {
			t.Fatal(err)
		}
		first := publication(t, db, ctx, o.ID)
		if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		carried := publication(t, db, ctx, o.ID)
		if carried.Attempt != 1 || carried.ChangeSetID != "cs-1" || !carried.CarriedOver || carried.Settled || carried.JobID == first.JobID {
			t.Fatalf("resubmitted unsettled: %+v; want attempt 1 with cs-1 carried over to the new job", carried)
		}
		next, err := db.NextPublishAttempt(ctx, o.ID, 1)
		if err != nil || next.Attempt != 2 || next.ChangeSetID != "" || next.CarriedOver || !next.Settled {
			t.Fatalf("NextPublishAttempt = %+v, %v; want attempt 2, settled, not carried over", next, err)
		}
	})
}

// TestRestrictionFailureAndCancelAgain (decision 021): a failed restriction shows in the
// cancelled opportunity's publishErrors; cancelling again starts the next restriction attempt
// with a new job and clears it; a stale attempt's writes are refused.
func TestRestrictionFailureAndCancelAgain(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		o := newOffer(t, db, ctx, p.ID)
		if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishSucceeded(ctx, o.ID, "resaleauthz-1234567890abc", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CancelOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		// The restriction's job is known from the cancel on, so that the orphaned-publications
		// check finds it even if it dies before its first run.
		if p := publication(t, db, ctx, o.ID); p.RestrictJobID == 0 {
			t.Fatalf("publication after cancel %+v: want its restrict job", p)
		}
		if _, err := db.CancelOffer(ctx, o.ID); dealdesk.ErrorCode(err) != dealdesk.ECONFLICT {
			t.Fatalf("cancel while restricting: %v; want ECONFLICT", err)
		}
		if err := db.SetRestrictChangeSet(ctx, o.ID, 1, "cs-r1"); err != nil {
			t.Fatal(err)
		}
		next, err := db.NextRestrictAttempt(ctx, o.ID, 1)
		if err != nil || next.RestrictAttempt != 2 || next.RestrictChangeSetID != "" || next.RestrictResult != "" {
			t.Fatalf("NextRestrictAttempt = %+v, %v; want attempt 2 without a change set", next, err)
		}
		wantCode(t, db.RestrictEnded(ctx, o.ID, 1, "FAILED: stale"), dealdesk.ECONFLICT)
		if err := db.RestrictEnded(ctx, o.ID, 2, "FAILED: StartChangeSet: AccessDeniedException: no"); err != nil {
			t.Fatal(err)
		}
		got := findOffer(t, db, ctx, o.ID)
		if got.Status != dealdesk.OfferCancelled || len(got.PublishErrors) != 1 || got.PublishErrors[0].Field != "restriction" {
			t.Fatalf("offer %s %+v; want CANCELLED with the restriction's failure", got.Status, got.PublishErrors)
		}
		again, err := db.CancelOffer(ctx, o.ID)
		if err != nil || again.Status != dealdesk.OfferCancelled || len(again.PublishErrors) != 0 {
			t.Fatalf("cancel again = %+v, %v; want CANCELLED, the failure cleared", again, err)
		}
		pub := publication(t, db, ctx, o.ID)
		if pub.RestrictAttempt != 3 || pub.RestrictResult != "" || pub.RestrictChangeSetID != "" {
			t.Fatalf("publication %+v; want restriction attempt 3 running", pub)
		}
		var jobs int
		if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = $1`, dealdesk.RestrictOpportunityJob{}.Kind()).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 2 {
			t.Fatalf("%d restrict jobs; want 2 (the cancel and the cancel again)", jobs)
		}
		if err := db.RestrictEnded(ctx, o.ID, 3, "SUCCEEDED"); err != nil {
			t.Fatal(err)
		}
		if got := findOffer(t, db, ctx, o.ID); len(got.PublishErrors) != 0 {
			t.Fatalf("after success: %+v; want no publishErrors", got.PublishErrors)
		}
	})
}

// TestDeleteRefusedOpportunity: a CREATE_FAILED opportunity, which has a publication, can still
// be deleted, and its publication goes with it.
func TestDeleteRefusedOpportunity(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		o := newOffer(t, db, ctx, p.ID)
		if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishFailed(ctx, o.ID, []dealdesk.FieldError{{Field: "opportunity", Message: "refused"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteOffer(ctx, o.ID); err != nil {
			t.Fatalf("DeleteOffer: %v", err)
		}
		_, err := db.FindPublication(ctx, o.ID)
		wantCode(t, err, dealdesk.ENOTFOUND)
	})
}

// TestExpireOpportunities: ACTIVE opportunities expire on the day after their expiry date, in
// every organization; other statuses and later dates are left alone.
func TestExpireOpportunities(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctxA, ctxB := newOrg(t, db, "Acme"), newOrg(t, db, "Beta")
		active := func(ctx context.Context, expiry dealdesk.Date, raID string) *dealdesk.Offer {
			t.Helper()
			p, _, err := db.FindProducts(ctx, dealdesk.ProductFilter{})
			var productID string
			if err == nil && len(p) > 0 {
				productID = p[0].ID
			} else {
				productID = newProduct(t, db, ctx, "prod-abc123").ID
			}
			in := completeOffer(productID)
			in.ExpiryDate = ptr(expiry)
			o, err := db.CreateOffer(ctx, in, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			if raID == "" {
				return o
			}
			if o, err = db.PublishSucceeded(ctx, o.ID, raID, nil); err != nil {
				t.Fatal(err)
			}
			return o
		}
		june30 := dealdesk.NewDate(2027, 6, 30)
		a := active(ctxA, june30, "resaleauthz-aaaaaaaaaaaaa")
		b := active(ctxB, june30, "resaleauthz-bbbbbbbbbbbbb")
		later := active(ctxA, dealdesk.NewDate(2027, 7, 1), "resaleauthz-ccccccccccccc")
		pending := active(ctxA, june30, "")

		got, err := db.ExpireOpportunities(context.Background(), june30)
		if err != nil || len(got) != 0 {
			t.Fatalf("on the expiry day: %d expired, %v; want none", len(got), err)
		}
		got, err = db.ExpireOpportunities(context.Background(), june30.AddDays(1))
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, o := range got {
			ids[o.ID] = true
			if o.Status != dealdesk.OfferExpired {
				t.Errorf("%s returned as %s", o.ID, o.Status)
			}
		}
		if len(got) != 2 || !ids[a.ID] || !ids[b.ID] {
			t.Fatalf("expired %v; want %s and %s", ids, a.ID, b.ID)
		}
		for _, c := range []struct {
			ctx  context.Context
			id   string
			want dealdesk.OfferStatus
		}{{ctxA, a.ID, dealdesk.OfferExpired}, {ctxB, b.ID, dealdesk.OfferExpired}, {ctxA, later.ID, dealdesk.OfferActive},
			{ctxA, pending.ID, dealdesk.OfferPendingCreate}} {
			if s := findOffer(t, db, c.ctx, c.id).Status; s != c.want {
				t.Errorf("%s is %s, want %s", c.id, s, c.want)
			}
		}
	})
}

// TestPublicationTenantKey: a publication's offer is a composite key on org_id, so a raw insert
// of a publication of one organization for another's opportunity fails.
func TestPublicationTenantKey(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctxA, ctxB := newOrg(t, db, "Acme"), newOrg(t, db, "Globex")
		b := newOffer(t, db, ctxB, newProduct(t, db, ctxB, "prod-globex").ID)
		a := newOffer(t, db, ctxA, newProduct(t, db, ctxA, "prod-acme").ID)
		insert := func(orgID, offerID string) error {
			_, err := db.SQL().ExecContext(context.Background(), `INSERT INTO publications (org_id, offer_id, attempt,
				job_id, change_set_id, restrict_change_set_id, restrict_result, updated_at) VALUES ($1, $2, 1, 1, '', '', '', $3)`,
				orgID, offerID, nowArg(e))
			return err
		}
		orgA := dealdesk.OrgIDFromContext(ctxA)
		wantForeignKey(t, db, insert(orgA, b.ID))
		wantForeignKey(t, db, insert("org_none", a.ID))
		if err := insert(orgA, a.ID); err != nil {
			t.Fatalf("a publication of the organization's own opportunity: %v", err)
		}
	})
}
