// Package awsmp is dealdesk's AWS adapter: it builds the aws-sdk-go-v2 clients of AWS Marketplace
// (Catalog, Agreement, Entitlement, Metering), SQS and STS from an organization's
// dealdesk.AWSConnection, and implements the domain's dealdesk.Catalog, EntitlementReader and
// Meter ports on them.
//
// Layout: config.go (credentials, region, endpoint override, retryer), clients.go (one
// constructor per service), changeset.go (the pure change-set builder of a resale
// authorization, pinned by golden files), changeset_errors.go (AWS's ErrorDetailList mapped to
// the opportunity's field names), catalog.go (start, describe, restrict), reads.go (products,
// resale authorizations, CPPO offers), entitlements.go (GetEntitlements), metering.go
// (BatchMeterUsage: the exact usage record JSON stored before a call, results matched per
// record), limits.go (client-side rate limits at AWS's quotas per
// seller account) and errors.go (AWS errors classified as retryable or terminal).
//
// Decision 012 records why it is laid out so.
package awsmp
