package eventbus

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// snsTimeLayout is SNS's Timestamp format (UTC, milliseconds).
const snsTimeLayout = "2006-01-02T15:04:05.000Z"

// snsEnvelope is the JSON SNS POSTs to an HTTP subscription (and puts in an SQS message body).
type snsEnvelope struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token,omitempty"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	SubscribeURL     string `json:"SubscribeURL,omitempty"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL,omitempty"`
}

// stringToSign is AWS's canonical form of an SNS message: selected keys in byte order, each as
// "Key\nValue\n"; Subject only when present.
func (e *snsEnvelope) stringToSign() (string, error) {
	var keys []struct{ k, v string }
	add := func(k, v string) { keys = append(keys, struct{ k, v string }{k, v}) }
	switch e.Type {
	case "Notification":
		add("Message", e.Message)
		add("MessageId", e.MessageID)
		if e.Subject != "" {
			add("Subject", e.Subject)
		}
		add("Timestamp", e.Timestamp)
		add("TopicArn", e.TopicArn)
		add("Type", e.Type)
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		add("Message", e.Message)
		add("MessageId", e.MessageID)
		add("SubscribeURL", e.SubscribeURL)
		add("Timestamp", e.Timestamp)
		add("Token", e.Token)
		add("TopicArn", e.TopicArn)
		add("Type", e.Type)
	default:
		return "", fmt.Errorf("unknown SNS message Type %q", e.Type)
	}
	var b strings.Builder
	for _, kv := range keys {
		b.WriteString(kv.k)
		b.WriteByte('\n')
		b.WriteString(kv.v)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

func digest(version, s string) (crypto.Hash, []byte, error) {
	switch version {
	case "1":
		h := sha1.Sum([]byte(s))
		return crypto.SHA1, h[:], nil
	case "2":
		h := sha256.Sum256([]byte(s))
		return crypto.SHA256, h[:], nil
	}
	return 0, nil, fmt.Errorf("unsupported SignatureVersion %q; want \"1\" or \"2\"", version)
}

// sign fills e.Signature with key.
func (e *snsEnvelope) sign(key *rsa.PrivateKey) error {
	s, err := e.stringToSign()
	if err != nil {
		return err
	}
	h, sum, err := digest(e.SignatureVersion, s)
	if err != nil {
		return err
	}
	sig, err := rsa.SignPKCS1v15(nil, key, h, sum)
	if err != nil {
		return fmt.Errorf("signing SNS message: %w", err)
	}
	e.Signature = base64.StdEncoding.EncodeToString(sig)
	return nil
}

func parseCertPEM(certPEM []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("signing certificate is not a PEM CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing signing certificate: %w", err)
	}
	return cert, nil
}

// signer is the SNS signing key with its self-signed certificate.
type signer struct {
	key     *rsa.PrivateKey
	certPEM []byte
}

// newSigner makes a certificate for key (a new 2048-bit key when nil), valid from an hour before
// now for ten years.
func newSigner(key *rsa.PrivateKey, now time.Time) (*signer, error) {
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("generating SNS signing key: %w", err)
		}
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "sns.us-east-1.amazonaws.com (dealdesk simulator)", Organization: []string{"dealdesk simulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating SNS signing certificate: %w", err)
	}
	return &signer{key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// restoreSigner parses a stored key and certificate and checks they belong together.
func restoreSigner(keyPEM, certPEM []byte) (*signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("SNS signing key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing SNS signing key: %w", err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("SNS signing key is not an RSA key")
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("SNS signing certificate does not match the key")
	}
	return &signer{key: key, certPEM: certPEM}, nil
}

func (s *signer) keyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
