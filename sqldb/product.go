package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

const productColumns = `id, org_id, external_id, product_code, title, metering_identity, dimensions, created_at, updated_at`

func scanProduct(s interface{ Scan(...any) error }) (*dealdesk.Product, error) {
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
		if dealdesk.ErrorCode(db.mapError(err)) == dealdesk.ECONFLICT {
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
	var p dealdesk.Problems
	checkFilterText(&p, map[string]string{"externalId": f.ExternalID})
	after, cursorErr := decodeCursor(f.Cursor, dealdesk.PrefixProduct)
	p = append(p, dealdesk.ErrorFields(cursorErr)...)
	if err := p.Err(); err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	if f.ExternalID != "" {
		w.add("external_id = ?", f.ExternalID)
	}
	if after != "" {
		w.add("id < ?", after)
	}
	limit := pageLimit(f.Limit)
	rows, err := db.db.QueryContext(ctx, `SELECT `+productColumns+` FROM products`+w.String()+
		` ORDER BY id DESC LIMIT `+w.arg(limit+1), w.args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*dealdesk.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	return page(out, limit, func(p *dealdesk.Product) string { return p.ID })
}

// page trims a list fetched with one extra row and returns the cursor of the next page.
func page[T any](rows []T, limit int, id func(T) string) ([]T, string, error) {
	if len(rows) <= limit {
		if rows == nil {
			rows = []T{}
		}
		return rows, "", nil
	}
	rows = rows[:limit]
	return rows, encodeCursor(id(rows[limit-1])), nil
}
