package sqldb_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// TestTextNoEngineCanStore checks that NUL bytes and invalid UTF-8, which PostgreSQL refuses and
// SQLite keeps, get the same domain answer on both engines and store nothing.
func TestTextNoEngineCanStore(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		orgID := dealdesk.OrgIDFromContext(ctx)
		p := newProduct(t, db, ctx, "prod-abc123")
		const nul, bad = "a\x00b", "caf\xe9"
		badCursor := base64.RawURLEncoding.EncodeToString([]byte("v1:off_\xff"))
		for _, tt := range []struct {
			name, code, field string
			call              func() error
		}{
			{"offer name with NUL", dealdesk.EINVALID, "name", func() error {
				in := completeOffer(p.ID)
				in.Name = ptr(nul)
				_, err := db.CreateOffer(ctx, in, false)
				return err
			}},
			{"offer productId of invalid UTF-8", dealdesk.EINVALID, "productId", func() error {
				in := completeOffer(p.ID)
				in.ProductID = ptr(bad)
				_, err := db.CreateOffer(ctx, in, true)
				return err
			}},
			{"product title with NUL", dealdesk.EINVALID, "title", func() error {
				in := productInput("prod-nul")
				in.Title = nul
				_, err := db.CreateProduct(ctx, in)
				return err
			}},
			{"reseller name of invalid UTF-8", dealdesk.EINVALID, "legalName", func() error {
				_, err := db.SaveReseller(ctx, "123456789012", bad)
				return err
			}},
			{"CPPO offer ID with NUL", dealdesk.EINVALID, "externalId", func() error {
				_, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: nul}, "")
				return err
			}},
			{"CPPO offer name of invalid UTF-8", dealdesk.EINVALID, "name", func() error {
				_, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1", Name: bad}, "")
				return err
			}},
			{"entitlement license ARN with NUL", dealdesk.EINVALID, "licenseArn", func() error {
				_, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1", LicenseARN: nul}, "")
				return err
			}},
			{"entitlement offer ID of invalid UTF-8", dealdesk.EINVALID, "offerId", func() error {
				_, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1"}, bad)
				return err
			}},
			{"API key name with NUL", dealdesk.EINVALID, "name", func() error {
				_, _, err := db.CreateAPIKey(context.Background(), orgID, nul)
				return err
			}},
			{"user name of invalid UTF-8", dealdesk.EINVALID, "name", func() error {
				_, err := db.CreateUser(context.Background(), orgID, "ana@example.com", bad, "correct horse battery")
				return err
			}},
			{"find offer by an ID with NUL", dealdesk.ENOTFOUND, "", func() error {
				_, err := db.FindOfferByID(ctx, "off_"+nul)
				return err
			}},
			{"update offer by an ID of invalid UTF-8", dealdesk.ENOTFOUND, "", func() error {
				_, err := db.UpdateOffer(ctx, bad, dealdesk.OfferInput{Name: ptr("x")})
				return err
			}},
			{"find product by an ID of invalid UTF-8", dealdesk.ENOTFOUND, "", func() error {
				_, err := db.FindProductByID(ctx, bad)
				return err
			}},
			{"find entitlement by an ID with NUL", dealdesk.ENOTFOUND, "", func() error {
				_, err := db.FindEntitlementByID(ctx, nul)
				return err
			}},
			{"find organization by an ID with NUL", dealdesk.ENOTFOUND, "", func() error {
				_, err := db.FindOrganizationByID(ctx, nul)
				return err
			}},
			{"sign in with an email with NUL", dealdesk.EUNAUTHORIZED, "", func() error {
				_, err := db.AuthenticateUser(ctx, "ana\x00@example.com", "correct horse battery")
				return err
			}},
			{"offers filtered by a product of invalid UTF-8", dealdesk.EINVALID, "productId", func() error {
				_, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{ProductID: bad})
				return err
			}},
			{"offers from a cursor of invalid UTF-8", dealdesk.EINVALID, "cursor", func() error {
				_, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{Cursor: badCursor})
				return err
			}},
			{"entitlements filtered by an offer with NUL", dealdesk.EINVALID, "offerId", func() error {
				_, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{OfferID: nul})
				return err
			}},
			{"products filtered by an external ID with NUL", dealdesk.EINVALID, "externalId", func() error {
				_, _, err := db.FindProducts(ctx, dealdesk.ProductFilter{ExternalID: nul})
				return err
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.call()
				if tt.field != "" {
					wantField(t, err, tt.field)
				} else {
					wantCode(t, err, tt.code)
				}
			})
		}
		t.Run("nothing was stored", func(t *testing.T) {
			for table, want := range map[string]int{"offers": 0, "products": 1, "resellers": 0, "entitlements": 0, "api_keys": 0, "users": 0} {
				if n := count(t, db, table, ""); n != want {
					t.Errorf("%s has %d rows, want %d", table, n, want)
				}
			}
		})
	})
}
