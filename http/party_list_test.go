package http_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
)

func TestPartyLists_Page(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, kind := range []struct{ path, nameField string }{{"/api/v1/resellers", "legalName"}, {"/api/v1/buyers", "name"}} {
			var want []string
			for i := range 5 {
				var saved struct{ ID string }
				e.do(req{method: "PUT", path: fmt.Sprintf("%s/1234567890%02d", kind.path, i), key: e.keyA,
					body: map[string]any{kind.nameField: "Party"}}).want(t, 200).decode(t, &saved)
				want = append([]string{saved.ID}, want...)
			}
			t.Run(kind.path+" pages newest first, each once", func(t *testing.T) {
				e := e.in(t)
				var got []string
				cursor, pages := "", 0
				for {
					path := kind.path + "?limit=2"
					if cursor != "" {
						path += "&cursor=" + url.QueryEscape(cursor)
					}
					var l listResp[struct{ ID string }]
					e.do(req{method: "GET", path: path, key: e.keyA}).want(t, 200).decode(t, &l)
					for _, item := range l.Items {
						got = append(got, item.ID)
					}
					if pages++; l.NextCursor == "" || pages > 5 {
						break
					}
					cursor = l.NextCursor
				}
				if !slices.Equal(got, want) || pages != 3 {
					t.Fatalf("%d pages gave %v, want 3 pages of %v", pages, got, want)
				}
			})
			t.Run(kind.path+" belongs to the caller's organization", func(t *testing.T) {
				e := e.in(t)
				var l listResp[struct{ ID string }]
				e.do(req{method: "GET", path: kind.path, key: e.keyB}).want(t, 200).decode(t, &l)
				if len(l.Items) != 0 || l.NextCursor != "" {
					t.Fatalf("organization B sees %+v", l)
				}
			})
			for _, tt := range []struct{ query, field string }{
				{"?limit=0", "limit"},
				{"?limit=201", "limit"},
				{"?cursor=nonsense", "cursor"},
				{"?sort=accountId", "sort"},
			} {
				t.Run(kind.path+tt.query+" is refused", func(t *testing.T) {
					e := e.in(t)
					p := e.do(req{method: "GET", path: kind.path + tt.query, key: e.keyA, bad: true}).want(t, 422).problem(t)
					if !p.hasField(tt.field) {
						t.Fatalf("problem %+v does not name %s", p, tt.field)
					}
				})
			}
		}
	})
}
