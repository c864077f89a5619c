package eventbus

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files")

// fixedNow is the clock of every test.
var fixedNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

// sequentialIDs returns an ID source giving UUID-shaped IDs 1, 2, 3, ...
func sequentialIDs() func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) }
}

// testKey is the SNS signing key of the golden files (testdata/sns-test-key.pem).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	raw, err := os.ReadFile(filepath.Join("testdata", "sns-test-key.pem"))
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(raw)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	return k.(*rsa.PrivateKey)
})

// checkGolden compares got (compact JSON as delivered) with testdata/golden/name.json, which
// holds it indented for reading; -update rewrites the file.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", name, err, got)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run go test ./sim/eventbus -update to create it)", name, err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from %s\n got: %s\nwant: %s", name, path, pretty.Bytes(), want)
	}
	// The golden file must also hold exactly the delivered bytes, once compacted.
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		t.Fatalf("%s: golden file is not JSON: %v", path, err)
	}
	if !bytes.Equal(compact.Bytes(), got) {
		t.Errorf("%s: delivered bytes differ from the compacted golden file\n got: %s\nwant: %s", name, got, compact.Bytes())
	}
}
