// Package client is a small REST client of dealdesk's API (/api/v1): it sends the API key as a
// bearer token and turns problem answers (RFC 9457, application/problem+json) back into
// *dealdesk.Error with their code, detail and invalid fields (decision 020).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// maxAnswerBytes bounds the body of an answer the client reads (the API's answers here are a
// few KiB; a problem lists at most dealdesk.MaxProblems fields).
const maxAnswerBytes = 4 << 20

// Client calls one dealdesk server's API as one organization (the API key's).
type Client struct {
	base   *url.URL
	apiKey string
	http   *http.Client
}

// New returns a client of the API at baseURL (e.g. "http://127.0.0.1:8080/api/v1", an http or
// https URL without query) that authenticates with apiKey ("ddk_..."; empty sends no key, and
// the server answers 401). hc nil means http.DefaultClient. A bad URL is an EINVALID error
// naming the URL.
func New(baseURL, apiKey string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, dealdesk.Errorf(dealdesk.EINVALID, "the API URL %q is not an http(s) URL such as http://127.0.0.1:8080/api/v1", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: u, apiKey: apiKey, http: hc}, nil
}

// AWSConnection returns the organization's AWS connection (GET /aws-connection), never with its
// secret (HasSecretAccessKey says whether one is stored). ENOTFOUND until one is set.
func (c *Client) AWSConnection(ctx context.Context) (*dealdesk.AWSConnection, error) {
	var conn dealdesk.AWSConnection
	if err := c.do(ctx, http.MethodGet, "/aws-connection", nil, &conn); err != nil {
		return nil, err
	}
	return &conn, nil
}

// SaveAWSConnection sets the organization's AWS connection (PUT /aws-connection). An empty
// SecretAccessKey keeps the stored one. EINVALID names every bad field.
func (c *Client) SaveAWSConnection(ctx context.Context, in dealdesk.AWSConnectionInput) (*dealdesk.AWSConnection, error) {
	var conn dealdesk.AWSConnection
	if err := c.do(ctx, http.MethodPut, "/aws-connection", in, &conn); err != nil {
		return nil, err
	}
	return &conn, nil
}

// SyncProducts queues a sync of the organization's products from AWS's Catalog (POST
// /products:sync) and returns the job's state (Duplicate when one was already queued).
// ENOTFOUND without an AWS connection.
func (c *Client) SyncProducts(ctx context.Context) (*dealdesk.JobState, error) {
	var job dealdesk.JobState
	if err := c.do(ctx, http.MethodPost, "/products:sync", nil, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// do sends method path with in as its JSON body (none when nil) and decodes a 2xx answer into
// out. Any other answer is returned as the error it describes (see answerError).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	_, err := c.send(ctx, method, path, nil, in, out, maxAnswerBytes)
	return err
}

// send is do with a query, an answer size limit, and the answer's status.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, in, out any, limit int64) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %d, read answer: %w", method, u.Redacted(), resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, answerError(resp.StatusCode, b)
	}
	if out == nil {
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %d, decode answer: %w", method, u.Redacted(), resp.StatusCode, err)
	}
	return resp.StatusCode, nil
}
