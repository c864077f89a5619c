package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"github.com/dealdesk/dealdesk"
)

// SyncProducts stores the products AWS's Catalog listed for the caller's organization, in one
// transaction (dealdesk.ProductSyncStore; decision 018). Each listed product is validated as a
// product to register would be, under "products[i]."; one invalid product stores nothing.
func (db *DB) SyncProducts(ctx context.Context, listed []*dealdesk.Product) ([]*dealdesk.Product, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	var p dealdesk.Problems
	for i, l := range listed {
		if l == nil {
			p.Add("products["+strconv.Itoa(i)+"]", "is missing")
			continue
		}
		if _, err := listedProduct(l); err != nil {
			for _, f := range dealdesk.ErrorFields(err) {
				p.Add("products["+strconv.Itoa(i)+"]."+f.Field, "%s", f.Message)
			}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	now := db.now()
	return inTxValue(ctx, db.inTxRetry, func(tx *sql.Tx) ([]*dealdesk.Product, error) {
		out := make([]*dealdesk.Product, 0, len(listed))
		for _, l := range listed {
			stored, err := optionalRow(scanProduct(tx.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products
				WHERE org_id = $1 AND external_id = $2`+db.dialect.forUpdate, orgID, l.ExternalID)))
			if err != nil {
				return nil, err
			}
			if stored == nil {
				np, err := listedProduct(l)
				if err != nil {
					return nil, err
				}
				np.ID, np.OrgID, np.CreatedAt, np.UpdatedAt = dealdesk.NewID(dealdesk.PrefixProduct, now), orgID, now, now
				dims, err := jsonArg(np.Dimensions)
				if err != nil {
					return nil, err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO products (`+productColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
					np.ID, np.OrgID, np.ExternalID, np.ProductCode, np.Title, np.MeteringIdentity, dims, db.dialect.timeArg(now)); err != nil {
					return nil, err
				}
				out = append(out, np)
				continue
			}
			next := *stored
			if l.Title != "" {
				next.Title = l.Title
			}
			if l.ProductCode != "" {
				next.ProductCode = l.ProductCode
			}
			next.Dimensions = dealdesk.SyncDimensions(stored.Dimensions, l.Dimensions, now)
			same, err := sameProduct(stored, &next)
			if err != nil {
				return nil, err
			}
			if same {
				out = append(out, stored)
				continue
			}
			next.UpdatedAt = now
			dims, err := jsonArg(next.Dimensions)
			if err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE products SET product_code = $1, title = $2, dimensions = $3, updated_at = $4
				WHERE org_id = $5 AND id = $6`, next.ProductCode, next.Title, dims, db.dialect.timeArg(now), orgID, next.ID); err != nil {
				return nil, err
			}
			out = append(out, &next)
		}
		return out, nil
	})
}

// codeUnknown stands in for the product code of a listed product the Catalog shows without one
// while it is validated.
const codeUnknown = "unknown"

// listedProduct validates a product the Catalog listed as NewProduct does a product to register,
// except that the product code may be missing: the Catalog's SaaSProduct details need not carry
// it (decision 018). The product returned has the listed code, "" when missing.
func listedProduct(l *dealdesk.Product) (*dealdesk.Product, error) {
	in := dealdesk.ProductInput{ExternalID: l.ExternalID, ProductCode: l.ProductCode, Title: l.Title,
		MeteringIdentity: l.MeteringIdentity, Dimensions: l.Dimensions}
	if in.ProductCode == "" {
		in.ProductCode = codeUnknown
	}
	p, err := dealdesk.NewProduct(in)
	if err != nil {
		return nil, err
	}
	p.ProductCode = l.ProductCode
	return p, nil
}

// sameProduct reports whether a sync changes nothing of the product: same code, title and
// dimensions (compared as stored, in JSON).
func sameProduct(a, b *dealdesk.Product) (bool, error) {
	if a.ProductCode != b.ProductCode || a.Title != b.Title {
		return false, nil
	}
	ja, err := json.Marshal(a.Dimensions)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b.Dimensions)
	if err != nil {
		return false, err
	}
	return string(ja) == string(jb), nil
}

// EnqueueProductSync records a ProductSyncJob for the caller's organization unless one is
// waiting or running (dealdesk.ProductSyncService). Returns ENOTFOUND when the organization has
// no AWS connection: the job could only fail.
func (db *DB) EnqueueProductSync(ctx context.Context) (*dealdesk.JobState, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.JobState, error) {
		if _, err := db.findAWSConnection(ctx, tx, orgID, false); err != nil {
			return nil, err
		}
		res, err := db.river.InsertTx(ctx, tx, dealdesk.ProductSyncJob{OrgID: orgID}, jobInsertOpts())
		if err != nil {
			return nil, err
		}
		return &dealdesk.JobState{JobID: res.Job.ID, Kind: res.Job.Kind, State: string(res.Job.State),
			Duplicate: res.UniqueSkippedAsDuplicate, CreatedAt: res.Job.CreatedAt.UTC()}, nil
	})
}
