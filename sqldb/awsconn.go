package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/dealdesk/dealdesk"
)

const awsConnectionColumns = `org_id, seller_account_id, region, credentials_mode, access_key_id, secret_access_key,
	role_arn, external_id, endpoint_url, sqs_queue_url, created_at, updated_at`

// secretAccessKeyPurpose names the secret access key among the secrets a secretBox seals.
const secretAccessKeyPurpose = "aws-connection/secret-access-key"

// awsConnectionRow is a connection with its sealed secret access key (nil when none).
type awsConnectionRow struct {
	*dealdesk.AWSConnection
	sealedSecret []byte
}

func scanAWSConnection(s rowScanner) (*awsConnectionRow, error) {
	c := &dealdesk.AWSConnection{}
	r := &awsConnectionRow{AWSConnection: c}
	err := s.Scan(&c.OrgID, &c.SellerAccountID, &c.Region, &c.CredentialsMode, &c.AccessKeyID, &r.sealedSecret,
		&c.RoleARN, &c.ExternalID, &c.EndpointURL, &c.SQSQueueURL, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	c.HasSecretAccessKey = len(r.sealedSecret) > 0
	return r, nil
}

// findAWSConnection returns orgID's connection row, locked for update when lock is set, or
// ENOTFOUND.
func (db *DB) findAWSConnection(ctx context.Context, q queryer, orgID string, lock bool) (*awsConnectionRow, error) {
	query := `SELECT ` + awsConnectionColumns + ` FROM aws_connections WHERE org_id = $1`
	if lock {
		query += db.dialect.forUpdate
	}
	r, err := scanAWSConnection(q.QueryRowContext(ctx, query, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dealdesk.Errorf(dealdesk.ENOTFOUND, "No AWS connection is set for your organization.")
	}
	return r, err
}

// FindAWSConnection returns the caller's organization's connection without its secret access
// key: HasSecretAccessKey says whether one is stored. Returns ENOTFOUND when none is set.
func (db *DB) FindAWSConnection(ctx context.Context) (*dealdesk.AWSConnection, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := db.findAWSConnection(ctx, db.db, orgID, false)
	if err != nil {
		return nil, err
	}
	return r.AWSConnection, nil
}

// AWSConnectionWithSecret returns the caller's organization's connection with its secret
// access key decrypted, for the code that builds AWS clients. Never use it to answer an API
// call or to log. Returns ENOTFOUND when no connection is set, and an internal error when a
// stored secret cannot be decrypted (no secret key configured, another key, or an altered row).
func (db *DB) AWSConnectionWithSecret(ctx context.Context) (*dealdesk.AWSConnection, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := db.findAWSConnection(ctx, db.db, orgID, false)
	if err != nil {
		return nil, err
	}
	if r.HasSecretAccessKey {
		if db.secrets == nil {
			return nil, errors.New("sqldb: a secret access key is stored but the server has no secret key to decrypt it")
		}
		plaintext, err := db.secrets.open(secretAccessKeyPurpose, orgID, r.sealedSecret)
		if err != nil {
			return nil, err
		}
		r.SecretAccessKey = string(plaintext)
	}
	return r.AWSConnection, nil
}

// SaveAWSConnection creates or replaces the caller's organization's connection. A secret access
// key given is encrypted (Options.SecretKey) before it is stored; an empty one keeps the stored
// one; a mode other than STATIC_KEYS drops it. The external ID is generated at the first save
// and kept (a stored one shorter than dealdesk.MinExternalIDLength, chosen by a tenant before
// dealdesk generated them, is replaced). Returns EINVALID naming every bad field (see
// dealdesk.ValidateAWSConnection; DEFAULT_CHAIN only with Options.AllowDefaultCredentials), and
// ECONFLICT when a secret is given but the server has no key to encrypt it with. The answer
// never carries the secret.
func (db *DB) SaveAWSConnection(ctx context.Context, in dealdesk.AWSConnectionInput) (*dealdesk.AWSConnection, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.AWSConnection, error) {
		// Two first saves at once must take turns: FOR UPDATE cannot lock a row that does not
		// exist yet.
		if err := db.lockKey(ctx, tx, "aws connection "+orgID); err != nil {
			return nil, err
		}
		existing, err := db.findAWSConnection(ctx, tx, orgID, true)
		if dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND {
			existing, err = nil, nil
		} else if err != nil {
			return nil, err
		}
		staticKeys := in.CredentialsMode == dealdesk.CredentialsStaticKeys
		var stored *dealdesk.AWSConnection
		if existing != nil {
			stored = existing.AWSConnection
		}
		if err := dealdesk.ValidateAWSConnection(in, stored, db.awsPolicy); err != nil {
			return nil, err
		}
		externalID, err := keptExternalID(stored)
		if err != nil {
			return nil, err
		}
		now := db.now()
		c := &dealdesk.AWSConnection{OrgID: orgID, SellerAccountID: in.SellerAccountID, Region: in.Region,
			CredentialsMode: in.CredentialsMode, AccessKeyID: in.AccessKeyID, RoleARN: in.RoleARN, ExternalID: externalID,
			EndpointURL: in.EndpointURL, SQSQueueURL: in.SQSQueueURL, CreatedAt: now, UpdatedAt: now}
		var sealed []byte
		switch {
		case staticKeys && in.SecretAccessKey != "":
			if db.secrets == nil {
				return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "This server has no key to encrypt secrets with, so it cannot "+
					"store a secret access key. Ask its operator to configure one, or use credentialsMode %s or %s.",
					dealdesk.CredentialsDefaultChain, dealdesk.CredentialsAssumeRole)
			}
			if sealed, err = db.secrets.seal(secretAccessKeyPurpose, orgID, []byte(in.SecretAccessKey)); err != nil {
				return nil, err
			}
		case staticKeys:
			sealed = existing.sealedSecret // validated: one is stored
		}
		var secretArg any // NULL when no secret is stored
		if len(sealed) > 0 {
			secretArg, c.HasSecretAccessKey = sealed, true
		}
		if existing != nil {
			c.CreatedAt = existing.CreatedAt
		}
		args := []any{orgID, c.SellerAccountID, c.Region, c.CredentialsMode, c.AccessKeyID, secretArg, c.RoleARN,
			c.ExternalID, c.EndpointURL, c.SQSQueueURL, db.dialect.timeArg(c.CreatedAt), db.dialect.timeArg(now)}
		if existing == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO aws_connections (`+awsConnectionColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, args...)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE aws_connections SET seller_account_id = $2, region = $3,
				credentials_mode = $4, access_key_id = $5, secret_access_key = $6, role_arn = $7, external_id = $8,
				endpoint_url = $9, sqs_queue_url = $10, created_at = $11, updated_at = $12 WHERE org_id = $1`, args...)
		}
		if err != nil {
			return nil, err
		}
		return c, nil
	})
}

// keptExternalID returns the stored connection's external ID, or a new random one ("dd-" and 32
// hex digits: 128 bits) when none of at least dealdesk.MinExternalIDLength characters is stored.
func keptExternalID(stored *dealdesk.AWSConnection) (string, error) {
	if stored != nil && len(stored.ExternalID) >= dealdesk.MinExternalIDLength {
		return stored.ExternalID, nil
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return "dd-" + hex.EncodeToString(raw[:]), nil
}
