package inbound

import "github.com/dealdesk/dealdesk"

// The detail shapes of the events dealdesk handles (reference §2.1). Fields AWS sends as null
// (resaleAuthorization of a direct offer) decode as empty.
type (
	idRef struct {
		ID string `json:"id"`
	}
	party struct {
		AccountID string `json:"accountId"`
		Name      string `json:"name"`
	}
	productRef struct {
		ID    string `json:"id"`
		ARN   string `json:"arn"`
		Title string `json:"title"`
		Code  string `json:"code"`
	}

	// offerDetail is the detail of "Offer Released".
	offerDetail struct {
		Offer struct {
			ID             string `json:"id"`
			ARN            string `json:"arn"`
			Name           string `json:"name"`
			ExpirationDate string `json:"expirationDate"`
		} `json:"offer"`
		ResaleAuthorization     idRef      `json:"resaleAuthorization"`
		Product                 productRef `json:"product"`
		Manufacturer            party      `json:"manufacturer"`
		SellerOfRecord          party      `json:"sellerOfRecord"`
		TargetedBuyerAccountIDs []string   `json:"targetedBuyerAccountIds"`
	}

	// agreementDetail is the detail of the "Purchase Agreement … - Manufacturer" and
	// "License … - Manufacturer" events.
	agreementDetail struct {
		Agreement struct {
			ID                  string `json:"id"`
			Intent              string `json:"intent"`
			Status              string `json:"status"`
			AcceptanceTime      string `json:"acceptanceTime"`
			StartTime           string `json:"startTime"`
			EndTime             string `json:"endTime"`
			PreviousAgreementID string `json:"previousAgreementId"`
		} `json:"agreement"`
		ResaleAuthorization idRef      `json:"resaleAuthorization"`
		Acceptor            party      `json:"acceptor"`
		Proposer            party      `json:"proposer"`
		Offer               idRef      `json:"offer"`
		Product             productRef `json:"product"`
		License             struct {
			ARN string `json:"arn"`
		} `json:"license"`
	}

	// changeSetDetail is the detail of "Change Set Succeeded|Failed|Cancelled": PascalCase keys,
	// unlike the other events.
	changeSetDetail struct {
		Catalog       string `json:"Catalog"`
		ChangeSetID   string `json:"ChangeSetId"`
		ChangeSetName string `json:"ChangeSetName"`
		StartTime     string `json:"StartTime"`
		EndTime       string `json:"EndTime"`
		FailureCode   string `json:"FailureCode"`
	}
)

func parseOfferDetail(ev *dealdesk.AWSEvent, detail []byte, p *problems) {
	var d offerDetail
	if !decodeObject(detail, "detail", &d, p) {
		return
	}
	required(p, "detail.offer.id", d.Offer.ID)
	buyers := d.TargetedBuyerAccountIDs
	if buyers == nil {
		buyers = []string{}
	}
	ev.Offer = &dealdesk.OfferReport{
		OfferID: d.Offer.ID, OfferARN: d.Offer.ARN, OfferName: d.Offer.Name,
		ExpirationDate:        parseTime(p, "detail.offer.expirationDate", d.Offer.ExpirationDate),
		ResaleAuthorizationID: d.ResaleAuthorization.ID,
		ProductID:             d.Product.ID, ProductARN: d.Product.ARN, ProductTitle: d.Product.Title,
		Manufacturer:            dealdesk.Party{AccountID: d.Manufacturer.AccountID, Name: d.Manufacturer.Name},
		SellerOfRecord:          dealdesk.Party{AccountID: d.SellerOfRecord.AccountID, Name: d.SellerOfRecord.Name},
		TargetedBuyerAccountIDs: buyers,
	}
}

func parseAgreementDetail(ev *dealdesk.AWSEvent, detail []byte, p *problems) {
	var d agreementDetail
	if !decodeObject(detail, "detail", &d, p) {
		return
	}
	a := d.Agreement
	required(p, "detail.agreement.id", a.ID)
	ev.Agreement = &dealdesk.AgreementReport{
		AgreementID: a.ID, Intent: a.Intent, Status: a.Status,
		AcceptanceTime:        parseTime(p, "detail.agreement.acceptanceTime", a.AcceptanceTime),
		StartTime:             parseTime(p, "detail.agreement.startTime", a.StartTime),
		EndTime:               parseTime(p, "detail.agreement.endTime", a.EndTime),
		PreviousAgreementID:   a.PreviousAgreementID,
		ResaleAuthorizationID: d.ResaleAuthorization.ID,
		OfferID:               d.Offer.ID,
		ProposerAccountID:     d.Proposer.AccountID,
		AcceptorAccountID:     d.Acceptor.AccountID,
		ProductID:             d.Product.ID,
		ProductTitle:          d.Product.Title,
	}
}

func parseLicenseDetail(ev *dealdesk.AWSEvent, detail []byte, p *problems) {
	var d agreementDetail
	if !decodeObject(detail, "detail", &d, p) {
		return
	}
	required(p, "detail.agreement.id", d.Agreement.ID)
	ev.License = &dealdesk.LicenseReport{
		AgreementID: d.Agreement.ID, LicenseARN: d.License.ARN,
		ProductCode: d.Product.Code, ProductID: d.Product.ID,
		AcceptorAccountID: d.Acceptor.AccountID, ProposerAccountID: d.Proposer.AccountID,
		OfferID: d.Offer.ID,
	}
}

func parseChangeSetDetail(ev *dealdesk.AWSEvent, detail []byte, p *problems) {
	var d changeSetDetail
	if !decodeObject(detail, "detail", &d, p) {
		return
	}
	required(p, "detail.ChangeSetId", d.ChangeSetID)
	ev.ChangeSet = &dealdesk.ChangeSetReport{
		Catalog: d.Catalog, ChangeSetID: d.ChangeSetID, ChangeSetName: d.ChangeSetName,
		StartTime:   parseTime(p, "detail.StartTime", d.StartTime),
		EndTime:     parseTime(p, "detail.EndTime", d.EndTime),
		FailureCode: d.FailureCode,
	}
}
