package http

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// usageBatch is a decoded body of POST /api/v1/usage:batch: the groups that decoded, to be
// reported, and for each group of the body, in order, the index of its input in Groups or the
// problem that refused it.
type usageBatch struct {
	Groups []dealdesk.UsageGroupInput
	Slots  []usageSlot
}

// usageSlot is one group of a batch body: Input indexes usageBatch.Groups, or Err refused it
// while decoding (Input is then -1) and ID is what the group named itself, if anything.
type usageSlot struct {
	Input int
	ID    string
	Err   error
}

// decodeUsageBatch reads {"groups": [group, ...]} from body as a stream, one group at a time,
// at most MaxUsageBatchBytes and dealdesk.MaxUsageBatchGroups groups. A body that is no JSON,
// too large, or whose groups member is missing, of the wrong type or too long is an error of the
// whole request; a group that does not decode is refused alone, in its slot.
func decodeUsageBatch(w http.ResponseWriter, r *http.Request) (*usageBatch, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxUsageBatchBytes))
	fail := func(err error) error {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return dealdesk.Errorf(dealdesk.ETOOLARGE, "The request body is larger than %d bytes: send at most %d groups of a few dimensions per call.", MaxUsageBatchBytes, dealdesk.MaxUsageBatchGroups)
		}
		if errors.Is(err, io.EOF) {
			return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body is empty: a JSON object is expected.")
		}
		if _, ok := errors.AsType[*json.SyntaxError](err); ok || errors.Is(err, io.ErrUnexpectedEOF) {
			return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body is not valid JSON: %s.", syntaxMessage(err))
		}
		return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body could not be read.")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fail(err)
	}
	if tok != json.Delim('{') {
		return nil, dealdesk.Errorf(dealdesk.EMALFORMED, "The request body must be a JSON object.")
	}
	var p dealdesk.Problems
	b := &usageBatch{}
	seen := false
	d := newUsageDecoder()
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key, _ := tok.(string)
		if key != "groups" || seen {
			if seen && key == "groups" {
				p.Add("groups", "is given more than once")
			} else {
				p.Add(key, "unknown field")
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fail(err)
			}
			continue
		}
		seen = true
		if err := b.decodeGroups(dec, d, &p); err != nil {
			if dealdesk.ErrorCode(err) == dealdesk.EINVALID {
				return nil, err
			}
			return nil, fail(err)
		}
		if p.Err() != nil {
			// Nothing will be reported: skip the rest without keeping it.
			b.Groups, b.Slots = nil, nil
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fail(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fail(err)
		}
		return nil, dealdesk.Errorf(dealdesk.EMALFORMED, "The request body has data after the JSON object.")
	}
	if !seen {
		p.Add("groups", "is required: an array of 1 to %d usage groups", dealdesk.MaxUsageBatchGroups)
	} else if len(b.Slots) == 0 && len(p) == 0 {
		p.Add("groups", "must hold at least one usage group")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// decodeGroups reads the groups array from dec into b, one group at a time. A value that is not
// an array is a problem in p; more than dealdesk.MaxUsageBatchGroups groups is an EINVALID error
// returned at once, without reading further. It returns dec's errors.
func (b *usageBatch) decodeGroups(dec *json.Decoder, d *usageDecoder, p *dealdesk.Problems) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		p.Add("groups", "must be an array of usage groups")
		if tok == json.Delim('{') {
			return skipObject(dec)
		}
		return nil
	}
	var raw json.RawMessage // reused: Decode copies each group into the same buffer
	for i := 0; dec.More(); i++ {
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if i == dealdesk.MaxUsageBatchGroups {
			var q dealdesk.Problems
			q.Add("groups", "must hold at most %d usage groups: split the batch", dealdesk.MaxUsageBatchGroups)
			return q.Err()
		}
		if len(*p) > 0 {
			continue // the request is refused: groups are only read
		}
		b.Groups = append(b.Groups, dealdesk.UsageGroupInput{})
		in := &b.Groups[len(b.Groups)-1]
		if err := d.decodeGroup(raw, in, ""); err != nil {
			id := in.ID
			b.Groups = b.Groups[:len(b.Groups)-1]
			b.Slots = append(b.Slots, usageSlot{Input: -1, ID: id, Err: err})
			continue
		}
		b.Slots = append(b.Slots, usageSlot{Input: len(b.Groups) - 1, ID: in.ID})
	}
	_, err = dec.Token() // ]
	return err
}

// skipObject reads dec to the end of the object whose opening brace it just read.
func skipObject(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}
