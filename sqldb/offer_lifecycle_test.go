package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// jobArgs is what a dealdesk job carries.
type jobArgs struct {
	OrgID   string `json:"orgId"`
	OfferID string `json:"offerId"`
}

// jobs returns the arguments of the River jobs of kind.
func jobs(t *testing.T, db *sqldb.DB, kind string) []jobArgs {
	t.Helper()
	args := "args"
	if db.Engine() == sqldb.EngineSQLite {
		args = "json(args)" // River keeps SQLite's binary JSON
	}
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT `+args+` FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatalf("read river_job: %v", err)
	}
	defer rows.Close()
	var out []jobArgs
	for rows.Next() {
		var raw any
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var b []byte
		switch v := raw.(type) {
		case string:
			b = []byte(v)
		case []byte:
			b = v
		default:
			t.Fatalf("river_job.args scanned as %T", raw)
		}
		var a jobArgs
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("river_job.args %q: %v", b, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUpdateOffer(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		o := newOffer(t, db, ctx, p.ID)

		t.Run("changes only the present fields", func(t *testing.T) {
			e.clock.Advance(time.Second)
			got, err := db.UpdateOffer(ctx, o.ID, dealdesk.OfferInput{Name: ptr("Renamed"), BuyerAccountIDs: &[]string{"111111111111", "222222222222"}})
			if err != nil {
				t.Fatal(err)
			}
			back, err := db.FindOfferByID(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if back.Name != "Renamed" || len(back.BuyerAccountIDs) != 2 || back.CommitAmount.String() != "12000.00" ||
				back.ResellerAccountID != o.ResellerAccountID || !back.UpdatedAt.After(o.UpdatedAt) || !back.CreatedAt.Equal(o.CreatedAt) {
				t.Fatalf("after update %+v", back)
			}
			if jsonOf(t, got) != jsonOf(t, back) {
				t.Fatalf("returned %s, stored %s", jsonOf(t, got), jsonOf(t, back))
			}
		})
		t.Run("invalid change stores nothing", func(t *testing.T) {
			_, err := db.UpdateOffer(ctx, o.ID, dealdesk.OfferInput{Name: ptr("Bad"), ResellerAccountID: ptr("x")})
			wantField(t, err, "resellerAccountId")
			back := findOffer(t, db, ctx, o.ID)
			if back.Name != "Renamed" || back.ResellerAccountID != "123456789012" {
				t.Fatalf("a refused update changed the offer: %+v", back)
			}
			_, err = db.UpdateOffer(ctx, o.ID, dealdesk.OfferInput{Type: ptr(dealdesk.OfferPrivate)})
			wantField(t, err, "type")
		})
		t.Run("CREATE_FAILED becomes DRAFT again", func(t *testing.T) {
			setStatus(t, db, o.ID, dealdesk.OfferCreateFailed, "")
			got, err := db.UpdateOffer(ctx, o.ID, dealdesk.OfferInput{Description: ptr("fixed")})
			if err != nil || got.Status != dealdesk.OfferDraft {
				t.Fatalf("update of CREATE_FAILED: %+v, %v", got, err)
			}
		})
		for _, status := range []dealdesk.OfferStatus{dealdesk.OfferPendingCreate, dealdesk.OfferActive, dealdesk.OfferCancelled} {
			t.Run(string(status)+" cannot be changed", func(t *testing.T) {
				o := newOffer(t, db, ctx, p.ID)
				setStatus(t, db, o.ID, status, "")
				_, err := db.UpdateOffer(ctx, o.ID, dealdesk.OfferInput{Name: ptr("Late")})
				wantCode(t, err, dealdesk.ECONFLICT)
			})
		}
	})
}

func TestSubmitOffer(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		orgID := dealdesk.OrgIDFromContext(ctx)
		p := newProduct(t, db, ctx, "prod-abc123")

		t.Run("moves to PENDING_CREATE with exactly one publish job", func(t *testing.T) {
			o := newOffer(t, db, ctx, p.ID)
			got, err := db.SubmitOffer(ctx, o.ID)
			if err != nil || got.Status != dealdesk.OfferPendingCreate {
				t.Fatalf("SubmitOffer = %+v, %v", got, err)
			}
			back := findOffer(t, db, ctx, o.ID)
			if back.Status != dealdesk.OfferPendingCreate {
				t.Fatalf("stored status %s", back.Status)
			}
			_, err = db.SubmitOffer(ctx, o.ID)
			wantCode(t, err, dealdesk.ECONFLICT)
			js := jobs(t, db, dealdesk.PublishOpportunityJob{}.Kind())
			if len(js) != 1 || js[0] != (jobArgs{OrgID: orgID, OfferID: o.ID}) {
				t.Fatalf("publish jobs %+v, want one for %s", js, o.ID)
			}
			// The submission's job owns its publish attempt: any other publish job of the same
			// offer has nothing to do (decision 015; TestPublishAttempt).
			if pub, err := db.FindPublication(ctx, o.ID); err != nil || pub.Attempt != 1 || pub.JobID == 0 {
				t.Fatalf("publication %+v, %v; want attempt 1 owned by the submission's job", pub, err)
			}
		})
		t.Run("incomplete draft is refused and stays DRAFT without a job", func(t *testing.T) {
			before := len(jobs(t, db, dealdesk.PublishOpportunityJob{}.Kind()))
			d, err := db.CreateOffer(ctx, dealdesk.OfferInput{Type: ptr(dealdesk.OfferCPPOOut), Name: ptr("Draft")}, true)
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.SubmitOffer(ctx, d.ID)
			wantField(t, err, "productId")
			back := findOffer(t, db, ctx, d.ID)
			if back.Status != dealdesk.OfferDraft || len(jobs(t, db, dealdesk.PublishOpportunityJob{}.Kind())) != before {
				t.Fatalf("refused submit left status %s and changed the jobs", back.Status)
			}
		})
		t.Run("status change and job are one transaction", func(t *testing.T) {
			o := newOffer(t, db, ctx, p.ID)
			// Without a job table the job insert fails; the status change must roll back with it.
			if _, err := db.SQL().Exec(`ALTER TABLE river_job RENAME TO river_job_away`); err != nil {
				t.Fatal(err)
			}
			_, err := db.SubmitOffer(ctx, o.ID)
			if _, rerr := db.SQL().Exec(`ALTER TABLE river_job_away RENAME TO river_job`); rerr != nil {
				t.Fatal(rerr)
			}
			if err == nil {
				t.Fatal("SubmitOffer succeeded without a job table")
			}
			if dealdesk.ErrorCode(err) != dealdesk.EINTERNAL {
				t.Fatalf("error code %q, want internal", dealdesk.ErrorCode(err))
			}
			back := findOffer(t, db, ctx, o.ID)
			if back.Status != dealdesk.OfferDraft {
				t.Fatalf("status %s after the job insert failed, want DRAFT", back.Status)
			}
			if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
				t.Fatalf("submit after the table came back: %v", err)
			}
		})
		t.Run("resubmit after CREATE_FAILED records a new job once the first is done", func(t *testing.T) {
			o := newOffer(t, db, ctx, p.ID)
			if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			// The publish job ran and AWS refused the opportunity.
			if _, err := db.SQL().Exec(`UPDATE river_job SET state = 'completed', finalized_at = created_at WHERE kind = $1`,
				dealdesk.PublishOpportunityJob{}.Kind()); err != nil {
				t.Fatal(err)
			}
			setStatus(t, db, o.ID, dealdesk.OfferCreateFailed, "")
			if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, j := range jobs(t, db, dealdesk.PublishOpportunityJob{}.Kind()) {
				if j.OfferID == o.ID {
					n++
				}
			}
			if n != 2 {
				t.Fatalf("%d publish jobs for a resubmitted offer, want 2", n)
			}
		})
	})
}

func TestCancelAndDeleteOffer(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		restrictKind := dealdesk.RestrictOpportunityJob{}.Kind()

		t.Run("draft and CREATE_FAILED are cancelled without a job", func(t *testing.T) {
			for _, status := range []dealdesk.OfferStatus{dealdesk.OfferDraft, dealdesk.OfferCreateFailed} {
				o := newOffer(t, db, ctx, p.ID)
				setStatus(t, db, o.ID, status, "")
				got, err := db.CancelOffer(ctx, o.ID)
				if err != nil || got.Status != dealdesk.OfferCancelled {
					t.Fatalf("CancelOffer of %s = %+v, %v", status, got, err)
				}
				if back := findOffer(t, db, ctx, o.ID); back.Status != dealdesk.OfferCancelled {
					t.Fatalf("stored status %s", back.Status)
				}
			}
			if js := jobs(t, db, restrictKind); len(js) != 0 {
				t.Fatalf("restrict jobs %+v for drafts", js)
			}
		})
		t.Run("active opportunity is cancelled with a restrict job", func(t *testing.T) {
			o := newOffer(t, db, ctx, p.ID)
			setStatus(t, db, o.ID, dealdesk.OfferActive, "resaleauthz-1")
			if _, err := db.CancelOffer(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			back := findOffer(t, db, ctx, o.ID)
			js := jobs(t, db, restrictKind)
			if back.Status != dealdesk.OfferCancelled || len(js) != 1 || js[0].OfferID != o.ID {
				t.Fatalf("status %s, restrict jobs %+v", back.Status, js)
			}
			_, err := db.CancelOffer(ctx, o.ID)
			wantCode(t, err, dealdesk.ECONFLICT)
			if js := jobs(t, db, restrictKind); len(js) != 1 {
				t.Fatalf("second cancel left %d restrict jobs", len(js))
			}
		})
		for _, status := range []dealdesk.OfferStatus{dealdesk.OfferPendingCreate, dealdesk.OfferUsed, dealdesk.OfferExpired} {
			t.Run(string(status)+" cannot be cancelled", func(t *testing.T) {
				o := newOffer(t, db, ctx, p.ID)
				setStatus(t, db, o.ID, status, "")
				_, err := db.CancelOffer(ctx, o.ID)
				wantCode(t, err, dealdesk.ECONFLICT)
			})
		}
		t.Run("draft and CREATE_FAILED are deleted", func(t *testing.T) {
			for _, status := range []dealdesk.OfferStatus{dealdesk.OfferDraft, dealdesk.OfferCreateFailed} {
				o := newOffer(t, db, ctx, p.ID)
				setStatus(t, db, o.ID, status, "")
				if err := db.DeleteOffer(ctx, o.ID); err != nil {
					t.Fatalf("delete %s: %v", status, err)
				}
				_, err := db.FindOfferByID(ctx, o.ID)
				wantCode(t, err, dealdesk.ENOTFOUND)
			}
		})
		t.Run("a CREATE_FAILED opportunity that a CPPO offer refers to is a conflict, not a bad reference", func(t *testing.T) {
			o := newOffer(t, db, ctx, p.ID)
			setStatus(t, db, o.ID, dealdesk.OfferCreateFailed, "resaleauthz-failed")
			cppo, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-of-failed"}, "resaleauthz-failed")
			if err != nil || cppo.OpportunityID != o.ID {
				t.Fatalf("SaveCPPOOffer = %+v, %v; want it linked to %s", cppo, err, o.ID)
			}
			err = db.DeleteOffer(ctx, o.ID)
			wantCode(t, err, dealdesk.ECONFLICT)
			if msg := dealdesk.ErrorMessage(err); !strings.Contains(msg, "cannot be deleted") || !strings.Contains(msg, "cancel it instead") {
				t.Fatalf("message %q", msg)
			}
			if _, err := db.FindOfferByID(ctx, o.ID); err != nil {
				t.Fatalf("refused delete removed the offer: %v", err)
			}
		})
		t.Run("submitted offer is not deleted", func(t *testing.T) {
			o := newOffer(t, db, ctx, p.ID)
			if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			wantCode(t, db.DeleteOffer(ctx, o.ID), dealdesk.ECONFLICT)
			if _, err := db.FindOfferByID(ctx, o.ID); err != nil {
				t.Fatalf("refused delete removed the offer: %v", err)
			}
		})
	})
}

func TestFindOffers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p1 := newProduct(t, db, ctx, "prod-one")
		p2 := newProduct(t, db, ctx, "prod-two")
		want := map[string][]string{} // filter name -> IDs newest first
		add := func(name, id string) { want[name] = append([]string{id}, want[name]...) }
		for i := 0; i < 12; i++ {
			in := completeOffer(p1.ID)
			if i%3 == 0 {
				in.ProductID = &p2.ID
			}
			if i%4 == 0 {
				in.ResellerAccountID = ptr("999999999999")
			}
			o, err := db.CreateOffer(ctx, in, false)
			if err != nil {
				t.Fatal(err)
			}
			add("all", o.ID)
			if i%3 == 0 {
				add("product two", o.ID)
			}
			if i%4 == 0 {
				add("reseller 9", o.ID)
			}
			if i%2 == 0 {
				if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
					t.Fatal(err)
				}
				add("pending", o.ID)
				if i%3 == 0 {
					add("pending product two", o.ID)
				}
			}
		}
		cppo, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-xyz"}, "")
		if err != nil {
			t.Fatal(err)
		}
		add("cppo", cppo.ID)
		want["all"] = append([]string{cppo.ID}, want["all"]...)
		want["type CPPO_OUT"] = want["all"][1:]

		for _, tt := range []struct {
			name   string
			filter dealdesk.OfferFilter
		}{
			{"all", dealdesk.OfferFilter{}},
			{"type CPPO_OUT", dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut}},
			{"cppo", dealdesk.OfferFilter{Type: dealdesk.OfferCPPO}},
			{"pending", dealdesk.OfferFilter{Status: dealdesk.OfferPendingCreate}},
			{"product two", dealdesk.OfferFilter{ProductID: p2.ID}},
			{"reseller 9", dealdesk.OfferFilter{ResellerAccountID: "999999999999"}},
			{"pending product two", dealdesk.OfferFilter{Status: dealdesk.OfferPendingCreate, ProductID: p2.ID}},
		} {
			t.Run(tt.name+" pages through every match once, two a page", func(t *testing.T) {
				if len(want[tt.name]) == 0 {
					t.Fatalf("the fixture has no offers for %q", tt.name)
				}
				var got []string
				f := tt.filter
				f.Limit = 2
				pages := 0
				for {
					if pages++; pages > 20 {
						t.Fatal("paging does not end")
					}
					list, next, err := db.FindOffers(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(list) == 0 || len(list) > 2 {
						t.Fatalf("page %d holds %d offers with limit 2", pages, len(list))
					}
					got = append(got, offerIDs(list)...)
					if next == "" {
						break
					}
					f.Cursor = next
				}
				if fmt.Sprint(got) != fmt.Sprint(want[tt.name]) {
					t.Fatalf("got %v\nwant %v", got, want[tt.name])
				}
				if wantPages := (len(want[tt.name]) + 1) / 2; pages != wantPages {
					t.Fatalf("%d pages for %d offers by 2, want %d", pages, len(got), wantPages)
				}
			})
		}
		t.Run("bad filters name the field", func(t *testing.T) {
			_, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{Type: "NOPE", Status: "NOPE", Cursor: "!!"})
			wantField(t, err, "type")
			wantField(t, err, "status")
			wantField(t, err, "cursor")
		})
	})
}
