package eventbus

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// verifyPy verifies an SNS message with Python's cryptography package, an implementation that
// shares no code with this one: argv[1] is the message JSON, argv[2] the PEM certificate.
const verifyPy = `
import base64, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
m = json.load(open(sys.argv[1]))
cert = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
if m["Type"] == "SubscriptionConfirmation":
    keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
else:
    keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
data = "".join(k + "\n" + m[k] + "\n" for k in keys if k in m).encode()
h = hashes.SHA256() if m["SignatureVersion"] == "2" else hashes.SHA1()
cert.public_key().verify(base64.b64decode(m["Signature"]), data, padding.PKCS1v15(), h)
print("verified")
`

// TestSNSSignaturesVerifyWithPythonCryptography cross-checks the signing of a confirmation and a
// notification, in both signature versions, with an independent implementation. It needs the
// system Python with the cryptography package (Debian's python3-cryptography, which
// scripts/test.sh installs) and fails without it: a cross-check that can be skipped checks nothing.
func TestSNSSignaturesVerifyWithPythonCryptography(t *testing.T) {
	t.Parallel()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import cryptography").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import cryptography (scripts/test.sh installs python3-cryptography): %v %s", python, err, out)
	}
	for _, version := range []string{"1", "2"} {
		t.Run("signature version "+version, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, nil)
			b := newTestBus(t, Config{})
			configure(t, b, `{"targets":[{"name":"s","type":"sns","url":"`+rcv.URL+`","signatureVersion":"`+version+`"}]}`)
			flush(t, b)
			subs := b.Subscriptions()
			if len(subs) != 1 {
				t.Fatalf("%d subscriptions, want the sns target's one", len(subs))
			}
			sub := subs[0]
			if _, err := b.ConfirmSubscription(sub.TopicArn, sub.Token); err != nil {
				t.Fatal(err)
			}
			b.Publish(b.LicenseUpdated(licenseInput()))
			flush(t, b)
			got := rcv.requests()
			if len(got) != 2 {
				t.Fatalf("receiver got %d messages, want a confirmation and a notification", len(got))
			}
			dir := t.TempDir()
			cert := filepath.Join(dir, "cert.pem")
			if err := os.WriteFile(cert, b.CertificatePEM(), 0o600); err != nil {
				t.Fatal(err)
			}
			for i, r := range got {
				msg := filepath.Join(dir, "msg.json")
				if err := os.WriteFile(msg, r.body, 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(python, "-c", verifyPy, msg, cert).CombinedOutput()
				if err != nil || strings.TrimSpace(string(out)) != "verified" {
					t.Errorf("message %d (%s) does not verify in Python: %v\n%s", i, r.header.Get("x-amz-sns-message-type"), err, out)
				}
			}
		})
	}
}
