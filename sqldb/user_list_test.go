package sqldb_test

import (
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestFindUsers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctxA, ctxB := newOrg(t, db, "Vendor A"), newOrg(t, db, "Vendor B")
		ctx := context.Background()
		var ids []string
		for _, email := range []string{"ana@a.example", "bob@a.example", "cy@a.example"} {
			u, err := db.CreateUser(ctx, dealdesk.OrgIDFromContext(ctxA), email, "User "+email, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		if _, err := db.CreateUser(ctx, dealdesk.OrgIDFromContext(ctxB), "dee@b.example", "Dee", "a long enough password"); err != nil {
			t.Fatal(err)
		}

		t.Run("pages through the organization's users newest first", func(t *testing.T) {
			page1, next, err := db.FindUsers(ctxA, dealdesk.UserFilter{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(page1) != 2 || page1[0].ID != ids[2] || page1[1].ID != ids[1] || next == "" {
				t.Fatalf("first page %+v, next %q", page1, next)
			}
			if u := page1[0]; u.Email != "cy@a.example" || u.Name != "User cy@a.example" || u.OrgID != dealdesk.OrgIDFromContext(ctxA) ||
				u.CreatedAt.IsZero() {
				t.Fatalf("user %+v", u)
			}
			page2, next2, err := db.FindUsers(ctxA, dealdesk.UserFilter{Limit: 2, Cursor: next})
			if err != nil {
				t.Fatal(err)
			}
			if len(page2) != 1 || page2[0].ID != ids[0] || next2 != "" {
				t.Fatalf("second page %+v, next %q", page2, next2)
			}
		})
		t.Run("another organization's users are not listed", func(t *testing.T) {
			users, _, err := db.FindUsers(ctxB, dealdesk.UserFilter{})
			if err != nil || len(users) != 1 || users[0].Email != "dee@b.example" {
				t.Fatalf("FindUsers(B) = %+v, %v", users, err)
			}
		})
		t.Run("a foreign cursor is a bad field", func(t *testing.T) {
			_, _, err := db.FindUsers(ctxA, dealdesk.UserFilter{Cursor: "not-a-cursor"})
			wantField(t, err, "cursor")
		})
		t.Run("no organization is refused", func(t *testing.T) {
			_, _, err := db.FindUsers(ctx, dealdesk.UserFilter{})
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
	})
}
