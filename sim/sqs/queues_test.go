package sqs_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

const dlqArn = "arn:aws:sqs:us-east-1:" + account + ":dlq"

// TestCreateQueueAcceptsEveryDocumentedAttribute: each attribute of the CreateQueue reference,
// at the bounds of its range, creates the queue and comes back from GetQueueAttributes All as
// SQS normalises it.
func TestCreateQueueAcceptsEveryDocumentedAttribute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createQueue("dlq", nil)
	e.createQueue("dlq.fifo", map[string]string{"FifoQueue": "true"})
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}`
	cases := []struct {
		name  string
		attrs map[string]string
		want  map[string]string // attributes GetQueueAttributes All must hold (the given ones when nil)
	}{
		{"low bounds", map[string]string{"DelaySeconds": "0", "MaximumMessageSize": "1024", "MessageRetentionPeriod": "60",
			"ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "0"}, nil},
		{"high bounds", map[string]string{"DelaySeconds": "900", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "1209600",
			"ReceiveMessageWaitTimeSeconds": "20", "VisibilityTimeout": "43200"}, nil},
		{"policy", map[string]string{"Policy": policy}, nil},
		{"redrive policy with a numeric string count", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":"5"}`},
			map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":5}`}},
		{"redrive allow policy", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["` + dlqArn + `"]}`}, nil},
		{"SSE-KMS", map[string]string{"KmsMasterKeyId": "alias/aws/sqs", "KmsDataKeyReusePeriodSeconds": "86400"},
			map[string]string{"KmsMasterKeyId": "alias/aws/sqs", "KmsDataKeyReusePeriodSeconds": "86400", "SqsManagedSseEnabled": "false"}},
		{"SSE-SQS off", map[string]string{"SqsManagedSseEnabled": "false"}, nil},
		{"standard queue with FifoQueue false", map[string]string{"FifoQueue": "false"}, map[string]string{"VisibilityTimeout": "30"}},
	}
	fifo := []struct {
		name  string
		attrs map[string]string
	}{
		{"FIFO high throughput", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true",
			"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}},
		{"FIFO with a FIFO dead-letter queue", map[string]string{"FifoQueue": "true",
			"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `.fifo","maxReceiveCount":1000}`}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := e.in(t).createQueue(fmt.Sprintf("q%d", i), tc.attrs)
			got := e.allAttributes(t, url)
			want := tc.want
			if want == nil {
				want = tc.attrs
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if _, ok := got["FifoQueue"]; ok {
				t.Errorf("a standard queue reports FifoQueue: %v", got)
			}
		})
	}
	for i, tc := range fifo {
		t.Run(tc.name, func(t *testing.T) {
			url := e.in(t).createQueue(fmt.Sprintf("f%d.fifo", i), tc.attrs)
			got := e.allAttributes(t, url)
			for k, v := range tc.attrs {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func (e *env) allAttributes(t *testing.T, url *string) map[string]string {
	t.Helper()
	out, err := e.sqs.GetQueueAttributes(ctx(t), &sqs.GetQueueAttributesInput{QueueUrl: url,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes
}

// TestCreateQueueRefusesBadAttributes: an unknown, read-only or misplaced attribute is
// InvalidAttributeName, a value outside what AWS documents InvalidAttributeValue (naming the
// attribute), and neither creates the queue.
func TestCreateQueueRefusesBadAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createQueue("dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`})
	e.createQueue("open-dlq", nil)
	e.createQueue("dlq.fifo", map[string]string{"FifoQueue": "true"})
	redrive := func(arn, count string) string {
		return `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":` + count + `}`
	}
	open := strings.Replace(dlqArn, ":dlq", ":open-dlq", 1)
	cases := []struct {
		name, queue string
		attrs       map[string]string
		code, says  string
	}{
		{"unknown attribute", "q", map[string]string{"Colour": "blue"}, "InvalidAttributeName", "Colour"},
		{"read-only attribute", "q", map[string]string{"QueueArn": "arn:aws:sqs:us-east-1:1:q"}, "InvalidAttributeName", "QueueArn"},
		{"FIFO attribute on a standard queue", "q", map[string]string{"ContentBasedDeduplication": "true"}, "InvalidAttributeName", "ContentBasedDeduplication"},
		{"visibility timeout above 12 hours", "q", map[string]string{"VisibilityTimeout": "43201"}, "InvalidAttributeValue", "VisibilityTimeout"},
		{"negative visibility timeout", "q", map[string]string{"VisibilityTimeout": "-1"}, "InvalidAttributeValue", "VisibilityTimeout"},
		{"visibility timeout not a number", "q", map[string]string{"VisibilityTimeout": "30s"}, "InvalidAttributeValue", "VisibilityTimeout"},
		{"retention under a minute", "q", map[string]string{"MessageRetentionPeriod": "59"}, "InvalidAttributeValue", "MessageRetentionPeriod"},
		{"retention over 14 days", "q", map[string]string{"MessageRetentionPeriod": "1209601"}, "InvalidAttributeValue", "MessageRetentionPeriod"},
		{"delay over 15 minutes", "q", map[string]string{"DelaySeconds": "901"}, "InvalidAttributeValue", "DelaySeconds"},
		{"maximum message size under 1 KiB", "q", map[string]string{"MaximumMessageSize": "1023"}, "InvalidAttributeValue", "MaximumMessageSize"},
		{"maximum message size over 1 MiB", "q", map[string]string{"MaximumMessageSize": "1048577"}, "InvalidAttributeValue", "MaximumMessageSize"},
		{"wait time over 20 seconds", "q", map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue", "ReceiveMessageWaitTimeSeconds"},
		{"data key reuse under a minute", "q", map[string]string{"KmsDataKeyReusePeriodSeconds": "59"}, "InvalidAttributeValue", "KmsDataKeyReusePeriodSeconds"},
		{"SSE-SQS not a boolean", "q", map[string]string{"SqsManagedSseEnabled": "yes"}, "InvalidAttributeValue", "SqsManagedSseEnabled"},
		{"SSE-KMS and SSE-SQS together", "q", map[string]string{"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "true"}, "InvalidAttributeValue", "SqsManagedSseEnabled"},
		{"policy not JSON", "q", map[string]string{"Policy": "allow all"}, "InvalidAttributeValue", "Policy"},
		{"redrive policy not JSON", "q", map[string]string{"RedrivePolicy": "dlq"}, "InvalidAttributeValue", "RedrivePolicy"},
		{"redrive policy without maxReceiveCount", "q", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + open + `"}`}, "InvalidAttributeValue", "maxReceiveCount"},
		{"redrive policy without target", "q", map[string]string{"RedrivePolicy": `{"maxReceiveCount":3}`}, "InvalidAttributeValue", "deadLetterTargetArn"},
		{"redrive policy with an unknown member", "q", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + open + `","maxReceiveCount":3,"x":1}`}, "InvalidAttributeValue", "RedrivePolicy"},
		{"maxReceiveCount 0", "q", map[string]string{"RedrivePolicy": redrive(open, "0")}, "InvalidAttributeValue", "maxReceiveCount"},
		{"maxReceiveCount 1001", "q", map[string]string{"RedrivePolicy": redrive(open, "1001")}, "InvalidAttributeValue", "maxReceiveCount"},
		{"dead-letter queue that does not exist", "q", map[string]string{"RedrivePolicy": redrive(dlqArn+"-gone", "3")}, "InvalidAttributeValue", "does not exist"},
		{"dead-letter queue that denies all sources", "q", map[string]string{"RedrivePolicy": redrive(dlqArn, "3")}, "InvalidAttributeValue", "RedriveAllowPolicy"},
		{"FIFO dead-letter queue for a standard queue", "q", map[string]string{"RedrivePolicy": redrive(dlqArn+".fifo", "3")}, "InvalidAttributeValue", "FIFO"},
		{"redrive allow policy byQueue without sources", "q", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue"}`}, "InvalidAttributeValue", "sourceQueueArns"},
		{"redrive allow policy with an unknown permission", "q", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"some"}`}, "InvalidAttributeValue", "redrivePermission"},
		{"FifoQueue on a name without .fifo", "q", map[string]string{"FifoQueue": "true"}, "InvalidAttributeValue", ".fifo"},
		{".fifo name without FifoQueue", "q.fifo", nil, "InvalidParameterValue", "FifoQueue"},
		{"unknown deduplication scope", "q.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "group"}, "InvalidAttributeValue", "DeduplicationScope"},
		{"per-group throughput with queue deduplication", "q.fifo", map[string]string{"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"}, "InvalidAttributeValue", "FifoThroughputLimit"},
		{"queue name with a dot", "q.v1", nil, "InvalidParameterValue", "alphanumeric"},
		{"queue name of 81 characters", strings.Repeat("q", 81), nil, "InvalidParameterValue", "80"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.sqs.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String(tc.queue), Attributes: tc.attrs})
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			_, err = e.sqs.GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: aws.String(tc.queue)})
			wantCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
		})
	}
}

// TestCreateQueueIsIdempotent: the same name with the same attributes returns the existing
// queue; with a different value it is QueueNameExists (query code QueueAlreadyExists).
func TestCreateQueueIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", map[string]string{"VisibilityTimeout": "60"})
	again := e.createQueue("events", map[string]string{"VisibilityTimeout": "60"})
	if aws.ToString(again) != aws.ToString(url) || aws.ToString(url) != e.url+"/"+account+"/events" {
		t.Errorf("CreateQueue again = %s, first %s", aws.ToString(again), aws.ToString(url))
	}
	_, err := e.sqs.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String("events"), Attributes: map[string]string{"VisibilityTimeout": "61"}})
	var exists *sqstypes.QueueNameExists
	if !errors.As(err, &exists) {
		t.Fatalf("different attributes: %v, want QueueNameExists", err)
	}
	wantCode(t, err, "QueueAlreadyExists")
}

// TestGetQueueAttributesReturnsWhatIsAskedFor: nothing without names, exactly the names asked
// for, every attribute for All; an unknown name, or a FIFO name on a standard queue, is
// InvalidAttributeName.
func TestGetQueueAttributesReturnsWhatIsAskedFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", map[string]string{"VisibilityTimeout": "45"})
	fifo := e.createQueue("events.fifo", map[string]string{"FifoQueue": "true"})
	e.send(url, "one")
	e.clock.Advance(10 * time.Second)
	if _, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("later"), DelaySeconds: 60}); err != nil {
		t.Fatal(err)
	}
	created := fmt.Sprint(e.clock.Now().Add(-10 * time.Second).Unix())
	standardAll := []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible",
		"CreatedTimestamp", "DelaySeconds", "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod", "QueueArn",
		"ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled", "VisibilityTimeout"}
	cases := []struct {
		name  string
		url   *string
		names []sqstypes.QueueAttributeName
		want  map[string]string // exact answer; nil when only the keys are checked
		keys  []string
	}{
		{"no names", url, nil, map[string]string{}, nil},
		{"two names", url, []sqstypes.QueueAttributeName{"VisibilityTimeout", "ApproximateNumberOfMessages"},
			map[string]string{"VisibilityTimeout": "45", "ApproximateNumberOfMessages": "1"}, nil},
		{"counts and times", url, []sqstypes.QueueAttributeName{"ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "QueueArn"},
			map[string]string{"ApproximateNumberOfMessagesDelayed": "1", "CreatedTimestamp": created, "QueueArn": "arn:aws:sqs:us-east-1:" + account + ":events"}, nil},
		{"an unset policy is left out", url, []sqstypes.QueueAttributeName{"Policy", "DelaySeconds"}, map[string]string{"DelaySeconds": "0"}, nil},
		{"All on a standard queue", url, []sqstypes.QueueAttributeName{"All"}, nil, standardAll},
		{"All with other names", url, []sqstypes.QueueAttributeName{"DelaySeconds", "All"}, nil, standardAll},
		{"All on a FIFO queue", fifo, []sqstypes.QueueAttributeName{"All"}, nil, slices.Sorted(slices.Values(append(slices.Clone(standardAll),
			"ContentBasedDeduplication", "DeduplicationScope", "FifoQueue", "FifoThroughputLimit")))},
		{"FifoQueue of a FIFO queue", fifo, []sqstypes.QueueAttributeName{"FifoQueue"}, map[string]string{"FifoQueue": "true"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.sqs.GetQueueAttributes(ctx(t), &sqs.GetQueueAttributesInput{QueueUrl: tc.url, AttributeNames: tc.names})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !maps.Equal(out.Attributes, tc.want) && !(len(tc.want) == 0 && len(out.Attributes) == 0) {
				t.Errorf("attributes = %v, want %v", out.Attributes, tc.want)
			}
			if tc.keys != nil {
				if got := slices.Sorted(maps.Keys(out.Attributes)); !slices.Equal(got, tc.keys) {
					t.Errorf("attribute names = %v, want %v", got, tc.keys)
				}
			}
		})
	}
	for _, name := range []sqstypes.QueueAttributeName{"FifoQueue", "ContentBasedDeduplication", "Colour"} {
		t.Run("refuses "+string(name), func(t *testing.T) {
			_, err := e.sqs.GetQueueAttributes(ctx(t), &sqs.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []sqstypes.QueueAttributeName{"VisibilityTimeout", name}})
			var bad *sqstypes.InvalidAttributeName
			if !errors.As(err, &bad) || !strings.Contains(bad.ErrorMessage(), string(name)) {
				t.Errorf("GetQueueAttributes %s: %v, want InvalidAttributeName naming it", name, err)
			}
		})
	}
}

// TestListQueuesPages: MaxResults pages through the queues in name order with NextToken; the
// last page has none, as has a listing without MaxResults; MaxResults outside 1..1000 and a
// NextToken of another prefix are InvalidParameterValue.
func TestListQueuesPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var names []string
	for i := range 5 {
		names = append(names, fmt.Sprintf("app-%d", i))
		e.createQueue(fmt.Sprintf("app-%d", i), nil)
	}
	e.createQueue("other", nil)
	urls := func(ns ...string) []string {
		var out []string
		for _, n := range ns {
			out = append(out, e.url+"/"+account+"/"+n)
		}
		return out
	}

	t.Run("pages of two", func(t *testing.T) {
		var pages [][]string
		p := sqs.NewListQueuesPaginator(e.sqs, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("app-"), MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			if len(pages) == 4 {
				t.Fatalf("more than 4 pages of 2 for 5 queues: %v", pages)
			}
			out, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, out.QueueUrls)
		}
		want := [][]string{urls(names[0], names[1]), urls(names[2], names[3]), urls(names[4])}
		if !slices.EqualFunc(pages, want, slices.Equal) {
			t.Errorf("pages = %v, want %v", pages, want)
		}
	})
	t.Run("exactly one page", func(t *testing.T) {
		out, err := e.sqs.ListQueues(ctx(t), &sqs.ListQueuesInput{QueueNamePrefix: aws.String("app-"), MaxResults: aws.Int32(5)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.QueueUrls, urls(names...)) || out.NextToken != nil {
			t.Errorf("ListQueues = %v (next %v)", out.QueueUrls, aws.ToString(out.NextToken))
		}
	})
	t.Run("without MaxResults", func(t *testing.T) {
		out, err := e.sqs.ListQueues(ctx(t), &sqs.ListQueuesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.QueueUrls, urls(append(slices.Clone(names), "other")...)) || out.NextToken != nil {
			t.Errorf("ListQueues = %v (next %v)", out.QueueUrls, aws.ToString(out.NextToken))
		}
	})
	for _, n := range []int32{0, 1001} {
		t.Run(fmt.Sprintf("MaxResults %d", n), func(t *testing.T) {
			_, err := e.sqs.ListQueues(ctx(t), &sqs.ListQueuesInput{MaxResults: aws.Int32(n)})
			wantCode(t, err, "InvalidParameterValue")
		})
	}
	t.Run("token of another prefix", func(t *testing.T) {
		first, err := e.sqs.ListQueues(ctx(t), &sqs.ListQueuesInput{QueueNamePrefix: aws.String("app-"), MaxResults: aws.Int32(1)})
		if err != nil || first.NextToken == nil {
			t.Fatalf("first page: %v, %v", first, err)
		}
		_, err = e.sqs.ListQueues(ctx(t), &sqs.ListQueuesInput{QueueNamePrefix: aws.String("oth"), MaxResults: aws.Int32(1), NextToken: first.NextToken})
		wantCode(t, err, "InvalidParameterValue")
		_, err = e.sqs.ListQueues(ctx(t), &sqs.ListQueuesInput{MaxResults: aws.Int32(1), NextToken: aws.String("garbage")})
		wantCode(t, err, "InvalidParameterValue")
	})
}

// TestPurgeQueueOncePerMinute: PurgeQueue empties the queue; another within 60 seconds on the
// service's clock is PurgeQueueInProgress and keeps what was sent since; at 60 seconds it runs.
func TestPurgeQueueOncePerMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	e.send(url, "old")
	if _, err := e.sqs.PurgeQueue(ctx(t), &sqs.PurgeQueueInput{QueueUrl: url}); err != nil {
		t.Fatal(err)
	}
	if n := e.allAttributes(t, url)["ApproximateNumberOfMessages"]; n != "0" {
		t.Fatalf("%s messages after PurgeQueue", n)
	}
	e.send(url, "new")
	e.clock.Advance(59 * time.Second)
	_, err := e.sqs.PurgeQueue(ctx(t), &sqs.PurgeQueueInput{QueueUrl: url})
	var busy *sqstypes.PurgeQueueInProgress
	if !errors.As(err, &busy) {
		t.Fatalf("second PurgeQueue after 59s: %v, want PurgeQueueInProgress", err)
	}
	wantCode(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress")
	if n := e.allAttributes(t, url)["ApproximateNumberOfMessages"]; n != "1" {
		t.Errorf("a refused PurgeQueue left %s messages, want 1", n)
	}
	e.clock.Advance(time.Second)
	if _, err := e.sqs.PurgeQueue(ctx(t), &sqs.PurgeQueueInput{QueueUrl: url}); err != nil {
		t.Fatalf("PurgeQueue 60s after the last: %v", err)
	}
	if n := e.allAttributes(t, url)["ApproximateNumberOfMessages"]; n != "0" {
		t.Errorf("%s messages after the second PurgeQueue", n)
	}
}

// TestGetQueueURL: by name, by owner account, and QueueDoesNotExist with its awsQuery code.
func TestGetQueueURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	got, err := e.sqs.GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: aws.String("events"), QueueOwnerAWSAccountId: aws.String(account)})
	if err != nil || aws.ToString(got.QueueUrl) != aws.ToString(url) {
		t.Errorf("GetQueueUrl = %v, %v", got, err)
	}
	_, err = e.sqs.GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: aws.String("events"), QueueOwnerAWSAccountId: aws.String("999999999999")})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) || missing.ErrorMessage() != "The specified queue does not exist." {
		t.Fatalf("another owner's queue: %v, want QueueDoesNotExist", err)
	}
	wantCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
}
