package http_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	dhttp "github.com/dealdesk/dealdesk/http"
)

// keysBody returns a JSON object of just under 1 MiB whose keys are "k0", "k1", ..., each given
// times times in a row.
func keysBody(times int) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; ; i++ {
		member := `"k` + strconv.Itoa(i) + `":0`
		if b.Len()+times*(len(member)+1)+1 > dhttp.MaxBodyBytes {
			break
		}
		for range times {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			b.WriteString(member)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// TestEdges_DecodingCostFollowsTheBodysSizeNotItsShape pins review 2 B4 and its kind: no shape of
// a 1 MiB body costs much more CPU than another. The baseline is a body of about 95,000 distinct
// unknown keys; a body giving each of about 48,000 keys twice used to take twenty times as long
// (duplicates were looked up in a slice), and a money field of a million digits seven times (big
// number parsing is quadratic). Each body is sent three times in turn and its fastest answer
// kept, so a loaded machine slows all alike; the bound is a ratio, not a time.
func TestEdges_DecodingCostFollowsTheBodysSizeNotItsShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bodies := []struct {
		name string
		body []byte
	}{
		{"distinct keys", keysBody(1)},
		{"every key twice", keysBody(2)},
		{"every key ten times", keysBody(10)},
		{"a million-digit commit", []byte(`{"commitAmount":"1` + strings.Repeat("0", dhttp.MaxBodyBytes-100) + `"}`)},
	}
	best := make([]time.Duration, len(bodies))
	for round := range 3 {
		for i, b := range bodies {
			if len(b.body) > dhttp.MaxBodyBytes || len(b.body) < dhttp.MaxBodyBytes-100 {
				t.Fatalf("%s: body of %d bytes, want just under 1 MiB", b.name, len(b.body))
			}
			start := time.Now()
			status, out, err := postRaw(e.srv.URL, e.keyA, b.body)
			took := time.Since(start)
			if err != nil || status != 422 {
				t.Fatalf("%s: status %d, err %v, want 422: %.300s", b.name, status, err, out)
			}
			if round == 0 || took < best[i] {
				best[i] = took
			}
		}
	}
	for i, b := range bodies[1:] {
		t.Logf("%s: %v (distinct keys: %v)", b.name, best[i+1], best[0])
		if best[i+1] > 3*best[0] {
			t.Errorf("%s took %v, over three times the %v of distinct keys", b.name, best[i+1], best[0])
		}
	}
}
