package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// API key format: "ddk_" and 32 random bytes in lower-case base32. Only the SHA-256 of the whole
// key is stored; its first APIKeyPrefixLen characters ("ddk_" and 8 more, 40 of its 256 random
// bits) are kept to recognise it in lists.
const (
	APIKeyScheme    = "ddk_"
	APIKeyPrefixLen = 12
)

// lastUsedGranularity limits how often authentication writes last_used_at.
const lastUsedGranularity = time.Minute

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// hashAPIKey returns the stored form of a key.
func hashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateAPIKey creates a key for orgID and returns it with its secret, which is not stored.
func (db *DB) CreateAPIKey(ctx context.Context, orgID, name string) (*dealdesk.APIKey, string, error) {
	k, secret, err := db.newAPIKey(orgID, name)
	if err != nil {
		return nil, "", err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := findOrganization(ctx, tx, orgID); err != nil {
			return err
		}
		return db.insertAPIKey(ctx, tx, k, secret)
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// newAPIKey makes, without storing it, a new key of orgID named name, and returns it with its
// secret. EINVALID names a bad name.
func (db *DB) newAPIKey(orgID, name string) (*dealdesk.APIKey, string, error) {
	var p dealdesk.Problems
	if p.CheckText("name", name, 0, 200); p.Err() != nil {
		return nil, "", p.Err()
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, "", err
	}
	secret := APIKeyScheme + strings.ToLower(keyEncoding.EncodeToString(raw[:]))
	now := db.now()
	return &dealdesk.APIKey{ID: dealdesk.NewID(dealdesk.PrefixAPIKey, now), OrgID: orgID, Name: name,
		Prefix: secret[:APIKeyPrefixLen], CreatedAt: now}, secret, nil
}

// insertAPIKey stores key k, whose secret is secret, in tx; only the secret's hash is stored.
func (db *DB) insertAPIKey(ctx context.Context, tx *sql.Tx, k *dealdesk.APIKey, secret string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, name, prefix, secret_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, k.ID, k.OrgID, k.Name, k.Prefix, hashAPIKey(secret), db.dialect.timeArg(k.CreatedAt))
	return err
}

// apiKeyColumns are the columns of a key that may be shown: never secret_hash.
const apiKeyColumns = `id, org_id, name, prefix, created_at, last_used_at, revoked_at`

func scanAPIKey(s rowScanner) (*dealdesk.APIKey, error) {
	k := &dealdesk.APIKey{}
	err := s.Scan(&k.ID, &k.OrgID, &k.Name, &k.Prefix, timeCol{&k.CreatedAt}, nullTimeCol{&k.LastUsedAt}, nullTimeCol{&k.RevokedAt})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// AuthenticateAPIKey returns the key matching secret, else EUNAUTHORIZED. A revoked key is
// refused: every call reads the database, so a revocation holds at once on every replica. It
// records when the key was last used, at most once a minute.
func (db *DB) AuthenticateAPIKey(ctx context.Context, secret string) (*dealdesk.APIKey, error) {
	unauthorized := dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "Invalid API key.")
	if !strings.HasPrefix(secret, APIKeyScheme) || len(secret) > 200 {
		return nil, unauthorized
	}
	k, err := scanAPIKey(db.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+`
		FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL`, hashAPIKey(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unauthorized
	} else if err != nil {
		return nil, err
	}
	now := db.now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedGranularity {
		if err := db.touchAPIKey(ctx, k, now); err != nil {
			return nil, err
		}
		k.LastUsedAt = &now
	}
	return k, nil
}

// touchAPIKey records that key k of k.OrgID was used at now, unless it has been revoked since it
// was read (a revocation racing the request): "last used" never comes after "revoked".
func (db *DB) touchAPIKey(ctx context.Context, k *dealdesk.APIKey, now time.Time) error {
	_, err := db.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1
		WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL`, db.dialect.timeArg(now), k.OrgID, k.ID)
	return err
}

// FindAPIKeys lists the keys of the caller's organization, revoked ones included, newest first,
// and the next page's cursor.
func (db *DB) FindAPIKeys(ctx context.Context, f dealdesk.APIKeyFilter) ([]*dealdesk.APIKey, string, error) {
	return findOrgPage(ctx, db, `SELECT `+apiKeyColumns+` FROM api_keys`, dealdesk.PrefixAPIKey, f.Cursor, f.Limit,
		scanAPIKey, func(k *dealdesk.APIKey) string { return k.ID })
}

// RevokeAPIKey revokes the key id of the caller's organization. The row stays, with revoked_at,
// for audit; revoking it again keeps the first time. ENOTFOUND for another organization's key.
func (db *DB) RevokeAPIKey(ctx context.Context, id string) (*dealdesk.APIKey, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("API key", id)
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.APIKey, error) {
		k, err := scanAPIKey(tx.QueryRowContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1)
			WHERE org_id = $2 AND id = $3 RETURNING `+apiKeyColumns, db.dialect.timeArg(db.now()), orgID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("API key", id)
		}
		return k, err
	})
}
