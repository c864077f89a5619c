package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

const inboundEndpointColumns = `org_id, org_key, secret_hash, secret_rotated_at, created_at`

func scanInboundEndpoint(s rowScanner) (*dealdesk.InboundEndpoint, error) {
	e := &dealdesk.InboundEndpoint{}
	if err := s.Scan(&e.OrgID, &e.OrgKey, &e.SecretHash, nullTimeCol{&e.SecretRotatedAt}, timeCol{&e.CreatedAt}); err != nil {
		return nil, err
	}
	e.HasSecret = len(e.SecretHash) > 0
	return e, nil
}

// ensureInboundEndpoint returns orgID's endpoint in tx, making it with a new org key when it
// does not exist. A concurrent first call waits for the other's insert (the primary key) and
// then reads its row.
func (db *DB) ensureInboundEndpoint(ctx context.Context, tx *sql.Tx, orgID string) (*dealdesk.InboundEndpoint, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO inbound_endpoints (org_id, org_key, secret_hash, secret_rotated_at, created_at)
		VALUES ($1, $2, NULL, NULL, $3) ON CONFLICT (org_id) DO NOTHING`,
		orgID, dealdesk.NewInboundOrgKey(), db.dialect.timeArg(db.now())); err != nil {
		return nil, err
	}
	return scanInboundEndpoint(tx.QueryRowContext(ctx, `SELECT `+inboundEndpointColumns+` FROM inbound_endpoints
		WHERE org_id = $1`, orgID))
}

// FindInboundEndpoint returns the caller's organization's endpoint, made with a new org key
// and no secret on first call.
func (db *DB) FindInboundEndpoint(ctx context.Context) (*dealdesk.InboundEndpoint, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.InboundEndpoint, error) {
		return db.ensureInboundEndpoint(ctx, tx, orgID)
	})
}

// RotateInboundSecret replaces the caller's organization's EventBridge secret with a new one
// and returns it; only its SHA-256 is stored.
func (db *DB) RotateInboundSecret(ctx context.Context) (*dealdesk.InboundEndpoint, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	secret, hash := dealdesk.NewInboundSecret()
	e, err := inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.InboundEndpoint, error) {
		if _, err := db.ensureInboundEndpoint(ctx, tx, orgID); err != nil {
			return nil, err
		}
		return scanInboundEndpoint(tx.QueryRowContext(ctx, `UPDATE inbound_endpoints SET secret_hash = $1,
			secret_rotated_at = $2 WHERE org_id = $3 RETURNING `+inboundEndpointColumns, hash, db.dialect.timeArg(db.now()), orgID))
	})
	if err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// FindInboundEndpointByKey returns the endpoint of orgKey with its secret's hash, or ENOTFOUND.
// It needs no organization in ctx: the webhooks find the organization by it.
func (db *DB) FindInboundEndpointByKey(ctx context.Context, orgKey string) (*dealdesk.InboundEndpoint, error) {
	notFound := dealdesk.Errorf(dealdesk.ENOTFOUND, "No inbound endpoint has this key.")
	if orgKey == "" || len(orgKey) > 100 || !dealdesk.ValidText(orgKey) {
		return nil, notFound
	}
	e, err := scanInboundEndpoint(db.db.QueryRowContext(ctx, `SELECT `+inboundEndpointColumns+` FROM inbound_endpoints
		WHERE org_key = $1`, orgKey))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	return e, err
}
