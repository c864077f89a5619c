package sqldb_test

import (
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		draft := newOffer(t, db, ctx, p.ID)
		active := newOffer(t, db, ctx, p.ID)
		setStatus(t, db, active.ID, dealdesk.OfferActive, "resaleauthz-1")
		cppo, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1"}, "resaleauthz-1")
		if err != nil {
			t.Fatal(err)
		}
		ent, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1"}, "offer-1")
		if err != nil {
			t.Fatal(err)
		}
		other := newOrg(t, db, "Intruder")

		for _, tt := range []struct {
			name string
			call func(ctx context.Context) error
		}{
			{"find product", func(ctx context.Context) error { _, err := db.FindProductByID(ctx, p.ID); return err }},
			{"find offer", func(ctx context.Context) error { _, err := db.FindOfferByID(ctx, draft.ID); return err }},
			{"update offer", func(ctx context.Context) error {
				_, err := db.UpdateOffer(ctx, draft.ID, dealdesk.OfferInput{Name: ptr("Stolen")})
				return err
			}},
			{"submit offer", func(ctx context.Context) error { _, err := db.SubmitOffer(ctx, draft.ID); return err }},
			{"cancel draft", func(ctx context.Context) error { _, err := db.CancelOffer(ctx, draft.ID); return err }},
			{"cancel active", func(ctx context.Context) error { _, err := db.CancelOffer(ctx, active.ID); return err }},
			{"delete offer", func(ctx context.Context) error { return db.DeleteOffer(ctx, draft.ID) }},
			{"offer chain", func(ctx context.Context) error { _, err := db.FindOfferChain(ctx, active.ID); return err }},
			{"CPPO offer chain", func(ctx context.Context) error { _, err := db.FindOfferChain(ctx, cppo.ID); return err }},
			{"find entitlement", func(ctx context.Context) error { _, err := db.FindEntitlementByID(ctx, ent.ID); return err }},
		} {
			t.Run(tt.name+" of another organization is not found", func(t *testing.T) {
				wantCode(t, tt.call(other), dealdesk.ENOTFOUND)
			})
		}
		for _, tt := range []struct {
			name string
			list func(ctx context.Context) (int, error)
		}{
			{"products", func(ctx context.Context) (int, error) {
				l, _, err := db.FindProducts(ctx, dealdesk.ProductFilter{})
				return len(l), err
			}},
			{"offers", func(ctx context.Context) (int, error) {
				l, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{})
				return len(l), err
			}},
			{"offers of the first organization's product", func(ctx context.Context) (int, error) {
				l, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{ProductID: p.ID})
				return len(l), err
			}},
			{"entitlements", func(ctx context.Context) (int, error) {
				l, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{})
				return len(l), err
			}},
		} {
			t.Run(tt.name+" of another organization are empty", func(t *testing.T) {
				if n, err := tt.list(ctx); err != nil || n == 0 {
					t.Fatalf("the first organization lists %d (%v): an empty list for the other would prove nothing", n, err)
				}
				if n, err := tt.list(other); err != nil || n != 0 {
					t.Fatalf("the other organization lists %d (%v)", n, err)
				}
			})
		}
		t.Run("saving by another organization's AWS IDs does not touch the first", func(t *testing.T) {
			theirs, err := db.SaveCPPOOffer(other, &dealdesk.Offer{ExternalID: "offer-1"}, "resaleauthz-1")
			if err != nil || theirs.ID == cppo.ID || theirs.OpportunityID != "" {
				t.Fatalf("other org's CPPO offer %+v, %v", theirs, err)
			}
			e2, err := db.SaveEntitlement(other, &dealdesk.Entitlement{ExternalID: "agmt-1"}, "offer-1")
			if err != nil || e2.ID == ent.ID || e2.OfferID != theirs.ID {
				t.Fatalf("other org's entitlement %+v, %v", e2, err)
			}
			mine := findEntitlement(t, db, ctx, ent.ID)
			if mine.OfferID != cppo.ID {
				t.Fatalf("the first organization's entitlement was relinked: %+v", mine)
			}
		})
		t.Run("nothing was changed", func(t *testing.T) {
			back, err := db.FindOfferByID(ctx, draft.ID)
			if err != nil || back.Name != draft.Name || back.Status != dealdesk.OfferDraft {
				t.Fatalf("draft after intrusions %+v, %v", back, err)
			}
			back = findOffer(t, db, ctx, active.ID)
			if back.Status != dealdesk.OfferActive {
				t.Fatalf("active offer became %s", back.Status)
			}
		})
		t.Run("no organization in context is unauthorized", func(t *testing.T) {
			_, _, err := db.FindOffers(context.Background(), dealdesk.OfferFilter{})
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			_, err = db.CreateProduct(context.Background(), productInput("prod-x"))
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
	})
}
