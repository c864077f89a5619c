package sqs

import "encoding/json"

// rawTexts are the texts of a SendMessage input as they are written in the JSON request, before
// encoding/json decodes them.
type rawTexts struct {
	MessageBody       json.RawMessage `json:"MessageBody"`
	MessageAttributes map[string]struct {
		StringValue json.RawMessage `json:"StringValue"`
	} `json:"MessageAttributes"`
}
