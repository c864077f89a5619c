package sqldb_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestOrganizations(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		org, err := db.CreateOrganization(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(org.ID, "org_") || org.CreatedAt.Location().String() != "UTC" {
			t.Fatalf("organization %+v", org)
		}
		got, err := db.FindOrganizationByID(ctx, org.ID)
		if err != nil || got.Name != "Acme" || !got.CreatedAt.Equal(org.CreatedAt) {
			t.Fatalf("FindOrganizationByID = %+v, %v; want %+v", got, err, org)
		}
		_, err = db.FindOrganizationByID(ctx, "org_missing")
		wantCode(t, err, dealdesk.ENOTFOUND)
		_, err = db.CreateOrganization(ctx, "")
		wantField(t, err, "name")
		if n, err := db.CountOrganizations(ctx); err != nil || n != 1 {
			t.Fatalf("CountOrganizations = %d, %v; want 1", n, err)
		}
	})
}

func TestUsers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		org, err := db.CreateOrganization(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		const password = "correct horse battery"
		u, err := db.CreateUser(ctx, org.ID, "Ana@Example.com", "Ana", password)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("right password signs in", func(t *testing.T) {
			got, err := db.AuthenticateUser(ctx, "ana@example.com", password)
			if err != nil || got.ID != u.ID || got.OrgID != org.ID {
				t.Fatalf("AuthenticateUser = %+v, %v", got, err)
			}
		})
		t.Run("wrong password and unknown email are refused", func(t *testing.T) {
			_, err := db.AuthenticateUser(ctx, "ana@example.com", "wrong password!!")
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			_, err = db.AuthenticateUser(ctx, "bob@example.com", password)
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
		t.Run("password is stored hashed", func(t *testing.T) {
			if n := count(t, db, "users", "password_hash LIKE $1", "%"+password+"%"); n != 0 {
				t.Fatal("the password is stored in clear")
			}
		})
		t.Run("taken email in the organization is a conflict that does not repeat the address", func(t *testing.T) {
			_, err := db.CreateUser(ctx, org.ID, "ANA@example.com", "Other Ana", password)
			wantCode(t, err, dealdesk.ECONFLICT)
			if msg := dealdesk.ErrorMessage(err); msg != "A user with this email already exists in the organization." {
				t.Fatalf("message %q", msg)
			}
		})
		t.Run("the same email in another organization is another user", func(t *testing.T) {
			other, err := db.CreateOrganization(ctx, "Globex")
			if err != nil {
				t.Fatal(err)
			}
			const otherPassword = "another long password"
			u2, err := db.CreateUser(ctx, other.ID, "ana@example.com", "Ana at Globex", otherPassword)
			if err != nil {
				t.Fatalf("the email of a user of another organization: %v", err)
			}
			for _, tt := range []struct{ password, id string }{{password, u.ID}, {otherPassword, u2.ID}} {
				got, err := db.AuthenticateUser(ctx, "ana@example.com", tt.password)
				if err != nil || got.ID != tt.id {
					t.Fatalf("AuthenticateUser = %+v, %v; want user %s", got, err, tt.id)
				}
			}
			third, err := db.CreateOrganization(ctx, "Initech")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateUser(ctx, third.ID, "ana@example.com", "Ana at Initech", password); err != nil {
				t.Fatal(err)
			}
			_, err = db.AuthenticateUser(ctx, "ana@example.com", password)
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			if msg := dealdesk.ErrorMessage(err); !strings.Contains(msg, "2 organizations") {
				t.Fatalf("one password matching two users: %q, want it said", msg)
			}
			if _, err := db.SQL().ExecContext(ctx, `DELETE FROM users WHERE org_id = $1`, third.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("a new password replaces the old one in its organization only", func(t *testing.T) {
			const newPassword = "a brand new passphrase"
			if err := db.SetUserPassword(ctx, org.ID, "ANA@example.com", newPassword); err != nil {
				t.Fatal(err)
			}
			if got, err := db.AuthenticateUser(ctx, "ana@example.com", newPassword); err != nil || got.ID != u.ID {
				t.Fatalf("AuthenticateUser(new password) = %+v, %v", got, err)
			}
			_, err := db.AuthenticateUser(ctx, "ana@example.com", password)
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			wantField(t, db.SetUserPassword(ctx, org.ID, "ana@example.com", "short"), "password")
			wantCode(t, db.SetUserPassword(ctx, org.ID, "nobody@example.com", newPassword), dealdesk.ENOTFOUND)
			wantCode(t, db.SetUserPassword(ctx, "org_missing", "ana@example.com", newPassword), dealdesk.ENOTFOUND)
			if err := db.SetUserPassword(ctx, org.ID, "ana@example.com", password); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			_, err := db.CreateUser(ctx, org.ID, "not an email", "X", "short")
			wantField(t, err, "email")
			wantField(t, err, "password")
			_, err = db.CreateUser(ctx, "org_missing", "zed@example.com", "Zed", password)
			wantCode(t, err, dealdesk.ENOTFOUND)
			if n := count(t, db, "users", ""); n != 2 {
				t.Fatalf("users has %d rows after refused creates, want 2", n)
			}
		})
	})
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		org, err := db.CreateOrganization(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		key, secret, err := db.CreateAPIKey(ctx, org.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("key has the documented shape", func(t *testing.T) {
			if !strings.HasPrefix(secret, "ddk_") || len(secret) != 4+52 {
				t.Fatalf("secret %q is not ddk_ and 52 base32 characters", secret)
			}
			if !strings.HasPrefix(secret, key.Prefix) || len(key.Prefix) >= len(secret)/2 {
				t.Fatalf("prefix %q does not start the secret or is too long", key.Prefix)
			}
		})
		t.Run("right secret authenticates", func(t *testing.T) {
			got, err := db.AuthenticateAPIKey(ctx, secret)
			if err != nil || got.ID != key.ID || got.OrgID != org.ID || got.LastUsedAt == nil {
				t.Fatalf("AuthenticateAPIKey = %+v, %v", got, err)
			}
		})
		t.Run("wrong secrets are refused", func(t *testing.T) {
			for _, s := range []string{"", "ddk_", secret[:len(secret)-1], secret + "a", strings.ToUpper(secret), "Bearer " + secret} {
				_, err := db.AuthenticateAPIKey(ctx, s)
				wantCode(t, err, dealdesk.EUNAUTHORIZED)
			}
		})
		t.Run("secret is not stored", func(t *testing.T) {
			body := secret[len("ddk_"):]
			rows, err := db.SQL().QueryContext(ctx, `SELECT id, org_id, name, prefix, secret_hash FROM api_keys`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
				var cols [5]string
				if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4]); err != nil {
					t.Fatal(err)
				}
				for _, c := range cols {
					if strings.Contains(c, body[8:]) {
						t.Fatalf("api_keys holds the secret: %q", c)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("api_keys has %d rows, want the one key created", n)
			}
			if e.name == sqldb.EngineSQLite {
				if _, err := db.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(FULL)"); err != nil {
					t.Fatal(err)
				}
				var all []byte
				for _, f := range []string{e.dsn, e.dsn + "-wal"} {
					b, err := os.ReadFile(f)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					all = append(all, b...)
				}
				if !strings.Contains(string(all), key.Prefix) {
					t.Fatal("the database files do not even hold the key's prefix: the grep looks in the wrong place")
				}
				if strings.Contains(string(all), body[8:]) {
					t.Fatal("the database files hold the secret")
				}
			}
		})
		t.Run("unknown organization", func(t *testing.T) {
			_, _, err := db.CreateAPIKey(ctx, "org_missing", "x")
			wantCode(t, err, dealdesk.ENOTFOUND)
		})
	})
}

func TestCreateFirstOrganization(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		t.Run("replicas starting together create one organization", func(t *testing.T) {
			// Two pools stand for two replicas of dealdesk serve on one database.
			dbs := []*sqldb.DB{db, e.open(t)}
			const starts = 6
			var wg sync.WaitGroup
			secrets := make(chan string, starts)
			kept := make(chan string, starts)
			start := make(chan struct{})
			for i := 0; i < starts; i++ {
				wg.Add(1)
				go func(db *sqldb.DB, keeping bool) {
					defer wg.Done()
					<-start
					var org *dealdesk.Organization
					var key *dealdesk.APIKey
					var secret string
					var err error
					if keeping {
						org, key, err = db.CreateFirstOrganizationKeeping(ctx, "Default", "initial", func(s string) error {
							kept <- s
							secret = s
							return nil
						})
					} else {
						org, key, secret, err = db.CreateFirstOrganization(ctx, "Default", "initial")
					}
					if err != nil {
						t.Errorf("CreateFirstOrganization: %v", err)
						return
					}
					if org != nil {
						if key == nil || key.OrgID != org.ID || secret == "" {
							t.Errorf("organization %+v with key %+v", org, key)
						}
						secrets <- secret
					}
				}(dbs[i%2], i < starts/2)
			}
			close(start)
			wg.Wait()
			close(secrets)
			close(kept)
			if n := len(kept); n > 1 {
				t.Fatalf("keep was called %d times: only the replica that creates the organization may keep a key", n)
			}
			var got []string
			for s := range secrets {
				got = append(got, s)
			}
			n, err := db.CountOrganizations(ctx)
			if err != nil || n != 1 || len(got) != 1 {
				t.Fatalf("%d organizations (%v) and %d keys handed out, want 1 and 1", n, err, len(got))
			}
			k, err := db.AuthenticateAPIKey(ctx, got[0])
			if err != nil || count(t, db, "api_keys", "org_id = $1", k.OrgID) != 1 {
				t.Fatalf("the key handed out: %+v, %v", k, err)
			}
		})
		t.Run("a key that cannot be kept leaves nothing behind", func(t *testing.T) {
			db := newEngine(t, e.name).open(t)
			cannot := errors.New("the key file cannot be written")
			org, key, err := db.CreateFirstOrganizationKeeping(ctx, "Default", "initial", func(string) error { return cannot })
			if !errors.Is(err, cannot) || org != nil || key != nil {
				t.Fatalf("CreateFirstOrganizationKeeping = %+v, %+v, %v; want keep's error", org, key, err)
			}
			if n := count(t, db, "organizations", "") + count(t, db, "api_keys", ""); n != 0 {
				t.Fatalf("%d rows of organizations and keys after keep failed", n)
			}
		})
		t.Run("a failure after the key was kept returns an error and stores nothing", func(t *testing.T) {
			db := newEngine(t, e.name).open(t)
			sqldbtest.AddCheck(t, db, "api_keys", "api_keys_not_initial", "name <> 'initial'")
			kept := 0
			_, _, err := db.CreateFirstOrganizationKeeping(ctx, "Default", "initial", func(string) error { kept++; return nil })
			if err == nil || kept != 1 {
				t.Fatalf("err %v after keep ran %d times; want an error after one call", err, kept)
			}
			if n := count(t, db, "organizations", ""); n != 0 {
				t.Fatalf("%d organizations after the transaction failed", n)
			}
		})
		t.Run("a bad key name leaves no organization behind", func(t *testing.T) {
			db := newEngine(t, e.name).open(t)
			_, _, _, err := db.CreateFirstOrganization(ctx, "Default", "bad\x00name")
			wantField(t, err, "name")
			if n, err := db.CountOrganizations(ctx); err != nil || n != 0 {
				t.Fatalf("%d organizations after a refused first start (%v)", n, err)
			}
		})
	})
}
