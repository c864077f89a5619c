package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

const productColumns = `id, org_id, external_id, product_code, title, metering_identity, dimensions, created_at, updated_at`

func scanProduct(s rowScanner) (*dealdesk.Product, error) {
	p := &dealdesk.Product{}
	err := s.Scan(&p.ID, &p.OrgID, &p.ExternalID, &p.ProductCode, &p.Title, &p.MeteringIdentity,
		jsonCol{&p.Dimensions}, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CreateProduct validates and stores a product in the caller's organization.
func (db *DB) CreateProduct(ctx context.Context, in dealdesk.ProductInput) (*dealdesk.Product, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := dealdesk.NewProduct(in)
	if err != nil {
		return nil, err
	}
	now := db.now()
	p.ID, p.OrgID, p.CreatedAt, p.UpdatedAt = dealdesk.NewID(dealdesk.PrefixProduct, now), orgID, now, now
	dims, err := jsonArg(p.Dimensions)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO products (`+productColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			p.ID, p.OrgID, p.ExternalID, p.ProductCode, p.Title, p.MeteringIdentity, dims, db.dialect.timeArg(now))
		if isDuplicate(db.mapError(err), productExternalIDKey) {
			return dealdesk.Errorf(dealdesk.ECONFLICT, "A product with externalId %q already exists.", p.ExternalID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// FindProductByID returns ENOTFOUND unless the product belongs to the caller's organization.
func (db *DB) FindProductByID(ctx context.Context, id string) (*dealdesk.Product, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := findProduct(ctx, db.db, orgID, id)
	if err != nil {
		return nil, err
	} else if p == nil {
		return nil, notFound("product", id)
	}
	return p, nil
}

// findProduct returns the product id of orgID, or nil when there is none.
func findProduct(ctx context.Context, q queryer, orgID, id string) (*dealdesk.Product, error) {
	if !dealdesk.ValidText(id) {
		return nil, nil
	}
	p, err := scanProduct(q.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return p, err
}

// FindProducts lists the organization's products, newest first, and the next page's cursor.
func (db *DB) FindProducts(ctx context.Context, f dealdesk.ProductFilter) ([]*dealdesk.Product, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	after, err := checkFilters(nil, f.Cursor, dealdesk.PrefixProduct, map[string]string{"externalId": f.ExternalID})
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	w.eq("external_id", f.ExternalID)
	return findPage(ctx, db.db, `SELECT `+productColumns+` FROM products`, &w, after, f.Limit, scanProduct,
		func(p *dealdesk.Product) string { return p.ID })
}

// checkProductRef returns EINVALID unless productID is empty or a product of orgID.
func checkProductRef(ctx context.Context, tx *sql.Tx, orgID, productID string) error {
	if productID == "" {
		return nil
	}
	product, err := findProduct(ctx, tx, orgID, productID)
	if err != nil {
		return err
	}
	if product == nil {
		var p dealdesk.Problems
		p.Add("productId", "no product %q in your organization", productID)
		return p.Err()
	}
	return nil
}
