package sqs

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// queueNamePattern is a queue name: up to 80 letters, digits, '-' and '_', a FIFO queue's
// ending in ".fifo" (which counts toward the 80).
var queueNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func validQueueName(name string) bool {
	base, fifo := strings.CutSuffix(name, ".fifo")
	return len(name) <= 80 && queueNamePattern.MatchString(base) && (!fifo || base != "")
}

type queueRef struct {
	QueueURL string `json:"QueueUrl"`
}

type queueURLOutput struct {
	QueueURL string `json:"QueueUrl"`
}

func (s *Service) createQueue(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueName  string            `json:"QueueName"`
		Attributes map[string]string `json:"Attributes"`
		Tags       map[string]string `json:"tags"`
	}
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, missing("QueueName")
	}
	if !validQueueName(in.QueueName) {
		return nil, newError(errInvalidParameterValue,
			"Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length; a FIFO queue's name ends in .fifo. Got %q.", in.QueueName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, given, err := s.checkQueueAttributes(acct, in.QueueName, in.Attributes)
	if err != nil {
		return nil, err
	}
	if q := s.queues[acct+"/"+in.QueueName]; q != nil {
		if !sameAttributes(q, given) {
			return nil, newError(errQueueNameExists, "A queue already exists with the same name and a different value for attribute(s) %s.",
				strings.Join(slices.Sorted(maps.Keys(given)), ", "))
		}
		return queueURLOutput{s.queueURL(r, q)}, nil
	}
	q := &Queue{Name: in.QueueName, Account: acct, CreatedAt: s.now(), Attributes: all, Tags: in.Tags,
		Messages: []*Message{}, notify: make(chan struct{})}
	s.queues[q.key()] = q
	s.cfg.OnChange()
	return queueURLOutput{s.queueURL(r, q)}, nil
}

func (s *Service) getQueueURL(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueName              string `json:"QueueName"`
		QueueOwnerAWSAccountID string `json:"QueueOwnerAWSAccountId"`
	}
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, missing("QueueName")
	}
	owner := acct
	if in.QueueOwnerAWSAccountID != "" {
		owner = in.QueueOwnerAWSAccountID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[owner+"/"+in.QueueName]
	if q == nil {
		return nil, queueDoesNotExist()
	}
	return queueURLOutput{s.queueURL(r, q)}, nil
}

// listPage is what a ListQueues NextToken holds: the prefix it pages and the last name given.
type listPage struct {
	Prefix string `json:"p"`
	After  string `json:"a"`
}

type listQueuesOutput struct {
	QueueURLs []string `json:"QueueUrls,omitempty"`
	NextToken string   `json:"NextToken,omitempty"`
}

// listQueues lists the caller's queues by name. Without MaxResults it returns up to 1000 and
// no NextToken; with MaxResults (1 to 1000) it returns that many and a NextToken while more
// remain. A NextToken must come from the same QueueNamePrefix.
func (s *Service) listQueues(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueNamePrefix string `json:"QueueNamePrefix"`
		MaxResults      *int   `json:"MaxResults"`
		NextToken       string `json:"NextToken"`
	}
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	limit := 1000
	if in.MaxResults != nil {
		limit = *in.MaxResults
		if limit < 1 || limit > 1000 {
			return nil, newError(errInvalidParameterValue, "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", limit)
		}
	}
	var after string
	if in.NextToken != "" {
		p, ok := decodeListToken(in.NextToken)
		if !ok || p.Prefix != in.QueueNamePrefix {
			return nil, newError(errInvalidParameterValue, "Invalid NextToken value: it does not come from a ListQueues call with this QueueNamePrefix.")
		}
		after = p.After
	}
	s.mu.Lock()
	var names []string
	for _, q := range s.queues {
		if q.Account == acct && strings.HasPrefix(q.Name, in.QueueNamePrefix) && q.Name > after {
			names = append(names, q.Name)
		}
	}
	s.mu.Unlock()
	slices.Sort(names)
	var out listQueuesOutput
	if len(names) > limit {
		names = names[:limit]
		if in.MaxResults != nil {
			b, _ := json.Marshal(listPage{Prefix: in.QueueNamePrefix, After: names[len(names)-1]})
			out.NextToken = base64.RawURLEncoding.EncodeToString(b)
		}
	}
	for _, n := range names {
		out.QueueURLs = append(out.QueueURLs, s.baseURL(r)+"/"+acct+"/"+n)
	}
	return out, nil
}

func decodeListToken(tok string) (listPage, bool) {
	var p listPage
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || json.Unmarshal(b, &p) != nil || p.After == "" {
		return listPage{}, false
	}
	return p, true
}

type attributesOutput struct {
	Attributes map[string]string `json:"Attributes,omitempty"`
}

// getQueueAttributes returns exactly the attributes asked for: none without AttributeNames,
// every one for All. An unknown name, or a FIFO-only name on a standard queue, is
// InvalidAttributeName ("Unknown Attribute FifoQueue." as SQS answers); an attribute the queue
// has no value for (an unset Policy) is left out.
func (s *Service) getQueueAttributes(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL       string   `json:"QueueUrl"`
		AttributeNames []string `json:"AttributeNames"`
	}
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	return s.onQueue(in.QueueURL, func(q *Queue) (any, error) {
		all := s.attributesLocked(q)
		if slices.Contains(in.AttributeNames, attrAll) {
			return attributesOutput{all}, nil
		}
		out := map[string]string{}
		for _, name := range in.AttributeNames {
			rule, settable := queueAttributes[name]
			known := settable || slices.Contains(readOnlyAttributes, name)
			if !known || (rule.fifoOnly || name == attrFifoQueue) && !q.fifo() {
				return nil, newError(errInvalidAttributeName, "Unknown Attribute %s.", name)
			}
			if v, ok := all[name]; ok {
				out[name] = v
			}
		}
		return attributesOutput{out}, nil
	})
}

// attributesLocked is every attribute of q: its settable ones and the computed ones.
func (s *Service) attributesLocked(q *Queue) map[string]string {
	now := s.now()
	s.expireLocked(q, now)
	var visible, inFlight, delayed int
	for _, m := range q.Messages {
		switch {
		case !now.Before(m.VisibleAt):
			visible++
		case m.ReceiveCount > 0:
			inFlight++
		default:
			delayed++
		}
	}
	out := make(map[string]string, len(q.Attributes)+len(readOnlyAttributes))
	for k, v := range q.Attributes {
		out[k] = v
	}
	created := strconv.FormatInt(q.CreatedAt.Unix(), 10)
	out[attrApproximateNumberOfMessages] = strconv.Itoa(visible)
	out[attrApproximateNumberOfMessagesNotVisible] = strconv.Itoa(inFlight)
	out[attrApproximateNumberOfMessagesDelayed] = strconv.Itoa(delayed)
	out[attrCreatedTimestamp] = created
	out[attrLastModifiedTimestamp] = created
	out[attrQueueArn] = q.arn(s.cfg.Region)
	return out
}

// purgeQueue deletes every message of the queue. A second PurgeQueue within 60 seconds (on the
// configured clock) is PurgeQueueInProgress and deletes nothing.
func (s *Service) purgeQueue(r *http.Request, acct string, c wire.Call) (any, error) {
	var in queueRef
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	return s.onQueue(in.QueueURL, func(q *Queue) (any, error) {
		now := s.now()
		if !q.LastPurge.IsZero() && now.Before(q.LastPurge.Add(purgeInterval*time.Second)) {
			return nil, newError(errPurgeQueueInProgress,
				"Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.Name)
		}
		q.Messages = []*Message{}
		q.LastPurge = now
		s.cfg.OnChange()
		return struct{}{}, nil
	})
}

func (s *Service) deleteQueue(r *http.Request, acct string, c wire.Call) (any, error) {
	var in queueRef
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	return s.onQueue(in.QueueURL, func(q *Queue) (any, error) {
		delete(s.queues, q.key())
		close(q.notify)
		s.cfg.OnChange()
		return struct{}{}, nil
	})
}
