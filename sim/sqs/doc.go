// Package sqs is the simulator's Amazon SQS: standard and FIFO queues of the simulated accounts,
// served in the awsJson 1.0 protocol (X-Amz-Target: AmazonSQS.<Operation>) that aws-sdk-go-v2's
// sqs client speaks, and the queue target of the simulator's event bus.
//
// It implements CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, PurgeQueue,
// DeleteQueue, SendMessage, ReceiveMessage (with long polling), DeleteMessage and
// ChangeMessageVisibility with the validation and error shapes of the Amazon SQS API Reference:
// queue attributes and their ranges, message attributes and their MD5 digest, the characters a
// message body may hold, ListQueues paging, the 60-second PurgeQueue rule, dead-letter queues
// (RedrivePolicy), retention, delays and FIFO message groups and deduplication.
//
// The owner (package sim) routes calls to Service.ServeCall after its own quota and fault
// checks, persists Service.Snapshot in its state file, and hands the Service to the event bus
// as its eventbus.QueueSender. Time comes from Config.Now, so tests control it.
package sqs
