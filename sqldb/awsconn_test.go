package sqldb_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// testSecretKey is a 32-byte AES-256 key for the tests.
var testSecretKey = bytes.Repeat([]byte{0x42}, 32)

// openWithKey opens e's database with key as its secret key (nil for none).
func openWithKey(t *testing.T, e engine, key []byte) *sqldb.DB {
	t.Helper()
	opts := e.options(t)
	opts.SecretKey = key
	return sqldbtest.Open(t, e.dsn, opts)
}

const testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

func staticKeysInput() dealdesk.AWSConnectionInput {
	return dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: testSecret,
		EndpointURL: "http://127.0.0.1:9000"}
}

// sealedSecret reads the raw secret_access_key column of orgID's connection.
func sealedSecret(t *testing.T, db *sqldb.DB, orgID string) []byte {
	t.Helper()
	var b []byte
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT secret_access_key FROM aws_connections WHERE org_id = $1`, orgID).Scan(&b); err != nil {
		t.Fatalf("read the stored secret: %v", err)
	}
	return b
}

func TestAWSConnection(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		e := newEngine(t, name)
		db := openWithKey(t, e, testSecretKey)
		ctx := newOrg(t, db, "Acme")
		orgID := dealdesk.OrgIDFromContext(ctx)

		t.Run("no connection is not found", func(t *testing.T) {
			_, err := db.FindAWSConnection(ctx)
			wantCode(t, err, dealdesk.ENOTFOUND)
		})
		saved, err := db.SaveAWSConnection(ctx, staticKeysInput())
		if err != nil {
			t.Fatal(err)
		}
		t.Run("the answer and a read carry no secret", func(t *testing.T) {
			got, err := db.FindAWSConnection(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []*dealdesk.AWSConnection{saved, got} {
				if c.SecretAccessKey != "" || !c.HasSecretAccessKey || c.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" ||
					c.EndpointURL != "http://127.0.0.1:9000" || c.OrgID != orgID {
					t.Fatalf("connection %+v", c)
				}
			}
			if strings.Contains(jsonOf(t, got), testSecret) {
				t.Fatalf("the JSON of a connection holds the secret: %s", jsonOf(t, got))
			}
		})
		t.Run("the stored row holds no plaintext", func(t *testing.T) {
			raw := sealedSecret(t, db, orgID)
			if len(raw) < 1+12+len(testSecret)+16 || bytes.Contains(raw, []byte(testSecret)) || bytes.Contains(raw, []byte("wJalrXUt")) {
				t.Fatalf("stored secret %q", raw)
			}
			var n int
			if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM aws_connections
				WHERE seller_account_id LIKE $1 OR access_key_id LIKE $1 OR role_arn LIKE $1 OR endpoint_url LIKE $1`,
				"%"+testSecret[:8]+"%").Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d rows hold the secret in a text column, %v", n, err)
			}
		})
		t.Run("the worker reads the secret decrypted", func(t *testing.T) {
			c, err := db.AWSConnectionWithSecret(ctx)
			if err != nil || c.SecretAccessKey != testSecret || c.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" {
				t.Fatalf("AWSConnectionWithSecret = %+v, %v", c, err)
			}
		})
		t.Run("an empty secret keeps the stored one", func(t *testing.T) {
			in := staticKeysInput()
			in.SecretAccessKey, in.Region = "", "eu-west-1"
			before := sealedSecret(t, db, orgID)
			c, err := db.SaveAWSConnection(ctx, in)
			if err != nil || !c.HasSecretAccessKey || c.Region != "eu-west-1" || !c.CreatedAt.Equal(saved.CreatedAt) {
				t.Fatalf("save without a secret: %+v, %v", c, err)
			}
			if !bytes.Equal(sealedSecret(t, db, orgID), before) {
				t.Fatal("the stored secret changed")
			}
			if got, err := db.AWSConnectionWithSecret(ctx); err != nil || got.SecretAccessKey != testSecret {
				t.Fatalf("secret after the save: %v", err)
			}
		})
		t.Run("a new secret is sealed with a new nonce", func(t *testing.T) {
			before := sealedSecret(t, db, orgID)
			if _, err := db.SaveAWSConnection(ctx, staticKeysInput()); err != nil {
				t.Fatal(err)
			}
			if after := sealedSecret(t, db, orgID); bytes.Equal(after, before) {
				t.Fatal("the same secret sealed twice gave the same bytes")
			}
		})
		t.Run("bad input names every field and changes nothing", func(t *testing.T) {
			before := sealedSecret(t, db, orgID)
			_, err := db.SaveAWSConnection(ctx, dealdesk.AWSConnectionInput{SellerAccountID: "1", Region: "us-east-1",
				CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "nope", SecretAccessKey: "another-secret-of-some-length"})
			wantField(t, err, "sellerAccountId")
			wantField(t, err, "accessKeyId")
			c, err := db.FindAWSConnection(ctx)
			if err != nil || c.SellerAccountID != "111122223333" || !bytes.Equal(sealedSecret(t, db, orgID), before) {
				t.Fatalf("after a refused save: %+v, %v", c, err)
			}
		})
		t.Run("another organization sees none of it", func(t *testing.T) {
			other := newOrg(t, db, "Globex")
			_, err := db.FindAWSConnection(other)
			wantCode(t, err, dealdesk.ENOTFOUND)
			_, err = db.AWSConnectionWithSecret(other)
			wantCode(t, err, dealdesk.ENOTFOUND)
			in := staticKeysInput()
			in.SecretAccessKey = ""
			_, err = db.SaveAWSConnection(other, in) // Acme's stored secret is not Globex's
			wantField(t, err, "secretAccessKey")
		})
		t.Run("another organization's ciphertext does not decrypt", func(t *testing.T) {
			other := newOrg(t, db, "Initech")
			if _, err := db.SaveAWSConnection(other, staticKeysInput()); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(context.Background(), `UPDATE aws_connections SET secret_access_key = $1 WHERE org_id = $2`,
				sealedSecret(t, db, orgID), dealdesk.OrgIDFromContext(other)); err != nil {
				t.Fatal(err)
			}
			c, err := db.AWSConnectionWithSecret(other)
			if err == nil || c != nil || strings.Contains(err.Error(), testSecret) {
				t.Fatalf("a moved ciphertext gave %+v, %v", c, err)
			}
		})
		t.Run("a changed byte does not decrypt", func(t *testing.T) {
			other := newOrg(t, db, "Umbrella")
			if _, err := db.SaveAWSConnection(other, staticKeysInput()); err != nil {
				t.Fatal(err)
			}
			otherID := dealdesk.OrgIDFromContext(other)
			for _, i := range []int{0, 5, 20, -1} { // the version, the nonce, the ciphertext, the tag
				raw := sealedSecret(t, db, otherID)
				if i < 0 {
					i = len(raw) - 1
				}
				raw[i] ^= 1
				if _, err := db.SQL().ExecContext(context.Background(), `UPDATE aws_connections SET secret_access_key = $1 WHERE org_id = $2`,
					raw, otherID); err != nil {
					t.Fatal(err)
				}
				if c, err := db.AWSConnectionWithSecret(other); err == nil || c != nil {
					t.Fatalf("byte %d changed: %+v, %v", i, c, err)
				}
				raw[i] ^= 1
				if _, err := db.SQL().ExecContext(context.Background(), `UPDATE aws_connections SET secret_access_key = $1 WHERE org_id = $2`,
					raw, otherID); err != nil {
					t.Fatal(err)
				}
			}
			if c, err := db.AWSConnectionWithSecret(other); err != nil || c.SecretAccessKey != testSecret {
				t.Fatalf("restored bytes: %v", err)
			}
		})
		t.Run("another mode drops the secret", func(t *testing.T) {
			c, err := db.SaveAWSConnection(ctx, dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-east-1",
				CredentialsMode: dealdesk.CredentialsAssumeRole, RoleARN: "arn:aws:iam::111122223333:role/dealdesk"})
			if err != nil || c.HasSecretAccessKey || c.RoleARN == "" {
				t.Fatalf("switch to ASSUME_ROLE: %+v, %v", c, err)
			}
			if raw := sealedSecret(t, db, orgID); raw != nil {
				t.Fatalf("the secret is still stored: %q", raw)
			}
			in := staticKeysInput()
			in.SecretAccessKey = ""
			_, err = db.SaveAWSConnection(ctx, in)
			wantField(t, err, "secretAccessKey")
		})
	})
}

// TestAWSConnectionTenantSafety: one organization cannot act with the server's AWS identity,
// choose the external ID another tenant's role trusts, or send the stored secret to another
// endpoint (review 7 F5).
func TestAWSConnectionTenantSafety(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		e := newEngine(t, name)
		db := openWithKey(t, e, testSecretKey)
		defaultChain := dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsDefaultChain}
		assumeRole := dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsAssumeRole, RoleARN: "arn:aws:iam::111122223333:role/dealdesk"}

		t.Run("the default chain is refused unless the server allows it", func(t *testing.T) {
			ctx := newOrg(t, db, "Initech")
			_, err := db.SaveAWSConnection(ctx, defaultChain)
			wantField(t, err, "credentialsMode")
			_, err = db.FindAWSConnection(ctx)
			wantCode(t, err, dealdesk.ENOTFOUND)

			opts := e.options(t)
			opts.AllowDefaultCredentials = true
			allowing := sqldbtest.Open(t, e.dsn, opts)
			if c, err := allowing.SaveAWSConnection(ctx, defaultChain); err != nil || c.CredentialsMode != dealdesk.CredentialsDefaultChain {
				t.Fatalf("DEFAULT_CHAIN on a server that allows it: %+v, %v", c, err)
			}
		})
		t.Run("the external ID is generated per organization and kept", func(t *testing.T) {
			a, b := newOrg(t, db, "Hooli"), newOrg(t, db, "Pied Piper")
			first, err := db.SaveAWSConnection(a, staticKeysInput())
			if err != nil {
				t.Fatal(err)
			}
			if len(first.ExternalID) < dealdesk.MinExternalIDLength {
				t.Fatalf("generated external ID %q is shorter than %d", first.ExternalID, dealdesk.MinExternalIDLength)
			}
			role, err := db.SaveAWSConnection(a, assumeRole)
			if err != nil || role.ExternalID != first.ExternalID {
				t.Fatalf("ASSUME_ROLE save: %+v, %v; want the external ID %q kept", role, err, first.ExternalID)
			}
			other, err := db.SaveAWSConnection(b, assumeRole)
			if err != nil || other.ExternalID == first.ExternalID || len(other.ExternalID) < dealdesk.MinExternalIDLength {
				t.Fatalf("another organization: %+v, %v; want its own external ID", other, err)
			}
			chosen := assumeRole
			chosen.ExternalID = first.ExternalID // b names a's external ID
			_, err = db.SaveAWSConnection(b, chosen)
			wantField(t, err, "externalId")
			if got, err := db.FindAWSConnection(b); err != nil || got.ExternalID != other.ExternalID {
				t.Fatalf("after a refused save: %+v, %v", got, err)
			}
			chosen.ExternalID = other.ExternalID // its own, read back
			if got, err := db.SaveAWSConnection(b, chosen); err != nil || got.ExternalID != other.ExternalID {
				t.Fatalf("saving back the stored external ID: %+v, %v", got, err)
			}
		})
		t.Run("a short external ID stored before is replaced", func(t *testing.T) {
			ctx := newOrg(t, db, "Vandelay")
			if _, err := db.SaveAWSConnection(ctx, assumeRole); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(context.Background(), `UPDATE aws_connections SET external_id = 'ext-1' WHERE org_id = $1`,
				dealdesk.OrgIDFromContext(ctx)); err != nil {
				t.Fatal(err)
			}
			if c, err := db.SaveAWSConnection(ctx, assumeRole); err != nil || len(c.ExternalID) < dealdesk.MinExternalIDLength {
				t.Fatalf("save over a short external ID: %+v, %v", c, err)
			}
		})
		t.Run("the stored secret is not kept for another endpoint, key or mode", func(t *testing.T) {
			ctx := newOrg(t, db, "Soylent")
			if _, err := db.SaveAWSConnection(ctx, staticKeysInput()); err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				name   string
				change func(*dealdesk.AWSConnectionInput)
			}{
				{"another endpoint", func(in *dealdesk.AWSConnectionInput) { in.EndpointURL = "http://attacker.example:9000" }},
				{"no endpoint", func(in *dealdesk.AWSConnectionInput) { in.EndpointURL = "" }},
				{"another access key ID", func(in *dealdesk.AWSConnectionInput) { in.AccessKeyID = "AKIAOTHERKEY00000001" }},
			} {
				t.Run(tt.name, func(t *testing.T) {
					in := staticKeysInput()
					in.SecretAccessKey = ""
					tt.change(&in)
					_, err := db.SaveAWSConnection(ctx, in)
					wantField(t, err, "secretAccessKey")
					got, err := db.AWSConnectionWithSecret(ctx)
					if err != nil || got.EndpointURL != "http://127.0.0.1:9000" || got.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" || got.SecretAccessKey != testSecret {
						t.Fatalf("after a refused save: %+v, %v", got, err)
					}
				})
			}
			in := staticKeysInput()
			in.EndpointURL = "http://127.0.0.1:9001"
			if c, err := db.SaveAWSConnection(ctx, in); err != nil || c.EndpointURL != in.EndpointURL || !c.HasSecretAccessKey {
				t.Fatalf("another endpoint with the secret given again: %+v, %v", c, err)
			}
		})
	})
}

func TestAWSConnectionSecretKey(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		e := newEngine(t, name)
		withKey := openWithKey(t, e, testSecretKey)
		ctx := newOrg(t, withKey, "Acme")
		if _, err := withKey.SaveAWSConnection(ctx, staticKeysInput()); err != nil {
			t.Fatal(err)
		}
		withKey.Close()

		t.Run("a key that is not 32 bytes is refused", func(t *testing.T) {
			opts := e.options(t)
			opts.SecretKey = testSecretKey[:16]
			if db, err := sqldb.Open(context.Background(), e.dsn, opts); err == nil || !strings.Contains(err.Error(), "32 bytes") {
				if db != nil {
					db.Close()
				}
				t.Fatalf("Open with a 16-byte key: %v", err)
			}
		})
		t.Run("without a key nothing secret is stored and the stored secret cannot be read", func(t *testing.T) {
			db := openWithKey(t, e, nil)
			other := newOrg(t, db, "Globex")
			_, err := db.SaveAWSConnection(other, staticKeysInput())
			wantCode(t, err, dealdesk.ECONFLICT)
			if !strings.Contains(dealdesk.ErrorMessage(err), "no key to encrypt secrets") {
				t.Fatalf("message %q", dealdesk.ErrorMessage(err))
			}
			if n := count(t, db, "aws_connections", "org_id = $1", dealdesk.OrgIDFromContext(other)); n != 0 {
				t.Fatalf("%d connections stored", n)
			}
			c, err := db.FindAWSConnection(ctx)
			if err != nil || !c.HasSecretAccessKey {
				t.Fatalf("find without a key: %+v, %v", c, err)
			}
			if c, err := db.AWSConnectionWithSecret(ctx); err == nil || c != nil {
				t.Fatalf("secret without a key: %+v, %v", c, err)
			}
			in := staticKeysInput()
			in.SecretAccessKey, in.Region = "", "eu-west-1" // no new secret: nothing to encrypt
			if c, err := db.SaveAWSConnection(ctx, in); err != nil || !c.HasSecretAccessKey {
				t.Fatalf("save keeping the secret without a key: %+v, %v", c, err)
			}
		})
		t.Run("another key cannot read the secret", func(t *testing.T) {
			db := openWithKey(t, e, bytes.Repeat([]byte{0x43}, 32))
			if c, err := db.AWSConnectionWithSecret(ctx); err == nil || c != nil {
				t.Fatalf("secret under another key: %+v, %v", c, err)
			}
		})
	})
}

// The first saves of an organization's connection, all at once, each succeed and leave one
// row. On PostgreSQL the test holds the table until every save waits, so they all start before
// any row exists.
func TestConcurrentFirstSavesOfAnAWSConnection(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		db := openWithKey(t, newEngine(t, name), testSecretKey)
		ctx := newOrg(t, db, "Acme")
		const saves = 8
		var hold *sql.Tx
		if name == sqldb.EnginePostgres {
			var err error
			if hold, err = db.SQL().BeginTx(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			defer hold.Rollback()
			if _, err := hold.Exec(`LOCK TABLE aws_connections IN EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, saves)
		for i := range saves {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := staticKeysInput()
				in.SellerAccountID = fmt.Sprintf("11112222%04d", i)
				if _, err := db.SaveAWSConnection(ctx, in); err != nil {
					errs <- err
				}
			}()
		}
		if hold != nil {
			waitForWaiters(t, hold, saves)
			if err := hold.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("save: %v", err)
		}
		c, err := db.AWSConnectionWithSecret(ctx)
		if err != nil || c.SecretAccessKey != testSecret || !strings.HasPrefix(c.SellerAccountID, "11112222") {
			t.Fatalf("after concurrent saves: %+v, %v", c, err)
		}
		if n := count(t, db, "aws_connections", ""); n != 1 {
			t.Fatalf("%d connections", n)
		}
	})
}

// waitForWaiters returns once n other sessions of tx's PostgreSQL database wait for a lock.
func waitForWaiters(t *testing.T, tx *sql.Tx, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		if err := tx.QueryRow(`SELECT COUNT(DISTINCT pid) FROM pg_locks
			WHERE NOT granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sessions wait for a lock", waiting, n)
		}
		runtime.Gosched()
	}
}
