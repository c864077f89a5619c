package web

import "github.com/dealdesk/dealdesk"

// sourceText says in words how dealdesk learnt what a timeline entry reports (the deal's
// timeline shows it after the entry); an unknown source is shown as it is.
func sourceText(s dealdesk.TimelineSource) string {
	switch s {
	case dealdesk.SourceEvent:
		return "from AWS's event"
	case dealdesk.SourceCall:
		return "from dealdesk's call to AWS"
	case dealdesk.SourceReconcile:
		return "found by reconciliation"
	case dealdesk.SourceUser:
		return "by a user"
	}
	return string(s)
}
