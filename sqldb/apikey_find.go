package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// FindAPIKeyByID returns the key id of the caller's organization, revoked or not; never its
// secret or hash. ENOTFOUND for another organization's key or none.
func (db *DB) FindAPIKeyByID(ctx context.Context, id string) (*dealdesk.APIKey, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("API key", id)
	}
	k, err := scanAPIKey(db.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+`
		FROM api_keys WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("API key", id)
	}
	return k, err
}
