package sim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

var randomIDs = regexp.MustCompile(`(term|resaleauthz|offer|agmt)-[0-9a-z]+`)

// checkGolden compares v, as indented JSON with random ids replaced by their prefix, with
// testdata/name.golden.json; -update rewrites the file.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = randomIDs.ReplaceAll(b, []byte("$1-ID"))
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from %s:\n%s", name, path, b)
	}
}

// TestEntityShapesMatchGoldenFiles pins the DescribeEntity documents of a published renewal
// resale authorization and of a CPPO offer made from it (reference §1.5, §1.6).
func TestEntityShapesMatchGoldenFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withDelay(2*time.Second))
	id := e.publish(renewalChangeSet())
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl("POST", "/_sim/resellers/"+reseller1+"/offers", map[string]any{"resaleAuthorizationId": id, "markupPercentage": "5", "expiryDate": "2026-12-20"}, &offer)
	doc, out := e.describeRA(id)
	checkGolden(t, "resale-authorization", map[string]any{"EntityType": out.EntityType, "EntityIdentifier": out.EntityIdentifier,
		"EntityArn": out.EntityArn, "LastModifiedDate": out.LastModifiedDate, "DetailsDocument": doc})
	offerDoc, offerOut := e.describeRA(offer.OfferID)
	checkGolden(t, "cppo-offer", map[string]any{"EntityType": offerOut.EntityType, "EntityIdentifier": offerOut.EntityIdentifier,
		"EntityArn": offerOut.EntityArn, "LastModifiedDate": offerOut.LastModifiedDate, "DetailsDocument": offerDoc})
}
