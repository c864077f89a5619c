package awsmp_test

import (
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
)

// TestFindResaleAuthorizationChangeSetByToken (decision 021): the change set started with a
// token is found by ListChangeSets under that token's name, with the real client against the
// simulator; another token of the same opportunity finds nothing.
func TestFindResaleAuthorizationChangeSetByToken(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	ctx := context.Background()
	cat := e.catalog()
	tc := opportunities()[0]
	token := dealdesk.PublishToken(tc.offer.ID, 1)
	if id, err := cat.FindResaleAuthorizationChangeSet(ctx, e.conn, token); err != nil || id != "" {
		t.Fatalf("before any start: %q, %v; want none", id, err)
	}
	started, err := cat.StartResaleAuthorization(ctx, e.conn, tc.offer, tc.product, token)
	if err != nil {
		t.Fatalf("StartResaleAuthorization: %v", err)
	}
	if id, err := cat.FindResaleAuthorizationChangeSet(ctx, e.conn, token); err != nil || id != started {
		t.Fatalf("FindResaleAuthorizationChangeSet = %q, %v; want %s", id, err, started)
	}
	if id, err := cat.FindResaleAuthorizationChangeSet(ctx, e.conn, dealdesk.PublishToken(tc.offer.ID, 2)); err != nil || id != "" {
		t.Fatalf("another attempt's token: %q, %v; want none", id, err)
	}
}
