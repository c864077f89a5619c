package sqldb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestAPIKeyRevocation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctxA, ctxB := newOrg(t, db, "Vendor A"), newOrg(t, db, "Vendor B")
		// newKey takes the subtest's t: the parent's FailNow must not run in a subtest's goroutine.
		newKey := func(t *testing.T, ctx context.Context, name string) (*dealdesk.APIKey, string) {
			t.Helper()
			k, secret, err := db.CreateAPIKey(context.Background(), dealdesk.OrgIDFromContext(ctx), name)
			if err != nil {
				t.Fatal(err)
			}
			return k, secret
		}
		ctx := context.Background()

		t.Run("a revoked key is refused at once", func(t *testing.T) {
			k, secret := newKey(t, ctxA, "ci")
			if _, err := db.AuthenticateAPIKey(ctx, secret); err != nil {
				t.Fatalf("before revocation: %v", err)
			}
			revoked, err := db.RevokeAPIKey(ctxA, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if revoked.ID != k.ID || revoked.RevokedAt == nil {
				t.Fatalf("RevokeAPIKey = %+v, want the key with revokedAt", revoked)
			}
			_, err = db.AuthenticateAPIKey(ctx, secret)
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			if n := count(t, db, "api_keys", "id = $1", k.ID); n != 1 {
				t.Fatalf("%d rows for the revoked key, want it kept for audit", n)
			}
		})
		t.Run("a revocation holds at once on another replica", func(t *testing.T) {
			// A second pool on the same database stands for another replica of dealdesk serve.
			replica := e.open(t)
			k, secret := newKey(t, ctxA, "shared")
			if _, err := replica.AuthenticateAPIKey(ctx, secret); err != nil {
				t.Fatalf("the replica refuses a valid key: %v", err)
			}
			if _, err := db.RevokeAPIKey(ctxA, k.ID); err != nil {
				t.Fatal(err)
			}
			_, err := replica.AuthenticateAPIKey(ctx, secret)
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
		t.Run("revoking twice keeps the first time", func(t *testing.T) {
			k, _ := newKey(t, ctxA, "twice")
			first, err := db.RevokeAPIKey(ctxA, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour) // else the second revocation would stamp the same time
			again, err := db.RevokeAPIKey(ctxA, k.ID)
			if err != nil {
				t.Fatalf("second revocation: %v", err)
			}
			if first.RevokedAt == nil || again.RevokedAt == nil || !again.RevokedAt.Equal(*first.RevokedAt) {
				t.Fatalf("revokedAt moved from %v to %v", first.RevokedAt, again.RevokedAt)
			}
		})
		t.Run("another organization's key is not found and keeps working", func(t *testing.T) {
			k, secret := newKey(t, ctxB, "theirs")
			_, err := db.RevokeAPIKey(ctxA, k.ID)
			wantCode(t, err, dealdesk.ENOTFOUND)
			if _, err := db.AuthenticateAPIKey(ctx, secret); err != nil {
				t.Fatalf("B's key stopped working after A tried to revoke it: %v", err)
			}
		})
		t.Run("unknown and malformed IDs are not found", func(t *testing.T) {
			for _, id := range []string{"key_nope", "", "key_\x00", "key_\xff"} {
				_, err := db.RevokeAPIKey(ctxA, id)
				wantCode(t, err, dealdesk.ENOTFOUND)
			}
		})
		t.Run("without an organization", func(t *testing.T) {
			k, _ := newKey(t, ctxA, "no org")
			_, err := db.RevokeAPIKey(ctx, k.ID)
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			_, _, err = db.FindAPIKeys(ctx, dealdesk.APIKeyFilter{})
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
	})
}

func TestFindAPIKeys(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctxA, ctxB := newOrg(t, db, "Vendor A"), newOrg(t, db, "Vendor B")
		ctx := context.Background()
		var ids, secrets []string
		for _, name := range []string{"first", "second", "third"} {
			k, secret, err := db.CreateAPIKey(ctx, dealdesk.OrgIDFromContext(ctxA), name)
			if err != nil {
				t.Fatal(err)
			}
			ids, secrets = append(ids, k.ID), append(secrets, secret)
		}
		if _, _, err := db.CreateAPIKey(ctx, dealdesk.OrgIDFromContext(ctxB), "B's"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AuthenticateAPIKey(ctx, secrets[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RevokeAPIKey(ctxA, ids[1]); err != nil {
			t.Fatal(err)
		}

		t.Run("pages through the organization's keys newest first", func(t *testing.T) {
			page1, next, err := db.FindAPIKeys(ctxA, dealdesk.APIKeyFilter{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(page1) != 2 || page1[0].ID != ids[2] || page1[1].ID != ids[1] || next == "" {
				t.Fatalf("first page %+v, next %q", page1, next)
			}
			page2, next2, err := db.FindAPIKeys(ctxA, dealdesk.APIKeyFilter{Limit: 2, Cursor: next})
			if err != nil {
				t.Fatal(err)
			}
			if len(page2) != 1 || page2[0].ID != ids[0] || next2 != "" {
				t.Fatalf("second page %+v, next %q", page2, next2)
			}
			if page1[1].RevokedAt == nil || page1[0].RevokedAt != nil || page2[0].LastUsedAt == nil {
				t.Fatalf("revokedAt/lastUsedAt not listed: %+v %+v", page1, page2)
			}
		})
		t.Run("shows prefixes, never secrets or hashes", func(t *testing.T) {
			keys, _, err := db.FindAPIKeys(ctxA, dealdesk.APIKeyFilter{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(keys)
			if err != nil {
				t.Fatal(err)
			}
			var hashes []string
			rows, err := db.SQL().QueryContext(ctx, `SELECT secret_hash FROM api_keys`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var h string
				if err := rows.Scan(&h); err != nil {
					t.Fatal(err)
				}
				hashes = append(hashes, h)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(keys) != 3 || len(hashes) != 4 {
				t.Fatalf("%d keys listed and %d hashes stored, want 3 and 4", len(keys), len(hashes))
			}
			for i, k := range keys {
				if want := secrets[2-i][:len(sqldb.APIKeyScheme)+8]; k.Prefix != want {
					t.Errorf("prefix %q, want %q", k.Prefix, want)
				}
			}
			for _, s := range append(hashes, secrets...) {
				if strings.Contains(string(b), s) || strings.Contains(string(b), s[12:]) {
					t.Fatalf("the listing shows a secret or hash: %s", b)
				}
			}
		})
		t.Run("another organization sees only its own", func(t *testing.T) {
			keys, _, err := db.FindAPIKeys(ctxB, dealdesk.APIKeyFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 1 || keys[0].Name != "B's" {
				t.Fatalf("B lists %+v", keys)
			}
		})
		t.Run("a foreign cursor is a bad field", func(t *testing.T) {
			_, _, err := db.FindAPIKeys(ctxA, dealdesk.APIKeyFilter{Cursor: "not-a-cursor"})
			wantField(t, err, "cursor")
		})
	})
}

// TestTouchAPIKey checks the write of last_used_at on its own, as a request racing a revocation
// or carrying a key read for another organization would make it: only an unrevoked key of its
// own organization is stamped.
func TestTouchAPIKey(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		acme, err := db.CreateOrganization(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateOrganization(ctx, "Other")
		if err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		for _, tt := range []struct {
			name    string
			prepare func(k *dealdesk.APIKey) *dealdesk.APIKey
			stamped bool
		}{
			{"an unrevoked key is stamped", func(k *dealdesk.APIKey) *dealdesk.APIKey { return k }, true},
			{"a key revoked after it was read is not stamped", func(k *dealdesk.APIKey) *dealdesk.APIKey {
				if _, err := db.RevokeAPIKey(dealdesk.NewContextWithOrgID(ctx, acme.ID), k.ID); err != nil {
					t.Fatal(err)
				}
				return k
			}, false},
			{"a key named with another organization is not stamped", func(k *dealdesk.APIKey) *dealdesk.APIKey {
				wrong := *k
				wrong.OrgID = other.ID
				return &wrong
			}, false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				k, _, err := db.CreateAPIKey(ctx, acme.ID, "ci")
				if err != nil {
					t.Fatal(err)
				}
				if err := db.TouchAPIKey(ctx, tt.prepare(k), now); err != nil {
					t.Fatal(err)
				}
				if n := count(t, db, "api_keys", "id = $1 AND last_used_at IS NOT NULL", k.ID); n != map[bool]int{true: 1}[tt.stamped] {
					t.Fatalf("key stamped %d times, want stamped: %v", n, tt.stamped)
				}
			})
		}
	})
}
