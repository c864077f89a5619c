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
