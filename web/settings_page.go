package web

import (
	"net/http"
	"slices"

	"github.com/dealdesk/dealdesk"
)

// settingsNotice is the message a redirect after a Settings post asks the page to show.
func settingsNotice(code string) string {
	switch code {
	case "saved":
		return "Saved."
	case "revoked":
		return "Revoked: every request with this key is now refused."
	case "user-added":
		return "User added: they can sign in with the password you chose."
	case "user-removed":
		return "User removed: they are signed out of every browser and cannot sign in again."
	case "sessions-ended":
		return "Signed out: every browser of that user must sign in again."
	}
	return ""
}

// formErrors puts the fields of a domain error (EINVALID) next to the form's inputs: the
// messages of each field in inputs by field name, and every other field's as "field: message"
// in others, so that none is lost. An error without fields gives its message in others.
func formErrors(err error, inputs ...string) (byField map[string][]string, others []string) {
	byField = map[string][]string{}
	fields := dealdesk.ErrorFields(err)
	if len(fields) == 0 {
		return byField, []string{dealdesk.ErrorMessage(err)}
	}
	for _, fe := range fields {
		switch {
		case slices.Contains(inputs, fe.Field):
			byField[fe.Field] = append(byField[fe.Field], fe.Message)
		case fe.Field == "":
			others = append(others, fe.Message)
		default:
			others = append(others, fe.Field+": "+fe.Message)
		}
	}
	return byField, others
}

// settingsUnavailable answers 404 for a Settings page whose service this console was built
// without (Config).
func (h *Handler) settingsUnavailable(w http.ResponseWriter, r *http.Request) {
	h.renderStatus(w, r, http.StatusNotFound, "This setting is not available on this server.")
}
