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
	now := db.now()
	o := &dealdesk.Organization{ID: dealdesk.NewID(dealdesk.PrefixOrganization, now), Name: name, CreatedAt: now}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, org_id, name, created_at) VALUES ($1, $1, $2, $3)`,
			o.ID, o.Name, db.dialect.timeArg(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
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
