package web

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/dealdesk/dealdesk"
)

// meteringAnswer is the short account of AWS's answer for a metering record that the
// entitlement page shows in place of the stored JSON (which it keeps behind "Raw answer").
type meteringAnswer struct {
	// Result is AWS's status for the record ("Success", "CustomerNotSubscribed",
	// "DuplicateRecord"), or "Unprocessed" when AWS returned it unprocessed; "" otherwise.
	Result   string
	RecordID string // AWS's MeteringRecordId, "" until AWS gave one
	// Code and Message are the error that answered the record's batch (Code "" when AWS did
	// not answer at all); Message is "" when it says what the record's Error already says.
	Code, Message string
	Raw           string // the stored answer, indented; "" when there is none
}

// answerOf reads rec's stored answer, in any of the shapes the metering sender stores (an
// AWS UsageRecordResult, an unprocessed record, an AWS error, or no answer): see
// awsmp.resultJSON and worker.awsAnswer. An answer of another shape is shown raw only.
func answerOf(rec *dealdesk.MeteringRecord) meteringAnswer {
	a := meteringAnswer{RecordID: rec.MeteringRecordID}
	if len(rec.Response) == 0 {
		return a
	}
	var indented bytes.Buffer
	if json.Indent(&indented, rec.Response, "", "  ") == nil {
		a.Raw = indented.String()
	} else {
		a.Raw = string(rec.Response)
	}
	var v struct {
		MeteringRecordID string          `json:"MeteringRecordId"`
		Status           string          `json:"Status"`
		Unprocessed      bool            `json:"Unprocessed"`
		Type             string          `json:"__type"`
		Message          string          `json:"message"`
		HTTPStatus       json.RawMessage `json:"status"`
		Error            string          `json:"error"`
	}
	if json.Unmarshal(rec.Response, &v) != nil {
		return a
	}
	switch {
	case v.Status != "":
		a.Result = v.Status
		if a.RecordID == "" {
			a.RecordID = v.MeteringRecordID
		}
	case v.Unprocessed:
		a.Result = "Unprocessed"
	case v.Type != "":
		a.Code, a.Message = v.Type, v.Message
		if n, err := strconv.Atoi(string(v.HTTPStatus)); err == nil && n > 0 && a.Message == "" {
			a.Message = "HTTP " + strconv.Itoa(n)
		}
	case v.Error != "":
		a.Message = v.Error
	}
	if a.Message == rec.Error {
		a.Message = ""
	}
	return a
}

// count says n of noun, in the singular for one: "1 attempt", "3 attempts". Nouns whose
// plural is not noun+"s" are not used with it.
func count(n int, noun string) string {
	return strconv.Itoa(n) + " " + noun + plural(n)
}
