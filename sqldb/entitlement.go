package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

const entitlementColumns = `id, org_id, type, status, external_id, product_id, offer_id, offer_external_id,
	opportunity_id, buyer_account_id, reseller_account_id, license_arn, customer_identifier, start_time,
	end_time, created_at, updated_at, reported_at`

// entitlementRow is an entitlement with the AWS offer ID it was accepted from, kept so that it
// links to its offer even when the agreement arrives before the offer.
type entitlementRow struct {
	*dealdesk.Entitlement
	offerExternalID string
}

func scanEntitlement(s rowScanner) (*entitlementRow, error) {
	e := &dealdesk.Entitlement{}
	r := &entitlementRow{Entitlement: e}
	err := s.Scan(&e.ID, &e.OrgID, &e.Type, &e.Status, &e.ExternalID, nullStringCol{&e.ProductID},
		nullStringCol{&e.OfferID}, &r.offerExternalID, nullStringCol{&e.OpportunityID}, &e.BuyerAccountID,
		&e.ResellerAccountID, &e.LicenseARN, &e.CustomerIdentifier, nullTimeCol{&e.StartTime},
		nullTimeCol{&e.EndTime}, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}, zeroTimeCol{&e.ReportedAt})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// FindEntitlementByID returns ENOTFOUND unless the entitlement belongs to the caller's organization.
func (db *DB) FindEntitlementByID(ctx context.Context, id string) (*dealdesk.Entitlement, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("entitlement", id)
	}
	r, err := scanEntitlement(db.db.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
		WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("entitlement", id)
	} else if err != nil {
		return nil, err
	}
	return r.Entitlement, nil
}

// FindEntitlements lists the organization's entitlements matching f, newest first, and the next
// page's cursor.
func (db *DB) FindEntitlements(ctx context.Context, f dealdesk.EntitlementFilter) ([]*dealdesk.Entitlement, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	var p dealdesk.Problems
	checkEnum(&p, "type", f.Type, dealdesk.EntitlementTypes)
	checkEnum(&p, "status", f.Status, dealdesk.EntitlementStatuses)
	after, err := checkFilters(p, f.Cursor, dealdesk.PrefixEntitlement, map[string]string{
		"productId": f.ProductID, "offerId": f.OfferID, "opportunityId": f.OpportunityID})
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	w.eq("type", string(f.Type))
	w.eq("status", string(f.Status))
	w.eq("product_id", f.ProductID)
	w.eq("offer_id", f.OfferID)
	if f.OpportunityID != "" {
		// Linked when saved, or through an offer of the opportunity that was linked later.
		w.add("(opportunity_id = ? OR offer_id IN (SELECT id FROM offers WHERE org_id = ? AND type = ? AND"+
			" (opportunity_id = ? OR resale_authorization_id IN (SELECT external_id FROM offers"+
			" WHERE org_id = ? AND id = ? AND type = ?))))",
			f.OpportunityID, orgID, dealdesk.OfferCPPO, f.OpportunityID, orgID, f.OpportunityID, dealdesk.OfferCPPOOut)
	}
	return findPage(ctx, db.db, `SELECT `+entitlementColumns+` FROM entitlements`, &w, after, f.Limit, scanListedEntitlement,
		func(e *dealdesk.Entitlement) string { return e.ID })
}

// scanListedEntitlement scans an entitlement without the columns only the store uses, for lists.
func scanListedEntitlement(s rowScanner) (*dealdesk.Entitlement, error) {
	r, err := scanEntitlement(s)
	if err != nil {
		return nil, err
	}
	return r.Entitlement, nil
}

// SaveEntitlement creates or updates the entitlement with e.ExternalID (the AWS agreement ID), or
// adopts the one reconciliation keyed by its license ARN (see adoptableEntitlement). It
// links the entitlement to the CPPO offer with offerExternalID and to that offer's opportunity
// when they are known; an offer that arrives later links it then (see SaveCPPOOffer). e is
// merged into the stored entitlement under its row lock by Entitlement.MergeReport, so a late
// report never undoes a newer one and an ended entitlement stays ended; a new entitlement
// without a status is ACTIVE. The entries of happened are recorded on the entitlement's
// timeline in the same transaction.
func (db *DB) SaveEntitlement(ctx context.Context, e *dealdesk.Entitlement, offerExternalID string, happened ...dealdesk.TimelineEntry) (*dealdesk.Entitlement, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if err := dealdesk.ValidateEntitlement(e, offerExternalID); err != nil {
		return nil, err
	}
	if err := validateHappened(happened); err != nil {
		return nil, err
	}
	base := *e
	base.ReportedAt = reportTime(base.ReportedAt)
	now := db.now()
	return inTxValue(ctx, db.inTxRetry, func(tx *sql.Tx) (*dealdesk.Entitlement, error) {
		if offerExternalID != "" {
			// See SaveCPPOOffer. Without an offer ID the row lock below does the same: the
			// offer's update of this entitlement waits for it.
			if err := db.lockKey(ctx, tx, offerLinkKey(orgID, offerExternalID)); err != nil {
				return nil, err
			}
		}
		in := base
		existing, err := optionalRow(scanEntitlement(tx.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
			WHERE org_id = $1 AND external_id = $2`+db.dialect.forUpdate, orgID, in.ExternalID)))
		if err != nil {
			return nil, err
		}
		if existing == nil {
			if existing, err = db.adoptableEntitlement(ctx, tx, orgID, &in, offerExternalID); err != nil {
				return nil, err
			}
		}
		if existing == nil {
			if existing, err = db.agreementOfLicense(ctx, tx, orgID, &in, offerExternalID); err != nil {
				return nil, err
			}
			if existing != nil {
				in.ExternalID = existing.ExternalID // the agreement ID stays the key
			}
		}
		r := &entitlementRow{Entitlement: &in, offerExternalID: offerExternalID}
		in.OrgID, in.UpdatedAt = orgID, now
		in.OfferID, in.OpportunityID = "", ""
		var twin *entitlementRow
		if existing != nil && in.ExternalID != existing.LicenseARN {
			if twin, err = db.licenseTwin(ctx, tx, orgID, existing.ID, cmp.Or(in.LicenseARN, existing.LicenseARN)); err != nil {
				return nil, err
			}
		}
		if existing != nil {
			in.ID, in.CreatedAt = existing.ID, existing.CreatedAt
			in.OfferID, in.OpportunityID = existing.OfferID, existing.OpportunityID
			if r.offerExternalID == "" {
				r.offerExternalID = existing.offerExternalID
			}
			in.MergeReport(existing.Entitlement)
			if twin != nil {
				// What reconciliation learned of the license fills what the agreement's
				// reports lack; the license-keyed twin goes (see licenseTwin).
				in.MergeReport(twin.Entitlement)
				if in.OfferID == "" {
					in.OfferID, in.OpportunityID = twin.OfferID, twin.OpportunityID
				}
				if r.offerExternalID == "" {
					r.offerExternalID = twin.offerExternalID
				}
			}
		} else {
			in.ID, in.CreatedAt = dealdesk.NewID(dealdesk.PrefixEntitlement, now), now
			if in.Type == "" {
				in.Type = dealdesk.EntitlementCPPO
			}
			if in.Status == "" {
				in.Status = dealdesk.EntitlementActive
			}
		}
		if r.offerExternalID != "" {
			offer, err := db.findOfferByExternalID(ctx, tx, orgID, dealdesk.OfferCPPO, r.offerExternalID)
			if err != nil {
				return nil, err
			}
			if offer != nil {
				in.OfferID = offer.ID
				if offer.OpportunityID != "" {
					in.OpportunityID = offer.OpportunityID
				}
				if in.ProductID == "" {
					in.ProductID = offer.ProductID
				}
				if in.ResellerAccountID == "" {
					in.ResellerAccountID = offer.ResellerAccountID
				}
			}
		}
		if err := checkProductRef(ctx, tx, orgID, in.ProductID); err != nil {
			return nil, err
		}
		args := []any{in.ID, in.OrgID, in.Type, in.Status, in.ExternalID, nullString(in.ProductID),
			nullString(in.OfferID), r.offerExternalID, nullString(in.OpportunityID), in.BuyerAccountID,
			in.ResellerAccountID, in.LicenseARN, in.CustomerIdentifier, db.dialect.nullTimeArg(in.StartTime),
			db.dialect.nullTimeArg(in.EndTime), db.dialect.timeArg(in.CreatedAt), db.dialect.timeArg(in.UpdatedAt),
			db.dialect.zeroTimeArg(in.ReportedAt)}
		if existing == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO entitlements (`+entitlementColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, args...)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE entitlements SET type = $3, status = $4, external_id = $5,
				product_id = $6, offer_id = $7, offer_external_id = $8, opportunity_id = $9, buyer_account_id = $10,
				reseller_account_id = $11, license_arn = $12, customer_identifier = $13, start_time = $14,
				end_time = $15, created_at = $16, updated_at = $17, reported_at = $18 WHERE id = $1 AND org_id = $2`, args...)
		}
		if err != nil {
			return nil, err
		}
		if twin != nil {
			if err := db.absorbTwin(ctx, tx, orgID, twin.ID, in.ID); err != nil {
				return nil, err
			}
		}
		if err := db.recordHappened(ctx, tx, orgID, dealdesk.SubjectEntitlement, in.ID, in.OpportunityID, happened); err != nil {
			return nil, err
		}
		return r.Entitlement, nil
	})
}

// licenseTwin returns, locked, the entitlement reconciliation keyed by license ARN arn that
// duplicates entitlement keptID, now known to hold that license: reconciliation read the
// license while the agreement's first events were still on their way, and neither report could
// tell the two apart then (decision 017). It returns nil when there is none, and when usage or
// metering was recorded for it (then both stay, and the vendor sees two entitlements with one
// license).
func (db *DB) licenseTwin(ctx context.Context, tx *sql.Tx, orgID, keptID, arn string) (*entitlementRow, error) {
	if arn == "" {
		return nil, nil
	}
	twin, err := optionalRow(scanEntitlement(tx.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
		WHERE org_id = $1 AND external_id = $2 AND license_arn = $2 AND id <> $3`+db.dialect.forUpdate, orgID, arn, keptID)))
	if err != nil || twin == nil {
		return nil, err
	}
	var used int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM usage_groups WHERE org_id = $1 AND entitlement_id = $2)
		+ (SELECT COUNT(*) FROM metering_records WHERE org_id = $1 AND entitlement_id = $2)
		+ (SELECT COUNT(*) FROM meter_states WHERE org_id = $1 AND entitlement_id = $2)`,
		orgID, twin.ID).Scan(&used); err != nil {
		return nil, err
	}
	if used > 0 {
		return nil, nil
	}
	return twin, nil
}

// absorbTwin moves the timeline and notifications of entitlement twinID to keptID and deletes
// twinID, which has no usage (licenseTwin). An entry that keptID already has is dropped.
func (db *DB) absorbTwin(ctx context.Context, tx *sql.Tx, orgID, twinID, keptID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE notifications SET entitlement_id = $1 WHERE org_id = $2 AND entitlement_id = $3`,
		keptID, orgID, twinID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE org_id = $1 AND timeline_entry_id IN (
		SELECT t.id FROM timeline_entries t JOIN timeline_entries k ON k.org_id = t.org_id AND k.entitlement_id = $2
		AND k.kind = t.kind AND k.source = t.source AND k.source_ref = t.source_ref
		WHERE t.org_id = $1 AND t.entitlement_id = $3)`, orgID, keptID, twinID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM timeline_entries WHERE org_id = $1 AND entitlement_id = $3 AND EXISTS (
		SELECT 1 FROM timeline_entries k WHERE k.org_id = $1 AND k.entitlement_id = $2
		AND k.kind = timeline_entries.kind AND k.source = timeline_entries.source AND k.source_ref = timeline_entries.source_ref)`,
		orgID, keptID, twinID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE timeline_entries SET entitlement_id = $1 WHERE org_id = $2 AND entitlement_id = $3`,
		keptID, orgID, twinID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM entitlements WHERE org_id = $1 AND id = $2`, orgID, twinID)
	return err
}

// adoptableEntitlement returns, locked, the entitlement that reconciliation saved keyed by its
// license ARN (GetEntitlements gives no agreement ID, decision 018) and that the report in,
// keyed by an agreement ID, is about: the one whose license ARN is in's, or, when in names no
// license, the only license-keyed one of in's buyer (and product, when in names it) from the
// CPPO offer offerExternalID (or from no known offer). The caller saves in over it, so its externalId
// becomes the agreement ID and its fields merge by MergeReport (decision 017). It returns nil
// when there is none, or more than one: which of them the agreement is, nothing says.
func (db *DB) adoptableEntitlement(ctx context.Context, tx *sql.Tx, orgID string, in *dealdesk.Entitlement, offerExternalID string) (*entitlementRow, error) {
	if in.ExternalID == in.LicenseARN {
		return nil, nil // itself keyed by its license: nothing to adopt for
	}
	var query string
	var args []any
	switch {
	case in.LicenseARN != "":
		query, args = ` AND license_arn = $2`, []any{orgID, in.LicenseARN}
	case in.BuyerAccountID != "" && (in.ProductID != "" || offerExternalID != ""):
		// An agreement event may name no product: its offer then stands for it.
		query, args = ` AND buyer_account_id = $2 AND ($3 = '' OR product_id = $3) AND offer_external_id IN ($4, '')`,
			[]any{orgID, in.BuyerAccountID, in.ProductID, offerExternalID}
	default:
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
		WHERE org_id = $1 AND external_id = license_arn AND license_arn <> ''`+query+` ORDER BY id LIMIT 2`+db.dialect.forUpdate, args...)
	return onlyEntitlement(rows, err)
}

// agreementOfLicense returns, locked, the entitlement keyed by its agreement ID that a report
// keyed by its license ARN (reconciliation's, decision 018) is about: the one holding the
// license, or else the one of the same buyer accepted from the same CPPO offer offerExternalID
// (each buyer an offer targets accepts it at most once). Reconciliation reads the stored entitlements before the licenses, so an
// agreement's event can store the entitlement in between; saving the license's report over it
// keeps one entitlement per agreement. It returns nil for a report keyed by an agreement ID, and
// when there is none or more than one.
func (db *DB) agreementOfLicense(ctx context.Context, tx *sql.Tx, orgID string, in *dealdesk.Entitlement, offerExternalID string) (*entitlementRow, error) {
	if in.LicenseARN == "" || in.ExternalID != in.LicenseARN {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
		WHERE org_id = $1 AND external_id <> license_arn AND (license_arn = $2 OR ($3 <> '' AND offer_external_id = $3 AND license_arn = ''
			AND $4 <> '' AND buyer_account_id = $4))
		ORDER BY id LIMIT 2`+db.dialect.forUpdate, orgID, in.LicenseARN, offerExternalID, in.BuyerAccountID)
	return onlyEntitlement(rows, err)
}

// onlyEntitlement returns the one entitlement rows hold, nil when they hold none or more than
// one (which of them a report is about, nothing says), and err or the rows' error.
func onlyEntitlement(rows *sql.Rows, err error) (*entitlementRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []*entitlementRow
	for rows.Next() {
		r, err := scanEntitlement(rows)
		if err != nil {
			return nil, err
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(found) != 1 {
		return nil, nil
	}
	return found[0], nil
}
