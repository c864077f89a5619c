package sim

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// putFaultsFor sends PUT /_sim/faults with an error fault on op and returns the status and body.
func putFaultsFor(t *testing.T, s *Server, op string) (int, string) {
	t.Helper()
	body, err := json.Marshal(FaultConfig{Operations: map[string]OpFault{op: {ErrorRate: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/_sim/faults", strings.NewReader(string(body))))
	return w.Code, w.Body.String()
}

func TestFaultTargetsAreTheRoutedOperations(t *testing.T) {
	t.Parallel()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	routed := map[string]bool{}
	for _, r := range s.catalog {
		routed[r.op] = true
	}
	for target := range s.rpc {
		routed[target[strings.LastIndex(target, ".")+1:]] = true
	}
	for _, op := range s.sqs.Operations() {
		routed[op] = true
	}
	if !routed["SendMessage"] || !routed["PurgeQueue"] {
		t.Fatalf("SQS's operations are not among the routed ones: %v", routed)
	}
	if len(routed) < 23 {
		t.Fatalf("only %d routed operations: %v", len(routed), routed)
	}
	for _, op := range slices.Sorted(maps.Keys(routed)) {
		if code, body := putFaultsFor(t, s, op); code != http.StatusOK {
			t.Errorf("a fault on routed operation %s: %d %s", op, code, body)
		}
	}
	code, body := putFaultsFor(t, s, "RebootMarketplace")
	if code != http.StatusBadRequest {
		t.Fatalf("a fault on an operation nothing routes: %d %s, want 400", code, body)
	}
	var ce struct {
		Fields []struct{ Field, Message string } `json:"fields"`
	}
	if err := json.Unmarshal([]byte(body), &ce); err != nil || len(ce.Fields) != 1 || ce.Fields[0].Field != "operations.RebootMarketplace" {
		t.Fatalf("error %s: want one field naming the operation", body)
	}
	if want := strings.Join(slices.Sorted(maps.Keys(routed)), ", "); !strings.HasSuffix(ce.Fields[0].Message, "one of "+want) {
		t.Errorf("message %q should list the routed operations %s", ce.Fields[0].Message, want)
	}
}
