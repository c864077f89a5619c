package sim_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signingName returns the SigV4 signing name of the service a raw request goes to (from its
// X-Amz-Target, or the Catalog's for a path request), as the SDK clients sign it.
func signingName(req *http.Request) string {
	if strings.HasPrefix(req.Header.Get("X-Amz-Target"), "AmazonSQS.") {
		return "sqs"
	}
	return "aws-marketplace"
}

// sign signs req (whose body is body) with SigV4 for service and region, as account akid.
func sign(t testing.TB, req *http.Request, body []byte, service, region string) {
	t.Helper()
	sum := sha256.Sum256(body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	creds := aws.Credentials{AccessKeyID: "AKIDSELLER", SecretAccessKey: "secret"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		t.Fatalf("sign: %v", err)
	}
}

// signOK signs req as the SDK clients do: for the simulator's region and req's service.
func signOK(t testing.TB, req *http.Request, body []byte) {
	t.Helper()
	sign(t, req, body, signingName(req), "us-east-1")
}

// doSigned sends a raw request signed as the SDK clients sign it and returns the status and body.
func doSigned(t testing.TB, method, url, amzTarget, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if amzTarget != "" {
		req.Header.Set("X-Amz-Target", amzTarget)
	}
	signOK(t, req, []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s %s: %v", method, url, amzTarget, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s %s: read answer: %v", method, url, amzTarget, err)
	}
	return resp.StatusCode, string(b)
}
