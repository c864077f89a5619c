// Package dealdesk holds the domain of the CPPO deal desk: organizations, products, resellers,
// buyers, offers and entitlements, their rules and the service interfaces that adapters implement.
// It imports nothing else of the project.
package dealdesk
