package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// CreateOrganization creates an organization.
func (db *DB) CreateOrganization(ctx context.Context, name string) (*dealdesk.Organization, error) {
	if err := dealdesk.ValidateOrganizationName(name); err != nil {
		return nil, err
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.Organization, error) {
		return db.insertOrganization(ctx, tx, name)
	})
}

// insertOrganization inserts a new organization in tx.
func (db *DB) insertOrganization(ctx context.Context, tx *sql.Tx, name string) (*dealdesk.Organization, error) {
	now := db.now()
	o := &dealdesk.Organization{ID: dealdesk.NewID(dealdesk.PrefixOrganization, now), Name: name, CreatedAt: now}
	_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, org_id, name, created_at) VALUES ($1, $1, $2, $3)`,
		o.ID, o.Name, db.dialect.timeArg(now))
	return o, err
}

// CreateFirstOrganization creates organization name and an API key named keyName for it, in one
// transaction, when the database has no organization yet, and returns them with the key's
// secret; otherwise it returns nils. Replicas starting together on an empty database create one
// organization between them, and a failure leaves no organization without its key.
func (db *DB) CreateFirstOrganization(ctx context.Context, name, keyName string) (*dealdesk.Organization, *dealdesk.APIKey, string, error) {
	if err := dealdesk.ValidateOrganizationName(name); err != nil {
		return nil, nil, "", err
	}
	var org *dealdesk.Organization
	var key *dealdesk.APIKey
	var secret string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockKey(ctx, tx, "first organization"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations`).Scan(&n); err != nil || n > 0 {
			return err
		}
		var err error
		if org, err = db.insertOrganization(ctx, tx, name); err != nil {
			return err
		}
		key, secret, err = db.insertAPIKey(ctx, tx, org.ID, keyName)
		return err
	})
	if err != nil {
		return nil, nil, "", err
	}
	return org, key, secret, nil
}

// FindOrganizationByID returns ENOTFOUND if there is no such organization.
func (db *DB) FindOrganizationByID(ctx context.Context, id string) (*dealdesk.Organization, error) {
	return findOrganization(ctx, db.db, id)
}

func findOrganization(ctx context.Context, q queryer, id string) (*dealdesk.Organization, error) {
	o := &dealdesk.Organization{}
	err := sql.ErrNoRows
	if dealdesk.ValidText(id) {
		err = q.QueryRowContext(ctx, `SELECT id, name, created_at FROM organizations WHERE id = $1`, id).
			Scan(&o.ID, &o.Name, timeCol{&o.CreatedAt})
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dealdesk.Errorf(dealdesk.ENOTFOUND, "No organization %q.", id)
	} else if err != nil {
		return nil, err
	}
	return o, nil
}

// CountOrganizations returns how many organizations exist.
func (db *DB) CountOrganizations(ctx context.Context) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations`).Scan(&n)
	return n, err
}
