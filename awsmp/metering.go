package awsmp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/dealdesk/dealdesk"
)

// Meter implements dealdesk.Meter with the Marketplace Metering client of each connection
// (awsJson 1.1, the connection's region, MeteringClient). Its calls wait for the seller
// account's BatchMeterUsage bucket (Quotas: 10 a second, shared by every organization on the
// account) when built with the default or WithLimits limits, and the SDK's retryer retries
// throttling and 5xx answers with backoff before BatchMeterUsage returns.
type Meter struct {
	opts    []Option
	mu      sync.Mutex
	clients map[string]*marketplacemetering.Client
}

var _ dealdesk.Meter = (*Meter)(nil)

// NewMeter returns a Meter whose clients Config builds with opts.
func NewMeter(opts ...Option) *Meter {
	return &Meter{opts: opts, clients: map[string]*marketplacemetering.Client{}}
}

func (m *Meter) client(ctx context.Context, conn *dealdesk.AWSConnection) (*marketplacemetering.Client, error) {
	if conn == nil {
		return nil, fmt.Errorf("awsmp: no AWS connection")
	}
	key := connectionKey(conn)
	m.mu.Lock()
	defer m.mu.Unlock()
	if cl := m.clients[key]; cl != nil {
		return cl, nil
	}
	cfg, err := Config(ctx, conn, m.opts...)
	if err != nil {
		return nil, err
	}
	cl := MeteringClient(cfg)
	m.clients[key] = cl
	return cl, nil
}

// usageRecordJSON is one BatchMeterUsage usage record as dealdesk stores it: AWS's member names
// in the order the SDK writes them, the request-level ProductCode with it for products metered
// by customer identifier. Field order and types fix the bytes: the same record always encodes
// the same.
type usageRecordJSON struct {
	CustomerAWSAccountID string `json:"CustomerAWSAccountId,omitempty"`
	CustomerIdentifier   string `json:"CustomerIdentifier,omitempty"`
	Dimension            string `json:"Dimension"`
	LicenseArn           string `json:"LicenseArn,omitempty"`
	ProductCode          string `json:"ProductCode,omitempty"`
	Quantity             int64  `json:"Quantity"`
	Timestamp            int64  `json:"Timestamp"` // epoch seconds: the start of the record's hour
}

// UsageRecordRequest returns the JSON of the usage record BatchMeterUsage sends for record i
// of b: {"CustomerAWSAccountId","Dimension","LicenseArn","Quantity","Timestamp"} for a
// product metered by license (MeteringByLicense, no ProductCode), or
// {"CustomerIdentifier","Dimension","ProductCode","Quantity","Timestamp"} for one metered by
// customer identifier. Timestamp is the record's Hour in epoch seconds, so the bytes depend on
// the record alone, never on when it is sent. Errors name what is missing.
func (m *Meter) UsageRecordRequest(b *dealdesk.MeteringBatch, i int) (json.RawMessage, error) {
	if b == nil || b.Product == nil || i < 0 || i >= len(b.Records) || i >= len(b.Customers) {
		return nil, fmt.Errorf("awsmp: usage record %d: not in the batch", i)
	}
	r, c := b.Records[i], b.Customers[i]
	if r.Quantity < 0 || r.Quantity > 2147483647 {
		return nil, fmt.Errorf("awsmp: usage record %d (%s): Quantity must be 0-2147483647, got %d", i, r.ID, r.Quantity)
	}
	if r.DimensionKey == "" {
		return nil, fmt.Errorf("awsmp: usage record %d (%s): Dimension is required", i, r.ID)
	}
	if r.Hour.IsZero() || !r.Hour.Equal(r.Hour.Truncate(time.Hour)) {
		return nil, fmt.Errorf("awsmp: usage record %d (%s): Timestamp must be the start of an hour, got %s", i, r.ID, r.Hour.Format(time.RFC3339Nano))
	}
	u := usageRecordJSON{Dimension: r.DimensionKey, Quantity: r.Quantity, Timestamp: r.Hour.Unix()}
	switch b.Identity {
	case dealdesk.MeteringByLicense:
		if c.CustomerAWSAccountID == "" || c.LicenseARN == "" {
			return nil, fmt.Errorf("awsmp: usage record %d (%s): CustomerAWSAccountId and LicenseArn are required for a product metered by license", i, r.ID)
		}
		u.CustomerAWSAccountID, u.LicenseArn = c.CustomerAWSAccountID, c.LicenseARN
	case dealdesk.MeteringByCustomerIdentifier:
		if c.CustomerIdentifier == "" || b.Product.ProductCode == "" {
			return nil, fmt.Errorf("awsmp: usage record %d (%s): CustomerIdentifier and ProductCode are required for a product metered by customer identifier", i, r.ID)
		}
		u.CustomerIdentifier, u.ProductCode = c.CustomerIdentifier, b.Product.ProductCode
	default:
		return nil, fmt.Errorf("awsmp: usage record %d (%s): unknown metering identity %q", i, r.ID, b.Identity)
	}
	return json.Marshal(u)
}

// BatchMeterUsage sends b's records in one BatchMeterUsage call and returns one result per
// record, in b's order. Each record goes as its stored Request when it has one (so that a
// retry after a crash is byte-identical to the first call), else as UsageRecordRequest builds
// it; records that name a ProductCode send it as the request's ProductCode, which must then be
// one for the whole batch. AWS's Results are matched to records by customer, dimension and
// timestamp, not by position; a record AWS returned in UnprocessedRecords, or did not answer
// for at all, gets Status "". An answer refusing the whole batch is an *dealdesk.AWSError:
// Retryable for throttling, InternalServiceErrorException, 5xx and no answer; not for
// TimestampOutOfBoundsException and other client errors.
func (m *Meter) BatchMeterUsage(ctx context.Context, conn *dealdesk.AWSConnection, b *dealdesk.MeteringBatch) ([]dealdesk.UsageRecordResult, error) {
	if b == nil || len(b.Records) == 0 {
		return nil, fmt.Errorf("awsmp: BatchMeterUsage: no usage records")
	}
	if len(b.Records) > dealdesk.MaxMeteringBatch {
		return nil, fmt.Errorf("awsmp: BatchMeterUsage: %d usage records, at most %d a call", len(b.Records), dealdesk.MaxMeteringBatch)
	}
	in := &marketplacemetering.BatchMeterUsageInput{UsageRecords: make([]types.UsageRecord, len(b.Records))}
	index := make(map[string][]int, len(b.Records))
	for i, r := range b.Records {
		raw := r.Request
		if len(raw) == 0 {
			var err error
			if raw, err = m.UsageRecordRequest(b, i); err != nil {
				return nil, err
			}
		}
		var u usageRecordJSON
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			return nil, fmt.Errorf("awsmp: usage record %d (%s): stored request is not a usage record: %v", i, r.ID, err)
		}
		switch {
		case i == 0:
			in.ProductCode = aws.String(u.ProductCode)
		case u.ProductCode != aws.ToString(in.ProductCode):
			return nil, fmt.Errorf("awsmp: usage record %d (%s): ProductCode %q differs from the batch's %q", i, r.ID, u.ProductCode, aws.ToString(in.ProductCode))
		}
		in.UsageRecords[i] = u.sdk()
		k := resultKey(in.UsageRecords[i])
		index[k] = append(index[k], i)
	}
	if aws.ToString(in.ProductCode) == "" {
		in.ProductCode = nil // a LicenseArn integration sends no ProductCode (reference §4.2)
	}
	cl, err := m.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	out, err := cl.BatchMeterUsage(ctx, in)
	if err != nil {
		return nil, awsError("BatchMeterUsage", err)
	}
	results := make([]dealdesk.UsageRecordResult, len(b.Records))
	answered := make([]bool, len(b.Records))
	take := func(u *types.UsageRecord) (int, bool) {
		if u == nil {
			return 0, false
		}
		k := resultKey(*u)
		for _, i := range index[k] {
			if !answered[i] {
				answered[i] = true
				return i, true
			}
		}
		return 0, false
	}
	for _, res := range out.Results {
		i, ok := take(res.UsageRecord)
		if !ok {
			continue // an answer for no record of the batch: nothing to store it on
		}
		results[i] = dealdesk.UsageRecordResult{Status: string(res.Status), MeteringRecordID: aws.ToString(res.MeteringRecordId),
			Response: mustJSON(resultJSON{MeteringRecordID: aws.ToString(res.MeteringRecordId), Status: string(res.Status), UsageRecord: fromSDK(res.UsageRecord)})}
	}
	for _, u := range out.UnprocessedRecords {
		if i, ok := take(&u); ok {
			results[i] = dealdesk.UsageRecordResult{Response: mustJSON(resultJSON{Unprocessed: true, UsageRecord: fromSDK(&u)})}
		}
	}
	for i := range results {
		if !answered[i] {
			results[i] = dealdesk.UsageRecordResult{Response: mustJSON(resultJSON{Unprocessed: true, UsageRecord: fromSDK(&in.UsageRecords[i])})}
		}
	}
	return results, nil
}

// resultJSON is AWS's answer for one record as dealdesk stores it: its UsageRecordResult, or
// the record with Unprocessed set when AWS returned it in UnprocessedRecords (or not at all).
type resultJSON struct {
	MeteringRecordID string           `json:"MeteringRecordId,omitempty"`
	Status           string           `json:"Status,omitempty"`
	Unprocessed      bool             `json:"Unprocessed,omitempty"`
	UsageRecord      *usageRecordJSON `json:"UsageRecord,omitempty"`
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // resultJSON holds strings and integers only
	}
	return b
}

// sdk returns u as the SDK's usage record (without the request-level ProductCode).
func (u usageRecordJSON) sdk() types.UsageRecord {
	out := types.UsageRecord{Dimension: aws.String(u.Dimension), Quantity: aws.Int32(int32(u.Quantity)),
		Timestamp: aws.Time(time.Unix(u.Timestamp, 0).UTC())}
	if u.CustomerAWSAccountID != "" {
		out.CustomerAWSAccountId = aws.String(u.CustomerAWSAccountID)
	}
	if u.CustomerIdentifier != "" {
		out.CustomerIdentifier = aws.String(u.CustomerIdentifier)
	}
	if u.LicenseArn != "" {
		out.LicenseArn = aws.String(u.LicenseArn)
	}
	return out
}

// fromSDK returns AWS's echo of a usage record in dealdesk's stored form; nil for none.
func fromSDK(u *types.UsageRecord) *usageRecordJSON {
	if u == nil {
		return nil
	}
	out := &usageRecordJSON{CustomerAWSAccountID: aws.ToString(u.CustomerAWSAccountId), CustomerIdentifier: aws.ToString(u.CustomerIdentifier),
		Dimension: aws.ToString(u.Dimension), LicenseArn: aws.ToString(u.LicenseArn), Quantity: int64(aws.ToInt32(u.Quantity))}
	if u.Timestamp != nil {
		out.Timestamp = u.Timestamp.Unix()
	}
	return out
}

// resultKey identifies a usage record in AWS's answer: its customer, dimension and timestamp
// (a batch never holds two records of one customer, dimension and hour).
func resultKey(u types.UsageRecord) string {
	var ts int64
	if u.Timestamp != nil {
		ts = u.Timestamp.Unix()
	}
	return aws.ToString(u.CustomerIdentifier) + "\x00" + aws.ToString(u.CustomerAWSAccountId) + "\x00" + aws.ToString(u.LicenseArn) +
		"\x00" + aws.ToString(u.Dimension) + "\x00" + strconv.FormatInt(ts, 10)
}
