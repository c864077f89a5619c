package http_test

import (
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

const awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

func TestAWSConnection_NeverReturnsOrLogsTheSecret(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		e = e.in(t)
		e.do(req{method: "GET", path: "/api/v1/aws-connection", key: e.keyA}).want(t, 404)

		in := map[string]any{"sellerAccountId": "111122223333", "region": "us-east-1", "credentialsMode": "STATIC_KEYS",
			"accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": awsSecret}
		put := e.do(req{method: "PUT", path: "/api/v1/aws-connection", key: e.keyA, body: in}).want(t, 200)
		get := e.do(req{method: "GET", path: "/api/v1/aws-connection", key: e.keyA}).want(t, 200)
		for _, r := range []*resp{put, get} {
			var c dealdesk.AWSConnection
			r.decode(t, &c)
			if !c.HasSecretAccessKey || c.SellerAccountID != "111122223333" || strings.Contains(string(r.body), awsSecret) {
				t.Fatalf("answer %s: want hasSecretAccessKey and no secret", r.body)
			}
		}
		t.Run("another organization does not see it", func(t *testing.T) {
			e.in(t).do(req{method: "GET", path: "/api/v1/aws-connection", key: e.keyB}).want(t, 404)
		})
		t.Run("an empty secret keeps the stored one", func(t *testing.T) {
			delete(in, "secretAccessKey")
			var c dealdesk.AWSConnection
			e.in(t).do(req{method: "PUT", path: "/api/v1/aws-connection", key: e.keyA, body: in}).want(t, 200).decode(t, &c)
			if !c.HasSecretAccessKey {
				t.Fatalf("connection %+v lost its secret", c)
			}
		})
		t.Run("bad fields are named", func(t *testing.T) {
			p := e.in(t).do(req{method: "PUT", path: "/api/v1/aws-connection", key: e.keyB, bad: true, body: map[string]any{
				"sellerAccountId": "12", "region": "mars", "credentialsMode": "STATIC_KEYS", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"}}).want(t, 422).problem(t)
			for _, f := range []string{"sellerAccountId", "region", "secretAccessKey"} {
				if !p.hasField(f) {
					t.Errorf("problem %+v does not name %s", p, f)
				}
			}
			e.in(t).do(req{method: "GET", path: "/api/v1/aws-connection", key: e.keyB}).want(t, 404)
		})
		if strings.Contains(e.logs.String(), awsSecret) {
			t.Fatalf("the logs hold the secret access key")
		}
		if !strings.Contains(e.logs.String(), "/api/v1/aws-connection") {
			t.Fatalf("the logs hold no line of the calls: the scan above proves nothing")
		}
	})
}

// TestAWSConnection_RefusesCrossTenantCredentials: on a server whose operator did not enable
// it, DEFAULT_CHAIN (the server's own AWS identity) is a 422 naming credentialsMode; an
// externalId is dealdesk's, not the tenant's (422 naming it); and a new endpointUrl with the
// stored secret kept is a 422 naming secretAccessKey. Nothing changes (review 7 F5).
func TestAWSConnection_RefusesCrossTenantCredentials(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		e = e.in(t)
		staticKeys := map[string]any{"sellerAccountId": "111122223333", "region": "us-east-1", "credentialsMode": "STATIC_KEYS",
			"accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": awsSecret, "endpointUrl": "http://127.0.0.1:9000"}
		var stored dealdesk.AWSConnection
		e.do(req{method: "PUT", path: "/api/v1/aws-connection", key: e.keyA, body: staticKeys}).want(t, 200).decode(t, &stored)
		if len(stored.ExternalID) < dealdesk.MinExternalIDLength {
			t.Fatalf("answer %+v: want a generated externalId of at least %d characters", stored, dealdesk.MinExternalIDLength)
		}
		for _, tt := range []struct {
			name, field string
			body        map[string]any
		}{
			{"the server's own credentials", "credentialsMode", map[string]any{"sellerAccountId": "111122223333", "region": "us-east-1",
				"credentialsMode": "DEFAULT_CHAIN"}},
			{"an external ID the tenant chose", "externalId", map[string]any{"sellerAccountId": "111122223333", "region": "us-east-1",
				"credentialsMode": "ASSUME_ROLE", "roleArn": "arn:aws:iam::444455556666:role/dealdesk", "externalId": "tenant-b-external-id"}},
			{"the stored secret sent to another endpoint", "secretAccessKey", map[string]any{"sellerAccountId": "111122223333",
				"region": "us-east-1", "credentialsMode": "STATIC_KEYS", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "endpointUrl": "http://attacker.example"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p := e.in(t).do(req{method: "PUT", path: "/api/v1/aws-connection", key: e.keyA, body: tt.body}).want(t, 422).problem(t)
				if !p.hasField(tt.field) {
					t.Errorf("problem %+v does not name %s", p, tt.field)
				}
				var got dealdesk.AWSConnection
				e.in(t).do(req{method: "GET", path: "/api/v1/aws-connection", key: e.keyA}).want(t, 200).decode(t, &got)
				if got.CredentialsMode != dealdesk.CredentialsStaticKeys || got.EndpointURL != "http://127.0.0.1:9000" || got.ExternalID != stored.ExternalID {
					t.Errorf("after a refused save: %+v", got)
				}
			})
		}
	})
}
