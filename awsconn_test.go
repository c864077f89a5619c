package dealdesk_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

// fieldNames returns the fields a validation error names, sorted.
func fieldNames(err error) []string {
	var names []string
	for _, f := range dealdesk.ErrorFields(err) {
		names = append(names, f.Field)
	}
	slices.Sort(names)
	return names
}

func TestValidateAWSConnection(t *testing.T) {
	t.Parallel()
	staticKeys := dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	assumeRole := dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-gov-west-1",
		CredentialsMode: dealdesk.CredentialsAssumeRole, RoleARN: "arn:aws:iam::111122223333:role/dealdesk",
		ExternalID: "dealdesk-org_01", EndpointURL: "http://127.0.0.1:9000", SQSQueueURL: "https://sqs.us-east-1.amazonaws.com/111122223333/mp-events"}
	defaultChain := dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "ap-southeast-2",
		CredentialsMode: dealdesk.CredentialsDefaultChain}
	with := func(in dealdesk.AWSConnectionInput, change func(*dealdesk.AWSConnectionInput)) dealdesk.AWSConnectionInput {
		change(&in)
		return in
	}
	for _, tt := range []struct {
		name            string
		in              dealdesk.AWSConnectionInput
		hasStoredSecret bool
		fields          []string // the bad fields, sorted; none for a valid input
	}{
		{"static keys with a secret are valid", staticKeys, false, nil},
		{"assume role with external ID, endpoint and queue is valid", assumeRole, false, nil},
		{"the default chain needs nothing more", defaultChain, false, nil},
		{"static keys without a secret keep the stored one", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.SecretAccessKey = "" }), true, nil},
		{"static keys without a secret and none stored", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.SecretAccessKey = "" }), false,
			[]string{"secretAccessKey"}},
		{"a short secret", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.SecretAccessKey = "short" }), false, []string{"secretAccessKey"}},
		{"a secret with a control character", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.SecretAccessKey += "\x00" }), false,
			[]string{"secretAccessKey"}},
		{"a lower-case access key ID", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.AccessKeyID = "akiaiosfodnn7example" }), false,
			[]string{"accessKeyId"}},
		{"keys with the default chain", with(defaultChain, func(in *dealdesk.AWSConnectionInput) {
			in.AccessKeyID, in.SecretAccessKey = staticKeys.AccessKeyID, staticKeys.SecretAccessKey
		}), false, []string{"accessKeyId", "secretAccessKey"}},
		{"a role with static keys", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.RoleARN = assumeRole.RoleARN }), false,
			[]string{"roleArn"}},
		{"an external ID without a role", with(defaultChain, func(in *dealdesk.AWSConnectionInput) { in.ExternalID = "abc" }), false,
			[]string{"externalId"}},
		{"a role ARN of a user", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.RoleARN = "arn:aws:iam::111122223333:user/bob" }), false,
			[]string{"roleArn"}},
		{"an external ID of one character", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.ExternalID = "x" }), false,
			[]string{"externalId"}},
		{"an external ID with a space", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.ExternalID = "a b" }), false,
			[]string{"externalId"}},
		{"an external ID of 1225 characters", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.ExternalID = strings.Repeat("e", 1225) }), false,
			[]string{"externalId"}},
		{"an endpoint with credentials in it", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.EndpointURL = "https://u:p@example.com" }), false,
			[]string{"endpointUrl"}},
		{"a queue URL that is not http", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.SQSQueueURL = "sqs://queue" }), false,
			[]string{"sqsQueueUrl"}},
		{"everything wrong at once", dealdesk.AWSConnectionInput{SellerAccountID: "1234", Region: "Europe", CredentialsMode: "ROOT"}, false,
			[]string{"credentialsMode", "region", "sellerAccountId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := dealdesk.ValidateAWSConnection(tt.in, tt.hasStoredSecret)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("ValidateAWSConnection: %v", err)
				}
				return
			}
			if dealdesk.ErrorCode(err) != dealdesk.EINVALID || !slices.Equal(fieldNames(err), tt.fields) {
				t.Fatalf("ValidateAWSConnection = %v; want EINVALID naming %v", err, tt.fields)
			}
		})
	}
}
