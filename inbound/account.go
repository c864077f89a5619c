package inbound

import (
	"fmt"

	"github.com/dealdesk/dealdesk"
)

// ForeignAccount says why ev must not be applied to an organization whose seller account is
// sellerAccountID: its EventBridge envelope's account (the account whose bus received the
// event, reference §2.1) is another one. It returns "" when ev may be applied: the same
// account, an event without an account (a legacy aws-mp-* message, whose topic the SNS hook
// checks instead), or an organization without a seller account to compare with. The text is
// meant for the inbox event's Error when it is stored UNKNOWN, kept and not applied (review F13).
func ForeignAccount(ev *dealdesk.AWSEvent, sellerAccountID string) string {
	if ev == nil || ev.Account == "" || sellerAccountID == "" || ev.Account == sellerAccountID {
		return ""
	}
	return fmt.Sprintf("the event is for AWS account %q, not this organization's seller account %s: kept, not applied",
		dealdesk.Clip(ev.Account, 64), sellerAccountID)
}
