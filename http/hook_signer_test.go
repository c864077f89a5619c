package http_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
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
	"testing"
	"time"
)

// snsSigner signs SNS messages with the simulator's SNS test key (sim/eventbus/testdata, the
// key of its golden envelopes), its certificate served over HTTP, so a test can send the hook a
// message the simulator would not make (another topic, a message of any size) signed as SNS
// signs it (SignatureVersion 2).
type snsSigner struct {
	key     *rsa.PrivateKey
	origin  string
	certURL string
}

func newSNSSigner(t *testing.T) *snsSigner {
	t.Helper()
	raw, err := os.ReadFile("../sim/eventbus/testdata/sns-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		t.Fatal("the simulator's SNS test key file holds no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	s := &snsSigner{key: k.(*rsa.PrivateKey)}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &s.key.PublicKey, s.key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(certPEM) }))
	t.Cleanup(srv.Close)
	s.origin, s.certURL = srv.URL, srv.URL+"/SimpleNotificationService-test.pem"
	return s
}

// notification returns a signed SNS Notification of topicArn carrying message.
func (s *snsSigner) notification(t *testing.T, id, topicArn, message string) []byte {
	t.Helper()
	f := map[string]string{"Type": "Notification", "MessageId": id, "TopicArn": topicArn, "Message": message,
		"Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), "SignatureVersion": "2",
		"SigningCertURL": s.certURL, "UnsubscribeURL": s.origin + "/unsubscribe"}
	toSign := ""
	for _, k := range []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"} {
		if v, ok := f[k]; ok {
			toSign += k + "\n" + v + "\n"
		}
	}
	sum := sha256.Sum256([]byte(toSign))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	f["Signature"] = base64.StdEncoding.EncodeToString(sig)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
