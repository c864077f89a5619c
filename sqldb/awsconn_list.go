package sqldb

import "context"

// OrganizationsWithSQSQueue returns the IDs of the organizations whose AWS connection names an
// SQS queue (sqs_queue_url not empty), in ID order: the queues worker.SQSPoller polls. It
// reads across organizations and so needs none in ctx.
func (db *DB) OrganizationsWithSQSQueue(ctx context.Context) ([]string, error) {
	return db.connectedOrganizations(ctx, `SELECT org_id FROM aws_connections WHERE sqs_queue_url <> '' ORDER BY org_id`)
}

// OrganizationsWithAWSConnection returns the IDs of the organizations that have an AWS
// connection, in ID order: those whose products are synced and whose deals are reconciled
// periodically. It reads across organizations and so needs none in ctx.
func (db *DB) OrganizationsWithAWSConnection(ctx context.Context) ([]string, error) {
	return db.connectedOrganizations(ctx, `SELECT org_id FROM aws_connections ORDER BY org_id`)
}

// connectedOrganizations runs query, which selects one org_id column, and returns the IDs.
func (db *DB) connectedOrganizations(ctx context.Context, query string) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, query)
	if err != nil {
		return nil, db.mapError(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.mapError(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, db.mapError(err)
	}
	return ids, nil
}
