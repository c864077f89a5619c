package inbound

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// certificate returns the certificate at rawURL, from the cache or fetched (the URL is already
// trusted). Fetching and parsing errors are plain errors: the message may verify later.
func (s *SNS) certificate(ctx context.Context, rawURL string) (*x509.Certificate, error) {
	s.mu.Lock()
	cert := s.certs[rawURL]
	s.mu.Unlock()
	if cert != nil {
		return cert, nil
	}
	cert, err := s.fetchCertificate(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("SNS signing certificate %s: %w", rawURL, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.certs[rawURL]; !ok {
		for len(s.order) >= s.maxCert {
			delete(s.certs, s.order[0])
			s.order = slices.Delete(s.order, 0, 1)
		}
		s.order = append(s.order, rawURL)
	}
	s.certs[rawURL] = cert
	return cert, nil
}

func (s *SNS) fetchCertificate(ctx context.Context, rawURL string) (*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	b, err := s.get(ctx, rawURL, MaxCertificateBytes)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("not a PEM CERTIFICATE")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the key is not RSA")
	}
	if key.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("the RSA key has %d bits, fewer than %d", key.N.BitLen(), minRSABits)
	}
	return cert, nil
}

// get GETs rawURL and returns its body if the answer is 200 and the body at most limit bytes.
func (s *SNS) get(ctx context.Context, rawURL string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("the answer is larger than %d bytes", limit)
	}
	if resp.StatusCode != http.StatusOK {
		return b, &statusError{status: resp.StatusCode}
	}
	return b, nil
}

// statusError is a non-200 answer.
type statusError struct{ status int }

func (e *statusError) Error() string { return fmt.Sprintf("answered HTTP %d", e.status) }
