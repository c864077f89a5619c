module github.com/dealdesk/dealdesk

go 1.26.8

require (
	github.com/oklog/ulid/v2 v2.1.2
	github.com/shopspring/decimal v1.6.0
)

require github.com/getkin/kin-openapi v0.153.0 // indirect
