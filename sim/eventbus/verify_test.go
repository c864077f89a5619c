package eventbus

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// VerifySNS checks a delivered SNS envelope the way a receiver does (a test helper: the
// simulator itself never verifies): it rebuilds the canonical
// string of the message type, and verifies Signature (SignatureVersion 1: SHA1withRSA,
// 2: SHA256withRSA) with the public key of the PEM certificate. Any change to a signed field
// makes it fail.
func VerifySNS(body []byte, certPEM []byte) error {
	var e snsEnvelope
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("SNS message is not a JSON object of strings: %w", err)
	}
	for _, f := range []struct{ name, v string }{
		{"Type", e.Type}, {"MessageId", e.MessageID}, {"TopicArn", e.TopicArn},
		{"Timestamp", e.Timestamp}, {"SignatureVersion", e.SignatureVersion}, {"Signature", e.Signature},
	} {
		if f.v == "" {
			return fmt.Errorf("SNS message has no %s", f.name)
		}
	}
	s, err := e.stringToSign()
	if err != nil {
		return err
	}
	h, sum, err := digest(e.SignatureVersion, s)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil {
		return fmt.Errorf("SNS Signature is not base64: %w", err)
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("signing certificate does not hold an RSA public key")
	}
	if err := rsa.VerifyPKCS1v15(pub, h, sum, sig); err != nil {
		return errors.New("SNS signature does not match the message")
	}
	return nil
}
