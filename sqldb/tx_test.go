package sqldb

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestInTxRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "dealdesk.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	org, err := db.CreateOrganization(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveReseller(dealdesk.NewContextWithOrgID(ctx, org.ID), "123456789012", "Reseller"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		fail  func(tx *sql.Tx) error
		calls int
		code  string
	}{
		{"a business key's violation runs again", func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO resellers (id, org_id, account_id, legal_name, created_at, updated_at)
				VALUES ('rsl_2', $1, '123456789012', 'x', 'x', 'x')`, org.ID)
			return err
		}, 3, dealdesk.ECONFLICT},
		{"an ID collision is a bug and not run again", func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, org_id, name, created_at) VALUES ($1, $1, 'x', 'x')`, org.ID)
			return err
		}, 1, dealdesk.EINTERNAL},
		{"a conflict the store reports is final", func(*sql.Tx) error {
			return dealdesk.Errorf(dealdesk.ECONFLICT, "The identifier belongs to an opportunity.")
		}, 1, dealdesk.ECONFLICT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := db.inTxRetry(ctx, func(tx *sql.Tx) error { calls++; return tt.fail(tx) })
			if dealdesk.ErrorCode(err) != tt.code || calls != tt.calls {
				t.Fatalf("%d calls ending in %v, want %d and %s", calls, err, tt.calls, tt.code)
			}
		})
	}
}
