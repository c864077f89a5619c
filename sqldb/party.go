package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/dealdesk/dealdesk"
)

// SaveReseller creates the reseller with this account ID or updates its legal name.
func (db *DB) SaveReseller(ctx context.Context, accountID, legalName string) (*dealdesk.Reseller, error) {
	row, err := db.saveParty(ctx, "resellers", "legal_name", dealdesk.PrefixReseller, accountID, legalName, "legalName")
	if err != nil {
		return nil, err
	}
	return &dealdesk.Reseller{ID: row.id, OrgID: row.orgID, AccountID: accountID, LegalName: legalName,
		CreatedAt: row.createdAt, UpdatedAt: row.updatedAt}, nil
}

// SaveBuyer creates the buyer with this account ID or updates its name.
func (db *DB) SaveBuyer(ctx context.Context, accountID, name string) (*dealdesk.Buyer, error) {
	row, err := db.saveParty(ctx, "buyers", "name", dealdesk.PrefixBuyer, accountID, name, "name")
	if err != nil {
		return nil, err
	}
	return &dealdesk.Buyer{ID: row.id, OrgID: row.orgID, AccountID: accountID, Name: name,
		CreatedAt: row.createdAt, UpdatedAt: row.updatedAt}, nil
}

// partyRow is what saveParty returns of a reseller or buyer row.
type partyRow struct {
	id, orgID            string
	createdAt, updatedAt time.Time
}

// saveParty upserts the party with accountID in table (resellers or buyers, whose name column is
// nameColumn) for the caller's organization; nameField names the name in errors.
func (db *DB) saveParty(ctx context.Context, table, nameColumn, prefix, accountID, name, nameField string) (*partyRow, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateParty(accountID, name, nameField); err != nil {
		return nil, err
	}
	now := db.now()
	row := &partyRow{orgID: orgID}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO `+table+` (id, org_id, account_id, `+nameColumn+`, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (org_id, account_id) DO UPDATE SET `+nameColumn+` = excluded.`+nameColumn+`, updated_at = excluded.updated_at
			RETURNING id, created_at, updated_at`,
			dealdesk.NewID(prefix, now), orgID, accountID, name, db.dialect.timeArg(now)).
			Scan(&row.id, timeCol{&row.createdAt}, timeCol{&row.updatedAt})
	})
	if err != nil {
		return nil, err
	}
	return row, nil
}

// FindResellers lists the organization's resellers, newest first, and the next page's cursor.
func (db *DB) FindResellers(ctx context.Context, f dealdesk.ResellerFilter) ([]*dealdesk.Reseller, string, error) {
	return findOrgPage(ctx, db, `SELECT id, org_id, account_id, legal_name, created_at, updated_at FROM resellers`,
		dealdesk.PrefixReseller, f.Cursor, f.Limit, func(s rowScanner) (*dealdesk.Reseller, error) {
			r := &dealdesk.Reseller{}
			return r, s.Scan(&r.ID, &r.OrgID, &r.AccountID, &r.LegalName, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
		}, func(r *dealdesk.Reseller) string { return r.ID })
}

// FindBuyers lists the organization's buyers, newest first, and the next page's cursor.
func (db *DB) FindBuyers(ctx context.Context, f dealdesk.BuyerFilter) ([]*dealdesk.Buyer, string, error) {
	return findOrgPage(ctx, db, `SELECT id, org_id, account_id, name, created_at, updated_at FROM buyers`,
		dealdesk.PrefixBuyer, f.Cursor, f.Limit, func(s rowScanner) (*dealdesk.Buyer, error) {
			b := &dealdesk.Buyer{}
			return b, s.Scan(&b.ID, &b.OrgID, &b.AccountID, &b.Name, timeCol{&b.CreatedAt}, timeCol{&b.UpdatedAt})
		}, func(b *dealdesk.Buyer) string { return b.ID })
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
