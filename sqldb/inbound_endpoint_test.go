package sqldb_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestInboundEndpoint(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		e := newEngine(t, name)
		db := sqldbtest.Open(t, e.dsn, e.options(t))
		ctxA, ctxB := newOrg(t, db, "Acme"), newOrg(t, db, "Beta")

		first, err := db.FindInboundEndpoint(ctxA)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("made on first read with a random key and no secret", func(t *testing.T) {
			if len(first.OrgKey) != 43 || first.OrgKey == dealdesk.OrgIDFromContext(ctxA) || first.HasSecret || first.SecretHash != nil {
				t.Fatalf("endpoint %+v", first)
			}
			again, err := db.FindInboundEndpoint(ctxA)
			if err != nil || again.OrgKey != first.OrgKey {
				t.Fatalf("second read %+v, %v: want the same key %s", again, err, first.OrgKey)
			}
			other, err := db.FindInboundEndpoint(ctxB)
			if err != nil || other.OrgKey == first.OrgKey {
				t.Fatalf("another organization's endpoint %+v, %v: want its own key", other, err)
			}
		})
		t.Run("a rotated secret is stored hashed and checks in its place", func(t *testing.T) {
			_, old, err := db.RotateInboundSecret(ctxA)
			if err != nil {
				t.Fatal(err)
			}
			ep, secret, err := db.RotateInboundSecret(ctxA)
			if err != nil {
				t.Fatal(err)
			}
			if ep.OrgKey != first.OrgKey || !ep.HasSecret || ep.SecretRotatedAt == nil || len(secret) != 43 || secret == old {
				t.Fatalf("rotated %+v, secret %q (old %q)", ep, secret, old)
			}
			byKey, err := db.FindInboundEndpointByKey(context.Background(), first.OrgKey)
			if err != nil {
				t.Fatal(err)
			}
			if byKey.OrgID != dealdesk.OrgIDFromContext(ctxA) || !byKey.CheckSecret(secret) || byKey.CheckSecret(old) ||
				byKey.CheckSecret("") || bytes.Contains(byKey.SecretHash, []byte(secret)) {
				t.Fatalf("endpoint by key %+v: the new secret must check, the old and the empty one not", byKey)
			}
			var stored []byte
			if err := db.SQL().QueryRowContext(context.Background(), `SELECT secret_hash FROM inbound_endpoints WHERE org_key = $1`,
				first.OrgKey).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stored, dealdesk.HashInboundSecret(secret)) {
				t.Fatalf("stored %x, want the SHA-256 of the secret", stored)
			}
		})
		t.Run("an unknown key is not found", func(t *testing.T) {
			for _, key := range []string{"", "nope", first.OrgKey + "x", "\x00"} {
				_, err := db.FindInboundEndpointByKey(context.Background(), key)
				wantCode(t, err, dealdesk.ENOTFOUND)
			}
		})
		t.Run("no organization is unauthorized", func(t *testing.T) {
			_, err := db.FindInboundEndpoint(context.Background())
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			_, _, err = db.RotateInboundSecret(context.Background())
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
	})
}
