package sqs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Queue attribute names (Amazon SQS API Reference, CreateQueue and GetQueueAttributes).
const (
	attrDelaySeconds                  = "DelaySeconds"
	attrMaximumMessageSize            = "MaximumMessageSize"
	attrMessageRetentionPeriod        = "MessageRetentionPeriod"
	attrPolicy                        = "Policy"
	attrReceiveMessageWaitTimeSeconds = "ReceiveMessageWaitTimeSeconds"
	attrVisibilityTimeout             = "VisibilityTimeout"
	attrRedrivePolicy                 = "RedrivePolicy"
	attrRedriveAllowPolicy            = "RedriveAllowPolicy"
	attrKmsMasterKeyID                = "KmsMasterKeyId"
	attrKmsDataKeyReusePeriodSeconds  = "KmsDataKeyReusePeriodSeconds"
	attrSqsManagedSseEnabled          = "SqsManagedSseEnabled"
	attrFifoQueue                     = "FifoQueue"
	attrContentBasedDeduplication     = "ContentBasedDeduplication"
	attrDeduplicationScope            = "DeduplicationScope"
	attrFifoThroughputLimit           = "FifoThroughputLimit"

	attrAll                                   = "All"
	attrApproximateNumberOfMessages           = "ApproximateNumberOfMessages"
	attrApproximateNumberOfMessagesDelayed    = "ApproximateNumberOfMessagesDelayed"
	attrApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible"
	attrCreatedTimestamp                      = "CreatedTimestamp"
	attrLastModifiedTimestamp                 = "LastModifiedTimestamp"
	attrQueueArn                              = "QueueArn"
)

// Limits of the API Reference: MaximumMessageSize is 1,024 bytes to 1 MiB (1,048,576 bytes),
// which is also its default; MessageRetentionPeriod defaults to 4 days.
const (
	maxMessageSize          = 1 << 20
	defaultRetentionSeconds = 345600
	purgeInterval           = 60 // seconds between two PurgeQueue calls on a queue
	maxReceiveCountLimit    = 1000
	maxRedriveSources       = 10
	fifoDedupInterval       = 300 // seconds a FIFO deduplication ID is remembered
)

// attrRule is what CreateQueue accepts for one settable attribute.
type attrRule struct {
	fifoOnly bool
	// check returns the normalised value, or a reason the value is refused.
	check func(v string) (string, string)
}

var queueAttributes = map[string]attrRule{
	attrDelaySeconds:                  {check: intRange(0, 900)},
	attrMaximumMessageSize:            {check: intRange(1024, maxMessageSize)},
	attrMessageRetentionPeriod:        {check: intRange(60, 1209600)},
	attrPolicy:                        {check: checkPolicy},
	attrReceiveMessageWaitTimeSeconds: {check: intRange(0, 20)},
	attrVisibilityTimeout:             {check: intRange(0, 43200)},
	attrRedrivePolicy:                 {check: checkRedrivePolicy},
	attrRedriveAllowPolicy:            {check: checkRedriveAllowPolicy},
	attrKmsMasterKeyID:                {check: checkKmsKeyID},
	attrKmsDataKeyReusePeriodSeconds:  {check: intRange(60, 86400)},
	attrSqsManagedSseEnabled:          {check: boolean},
	attrFifoQueue:                     {check: boolean},
	attrContentBasedDeduplication:     {fifoOnly: true, check: boolean},
	attrDeduplicationScope:            {fifoOnly: true, check: oneOf("messageGroup", "queue")},
	attrFifoThroughputLimit:           {fifoOnly: true, check: oneOf("perQueue", "perMessageGroupId")},
}

// readOnlyAttributes are computed by GetQueueAttributes and cannot be set.
var readOnlyAttributes = []string{attrApproximateNumberOfMessages, attrApproximateNumberOfMessagesDelayed,
	attrApproximateNumberOfMessagesNotVisible, attrCreatedTimestamp, attrLastModifiedTimestamp, attrQueueArn}

var digits = regexp.MustCompile(`^[0-9]{1,10}$`)

func intRange(lo, hi int) func(string) (string, string) {
	return func(v string) (string, string) {
		n, err := strconv.Atoi(v)
		if !digits.MatchString(v) || err != nil || n < lo || n > hi {
			return "", fmt.Sprintf("must be an integer from %d to %d", lo, hi)
		}
		return strconv.Itoa(n), ""
	}
}

func boolean(v string) (string, string) {
	switch strings.ToLower(v) {
	case "true":
		return "true", ""
	case "false":
		return "false", ""
	}
	return "", "must be true or false"
}

func oneOf(values ...string) func(string) (string, string) {
	return func(v string) (string, string) {
		if slices.Contains(values, v) {
			return v, ""
		}
		return "", "must be one of " + strings.Join(values, ", ")
	}
}

func checkKmsKeyID(v string) (string, string) {
	if v == "" || len(v) > 2048 {
		return "", "must be a KMS key ID, ARN or alias of 1 to 2048 characters"
	}
	return v, ""
}

// checkPolicy accepts a JSON object with a Statement (an IAM policy document); the simulator
// does not evaluate it.
func checkPolicy(v string) (string, string) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &doc); err != nil || doc == nil {
		return "", "must be a JSON policy document"
	}
	if _, ok := doc["Statement"]; !ok {
		return "", "a policy document needs a Statement"
	}
	return v, ""
}

// redrivePolicy is the RedrivePolicy JSON object: where to move a message received more than
// MaxReceiveCount times.
type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

// decodeStrict decodes a JSON object into v, refusing unknown members and trailing data.
func decodeStrict(v string, into any) error {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// checkRedrivePolicy checks the policy's shape; that its target exists is checked against the
// queues by checkRedriveTarget. maxReceiveCount may be a number or a numeric string, as SQS
// accepts both; it is stored as a number.
func checkRedrivePolicy(v string) (string, string) {
	var raw struct {
		DeadLetterTargetArn *string         `json:"deadLetterTargetArn"`
		MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
	}
	if err := decodeStrict(v, &raw); err != nil {
		return "", "must be a JSON object with deadLetterTargetArn and maxReceiveCount only"
	}
	if raw.DeadLetterTargetArn == nil {
		return "", "deadLetterTargetArn is required"
	}
	if _, _, _, ok := parseQueueArn(*raw.DeadLetterTargetArn); !ok {
		return "", "deadLetterTargetArn must be an SQS queue ARN"
	}
	if raw.MaxReceiveCount == nil {
		return "", "maxReceiveCount is required"
	}
	n, err := strconv.Atoi(strings.Trim(string(raw.MaxReceiveCount), `"`))
	if err != nil || n < 1 || n > maxReceiveCountLimit {
		return "", fmt.Sprintf("maxReceiveCount must be an integer from 1 to %d", maxReceiveCountLimit)
	}
	b, _ := json.Marshal(redrivePolicy{DeadLetterTargetArn: *raw.DeadLetterTargetArn, MaxReceiveCount: n})
	return string(b), ""
}

// redriveAllowPolicy is the RedriveAllowPolicy JSON object: which source queues may use this
// queue as their dead-letter queue.
type redriveAllowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns,omitempty"`
}

func checkRedriveAllowPolicy(v string) (string, string) {
	var p redriveAllowPolicy
	if err := decodeStrict(v, &p); err != nil {
		return "", "must be a JSON object with redrivePermission and sourceQueueArns only"
	}
	switch p.RedrivePermission {
	case "allowAll", "denyAll":
		if len(p.SourceQueueArns) > 0 {
			return "", "sourceQueueArns is allowed only when redrivePermission is byQueue"
		}
	case "byQueue":
		if len(p.SourceQueueArns) == 0 || len(p.SourceQueueArns) > maxRedriveSources {
			return "", fmt.Sprintf("byQueue needs 1 to %d sourceQueueArns", maxRedriveSources)
		}
		for _, arn := range p.SourceQueueArns {
			if _, _, _, ok := parseQueueArn(arn); !ok {
				return "", fmt.Sprintf("sourceQueueArns: %q is not an SQS queue ARN", arn)
			}
		}
	default:
		return "", "redrivePermission must be allowAll, denyAll or byQueue"
	}
	b, _ := json.Marshal(p)
	return string(b), ""
}

// checkQueueAttributes validates CreateQueue's attributes for a queue named name in acct, with
// s.mu held. It returns the queue's full attributes (defaults filled in) and the given ones,
// normalised. Errors: InvalidAttributeName for an unknown, read-only or (on a standard queue)
// FIFO-only name; InvalidAttributeValue for a value out of its documented range or shape;
// InvalidParameterValue when the name and FifoQueue disagree.
func (s *Service) checkQueueAttributes(acct, name string, in map[string]string) (all, given map[string]string, err error) {
	fifoName := strings.HasSuffix(name, ".fifo")
	given = map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		rule, ok := queueAttributes[k]
		if !ok || (rule.fifoOnly && !fifoName) {
			return nil, nil, newError(errInvalidAttributeName, "Unknown Attribute %s.", k)
		}
		v := in[k]
		if v == "" && (k == attrPolicy || k == attrRedrivePolicy || k == attrRedriveAllowPolicy) {
			continue // an empty policy is no policy
		}
		norm, reason := rule.check(v)
		if reason != "" {
			return nil, nil, badAttribute(k, reason)
		}
		given[k] = norm
	}
	fifo := given[attrFifoQueue] == "true"
	switch {
	case fifo && !fifoName:
		return nil, nil, badAttribute(attrFifoQueue, "the name of a FIFO queue must end with the .fifo suffix")
	case fifoName && !fifo:
		return nil, nil, newError(errInvalidParameterValue,
			"Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length. A queue named %q must be created with FifoQueue true.", name)
	case given[attrKmsMasterKeyID] != "" && given[attrSqsManagedSseEnabled] == "true":
		return nil, nil, badAttribute(attrSqsManagedSseEnabled, "a queue has one server-side encryption: SSE-SQS or SSE-KMS (KmsMasterKeyId), not both")
	case given[attrFifoThroughputLimit] == "perMessageGroupId" && given[attrDeduplicationScope] != "messageGroup":
		return nil, nil, badAttribute(attrFifoThroughputLimit, "perMessageGroupId is allowed only when DeduplicationScope is messageGroup")
	}
	if p := given[attrRedrivePolicy]; p != "" {
		if err := s.checkRedriveTarget(acct, name, fifo, p); err != nil {
			return nil, nil, err
		}
	}
	all = map[string]string{
		attrDelaySeconds:                  "0",
		attrMaximumMessageSize:            strconv.Itoa(maxMessageSize),
		attrMessageRetentionPeriod:        strconv.Itoa(defaultRetentionSeconds),
		attrReceiveMessageWaitTimeSeconds: "0",
		attrVisibilityTimeout:             "30",
		attrSqsManagedSseEnabled:          "true",
	}
	if given[attrKmsMasterKeyID] != "" {
		all[attrSqsManagedSseEnabled] = "false"
		all[attrKmsDataKeyReusePeriodSeconds] = "300"
	}
	if fifo {
		all[attrFifoQueue] = "true"
		all[attrContentBasedDeduplication] = "false"
		all[attrDeduplicationScope] = "queue"
		all[attrFifoThroughputLimit] = "perQueue"
	}
	for k, v := range given {
		if k == attrFifoQueue && v == "false" {
			continue // a standard queue has no FifoQueue attribute
		}
		all[k] = v
	}
	return all, given, nil
}

// checkRedriveTarget checks that a RedrivePolicy's dead-letter queue exists in the source's
// account and region, has the source's type, and lets the source use it (its
// RedriveAllowPolicy).
func (s *Service) checkRedriveTarget(acct, name string, fifo bool, policy string) error {
	var p redrivePolicy
	_ = json.Unmarshal([]byte(policy), &p) // checked by checkRedrivePolicy
	region, account, target, _ := parseQueueArn(p.DeadLetterTargetArn)
	dlq := s.queues[account+"/"+target]
	switch {
	case region != s.cfg.Region || account != acct || dlq == nil:
		return badAttribute(attrRedrivePolicy, "Dead letter target does not exist: "+p.DeadLetterTargetArn)
	case dlq.fifo() != fifo:
		return badAttribute(attrRedrivePolicy, "the dead-letter queue of a FIFO queue must be a FIFO queue, and of a standard queue a standard queue")
	case target == name:
		return badAttribute(attrRedrivePolicy, "a queue cannot be its own dead-letter queue")
	}
	if allow := dlq.Attributes[attrRedriveAllowPolicy]; allow != "" {
		var ap redriveAllowPolicy
		_ = json.Unmarshal([]byte(allow), &ap)
		source := "arn:aws:sqs:" + s.cfg.Region + ":" + acct + ":" + name
		if ap.RedrivePermission == "denyAll" || (ap.RedrivePermission == "byQueue" && !slices.Contains(ap.SourceQueueArns, source)) {
			return badAttribute(attrRedrivePolicy, "the RedriveAllowPolicy of "+p.DeadLetterTargetArn+" does not allow this queue as a source")
		}
	}
	return nil
}

func badAttribute(name, reason string) *Error {
	return newError(errInvalidAttributeValue, "Invalid value for the parameter %s. Reason: %s.", name, reason)
}

// sameAttributes reports whether an existing queue already has every given attribute, which
// makes a repeated CreateQueue return its URL instead of QueueNameExists.
func sameAttributes(q *Queue, given map[string]string) bool {
	for k, v := range given {
		have, ok := q.Attributes[k]
		if k == attrFifoQueue && v == "false" {
			have, ok = "false", !q.fifo()
		}
		if k == attrPolicy || k == attrRedrivePolicy || k == attrRedriveAllowPolicy {
			if !ok || !jsonEqual(have, v) {
				return false
			}
			continue
		}
		if !ok || have != v {
			return false
		}
	}
	return true
}

func jsonEqual(a, b string) bool {
	var x, y bytes.Buffer
	return json.Compact(&x, []byte(a)) == nil && json.Compact(&y, []byte(b)) == nil && x.String() == y.String()
}
