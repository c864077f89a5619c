package http

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

// fieldsOf returns "field: message" for each field error of err.
func fieldsOf(err error) []string {
	var out []string
	for _, f := range dealdesk.ErrorFields(err) {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

func hasFieldError(err error, field, part string) bool {
	for _, f := range dealdesk.ErrorFields(err) {
		if f.Field == field && strings.Contains(f.Message, part) {
			return true
		}
	}
	return false
}

func TestDecodeUsageGroup_ReadsQuantitiesExactly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want string // the exact value, as the decimal writes it
	}{
		{`0.1`, "0.1"},
		{`12`, "12"},
		{`0`, "0"},
		{`1.50`, "1.50"},
		{`"0.25"`, "0.25"},
		{`0.000000001`, "0.000000001"},
		{`2147483647`, "2147483647"},
		{`1e3`, "1000"},
		{`1E+3`, "1000"},
		{`1.5e-7`, "0.00000015"},
		{`"2.5e1"`, "25"},
		{`0.30000000000000004`, "0.30000000000000004"}, // kept as written; validation refuses > 9 decimals
		{`123456789012345678901234567890`, "123456789012345678901234567890"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			var in dealdesk.UsageGroupInput
			body := `{"id":"g1","timestamp":"2026-11-26T08:30:00Z","records":{"api_calls":` + tt.raw + `}}`
			if err := decodeUsageGroup([]byte(body), &in, "ent_1"); err != nil {
				t.Fatalf("decode: %v %v", err, fieldsOf(err))
			}
			q, ok := in.Records["api_calls"]
			if !ok || !q.IsSet() {
				t.Fatalf("records = %v", in.Records)
			}
			if got := q.String(); got != tt.want {
				t.Errorf("quantity %s = %s, want %s", tt.raw, got, tt.want)
			}
			if !q.Equal(dealdesk.MustDecimal(tt.want).Decimal) {
				t.Errorf("quantity %s is not exactly %s", tt.raw, tt.want)
			}
		})
	}
	t.Run("one tenth stays one tenth when summed", func(t *testing.T) {
		var in dealdesk.UsageGroupInput
		if err := decodeUsageGroup([]byte(`{"id":"g","timestamp":"2026-11-26T08:30:00Z","records":{"a":0.1,"b":0.2}}`), &in, "ent_1"); err != nil {
			t.Fatal(err)
		}
		if sum := in.Records["a"].Add(in.Records["b"].Decimal); sum.String() != "0.3" {
			t.Errorf("0.1 + 0.2 = %s, want 0.3", sum)
		}
	})
	t.Run("fields", func(t *testing.T) {
		var in dealdesk.UsageGroupInput
		body := "{\"id\" : \"g\\u00e91\",\n \"entitlementId\":\"ent_1\", \"timestamp\":\"2026-11-26T08:30:00.5+01:00\", \"records\":{\"api.calls-1\":3, \"b\":null}}"
		if err := decodeUsageGroup([]byte(body), &in, "ent_1"); err != nil {
			t.Fatal(err, fieldsOf(err))
		}
		want := time.Date(2026, 11, 26, 7, 30, 0, 5e8, time.UTC)
		if in.ID != "gé1" || in.EntitlementID != "ent_1" || !in.Timestamp.Equal(want) || len(in.Records) != 2 || in.Records["b"].IsSet() {
			t.Errorf("decoded %+v", in)
		}
	})
}

func TestDecodeUsageGroup_NamesEveryBadField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		fields map[string]string // field → part of its message
	}{
		{"wrong types", `{"id":7,"timestamp":"yesterday","records":[]}`,
			map[string]string{"id": "string", "timestamp": "RFC 3339", "records": "object"}},
		{"unknown and repeated fields", `{"id":"a","id":"b","extra":1,"timestamp":"2026-11-26T08:30:00Z","records":{"x":1,"x":2}}`,
			map[string]string{"id": "more than once", "extra": "unknown field", "records.x": "more than once"}},
		{"quantities of the wrong kind", `{"id":"a","timestamp":"2026-11-26T08:30:00Z","records":{"a":true,"b":"NaN","c":"Infinity","d":"-inf","e":{"v":1},"f":"12 units","g":"0012","h":"-0","i":"1e999","j":"1e-51"}}`,
			map[string]string{"records.a": "a number", "records.b": "finite", "records.c": "finite", "records.d": "finite",
				"records.e": "a number", "records.f": "a number", "records.g": "leading zeros", "records.h": "negative zero",
				"records.i": "out of range", "records.j": "out of range"}},
		{"another entitlement than the path's", `{"id":"a","entitlementId":"ent_2","timestamp":"2026-11-26T08:30:00Z","records":{"a":1}}`,
			map[string]string{"entitlementId": "ent_1"}},
		{"text that is not what was sent", "{\"id\":\"a\\ud800\",\"timestamp\":\"2026-11-26T08:30:00Z\",\"records\":{\"a\":1}}",
			map[string]string{"id": "UTF-8"}},
		{"invalid UTF-8 in the id", "{\"id\":\"a\xff\",\"timestamp\":\"2026-11-26T08:30:00Z\",\"records\":{\"a\":1}}",
			map[string]string{"id": "UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in dealdesk.UsageGroupInput
			err := decodeUsageGroup([]byte(tt.body), &in, "ent_1")
			if dealdesk.ErrorCode(err) != dealdesk.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			for f, part := range tt.fields {
				if !hasFieldError(err, f, part) {
					t.Errorf("no %s error with %q: %v", f, part, fieldsOf(err))
				}
			}
			if n := len(dealdesk.ErrorFields(err)); n != len(tt.fields) {
				t.Errorf("%d field errors, want %d: %v", n, len(tt.fields), fieldsOf(err))
			}
		})
	}
	t.Run("more dimensions than allowed are counted, not kept", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"id":"a","timestamp":"2026-11-26T08:30:00Z","records":{`)
		for i := range 5000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"d%d":%d`, i, i)
		}
		b.WriteString(`}}`)
		var in dealdesk.UsageGroupInput
		err := decodeUsageGroup([]byte(b.String()), &in, "ent_1")
		if !hasFieldError(err, "records", "got 5000") {
			t.Errorf("err = %v", fieldsOf(err))
		}
		if len(in.Records) > dealdesk.MaxUsageRecords {
			t.Errorf("kept %d records", len(in.Records))
		}
	})
	for _, body := range []string{``, `{"id":`, `[1]`, `{"id":"a"} x`, `{"id":"a"}{}`} {
		var in dealdesk.UsageGroupInput
		if err := decodeUsageGroup([]byte(body), &in, "ent_1"); dealdesk.ErrorCode(err) != dealdesk.EMALFORMED {
			t.Errorf("%q: err = %v, want EMALFORMED", body, err)
		}
	}
}

// batchRequest returns a POST /api/v1/usage:batch request with body and a recorder.
func batchRequest(body string) (*httptest.ResponseRecorder, *http.Request) {
	return httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/usage:batch", strings.NewReader(body))
}

func TestDecodeUsageBatch(t *testing.T) {
	t.Parallel()
	t.Run("each group decodes on its own", func(t *testing.T) {
		w, r := batchRequest(`{"groups":[
			{"id":"a","entitlementId":"ent_1","timestamp":"2026-11-26T08:30:00Z","records":{"x":1.5}},
			{"id":"b","entitlementId":"ent_2","timestamp":"2026-11-26T08:31:00Z","records":{"x":"2","y":3},"bogus":1},
			7,
			{"id":"c","entitlementId":"ent_1","timestamp":"2026-11-26T08:32:00Z","records":{"x":0}}]}`)
		b, err := decodeUsageBatch(w, r)
		if err != nil {
			t.Fatal(err, fieldsOf(err))
		}
		if len(b.Slots) != 4 || len(b.Groups) != 2 {
			t.Fatalf("slots %+v, groups %d", b.Slots, len(b.Groups))
		}
		if b.Slots[0].Input != 0 || b.Slots[3].Input != 1 || b.Groups[1].ID != "c" || b.Groups[0].Records["x"].String() != "1.5" {
			t.Errorf("slots %+v groups %+v", b.Slots, b.Groups)
		}
		if b.Slots[1].Input != -1 || b.Slots[1].ID != "b" || !hasFieldError(b.Slots[1].Err, "bogus", "unknown") {
			t.Errorf("slot 1 = %+v", b.Slots[1])
		}
		if b.Slots[2].Input != -1 || dealdesk.ErrorCode(b.Slots[2].Err) != dealdesk.EINVALID {
			t.Errorf("slot 2 = %+v", b.Slots[2])
		}
		if b.Groups[0].EntitlementID != "ent_1" || b.Groups[1].EntitlementID != "ent_1" {
			t.Errorf("entitlements %q %q", b.Groups[0].EntitlementID, b.Groups[1].EntitlementID)
		}
	})
	tests := []struct {
		name, body string
		code       string
		field      string
	}{
		{"empty", ``, dealdesk.EMALFORMED, ""},
		{"not an object", `[]`, dealdesk.EMALFORMED, ""},
		{"syntax error in a group", `{"groups":[{"id":}]}`, dealdesk.EMALFORMED, ""},
		{"cut short", `{"groups":[{"id":"a"}`, dealdesk.EMALFORMED, ""},
		{"data after", `{"groups":[{"id":"a"}]} {}`, dealdesk.EMALFORMED, ""},
		{"no groups", `{}`, dealdesk.EINVALID, "groups"},
		{"no group", `{"groups":[]}`, dealdesk.EINVALID, "groups"},
		{"groups not an array", `{"groups":{"a":[1]}}`, dealdesk.EINVALID, "groups"},
		{"groups twice", `{"groups":[{"id":"a"}],"groups":[]}`, dealdesk.EINVALID, "groups"},
		{"unknown field", `{"groups":[{"id":"a"}],"other":[1,2]}`, dealdesk.EINVALID, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, r := batchRequest(tt.body)
			_, err := decodeUsageBatch(w, r)
			if dealdesk.ErrorCode(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if tt.field != "" && !slices.ContainsFunc(dealdesk.ErrorFields(err), func(f dealdesk.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("no %s error: %v", tt.field, fieldsOf(err))
			}
		})
	}
	t.Run("more groups than allowed", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString(`{"groups":[`)
		for i := range dealdesk.MaxUsageBatchGroups + 1 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"g%d"}`, i)
		}
		b.WriteString(`]}`)
		w, r := batchRequest(b.String())
		_, err := decodeUsageBatch(w, r)
		if !hasFieldError(err, "groups", "at most 10000") {
			t.Fatalf("err = %v %v", err, fieldsOf(err))
		}
		w, r = batchRequest(strings.Replace(b.String(), `{"id":"g0"},`, "", 1))
		if got, err := decodeUsageBatch(w, r); err != nil || len(got.Slots) != dealdesk.MaxUsageBatchGroups {
			t.Fatalf("10000 groups: err %v", err)
		}
	})
	t.Run("a body over the limit", func(t *testing.T) {
		w, r := batchRequest(`{"groups":[{"id":"` + strings.Repeat("x", MaxUsageBatchBytes) + `"}]}`)
		if _, err := decodeUsageBatch(w, r); dealdesk.ErrorCode(err) != dealdesk.ETOOLARGE {
			t.Fatalf("err = %v, want ETOOLARGE", err)
		}
	})
}

// BenchmarkDecodeUsageBatch decodes a batch of 10,000 groups of three dimensions.
func BenchmarkDecodeUsageBatch(b *testing.B) {
	var body bytes.Buffer
	body.WriteString(`{"groups":[`)
	for i := range dealdesk.MaxUsageBatchGroups {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":"host-%d-2026-11-26T08","entitlementId":"ent_01jd2v6zk8n3b5q4w7x9y0z1a2","timestamp":"2026-11-26T08:%02d:00Z","records":{"api_calls":%d,"storage_gb":0.25,"seats":3}}`, i, i%60, i%1000)
	}
	body.WriteString(`]}`)
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		w, r := batchRequest(body.String())
		if _, err := decodeUsageBatch(w, r); err != nil {
			b.Fatal(err)
		}
	}
}
