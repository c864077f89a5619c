package http_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	dhttp "github.com/dealdesk/dealdesk/http"
)

// TestMain runs the tests and then, when the whole suite ran and passed, checks that it called
// every operation of the OpenAPI document against the real server.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		if missing := unexercised(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: the tests never call these documented operations: %v\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

func unexercised() []string {
	doc, err := openapi3.NewLoader().LoadFromData(dhttp.OpenAPI)
	if err != nil {
		return []string{err.Error()}
	}
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if _, ok := exercised.Load(method + " " + path); !ok {
				missing = append(missing, method+" "+path)
			}
		}
	}
	return missing
}
