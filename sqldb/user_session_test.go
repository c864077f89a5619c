package sqldb_test

import (
	"context"
	"sync"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// TestUserSessionsAndRemoval proves on both engines what the console's session check relies
// on (decision 026): a user is found by ID in its organization only, ending its sessions
// records the time, and removal deletes it unless it is the organization's last user.
func TestUserSessionsAndRemoval(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctxA, ctxB := newOrg(t, db, "Vendor A"), newOrg(t, db, "Vendor B")
		ctx := context.Background()
		create := func(orgCtx context.Context, email string) *dealdesk.User {
			t.Helper()
			u, err := db.CreateUser(ctx, dealdesk.OrgIDFromContext(orgCtx), email, "User "+email, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		ana, bob, dee := create(ctxA, "ana@a.example"), create(ctxA, "bob@a.example"), create(ctxB, "dee@b.example")

		got, err := db.FindUserByID(ctxA, ana.ID)
		if err != nil || got.Email != ana.Email || got.OrgID != ana.OrgID || got.SessionsEndedAt != nil {
			t.Fatalf("FindUserByID(ana) = %+v, %v", got, err)
		}
		for _, id := range []string{dee.ID, "usr_nope", "bad\x00id"} {
			_, err := db.FindUserByID(ctxA, id)
			wantCode(t, err, dealdesk.ENOTFOUND)
			_, err = db.EndUserSessions(ctxA, id)
			wantCode(t, err, dealdesk.ENOTFOUND)
			wantCode(t, db.RemoveUser(ctxA, id), dealdesk.ENOTFOUND)
		}
		_, err = db.FindUserByID(ctx, ana.ID)
		wantCode(t, err, dealdesk.EUNAUTHORIZED)
		if got, err := db.FindUserByID(ctxB, dee.ID); err != nil || got.SessionsEndedAt != nil {
			t.Fatalf("another organization's user changed: %+v, %v", got, err)
		}

		before := e.clock.Now()
		ended, err := db.EndUserSessions(ctxA, bob.ID)
		if err != nil || ended.SessionsEndedAt == nil || ended.SessionsEndedAt.Before(before.Truncate(1e3)) {
			t.Fatalf("EndUserSessions(bob) = %+v, %v", ended, err)
		}
		if got, err := db.FindUserByID(ctxA, bob.ID); err != nil || got.SessionsEndedAt == nil || !got.SessionsEndedAt.Equal(*ended.SessionsEndedAt) {
			t.Fatalf("bob after ending his sessions: %+v, %v; want sessionsEndedAt %v", got, err, ended.SessionsEndedAt)
		}
		if got, err := db.FindUserByID(ctxA, ana.ID); err != nil || got.SessionsEndedAt != nil {
			t.Fatalf("ana's sessions ended with bob's: %+v, %v", got, err)
		}

		// Removing both of the organization's users at once leaves exactly one.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []string{ana.ID, bob.ID} {
			wg.Go(func() { errs[i] = db.RemoveUser(ctxA, id) })
		}
		wg.Wait()
		left, _, err := db.FindUsers(ctxA, dealdesk.UserFilter{})
		if err != nil || len(left) != 1 {
			t.Fatalf("users after removing both at once: %+v, %v (errors %v)", left, err, errs)
		}
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("removing both at once: errors %v; want one removal and one refusal", errs)
		}
		for _, err := range errs {
			if err != nil {
				wantCode(t, err, dealdesk.ECONFLICT)
			}
		}
		wantCode(t, db.RemoveUser(ctxA, left[0].ID), dealdesk.ECONFLICT)
		gone := ana.ID
		if left[0].ID == ana.ID {
			gone = bob.ID
		}
		_, err = db.FindUserByID(ctxA, gone)
		wantCode(t, err, dealdesk.ENOTFOUND)
		if _, err := db.AuthenticateUser(ctx, map[string]string{ana.ID: ana.Email, bob.ID: bob.Email}[gone], "a long enough password"); dealdesk.ErrorCode(err) != dealdesk.EUNAUTHORIZED {
			t.Fatalf("a removed user signs in: %v", err)
		}
		if users, _, err := db.FindUsers(ctxB, dealdesk.UserFilter{}); err != nil || len(users) != 1 {
			t.Fatalf("another organization's users: %+v, %v", users, err)
		}
	})
}
