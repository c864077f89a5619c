package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/dealdesk/dealdesk"
)

// maxBatchAnswerBytes bounds the answer of POST /usage:batch: one result per group, each with
// the stored group (10,000 groups of a few dimensions answer about 3 MiB).
const maxBatchAnswerBytes = 64 << 20

// ReportUsage reports one usage group of the entitlement entitlementID (POST
// /entitlements/{id}/usage) and returns the stored group; created is false when the same
// report was stored before under in.ID. ECONFLICT when another report holds that ID, EINVALID
// naming every bad field, ENOTFOUND for an entitlement not the organization's.
func (c *Client) ReportUsage(ctx context.Context, entitlementID string, in dealdesk.UsageGroupInput) (g *dealdesk.UsageGroup, created bool, err error) {
	in.EntitlementID = entitlementID
	g = &dealdesk.UsageGroup{}
	status, err := c.send(ctx, http.MethodPost, "/entitlements/"+url.PathEscape(entitlementID)+"/usage", nil, in, g, maxAnswerBytes)
	if err != nil {
		return nil, false, err
	}
	return g, status == http.StatusCreated, nil
}

// UsageBatchResult is the answer for one group of a batch: Status is what a single report would
// have answered (201 stored now, 200 stored before, 409, 422, 404); Group is the stored group
// for 200 and 201, Err the problem otherwise.
type UsageBatchResult struct {
	ID     string
	Status int
	Group  *dealdesk.UsageGroup
	Err    *dealdesk.Error
}

// UsageBatchAnswer is the answer of POST /usage:batch: one result per group, in order.
type UsageBatchAnswer struct {
	Results  []UsageBatchResult
	Accepted int // stored now or before (201, 200)
	Rejected int
}

// ReportUsageBatch reports up to dealdesk.MaxUsageBatchGroups usage groups of any entitlements
// (POST /usage:batch), each naming its entitlement, and returns one result per group. An error
// means the call as a whole was refused (EINVALID, ETOOLARGE) or not answered.
func (c *Client) ReportUsageBatch(ctx context.Context, groups []dealdesk.UsageGroupInput) (*UsageBatchAnswer, error) {
	raw := make([]json.RawMessage, len(groups))
	for i := range groups {
		b, err := json.Marshal(&groups[i])
		if err != nil {
			return nil, err
		}
		raw[i] = b
	}
	return c.ReportUsageBatchJSON(ctx, raw)
}

// ReportUsageBatchJSON is ReportUsageBatch with each group given as its JSON object, sent as
// it is: the server, not the client, reads and checks it (a quantity written 1e3 or "0.5"
// reaches it as written). Each group must be valid JSON.
func (c *Client) ReportUsageBatchJSON(ctx context.Context, groups []json.RawMessage) (*UsageBatchAnswer, error) {
	var raw struct {
		Results []struct {
			ID      string               `json:"id"`
			Status  int                  `json:"status"`
			Group   *dealdesk.UsageGroup `json:"group"`
			Problem json.RawMessage      `json:"problem"`
		} `json:"results"`
		Accepted int `json:"accepted"`
		Rejected int `json:"rejected"`
	}
	body := struct {
		Groups []json.RawMessage `json:"groups"`
	}{groups}
	if _, err := c.send(ctx, http.MethodPost, "/usage:batch", nil, body, &raw, maxBatchAnswerBytes); err != nil {
		return nil, err
	}
	if len(raw.Results) != len(groups) {
		return nil, fmt.Errorf("POST /usage:batch: %d results for %d groups", len(raw.Results), len(groups))
	}
	a := &UsageBatchAnswer{Results: make([]UsageBatchResult, len(raw.Results)), Accepted: raw.Accepted, Rejected: raw.Rejected}
	for i, r := range raw.Results {
		a.Results[i] = UsageBatchResult{ID: r.ID, Status: r.Status, Group: r.Group}
		if r.Status < 200 || r.Status > 299 {
			a.Results[i].Err = answerError(r.Status, r.Problem)
		}
	}
	return a, nil
}

// FindUsageGroups lists the organization's usage groups, newest first (GET /usage-groups), and
// the next page's cursor ("" on the last page).
func (c *Client) FindUsageGroups(ctx context.Context, f dealdesk.UsageGroupFilter) ([]*dealdesk.UsageGroup, string, error) {
	q := listQuery(f.EntitlementID, string(f.Status), f.From, f.To, f.Cursor, f.Limit)
	var page struct {
		Items      []*dealdesk.UsageGroup `json:"items"`
		NextCursor string                 `json:"nextCursor"`
	}
	if _, err := c.send(ctx, http.MethodGet, "/usage-groups", q, nil, &page, maxAnswerBytes); err != nil {
		return nil, "", err
	}
	return page.Items, page.NextCursor, nil
}

// FindMeteringRecords lists the organization's metering records, newest hour first (GET
// /metering-records), and the next page's cursor.
func (c *Client) FindMeteringRecords(ctx context.Context, f dealdesk.MeteringRecordFilter) ([]*dealdesk.MeteringRecord, string, error) {
	q := listQuery(f.EntitlementID, string(f.Status), f.From, f.To, f.Cursor, f.Limit)
	var page struct {
		Items      []*dealdesk.MeteringRecord `json:"items"`
		NextCursor string                     `json:"nextCursor"`
	}
	if _, err := c.send(ctx, http.MethodGet, "/metering-records", q, nil, &page, maxAnswerBytes); err != nil {
		return nil, "", err
	}
	return page.Items, page.NextCursor, nil
}

// FindMeteringRecordByID returns one metering record (GET /metering-records/{id}); ENOTFOUND
// unless it is the organization's.
func (c *Client) FindMeteringRecordByID(ctx context.Context, id string) (*dealdesk.MeteringRecord, error) {
	var r dealdesk.MeteringRecord
	if err := c.do(ctx, http.MethodGet, "/metering-records/"+url.PathEscape(id), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// RetryMeteringRecord makes a FAILED metering record PENDING again (POST
// /metering-records/{id}/retry); ECONFLICT in any other status.
func (c *Client) RetryMeteringRecord(ctx context.Context, id string) (*dealdesk.MeteringRecord, error) {
	var r dealdesk.MeteringRecord
	if err := c.do(ctx, http.MethodPost, "/metering-records/"+url.PathEscape(id)+"/retry", nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// MeteringTotals sums an entitlement's usage and metering (GET /entitlements/{id}/metering).
func (c *Client) MeteringTotals(ctx context.Context, entitlementID string) (*dealdesk.MeteringTotals, error) {
	var t dealdesk.MeteringTotals
	if err := c.do(ctx, http.MethodGet, "/entitlements/"+url.PathEscape(entitlementID)+"/metering", nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// FlushMetering closes every ended usage hour and sends what is pending now (POST
// /metering/flush) and returns what was done; "unavailable" (503) when the server runs without
// the metering worker.
func (c *Client) FlushMetering(ctx context.Context) (*dealdesk.FlushResult, error) {
	var r dealdesk.FlushResult
	if _, err := c.send(ctx, http.MethodPost, "/metering/flush", nil, nil, &r, maxBatchAnswerBytes); err != nil {
		return nil, err
	}
	return &r, nil
}

// listQuery returns the query of a usage or metering list.
func listQuery(entitlementID, status string, from, to *time.Time, cursor string, limit int) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("entitlementId", entitlementID)
	set("status", status)
	if from != nil {
		set("from", from.UTC().Format(time.RFC3339Nano))
	}
	if to != nil {
		set("to", to.UTC().Format(time.RFC3339Nano))
	}
	set("cursor", cursor)
	if limit > 0 {
		set("limit", strconv.Itoa(limit))
	}
	return q
}

var (
	_ dealdesk.MeteringService = (*Client)(nil)
	_ dealdesk.MeteringFlusher = (*Client)(nil)
)
