package sqldb_test

import (
	"context"
	"slices"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestOrganizationsWithSQSQueue lists the organizations whose connection names a queue, and
// only them: one without a connection and one whose connection has no queue are left out; and
// those with a connection, whatever its queue.
func TestOrganizationsWithSQSQueue(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		opts := sqldbtest.Options(t)
		opts.SecretKey = testSecretKey
		db := sqldbtest.Open(t, sqldbtest.DSN(t, engine), opts)
		ctx := context.Background()
		var want, connected []string
		for i, queue := range []string{"http://127.0.0.1:9000/111122223333/a", "", "none", "http://127.0.0.1:9000/111122223333/b"} {
			org, err := db.CreateOrganization(ctx, "Org")
			if err != nil {
				t.Fatal(err)
			}
			if queue == "none" {
				continue
			}
			in := staticKeysInput()
			in.SQSQueueURL = queue
			if _, err := db.SaveAWSConnection(dealdesk.NewContextWithOrgID(ctx, org.ID), in); err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			connected = append(connected, org.ID)
			if queue != "" {
				want = append(want, org.ID)
			}
		}
		got, err := db.OrganizationsWithSQSQueue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("OrganizationsWithSQSQueue = %v, want %v", got, want)
		}
		got, err = db.OrganizationsWithAWSConnection(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(connected)
		if len(connected) != 3 || !slices.Equal(got, connected) {
			t.Fatalf("OrganizationsWithAWSConnection = %v, want %v", got, connected)
		}
	})
}
