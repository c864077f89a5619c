// Package eventbus is the simulator's notification side: it builds the EventBridge events and
// legacy SNS messages AWS Marketplace sends a vendor (reference §2), and delivers them to
// configured targets (an HTTP endpoint as an EventBridge API destination does, an SNS-style
// signed HTTP subscription, or a queue of the simulator's SQS) with injectable delivery faults,
// keeping a log of every event and every delivery attempt.
//
// It imports nothing of the simulator but its list of bad fields (sim/invalid). The simulator
// builds events with the Bus's builder methods (OfferReleased, ChangeSetSucceeded,
// PurchaseAgreementCreated, LicenseUpdated, SubscribeSuccess, ...), hands them to Publish or PublishMessage, serves PUT /_sim/events with
// ConfigureJSON, GET /_sim/events with Log, the SNS signing certificate with CertificatePEM, and
// keeps Snapshot in its state file (Restore on start).
//
// The body of PUT /_sim/events (every field optional; unknown fields are rejected):
//
//	{
//	  "targets": [
//	    {"name": "webhook", "type": "http", "url": "http://127.0.0.1:8080/webhooks/aws",
//	     "secretHeader": "X-Dealdesk-Webhook-Secret", "secret": "s3cr3t",
//	     "headers": {"X-Env": "dev"},
//	     "detailTypes": ["Purchase Agreement Created - Manufacturer", "License Updated - Manufacturer"]},
//	    {"name": "sns", "type": "sns", "url": "http://127.0.0.1:8080/webhooks/sns",
//	     "signatureVersion": "2", "topicArn": "arn:aws:sns:us-east-1:111122223333:marketplace-events",
//	     "streams": ["eventbridge", "subscription", "entitlement"]},
//	    {"name": "queue", "type": "sqs", "queueName": "marketplace-events"}
//	  ],
//	  "faults": {"dropRate": 0, "duplicateRate": 0, "delayRate": 0, "maxDelayMs": 0,
//	             "reorderRate": 0, "seed": 1},
//	  "retry": {"maxAttempts": 3, "backoffMs": 200, "maxBackoffMs": 5000}
//	}
//
// An sns target is subscribed to its topics when configured and first receives a signed SNS
// SubscriptionConfirmation per topic; it gets notifications only once the SubscribeURL has been
// visited (ServeSNS answers it, ConfirmSubscription does the same in code), and what is published
// while its subscription is pending is not delivered, as in SNS (Subscriptions lists them;
// docs/decisions/010-sns-subscription-confirmation.md).
//
// An http target receives the EventBridge envelope (application/json) with the secret header and
// the extra headers, as an EventBridge API destination with API-key auth sends it. An sns target
// receives SNS Notification envelopes signed with the Bus's key: for "eventbridge" the Message is
// the envelope JSON (topic topicArn, default arn:aws:sns:us-east-1:<Config.Account>:
// dealdesk-marketplace-events); for "subscription" and "entitlement" it is the legacy message on
// the product's aws-mp-* topic. An sqs target receives the envelope JSON as the message body, and
// legacy messages in their signed SNS envelope, as an SNS-to-SQS subscription delivers them.
//
// API note: the contract's API is kept as written; added are PublishMessage (legacy SNS messages),
// ConfigureJSON and DecodeTargets (strict decoding of the request body), Builder,
// Subscriptions, ConfirmSubscription, ResendConfirmation, ServeSNS and the Config fields After,
// NewID, Account, CertURL, UnsubscribeURL, SubscribeURL, ProductCodes, SigningKey, MaxLog,
// HoldBack.
package eventbus
