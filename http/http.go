// Package http serves dealdesk's REST API under /api/v1: products, resell opportunities and the
// offers and entitlements that come from them, resellers and buyers. Requests are authenticated
// with API keys, bodies are decoded strictly, and every error is an RFC 9457 problem.
package http
