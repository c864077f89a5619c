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
	o := db.newOrganization(name)
	if err := db.inTx(ctx, func(tx *sql.Tx) error { return db.insertOrganization(ctx, tx, o) }); err != nil {
		return nil, err
	}
	return o, nil
}

// newOrganization makes, without storing it, a new organization named name.
func (db *DB) newOrganization(name string) *dealdesk.Organization {
	now := db.now()
	return &dealdesk.Organization{ID: dealdesk.NewID(dealdesk.PrefixOrganization, now), Name: name, CreatedAt: now}
}

// insertOrganization inserts o in tx.
func (db *DB) insertOrganization(ctx context.Context, tx *sql.Tx, o *dealdesk.Organization) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, org_id, name, created_at) VALUES ($1, $1, $2, $3)`,
		o.ID, o.Name, db.dialect.timeArg(o.CreatedAt))
	return err
}

// CreateFirstOrganization creates organization name and an API key named keyName for it, in one
// transaction, when the database has no organization yet, and returns them with the key's
// secret; otherwise it returns nils. Replicas starting together on an empty database create one
// organization between them, and a failure leaves no organization without its key.
func (db *DB) CreateFirstOrganization(ctx context.Context, name, keyName string) (*dealdesk.Organization, *dealdesk.APIKey, string, error) {
	var secret string
	org, key, err := db.CreateFirstOrganizationKeeping(ctx, name, keyName, func(s string) error { secret = s; return nil })
	if err != nil || org == nil {
		return nil, nil, "", err
	}
	return org, key, secret, nil
}

// CreateFirstOrganizationKeeping is CreateFirstOrganization for a caller that must store the
// key's secret before anything is committed (serve's key file, decision 007). keep runs inside
// the transaction, once the database is known to have no organization and no other replica can
// create one, and before the organization and its key are inserted; its error rolls everything
// back and is returned as it is. When keep has returned nil and the transaction fails after all,
// the key was never stored: the caller must discard what keep kept. When another replica was
// first, keep is not called and the result is nils.
func (db *DB) CreateFirstOrganizationKeeping(ctx context.Context, name, keyName string, keep func(secret string) error) (*dealdesk.Organization, *dealdesk.APIKey, error) {
	if err := dealdesk.ValidateOrganizationName(name); err != nil {
		return nil, nil, err
	}
	var org *dealdesk.Organization
	var key *dealdesk.APIKey
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockKey(ctx, tx, "first organization"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations`).Scan(&n); err != nil || n > 0 {
			return err
		}
		o := db.newOrganization(name)
		k, secret, err := db.newAPIKey(o.ID, keyName)
		if err != nil {
			return err
		}
		if err := keep(secret); err != nil {
			return err
		}
		if err := db.insertOrganization(ctx, tx, o); err != nil {
			return err
		}
		if err := db.insertAPIKey(ctx, tx, k, secret); err != nil {
			return err
		}
		org, key = o, k
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return org, key, nil
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
