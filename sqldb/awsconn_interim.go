package sqldb

// INTERIM, for the publish branch only: the storage engineer's sqldb/awsconn.go (migration 0004,
// store7) implements these two methods with the same signatures and encrypts the secret access
// key. When it is merged, delete this file: the two methods are then declared twice, so the
// build says so. Until then a connection is kept without a secret (DEFAULT_CHAIN or
// ASSUME_ROLE), as store7 does on a server without a secret key.

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// AWSConnectionWithSecret returns the caller's organization's AWS connection; ENOTFOUND when
// none is set. (Interim: no secret is ever stored, see the file's comment.)
func (db *DB) AWSConnectionWithSecret(ctx context.Context) (*dealdesk.AWSConnection, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	c := &dealdesk.AWSConnection{}
	var secret []byte
	err = db.db.QueryRowContext(ctx, `SELECT org_id, seller_account_id, region, credentials_mode, access_key_id,
		secret_access_key, role_arn, external_id, endpoint_url, sqs_queue_url, created_at, updated_at
		FROM aws_connections WHERE org_id = $1`, orgID).Scan(&c.OrgID, &c.SellerAccountID, &c.Region,
		&c.CredentialsMode, &c.AccessKeyID, &secret, &c.RoleARN, &c.ExternalID, &c.EndpointURL, &c.SQSQueueURL,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dealdesk.Errorf(dealdesk.ENOTFOUND, "No AWS connection is set for your organization.")
	}
	if err != nil {
		return nil, db.mapError(err)
	}
	if len(secret) > 0 {
		return nil, errors.New("sqldb: a secret access key is stored but this build cannot decrypt it")
	}
	return c, nil
}

// SaveAWSConnection creates or replaces the caller's organization's AWS connection. Returns
// EINVALID naming every bad field (dealdesk.ValidateAWSConnection) and ECONFLICT for a secret
// access key, which this build cannot keep. (Interim, see the file's comment.)
func (db *DB) SaveAWSConnection(ctx context.Context, in dealdesk.AWSConnectionInput) (*dealdesk.AWSConnection, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if in.SecretAccessKey != "" {
		return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "This server cannot store a secret access key; use credentialsMode %s or %s.",
			dealdesk.CredentialsDefaultChain, dealdesk.CredentialsAssumeRole)
	}
	if err := dealdesk.ValidateAWSConnection(in, false); err != nil {
		return nil, err
	}
	now := db.now()
	c := &dealdesk.AWSConnection{OrgID: orgID, SellerAccountID: in.SellerAccountID, Region: in.Region,
		CredentialsMode: in.CredentialsMode, AccessKeyID: in.AccessKeyID, RoleARN: in.RoleARN, ExternalID: in.ExternalID,
		EndpointURL: in.EndpointURL, SQSQueueURL: in.SQSQueueURL, CreatedAt: now, UpdatedAt: now}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO aws_connections (org_id, seller_account_id, region, credentials_mode,
			access_key_id, secret_access_key, role_arn, external_id, endpoint_url, sqs_queue_url, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10, $10)
			ON CONFLICT (org_id) DO UPDATE SET seller_account_id = $2, region = $3, credentials_mode = $4,
				access_key_id = $5, secret_access_key = NULL, role_arn = $6, external_id = $7, endpoint_url = $8,
				sqs_queue_url = $9, updated_at = $10`,
			orgID, c.SellerAccountID, c.Region, c.CredentialsMode, c.AccessKeyID, c.RoleARN, c.ExternalID,
			c.EndpointURL, c.SQSQueueURL, db.dialect.timeArg(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
