package inbound_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// goldenSigner is the signing key of the simulator's golden SNS envelopes, with a certificate
// for it served over HTTP.
type goldenSigner struct {
	key     *rsa.PrivateKey
	certURL string
	fetches atomic.Int64
}

func newGoldenSigner(t *testing.T) *goldenSigner {
	t.Helper()
	raw, err := os.ReadFile("../sim/eventbus/testdata/sns-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		t.Fatal("the golden key file holds no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	s := &goldenSigner{key: k.(*rsa.PrivateKey)}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &s.key.PublicKey, s.key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		_, _ = w.Write(certPEM)
	}))
	t.Cleanup(srv.Close)
	s.certURL = srv.URL + "/SimpleNotificationService-golden.pem"
	return s
}

func (s *goldenSigner) origin() string { return s.certURL[:strings.Index(s.certURL, "/Simple")] }

// sign returns the message of fields signed as SNS signs it, with SigningCertURL set.
func (s *goldenSigner) sign(t *testing.T, fields map[string]string, keys []string) []byte {
	t.Helper()
	var b strings.Builder
	for _, k := range keys {
		if v, ok := fields[k]; ok {
			b.WriteString(k + "\n" + v + "\n")
		}
	}
	var sig []byte
	var err error
	switch fields["SignatureVersion"] {
	case "1":
		sum := sha1.Sum([]byte(b.String()))
		sig, err = rsa.SignPKCS1v15(nil, s.key, crypto.SHA1, sum[:])
	default:
		sum := sha256.Sum256([]byte(b.String()))
		sig, err = rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	fields["Signature"] = base64.StdEncoding.EncodeToString(sig)
	fields["SigningCertURL"] = s.certURL
	out, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSNSVerifiesTheGoldenEnvelopes verifies the simulator's golden SNS envelopes, signed with
// SignatureVersion 1 and 2 (the certificate URL is not signed, so it is pointed at a server of
// the golden key's certificate), and parses them.
func TestSNSVerifiesTheGoldenEnvelopes(t *testing.T) {
	t.Parallel()
	s := newGoldenSigner(t)
	v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{s.origin()}})
	for name, want := range goldenEvents {
		if !strings.HasPrefix(name, "sns_envelope_") {
			continue
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			t.Parallel()
			body := edited(t, readGolden(t, name), map[string]string{"SigningCertURL": s.certURL})
			m, err := v.Verify(testCtx(t), body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if m.Type != inbound.SNSNotification || m.Timestamp != ts("2026-11-26T10:00:00Z") || m.SignatureVersion != jsonField(t, body, "SignatureVersion") {
				t.Errorf("message %+v", m)
			}
			ev, err := m.Event()
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			assertEvent(t, ev, want)
		})
	}
}

// TestSNSStringToSign signs messages of each type, with and without a Subject, as SNS
// documents it, and checks they verify and that a changed signed field does not.
func TestSNSStringToSign(t *testing.T) {
	t.Parallel()
	s := newGoldenSigner(t)
	v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{s.origin()}})
	notificationKeys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	confirmationKeys := []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	base := func(typ, version string) map[string]string {
		return map[string]string{"Type": typ, "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:111122223333:t",
			"Message": "line one\nline \"two\" <&>", "Timestamp": "2026-11-26T10:00:00.123Z", "SignatureVersion": version}
	}
	tests := []struct {
		name    string
		fields  map[string]string
		keys    []string
		changed string // a signed field to change
	}{
		{"notification without subject, version 1", base(inbound.SNSNotification, "1"), notificationKeys, "Message"},
		{"notification with subject, version 2", func() map[string]string {
			f := base(inbound.SNSNotification, "2")
			f["Subject"] = "Agreement created"
			return f
		}(), notificationKeys, "Subject"},
		{"notification with an empty subject", func() map[string]string {
			f := base(inbound.SNSNotification, "2")
			f["Subject"] = ""
			return f
		}(), notificationKeys, "Subject"},
		{"subscription confirmation", func() map[string]string {
			f := base(inbound.SNSSubscriptionConfirmation, "2")
			f["Token"], f["SubscribeURL"] = "tok", "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok"
			return f
		}(), confirmationKeys, "Token"},
		{"unsubscribe confirmation", func() map[string]string {
			f := base(inbound.SNSUnsubscribeConfirmation, "1")
			f["Token"], f["SubscribeURL"] = "tok", "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok"
			return f
		}(), confirmationKeys, "SubscribeURL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := s.sign(t, tc.fields, tc.keys)
			m, err := v.Verify(testCtx(t), body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if m.Type != tc.fields["Type"] || m.Message != tc.fields["Message"] || m.Token != tc.fields["Token"] || m.Subject != tc.fields["Subject"] {
				t.Errorf("message %+v", m)
			}
			_, err = v.Verify(testCtx(t), edited(t, body, map[string]string{tc.changed: tc.fields[tc.changed] + "x"}))
			if dealdesk.ErrorCode(err) != dealdesk.EUNAUTHORIZED {
				t.Errorf("Verify with %s changed: %v, want %s", tc.changed, err, dealdesk.EUNAUTHORIZED)
			}
		})
	}
}
