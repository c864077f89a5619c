package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

// apiKeyCreated is the answer to POST /api/v1/api-keys.
type apiKeyCreated struct {
	dealdesk.APIKey
	Key string `json:"key"`
}

// createKey creates a key through the API with key and returns the answer.
func (e *env) createKey(key, name string) apiKeyCreated {
	e.t.Helper()
	var k apiKeyCreated
	res := e.do(req{method: "POST", path: "/api/v1/api-keys", key: key, body: map[string]any{"name": name}}).want(e.t, 201)
	res.decode(e.t, &k)
	loc := res.header.Get("Location")
	if loc != "/api/v1/api-keys/"+k.ID {
		e.t.Fatalf("Location = %q, want /api/v1/api-keys/%s", loc, k.ID)
	}
	// The Location answers: the key as listed, without the key itself (review 2 N2).
	var got dealdesk.APIKey
	e.do(req{method: "GET", path: loc, key: key}).want(e.t, 200).decode(e.t, &got)
	if got.ID != k.ID || got.Name != name || got.Prefix != k.Prefix || got.OrgID != k.OrgID || !got.CreatedAt.Equal(k.CreatedAt) {
		e.t.Fatalf("GET %s = %+v, want the created %+v", loc, got, k.APIKey)
	}
	return k
}

// listKeys returns every key the key's organization lists.
func (e *env) listKeys(key string) []dealdesk.APIKey {
	e.t.Helper()
	var l listResp[dealdesk.APIKey]
	e.do(req{method: "GET", path: "/api/v1/api-keys?limit=200", key: key}).want(e.t, 200).decode(e.t, &l)
	return l.Items
}

func TestAPIKeys_RevokedKeyIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		k := e.createKey(e.keyA, "ci")
		if !strings.HasPrefix(k.Key, "ddk_") || k.Prefix != k.Key[:len("ddk_")+8] || k.OrgID != e.orgA || k.Name != "ci" {
			t.Fatalf("created %+v", k)
		}
		e.do(req{method: "GET", path: "/api/v1/offers", key: k.Key}).want(t, 200)

		e.do(req{method: "DELETE", path: "/api/v1/api-keys/" + k.ID, key: e.keyA}).want(t, 204)
		e.do(req{method: "GET", path: "/api/v1/offers", key: k.Key}).want(t, 401)
		e.do(req{method: "POST", path: "/api/v1/products", key: k.Key, body: map[string]any{}, bad: true}).want(t, 401)

		// Revoking again is the same answer, and the key stays listed with the first revocation time.
		listed := findKey(t, e.listKeys(e.keyA), k.ID)
		e.clock.advance(time.Hour) // else a second revocation would stamp the same time
		e.do(req{method: "DELETE", path: "/api/v1/api-keys/" + k.ID, key: e.keyA}).want(t, 204)
		again := findKey(t, e.listKeys(e.keyA), k.ID)
		if listed.RevokedAt == nil || again.RevokedAt == nil || !again.RevokedAt.Equal(*listed.RevokedAt) {
			t.Fatalf("revokedAt %v, then %v", listed.RevokedAt, again.RevokedAt)
		}
		var one dealdesk.APIKey
		e.do(req{method: "GET", path: "/api/v1/api-keys/" + k.ID, key: e.keyA}).want(t, 200).decode(t, &one)
		if one.RevokedAt == nil || !one.RevokedAt.Equal(*listed.RevokedAt) {
			t.Fatalf("GET of the revoked key: revokedAt %v, want %v", one.RevokedAt, listed.RevokedAt)
		}
		e.do(req{method: "GET", path: "/api/v1/offers", key: e.keyA}).want(t, 200)
	})
}

func TestAPIKeys_AKeyCanRevokeItself(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.createKey(e.keyA, "self")
	e.do(req{method: "DELETE", path: "/api/v1/api-keys/" + k.ID, key: k.Key}).want(t, 204)
	e.do(req{method: "GET", path: "/api/v1/api-keys", key: k.Key}).want(t, 401)
}

func TestAPIKeys_AnotherOrganizationsKeyIsNotFound(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		theirs := e.createKey(e.keyB, "B's")
		for _, method := range []string{"GET", "DELETE"} {
			p := e.do(req{method: method, path: "/api/v1/api-keys/" + theirs.ID, key: e.keyA}).want(t, 404).problem(t)
			if p.Code != dealdesk.ENOTFOUND || strings.Contains(p.Detail, theirs.Name) {
				t.Fatalf("%s of another organization's key: problem %+v", method, p)
			}
		}
		e.do(req{method: "GET", path: "/api/v1/api-keys/key_00000000000000000000000000", key: e.keyA}).want(t, 404)
		e.do(req{method: "DELETE", path: "/api/v1/api-keys/key_00000000000000000000000000", key: e.keyA}).want(t, 404)
		e.do(req{method: "GET", path: "/api/v1/offers", key: theirs.Key}).want(t, 200)
		if keys := e.listKeys(e.keyA); len(keys) != 1 || keys[0].ID == theirs.ID || keys[0].OrgID != e.orgA {
			t.Fatalf("A lists %+v, want only its own key", keys)
		}
	})
}

func TestAPIKeys_ListNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		k := e.createKey(e.keyA, "second")
		res := e.do(req{method: "GET", path: "/api/v1/api-keys", key: e.keyA}).want(t, 200)
		var l listResp[dealdesk.APIKey]
		res.decode(t, &l)
		if len(l.Items) != 2 || l.Items[0].ID != k.ID || l.Items[0].Prefix != k.Prefix || l.Items[1].LastUsedAt == nil {
			t.Fatalf("listed %+v, want the new key first, then the one in use", l.Items)
		}
		secrets := []string{e.keyA, k.Key}
		rows, err := e.db.SQL().QueryContext(context.Background(), `SELECT secret_hash FROM api_keys`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, h)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(secrets) != 2+3 {
			t.Fatalf("%d secrets and hashes, want 5", len(secrets))
		}
		for _, s := range secrets {
			// The part after the prefix is what makes a key secret.
			if strings.Contains(string(res.body), s[12:]) {
				t.Fatalf("the list shows a key or its hash: %s", res.body)
			}
		}
	})
}

func TestAPIKeys_Paging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.createKey(e.keyA, "")
	var page listResp[dealdesk.APIKey]
	e.do(req{method: "GET", path: "/api/v1/api-keys?limit=1", key: e.keyA}).want(t, 200).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != k.ID || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	var rest listResp[dealdesk.APIKey]
	e.do(req{method: "GET", path: "/api/v1/api-keys?limit=1&cursor=" + page.NextCursor, key: e.keyA}).want(t, 200).decode(t, &rest)
	if len(rest.Items) != 1 || rest.Items[0].ID == k.ID || rest.NextCursor != "" {
		t.Fatalf("last page %+v", rest)
	}
	tests := []struct{ name, query, field, docCannot string }{
		{"limit too large", "limit=201", "limit", ""},
		{"limit zero", "limit=0", "limit", ""},
		{"limit empty", "limit=", "limit", ""},
		{"foreign cursor", "cursor=bm9wZQ", "cursor", ruleStoredState},
		{"unknown parameter", "revoked=true", "revoked", ruleQueryClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.in(t)
			p := e.refused(t, req{method: "GET", path: "/api/v1/api-keys?" + tt.query, key: e.keyA}, tt.docCannot).want(t, 422).problem(t)
			if !p.hasField(tt.field) {
				t.Fatalf("problem %+v does not name %s", p, tt.field)
			}
		})
	}
}

// TestAPIKeys_CreateRefusesBadInput sends each bad input through env.refused, so that the OpenAPI
// document must refuse it too (review 2 G4): the name's length, type and text rule are stated
// there, as for every other text field.
func TestAPIKeys_CreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name      string
		body      any
		field     string
		docCannot string
	}{
		{"name too long", map[string]any{"name": strings.Repeat("k", 201)}, "name", ""},
		{"unknown field", map[string]any{"name": "x", "orgId": e.orgB}, "orgId", ""},
		{"name not a string", map[string]any{"name": 7}, "name", ""},
		{"name with a NUL", `{"name":"ci\u0000"}`, "name", ""},
		{"name with a C1 control character", `{"name":"ci\u0085"}`, "name", ""},
		{"name with an escape character", `{"name":"\u001b[31mci"}`, "name", ""},
		{"name with a lone surrogate", `{"name":"ci\ud800"}`, "name", ruleDecodedText},
		{"name with invalid UTF-8", "{\"name\":\"ci\xff\"}", "name", ruleDecodedText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.in(t)
			p := e.refused(t, req{method: "POST", path: "/api/v1/api-keys", key: e.keyA, body: tt.body}, tt.docCannot).want(t, 422).problem(t)
			if !p.hasField(tt.field) {
				t.Fatalf("problem %+v does not name %s", p, tt.field)
			}
		})
	}
	if n := len(e.listKeys(e.keyA)); n != 1 {
		t.Fatalf("%d keys after refused requests, want 1", n)
	}
	if n := len(e.listKeys(e.keyB)); n != 1 {
		t.Fatalf("B has %d keys, want 1", n)
	}
}

// findKey returns the key id of keys.
func findKey(t *testing.T, keys []dealdesk.APIKey, id string) dealdesk.APIKey {
	t.Helper()
	for _, k := range keys {
		if k.ID == id {
			return k
		}
	}
	t.Fatalf("key %s is not listed in %+v", id, keys)
	return dealdesk.APIKey{}
}
