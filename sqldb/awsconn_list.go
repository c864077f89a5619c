package sqldb

import "context"

// OrganizationsWithSQSQueue returns the IDs of the organizations whose AWS connection names an
// SQS queue (sqs_queue_url not empty), in ID order: the queues worker.SQSPoller polls. It
// reads across organizations and so needs none in ctx.
func (db *DB) OrganizationsWithSQSQueue(ctx context.Context) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT org_id FROM aws_connections WHERE sqs_queue_url <> '' ORDER BY org_id`)
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
