package dealdesk_test

import (
	"slices"
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
		EndpointURL: "http://127.0.0.1:9000", SQSQueueURL: "https://sqs.us-east-1.amazonaws.com/111122223333/mp-events"}
	defaultChain := dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "ap-southeast-2",
		CredentialsMode: dealdesk.CredentialsDefaultChain}
	storedKeys := &dealdesk.AWSConnection{SellerAccountID: "111122223333", Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIAIOSFODNN7EXAMPLE", HasSecretAccessKey: true,
		ExternalID: "dd-0123456789abcdef0123456789abcdef"}
	storedRole := &dealdesk.AWSConnection{SellerAccountID: "111122223333", Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsAssumeRole, RoleARN: "arn:aws:iam::111122223333:role/dealdesk",
		ExternalID: "dd-0123456789abcdef0123456789abcdef"}
	allow := dealdesk.AWSConnectionPolicy{AllowDefaultChain: true}
	noSecret := func(in *dealdesk.AWSConnectionInput) { in.SecretAccessKey = "" }
	with := func(in dealdesk.AWSConnectionInput, change func(*dealdesk.AWSConnectionInput)) dealdesk.AWSConnectionInput {
		change(&in)
		return in
	}
	for _, tt := range []struct {
		name   string
		in     dealdesk.AWSConnectionInput
		stored *dealdesk.AWSConnection // nil: none stored
		policy dealdesk.AWSConnectionPolicy
		fields []string // the bad fields, sorted; none for a valid input
	}{
		{"static keys with a secret are valid", staticKeys, nil, allow, nil},
		{"assume role with endpoint and queue is valid", assumeRole, nil, allow, nil},
		{"the default chain needs nothing more where the server allows it", defaultChain, nil, allow, nil},
		{"the default chain is refused where the server does not allow it", defaultChain, nil, dealdesk.AWSConnectionPolicy{},
			[]string{"credentialsMode"}},
		{"static keys are valid where the server does not allow the default chain", staticKeys, nil, dealdesk.AWSConnectionPolicy{}, nil},
		{"static keys without a secret keep the stored one", with(staticKeys, noSecret), storedKeys, allow, nil},
		{"static keys without a secret and none stored", with(staticKeys, noSecret), nil, allow, []string{"secretAccessKey"}},
		{"a changed endpoint needs the secret again", with(staticKeys, func(in *dealdesk.AWSConnectionInput) {
			noSecret(in)
			in.EndpointURL = "http://attacker.example"
		}), storedKeys, allow, []string{"secretAccessKey"}},
		{"a changed access key ID needs the secret again", with(staticKeys, func(in *dealdesk.AWSConnectionInput) {
			noSecret(in)
			in.AccessKeyID = "AKIAOTHERKEY00000001"
		}), storedKeys, allow, []string{"secretAccessKey"}},
		{"a changed endpoint with the secret given is valid", with(staticKeys, func(in *dealdesk.AWSConnectionInput) {
			in.EndpointURL = "http://127.0.0.1:4566"
		}), storedKeys, allow, nil},
		{"a changed region keeps the stored secret", with(staticKeys, func(in *dealdesk.AWSConnectionInput) {
			noSecret(in)
			in.Region = "eu-west-1"
		}), storedKeys, allow, nil},
		{"a short secret", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.SecretAccessKey = "short" }), nil, allow, []string{"secretAccessKey"}},
		{"a secret with a control character", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.SecretAccessKey += "\x00" }), nil, allow,
			[]string{"secretAccessKey"}},
		{"a lower-case access key ID", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.AccessKeyID = "akiaiosfodnn7example" }), nil, allow,
			[]string{"accessKeyId"}},
		{"keys with the default chain", with(defaultChain, func(in *dealdesk.AWSConnectionInput) {
			in.AccessKeyID, in.SecretAccessKey = staticKeys.AccessKeyID, staticKeys.SecretAccessKey
		}), nil, allow, []string{"accessKeyId", "secretAccessKey"}},
		{"a role with static keys", with(staticKeys, func(in *dealdesk.AWSConnectionInput) { in.RoleARN = assumeRole.RoleARN }), nil, allow,
			[]string{"roleArn"}},
		{"a role ARN of a user", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.RoleARN = "arn:aws:iam::111122223333:user/bob" }), nil, allow,
			[]string{"roleArn"}},
		{"an external ID chosen by the tenant", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.ExternalID = "tenant-b-external-id" }), nil, allow,
			[]string{"externalId"}},
		{"an external ID other than the stored one", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.ExternalID = "dd-ffffffffffffffffffffffffffffffff" }),
			storedRole, allow, []string{"externalId"}},
		{"the stored external ID sent back", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.ExternalID = storedRole.ExternalID }),
			storedRole, allow, nil},
		{"an endpoint with credentials in it", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.EndpointURL = "https://u:p@example.com" }), nil, allow,
			[]string{"endpointUrl"}},
		{"a queue URL that is not http", with(assumeRole, func(in *dealdesk.AWSConnectionInput) { in.SQSQueueURL = "sqs://queue" }), nil, allow,
			[]string{"sqsQueueUrl"}},
		{"everything wrong at once", dealdesk.AWSConnectionInput{SellerAccountID: "1234", Region: "Europe", CredentialsMode: "ROOT"}, nil, allow,
			[]string{"credentialsMode", "region", "sellerAccountId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := dealdesk.ValidateAWSConnection(tt.in, tt.stored, tt.policy)
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
