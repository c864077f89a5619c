package sqs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// python is the interpreter with boto3 that scripts/test.sh installs (Debian's python3-boto3).
const python = "/usr/bin/python3"

// boto3Report is what testdata/boto3_check.py prints.
type boto3Report struct {
	Model string `json:"model"`
	Send  struct {
		MD5OfBody           string `json:"md5OfBody"`
		MD5OfBodyHere       string `json:"md5OfBodyHere"`
		MD5OfAttributes     string `json:"md5OfAttributes"`
		MD5OfAttributesHere string `json:"md5OfAttributesHere"`
	} `json:"send"`
	Receive struct {
		Count               int               `json:"count"`
		Body                string            `json:"body"`
		MD5OfBody           string            `json:"md5OfBody"`
		MD5OfBodyHere       string            `json:"md5OfBodyHere"`
		AttributeNames      []string          `json:"attributeNames"`
		Binary              string            `json:"binary"`
		MD5OfAttributes     string            `json:"md5OfAttributes"`
		MD5OfAttributesHere string            `json:"md5OfAttributesHere"`
		SystemAttributes    map[string]string `json:"systemAttributes"`
	} `json:"receive"`
	Attributes         map[string]string `json:"attributes"`
	AllAttributeNames  []string          `json:"allAttributeNames"`
	Pages              [][]string        `json:"pages"`
	FifoAttributeError *string           `json:"fifoAttributeError"`
}

// TestBoto3 checks the service with a second, independent AWS client: boto3 sends a message
// with String, custom Number, Binary and dotted attributes and receives it asking for some of
// them; the script recomputes MD5OfMessageBody and MD5OfMessageAttributes itself from what it
// sent and from what it received. It also reads queue attributes and pages through ListQueues.
func TestBoto3(t *testing.T) {
	t.Parallel()
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		t.Fatalf("%s cannot import boto3 (%v): install python3-boto3, as scripts/test.sh does", python, err)
	}
	e := newEnv(t)
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, python, "testdata/boto3_check.py", e.url)
	cmd.Env = []string{"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME=" + t.TempDir()}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3_check.py: %v\n%s", err, stderr.String())
	}
	var r boto3Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("boto3_check.py printed %s: %v", stdout.String(), err)
	}
	t.Logf("boto3 used the %s", r.Model)

	if r.Send.MD5OfBody == "" || r.Send.MD5OfBody != r.Send.MD5OfBodyHere {
		t.Errorf("SendMessage MD5OfMessageBody %q, boto3's side computes %s", r.Send.MD5OfBody, r.Send.MD5OfBodyHere)
	}
	if r.Send.MD5OfAttributes == "" || r.Send.MD5OfAttributes != r.Send.MD5OfAttributesHere {
		t.Errorf("SendMessage MD5OfMessageAttributes %q, boto3's side computes %s", r.Send.MD5OfAttributes, r.Send.MD5OfAttributesHere)
	}
	if r.Receive.Count != 1 || r.Receive.MD5OfBody == "" || r.Receive.MD5OfBody != r.Receive.MD5OfBodyHere {
		t.Errorf("ReceiveMessage gave %d messages, MD5OfBody %q, computed %s", r.Receive.Count, r.Receive.MD5OfBody, r.Receive.MD5OfBodyHere)
	}
	if want := "{\"detail-type\":\"Offer Released\",\"detail\":{\"note\":\"caf\u00e9 \U0001F600\"}}"; r.Receive.Body != want {
		t.Errorf("ReceiveMessage body %q, want the body boto3 sent, %q", r.Receive.Body, want)
	}
	if want := []string{"kind", "trace.id", "trace.raw"}; !slices.Equal(r.Receive.AttributeNames, want) {
		t.Errorf("ReceiveMessage attributes %v, want %v (kind and trace.*)", r.Receive.AttributeNames, want)
	}
	if r.Receive.Binary != "AAH+/w==" {
		t.Errorf("binary attribute came back as %s, want AAH+/w==", r.Receive.Binary)
	}
	if r.Receive.MD5OfAttributes == "" || r.Receive.MD5OfAttributes != r.Receive.MD5OfAttributesHere || r.Receive.MD5OfAttributes == r.Send.MD5OfAttributes {
		t.Errorf("ReceiveMessage MD5OfMessageAttributes %q, computed from the returned subset %s (all: %s)",
			r.Receive.MD5OfAttributes, r.Receive.MD5OfAttributesHere, r.Send.MD5OfAttributes)
	}
	if len(r.Receive.SystemAttributes) != 1 || r.Receive.SystemAttributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("system attributes %v, want only ApproximateReceiveCount 1", r.Receive.SystemAttributes)
	}
	if len(r.Attributes) != 2 || r.Attributes["VisibilityTimeout"] != "60" || r.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:"+account+":boto3-events" {
		t.Errorf("GetQueueAttributes = %v, want VisibilityTimeout and QueueArn only", r.Attributes)
	}
	if len(r.AllAttributeNames) != 12 {
		t.Errorf("GetQueueAttributes All gave %d names: %v", len(r.AllAttributeNames), r.AllAttributeNames)
	}
	if want := [][]string{{"boto3-page-0", "boto3-page-1"}, {"boto3-page-2"}}; !slices.EqualFunc(r.Pages, want, slices.Equal) {
		t.Errorf("ListQueues pages %v, want %v", r.Pages, want)
	}
	if r.FifoAttributeError == nil || *r.FifoAttributeError != "InvalidAttributeName" {
		t.Errorf("FifoQueue of a standard queue: error %v, want InvalidAttributeName", r.FifoAttributeError)
	}
}
