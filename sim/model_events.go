package sim

import (
	"github.com/dealdesk/dealdesk/sim/eventbus"
)

// certPath is where the SNS signing certificate is served.
const certPath = "/_sim/sns/certificate.pem"

// snsTime is the layout of a legacy SNS message's Timestamp (UTC, milliseconds).
const snsTime = "2006-01-02T15:04:05.000Z"

// emitChangeSetLocked publishes Change Set Succeeded, Failed or Cancelled to the account that
// started the change set.
func (s *Server) emitChangeSetLocked(cs *ChangeSet) {
	in := eventbus.ChangeSetInput{Account: cs.Account, ChangeSetID: cs.ID, ChangeSetName: cs.Name,
		StartTime: cs.StartTime, EndTime: cs.EndTime, FailureCode: cs.FailureCode}
	var env eventbus.Envelope
	switch cs.Status {
	case csSucceeded:
		env = s.bus.ChangeSetSucceeded(in)
	case csFailed:
		env = s.bus.ChangeSetFailed(in)
	case csCancelled:
		env = s.bus.ChangeSetCancelled(in)
	default:
		return
	}
	// The change set may be finished lazily, after its end: the event is dated when it ended.
	env.Time = cs.EndTime.UTC().Format(isoSecond)
	s.bus.Publish(env)
}

// agreementEvent returns the event input describing an agreement.
func (s *Server) agreementEvent(a *Agreement, withProduct bool) eventbus.AgreementInput {
	in := eventbus.AgreementInput{
		Account: a.Manufacturer, AgreementID: a.ID, Status: a.Status, Intent: a.Intent,
		AcceptanceTime: a.AcceptanceTime, StartTime: a.StartTime, EndTime: a.EndTime,
		ResaleAuthorizationID: a.ResaleAuthorizationID, AcceptorAccountID: a.Acceptor,
		ProposerAccountID: a.Proposer, OfferID: a.OfferID,
	}
	if withProduct {
		in.ProductID = a.ProductID
		if p := s.seed.byID[a.ProductID]; p != nil {
			in.ProductTitle = p.Title
		}
	}
	return in
}

func (s *Server) licenseEvent(a *Agreement) eventbus.LicenseInput {
	return eventbus.LicenseInput{Account: a.Manufacturer, AgreementID: a.ID, ProductCode: a.ProductCode,
		ProductID: a.ProductID, LicenseArn: a.LicenseArn, AcceptorAccountID: a.Acceptor,
		ProposerAccountID: a.Proposer, OfferID: a.OfferID}
}
