package sim_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestBoto3SeesAWSsErrorCodes cross-checks the simulator with an independent client: boto3 run
// by the system Python (scripts/test.sh installs Debian's python3-boto3) signs, serializes and
// parses errors its own way, and must surface the error codes AWS answers.
func TestBoto3SeesAWSsErrorCodes(t *testing.T) {
	t.Parallel()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Fatalf("boto3 is not installed for %s (scripts/test.sh installs python3-boto3): %v %s", python, err, out)
	}
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	s := e.subscribe(ra, reseller1, buyer1)
	cmd := exec.CommandContext(ctx(t), python, "testdata/boto3_crosscheck.py")
	cmd.Env = append(os.Environ(), "SIM_URL="+e.url, "LICENSE_ARN="+s.LicenseArn, "BUYER="+buyer1, "RA_ID="+ra,
		"PRODUCT_CODE="+newProductCode, "HOUR="+strconv.FormatInt(e.clock.Now().Truncate(time.Hour).Unix(), 10),
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("boto3 script: %v\n%s", err, stderr)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("boto3 script printed %s: %v", out, err)
	}
	want := map[string]string{
		"StartChangeSet token of 65 characters":          "ValidationException",
		"StartChangeSet identifier breaking the pattern": "ValidationException",
		"DescribeEntity":                                  "OK:" + ra + "@1",
		"DescribeEntity of EntityId@RevisionId":           "ValidationException",
		"ListEntities signed for us-west-2":               "InvalidSignatureException",
		"BatchMeterUsage with ProductCode and LicenseArn": "InvalidProductCodeException",
		"GetEntitlements with only DIMENSION":             "InvalidParameterException",
	}
	for name, code := range want {
		if got[name] != code {
			t.Errorf("%s: boto3 surfaced %q, want %q", name, got[name], code)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the script reported %d cases, want %d: %v", len(got), len(want), got)
	}
	if n := e.ledgerCount(); n != 0 {
		t.Errorf("ledger holds %d records after boto3's refused batch, want 0", n)
	}
}
