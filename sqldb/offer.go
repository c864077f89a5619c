package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// offerColumns are the columns of the offers table in the order scanOffer and offerArgs use.
const offerColumns = `id, org_id, type, status, external_id, name, description, product_id,
	reseller_account_id, buyer_account_ids, renewal, renewal_channel, commit_amount, currency,
	contract_duration, entitled_dimensions, dimension_prices, expiry_date, one_time, eula,
	reseller_contract, installments, opportunity_id, resale_authorization_id, markup_percentage,
	publish_errors, created_at, updated_at, reported_at, meter_usage_against_commit`

// offerPlaceholders are $1..$30 for offerColumns.
const offerPlaceholders = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
	$20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30`

// offerRow is an offer with the columns the domain type does not carry.
type offerRow struct {
	*dealdesk.Offer
	// resaleAuthorizationID is, for a CPPO offer, the resale authorization it was made from, kept
	// so that the offer links to its opportunity even when it arrives first.
	resaleAuthorizationID string
}

func scanOffer(s rowScanner) (*offerRow, error) {
	o := &dealdesk.Offer{}
	r := &offerRow{Offer: o}
	err := s.Scan(&o.ID, &o.OrgID, &o.Type, &o.Status, nullStringCol{&o.ExternalID}, &o.Name, &o.Description,
		nullStringCol{&o.ProductID}, &o.ResellerAccountID, jsonCol{&o.BuyerAccountIDs}, &o.Renewal,
		&o.RenewalChannel, nullable(&o.CommitAmount), &o.Currency, &o.ContractDuration,
		jsonCol{&o.EntitledDimensions}, jsonCol{&o.DimensionPrices}, nullable(&o.ExpiryDate), &o.OneTime,
		jsonCol{&o.EULA}, jsonCol{&o.ResellerContract}, jsonCol{&o.Installments}, nullStringCol{&o.OpportunityID},
		&r.resaleAuthorizationID, nullable(&o.MarkupPercentage), jsonCol{&o.PublishErrors},
		timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}, zeroTimeCol{&o.ReportedAt}, &o.MeterUsageAgainstCommit)
	if err != nil {
		return nil, err
	}
	o.NormalizeLists()
	return r, nil
}

// offerArgs returns the values of offerColumns for r.
func (db *DB) offerArgs(r *offerRow) ([]any, error) {
	o := r.Offer
	o.NormalizeLists()
	var js [7]any
	for i, v := range []any{o.BuyerAccountIDs, o.EntitledDimensions, o.DimensionPrices, o.EULA,
		o.ResellerContract, o.Installments, o.PublishErrors} {
		a, err := jsonArg(v)
		if err != nil {
			return nil, err
		}
		js[i] = a
	}
	return []any{o.ID, o.OrgID, o.Type, o.Status, nullString(o.ExternalID), o.Name, o.Description,
		nullString(o.ProductID), o.ResellerAccountID, js[0], o.Renewal, o.RenewalChannel,
		nullText(o.CommitAmount), o.Currency, o.ContractDuration, js[1], js[2],
		nullText(o.ExpiryDate), o.OneTime, js[3], js[4], js[5], nullString(o.OpportunityID),
		r.resaleAuthorizationID, nullText(o.MarkupPercentage), js[6],
		db.dialect.timeArg(o.CreatedAt), db.dialect.timeArg(o.UpdatedAt), db.dialect.zeroTimeArg(o.ReportedAt),
		o.MeterUsageAgainstCommit}, nil
}

// insertOffer inserts a new offer row.
func (db *DB) insertOffer(ctx context.Context, tx *sql.Tx, r *offerRow) error {
	args, err := db.offerArgs(r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO offers (`+offerColumns+`) VALUES (`+offerPlaceholders+`)`, args...)
	return err
}

// updateOfferRow writes every column of an existing offer of its organization.
func (db *DB) updateOfferRow(ctx context.Context, tx *sql.Tx, r *offerRow) error {
	args, err := db.offerArgs(r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE offers SET type = $3, status = $4, external_id = $5, name = $6,
		description = $7, product_id = $8, reseller_account_id = $9, buyer_account_ids = $10, renewal = $11,
		renewal_channel = $12, commit_amount = $13, currency = $14, contract_duration = $15,
		entitled_dimensions = $16, dimension_prices = $17, expiry_date = $18, one_time = $19, eula = $20,
		reseller_contract = $21, installments = $22, opportunity_id = $23, resale_authorization_id = $24,
		markup_percentage = $25, publish_errors = $26, created_at = $27, updated_at = $28, reported_at = $29,
		meter_usage_against_commit = $30 WHERE id = $1 AND org_id = $2`, args...)
	return err
}

// findOffer returns the offer id of orgID, locked for update when lock is set, or ENOTFOUND.
func (db *DB) findOffer(ctx context.Context, q queryer, orgID, id string, lock bool) (*offerRow, error) {
	query := `SELECT ` + offerColumns + ` FROM offers WHERE org_id = $1 AND id = $2`
	if lock {
		query += db.dialect.forUpdate
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("offer", id)
	}
	r, err := scanOffer(q.QueryRowContext(ctx, query, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("offer", id)
	}
	return r, err
}

// FindOfferByID returns ENOTFOUND unless the offer belongs to the caller's organization.
func (db *DB) FindOfferByID(ctx context.Context, id string) (*dealdesk.Offer, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := db.findOffer(ctx, db.db, orgID, id, false)
	if err != nil {
		return nil, err
	}
	return r.Offer, nil
}
