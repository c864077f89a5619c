package eventbus

import "time"

// OfferReleasedInput describes a CPPO offer a channel partner released on the vendor's product.
type OfferReleasedInput struct {
	Account                 string // recipient; defaults to Manufacturer.AccountID
	OfferID                 string
	OfferName               string
	ExpirationDate          time.Time
	ProductID               string
	ProductTitle            string
	Manufacturer            Party // the vendor (ISV)
	SellerOfRecord          Party // the channel partner that created the offer
	TargetedBuyerAccountIDs []string
}

type offerReleasedDetail struct {
	RequestID               string       `json:"requestId"`
	Catalog                 string       `json:"catalog"`
	Offer                   offerRef     `json:"offer"`
	Product                 productRef   `json:"product"`
	Manufacturer            namedAccount `json:"manufacturer"`
	SellerOfRecord          namedAccount `json:"sellerOfRecord"`
	TargetedBuyerAccountIDs []string     `json:"targetedBuyerAccountIds"`
}

type offerRef struct {
	ID             string `json:"id"`
	Arn            string `json:"arn"`
	Name           string `json:"name"`
	ExpirationDate string `json:"expirationDate,omitempty"`
}

type productRef struct {
	ID    string `json:"id"`
	Arn   string `json:"arn"`
	Title string `json:"title"`
}

type namedAccount struct {
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
}

// OfferReleased builds the "Offer Released" event the vendor receives when a channel partner
// creates an offer on its product. The offer lives in the partner's account.
func (b *Builder) OfferReleased(in OfferReleasedInput) Envelope {
	account := in.Account
	if account == "" {
		account = in.Manufacturer.AccountID
	}
	buyers := in.TargetedBuyerAccountIDs
	if buyers == nil {
		buyers = []string{}
	}
	cp := in.SellerOfRecord.AccountID
	detail := offerReleasedDetail{
		RequestID: b.id(),
		Catalog:   catalogName,
		Offer: offerRef{
			ID:             in.OfferID,
			Arn:            "arn:aws:catalog:" + Region + ":" + cp + ":Offer/" + in.OfferID,
			Name:           in.OfferName,
			ExpirationDate: formatTime(in.ExpirationDate),
		},
		Product: productRef{
			ID:    in.ProductID,
			Arn:   "arn:aws:aws-marketplace:" + Region + ":" + in.Manufacturer.AccountID + ":AWSMarketplace/SaaSProduct/" + in.ProductID,
			Title: in.ProductTitle,
		},
		Manufacturer:            namedAccount(in.Manufacturer),
		SellerOfRecord:          namedAccount(in.SellerOfRecord),
		TargetedBuyerAccountIDs: buyers,
	}
	resources := []string{"arn:aws:aws-marketplace:" + Region + ":" + cp + ":AWSMarketplace/Offer/" + in.OfferID}
	return b.envelope(SourceCatalog, OfferReleasedType, account, resources, detail)
}

// ChangeSetInput describes a change set that reached a terminal state.
type ChangeSetInput struct {
	Account       string // the account that started the change set (the recipient)
	ChangeSetID   string
	ChangeSetName string
	StartTime     time.Time
	EndTime       time.Time
	FailureCode   string // Change Set Failed only; defaults to CLIENT_ERROR
}

// changeSetDetail uses PascalCase keys, as AWS does for change set events only.
type changeSetDetail struct {
	RequestID     string `json:"requestId"`
	Catalog       string `json:"Catalog"`
	ChangeSetID   string `json:"ChangeSetId"`
	ChangeSetName string `json:"ChangeSetName"`
	StartTime     string `json:"StartTime"`
	EndTime       string `json:"EndTime"`
	FailureCode   string `json:"FailureCode,omitempty"`
}

// ChangeSetSucceeded builds the "Change Set Succeeded" event.
func (b *Builder) ChangeSetSucceeded(in ChangeSetInput) Envelope {
	in.FailureCode = ""
	return b.changeSet(ChangeSetSucceededType, in)
}

// ChangeSetFailed builds the "Change Set Failed" event (FailureCode CLIENT_ERROR unless given).
func (b *Builder) ChangeSetFailed(in ChangeSetInput) Envelope {
	if in.FailureCode == "" {
		in.FailureCode = "CLIENT_ERROR"
	}
	return b.changeSet(ChangeSetFailedType, in)
}

// ChangeSetCancelled builds the "Change Set Cancelled" event.
func (b *Builder) ChangeSetCancelled(in ChangeSetInput) Envelope {
	in.FailureCode = ""
	return b.changeSet(ChangeSetCancelledType, in)
}

func (b *Builder) changeSet(detailType string, in ChangeSetInput) Envelope {
	detail := changeSetDetail{
		RequestID:     b.id(),
		Catalog:       catalogName,
		ChangeSetID:   in.ChangeSetID,
		ChangeSetName: in.ChangeSetName,
		StartTime:     formatTime(in.StartTime),
		EndTime:       formatTime(in.EndTime),
		FailureCode:   in.FailureCode,
	}
	resources := []string{"arn:aws:aws-marketplace:" + Region + ":" + in.Account + ":AWSMarketplace/ChangeSet/" + in.ChangeSetID}
	return b.envelope(SourceCatalog, detailType, in.Account, resources, detail)
}
