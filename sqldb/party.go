package sqldb

import (
	"context"
	"database/sql"

	"github.com/dealdesk/dealdesk"
)

// SaveReseller creates the reseller with this account ID or updates its legal name.
func (db *DB) SaveReseller(ctx context.Context, accountID, legalName string) (*dealdesk.Reseller, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateParty(accountID, legalName, "legalName"); err != nil {
		return nil, err
	}
	now := db.now()
	r := &dealdesk.Reseller{OrgID: orgID, AccountID: accountID, LegalName: legalName}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO resellers (id, org_id, account_id, legal_name, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (org_id, account_id) DO UPDATE SET legal_name = excluded.legal_name, updated_at = excluded.updated_at
			RETURNING id, created_at, updated_at`,
			dealdesk.NewID(dealdesk.PrefixReseller, now), orgID, accountID, legalName, db.dialect.timeArg(now)).
			Scan(&r.ID, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// FindResellers lists the organization's resellers by account ID.
func (db *DB) FindResellers(ctx context.Context) ([]*dealdesk.Reseller, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return queryRows(ctx, db.db, func(s rowScanner) (*dealdesk.Reseller, error) {
		r := &dealdesk.Reseller{}
		return r, s.Scan(&r.ID, &r.OrgID, &r.AccountID, &r.LegalName, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	}, `SELECT id, org_id, account_id, legal_name, created_at, updated_at
		FROM resellers WHERE org_id = $1 ORDER BY account_id`, orgID)
}

// SaveBuyer creates the buyer with this account ID or updates its name.
func (db *DB) SaveBuyer(ctx context.Context, accountID, name string) (*dealdesk.Buyer, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateParty(accountID, name, "name"); err != nil {
		return nil, err
	}
	now := db.now()
	b := &dealdesk.Buyer{OrgID: orgID, AccountID: accountID, Name: name}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO buyers (id, org_id, account_id, name, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (org_id, account_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
			RETURNING id, created_at, updated_at`,
			dealdesk.NewID(dealdesk.PrefixBuyer, now), orgID, accountID, name, db.dialect.timeArg(now)).
			Scan(&b.ID, timeCol{&b.CreatedAt}, timeCol{&b.UpdatedAt})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// FindBuyers lists the organization's buyers by account ID.
func (db *DB) FindBuyers(ctx context.Context) ([]*dealdesk.Buyer, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return queryRows(ctx, db.db, func(s rowScanner) (*dealdesk.Buyer, error) {
		b := &dealdesk.Buyer{}
		return b, s.Scan(&b.ID, &b.OrgID, &b.AccountID, &b.Name, timeCol{&b.CreatedAt}, timeCol{&b.UpdatedAt})
	}, `SELECT id, org_id, account_id, name, created_at, updated_at
		FROM buyers WHERE org_id = $1 ORDER BY account_id`, orgID)
}

// validateParty checks a party with the domain's rules, naming the name field as the API does.
func validateParty(accountID, name, nameField string) error {
	err := dealdesk.ValidateParty(accountID, name)
	fields := dealdesk.ErrorFields(err)
	for i := range fields {
		if fields[i].Field == "name" {
			fields[i].Field = nameField
		}
	}
	return err
}
