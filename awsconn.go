package dealdesk

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// CredentialsMode says how dealdesk gets AWS credentials for an organization's seller account.
type CredentialsMode string

// Credentials modes.
const (
	// CredentialsDefaultChain uses the SDK's default chain on the host that runs dealdesk
	// (environment, shared files, container or instance role).
	CredentialsDefaultChain CredentialsMode = "DEFAULT_CHAIN"
	// CredentialsStaticKeys uses an access key ID and secret access key stored (encrypted) by
	// dealdesk.
	CredentialsStaticKeys CredentialsMode = "STATIC_KEYS"
	// CredentialsAssumeRole assumes RoleARN with ExternalID (STS AssumeRole) from the default
	// chain, as AWS recommends for a third party acting in a seller's account.
	CredentialsAssumeRole CredentialsMode = "ASSUME_ROLE"
)

// CredentialsModes lists every credentials mode.
var CredentialsModes = []CredentialsMode{CredentialsDefaultChain, CredentialsStaticKeys, CredentialsAssumeRole}

// Valid reports whether m is a known credentials mode.
func (m CredentialsMode) Valid() bool { return slices.Contains(CredentialsModes, m) }

// AWSConnection is how dealdesk reaches AWS Marketplace for one organization: its seller
// account, region and credentials, an endpoint override (the simulator, or a VPC endpoint) and
// the SQS queue EventBridge delivers its events to. The secret access key is write-only: it is
// stored encrypted and never returned (HasSecretAccessKey says whether one is stored).
type AWSConnection struct {
	OrgID              string          `json:"-"`
	SellerAccountID    string          `json:"sellerAccountId"` // 12 digits
	Region             string          `json:"region"`          // e.g. "us-east-1"
	CredentialsMode    CredentialsMode `json:"credentialsMode"`
	AccessKeyID        string          `json:"accessKeyId,omitempty"` // STATIC_KEYS
	SecretAccessKey    string          `json:"-"`                     // STATIC_KEYS; never returned
	HasSecretAccessKey bool            `json:"hasSecretAccessKey"`
	RoleARN            string          `json:"roleArn,omitempty"`    // ASSUME_ROLE
	ExternalID         string          `json:"externalId,omitempty"` // ASSUME_ROLE, optional
	EndpointURL        string          `json:"endpointUrl,omitempty"`
	SQSQueueURL        string          `json:"sqsQueueUrl,omitempty"`
	CreatedAt          time.Time       `json:"createdAt"`
	UpdatedAt          time.Time       `json:"updatedAt"`
}

// AWSConnectionInput sets an organization's AWS connection. Every field is required as the
// mode asks, except SecretAccessKey, which keeps the stored one when empty (write-only).
type AWSConnectionInput struct {
	SellerAccountID string          `json:"sellerAccountId"`
	Region          string          `json:"region"`
	CredentialsMode CredentialsMode `json:"credentialsMode"`
	AccessKeyID     string          `json:"accessKeyId,omitempty"`
	SecretAccessKey string          `json:"secretAccessKey,omitempty"`
	RoleARN         string          `json:"roleArn,omitempty"`
	ExternalID      string          `json:"externalId,omitempty"`
	EndpointURL     string          `json:"endpointUrl,omitempty"`
	SQSQueueURL     string          `json:"sqsQueueUrl,omitempty"`
}

// AWSConnectionService keeps each organization's AWS connection.
type AWSConnectionService interface {
	// FindAWSConnection returns the caller's organization's connection, without its secret.
	// Returns ENOTFOUND when none is set.
	FindAWSConnection(ctx context.Context) (*AWSConnection, error)
	// SaveAWSConnection creates or replaces the caller's organization's connection. An empty
	// SecretAccessKey keeps the stored one. Returns EINVALID naming every bad field (see
	// ValidateAWSConnection), including a STATIC_KEYS connection with no secret stored or given.
	SaveAWSConnection(ctx context.Context, in AWSConnectionInput) (*AWSConnection, error)
}

// regionPattern is an AWS region name, e.g. "us-east-1", "ap-southeast-2", "us-gov-west-1".
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// accessKeyIDPattern is an AWS access key ID (AKIA... long-term, ASIA... temporary), 16 to 128
// characters per IAM's AccessKeyMetadata.
var accessKeyIDPattern = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)

// roleARNPattern is an IAM role ARN in any partition.
var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)

// externalIDPattern is STS AssumeRole's ExternalId: 2 to 1,224 characters of [\w+=,.@:/-].
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// ValidateAWSConnection checks a connection before it is saved; hasStoredSecret says whether a
// secret access key is already stored (an empty SecretAccessKey keeps it). The error lists every
// bad field.
func ValidateAWSConnection(in AWSConnectionInput, hasStoredSecret bool) error {
	var p Problems
	checkAccountID(&p, "sellerAccountId", in.SellerAccountID)
	if !regionPattern.MatchString(in.Region) {
		p.Add("region", "must be an AWS region such as us-east-1")
	}
	if !in.CredentialsMode.Valid() {
		p.Add("credentialsMode", "must be one of %s", OneOf(CredentialsModes))
	}
	staticKeys := in.CredentialsMode == CredentialsStaticKeys
	assumeRole := in.CredentialsMode == CredentialsAssumeRole
	switch {
	case staticKeys && !accessKeyIDPattern.MatchString(in.AccessKeyID):
		p.Add("accessKeyId", "must be an AWS access key ID (16 to 128 capital letters and digits)")
	case !staticKeys && in.AccessKeyID != "":
		p.Add("accessKeyId", "is only for credentialsMode STATIC_KEYS")
	}
	switch {
	case staticKeys && in.SecretAccessKey == "" && !hasStoredSecret:
		p.Add("secretAccessKey", "is required with credentialsMode STATIC_KEYS")
	case staticKeys && in.SecretAccessKey != "":
		p.CheckText("secretAccessKey", in.SecretAccessKey, 16, 128)
	case !staticKeys && in.SecretAccessKey != "":
		p.Add("secretAccessKey", "is only for credentialsMode STATIC_KEYS")
	}
	switch {
	case assumeRole && !roleARNPattern.MatchString(in.RoleARN):
		p.Add("roleArn", "must be an IAM role ARN such as arn:aws:iam::111122223333:role/dealdesk")
	case !assumeRole && in.RoleARN != "":
		p.Add("roleArn", "is only for credentialsMode ASSUME_ROLE")
	}
	switch {
	case in.ExternalID != "" && !assumeRole:
		p.Add("externalId", "is only for credentialsMode ASSUME_ROLE")
	case in.ExternalID != "" && (len(in.ExternalID) < 2 || len(in.ExternalID) > 1224 || !externalIDPattern.MatchString(in.ExternalID)):
		p.Add("externalId", "must be 2 to 1224 characters of letters, digits and +=,.@:/-_")
	}
	if in.EndpointURL != "" {
		checkHTTPURL(&p, "endpointUrl", in.EndpointURL)
	}
	if in.SQSQueueURL != "" {
		checkHTTPURL(&p, "sqsQueueUrl", in.SQSQueueURL)
	}
	return p.Err()
}

// checkHTTPURL requires an absolute http or https URL without user information, of at most
// 2,048 characters.
func checkHTTPURL(p *Problems, field, s string) {
	u, err := url.Parse(s)
	if err != nil || len(s) > 2048 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		strings.ContainsAny(s, " \t\r\n") {
		p.Add(field, "must be an absolute http or https URL without credentials, of at most 2048 characters")
	}
}
