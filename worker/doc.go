// Package worker runs dealdesk's background jobs with River on the store's own database:
// publishing a submitted opportunity as an AWS resale authorization and following its change
// set to the end, restricting the resale authorization of a cancelled opportunity,
// expiring opportunities past their expiry date (decision 015), and metering usage to AWS
// (metering.go, decision 023).
//
// Every replica of `dealdesk serve` runs a Runner; River leases each job to one of them. The
// package knows only the domain's ports (dealdesk.PublishStore, dealdesk.Catalog,
// dealdesk.PublishRecorder) and River; the cli wires the store and the AWS adapter in.
package worker
