package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/client"
)

// defaultAPIURL is where the client commands find the API when neither --api-url nor
// DEALDESK_API_URL says: 'dealdesk serve' on its default address.
const defaultAPIURL = "http://127.0.0.1:8080/api/v1"

// maxSecretBytes bounds what --secret-access-key-stdin reads; the API takes at most 128.
const maxSecretBytes = 4096

const awsConnectionUsage = `Usage:
  dealdesk aws-connection show    prints the organization's AWS connection (never a secret)
  dealdesk aws-connection set --seller-account-id ID --region REGION --credentials-mode MODE [flags]
                                  sets it; a secret access key is read from standard input
Each takes --api-url (DEALDESK_API_URL) and the API key from DEALDESK_API_KEY or --api-key-file.
'dealdesk aws-connection COMMAND --help' lists a command's flags.
`

const productsUsage = `Usage:
  dealdesk products sync    queues a sync of the products from AWS's Catalog and prints the job
Each takes --api-url (DEALDESK_API_URL) and the API key from DEALDESK_API_KEY or --api-key-file.
`

// clientSynopses are the usage lines of the API client commands, by "group command".
var clientSynopses = map[string]string{
	"aws-connection show": "Usage: dealdesk aws-connection show [--api-url URL] [--api-key-file PATH]\n\n" +
		"Prints the organization's AWS connection (GET /api/v1/aws-connection), one field a line.\n" +
		"The secret access key is never shown: hasSecretAccessKey says whether one is stored.\n",
	"aws-connection set": "Usage: dealdesk aws-connection set --seller-account-id ID --region REGION\n" +
		"         --credentials-mode STATIC_KEYS|DEFAULT_CHAIN|ASSUME_ROLE [--access-key-id ID]\n" +
		"         [--secret-access-key-stdin] [--role-arn ARN] [--external-id ID]\n" +
		"         [--endpoint-url URL] [--sqs-queue-url URL] [--api-url URL] [--api-key-file PATH]\n\n" +
		"Sets the organization's AWS connection (PUT /api/v1/aws-connection) and prints it. The\n" +
		"secret access key is read from standard input, never from a flag; without\n" +
		"--secret-access-key-stdin the stored one is kept. An invalid field is named and nothing changes.\n",
	"products sync": "Usage: dealdesk products sync [--api-url URL] [--api-key-file PATH]\n\n" +
		"Queues a sync of the organization's products from AWS's Catalog (POST /api/v1/products:sync)\n" +
		"and prints the job's state; 'duplicate true' means a sync already waiting or running is shown.\n",
}

// runAWSConnection runs `dealdesk aws-connection show|set`.
func runAWSConnection(ctx context.Context, args []string, env Env) error {
	return runClientGroup(ctx, "aws-connection", awsConnectionUsage, args, env)
}

// runProducts runs `dealdesk products sync`.
func runProducts(ctx context.Context, args []string, env Env) error {
	return runClientGroup(ctx, "products", productsUsage, args, env)
}

// runClientGroup runs one command of a group of API client commands.
func runClientGroup(ctx context.Context, group, groupUsage string, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, groupUsage)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, groupUsage)
		return nil
	}
	name := group + " " + args[0]
	synopsis, ok := clientSynopses[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "dealdesk %s: unknown command %q\n\n%s", group, args[0], groupUsage)
		return errUsage
	}
	fs := newFlagSet(name, synopsis, env)
	newClient := clientFlags(fs, env)
	var in dealdesk.AWSConnectionInput
	var secretStdin bool
	if name == "aws-connection set" {
		fs.StringVar(&in.SellerAccountID, "seller-account-id", "", "the seller's AWS account `ID` (12 digits; required)")
		fs.StringVar(&in.Region, "region", "", "AWS `region`, e.g. us-east-1 (required)")
		fs.Var((*credentialsModeFlag)(&in.CredentialsMode), "credentials-mode", "`mode`: STATIC_KEYS, DEFAULT_CHAIN or ASSUME_ROLE (required)")
		fs.StringVar(&in.AccessKeyID, "access-key-id", "", "access key `ID` (STATIC_KEYS)")
		fs.BoolVar(&secretStdin, "secret-access-key-stdin", false, "read the secret access key (STATIC_KEYS) from standard input, its first line")
		fs.StringVar(&in.RoleARN, "role-arn", "", "IAM role `ARN` to assume (ASSUME_ROLE)")
		fs.StringVar(&in.ExternalID, "external-id", "", "the role's external `ID` (ASSUME_ROLE): dealdesk makes it and show prints it; give it only to repeat the stored one")
		fs.StringVar(&in.EndpointURL, "endpoint-url", "", "AWS endpoint `URL` override (the simulator, a VPC endpoint)")
		fs.StringVar(&in.SQSQueueURL, "sqs-queue-url", "", "`URL` of the SQS queue EventBridge delivers the seller's events to")
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if name == "aws-connection set" {
		var missing []string
		for _, f := range []string{"seller-account-id", "region", "credentials-mode"} {
			if fs.Lookup(f).Value.String() == "" {
				missing = append(missing, "--"+f)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(env.Stderr, "dealdesk %s: missing %s\n", name, strings.Join(missing, ", "))
			fs.Usage()
			return errUsage
		}
	}
	c, err := newClient()
	if err != nil {
		return err
	}
	switch name {
	case "aws-connection show":
		conn, err := c.AWSConnection(ctx)
		if err != nil {
			return err
		}
		printAWSConnection(env.Stdout, conn)
	case "aws-connection set":
		if secretStdin {
			if in.SecretAccessKey, err = readSecret(env.Stdin); err != nil {
				return err
			}
		}
		conn, err := c.SaveAWSConnection(ctx, in)
		if err != nil {
			return err
		}
		printAWSConnection(env.Stdout, conn)
	case "products sync":
		job, err := c.SyncProducts(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "jobId      %d\nkind       %s\nstate      %s\nduplicate  %t\ncreatedAt  %s\n",
			job.JobID, job.Kind, job.State, job.Duplicate, job.CreatedAt.Format(time.RFC3339))
	}
	return nil
}

// clientFlags adds --api-url and --api-key-file to fs and returns the function that makes the
// API client from them once fs is parsed. A URL that is not http(s) is a usage error (exit 2);
// an API key file that cannot be read is EINVALID.
func clientFlags(fs *flag.FlagSet, env Env) func() (*client.Client, error) {
	apiURL := fs.String("api-url", envDefault(env, "DEALDESK_API_URL", defaultAPIURL), "the API's base `URL` (DEALDESK_API_URL)")
	keyFile := fs.String("api-key-file", "", "`path` of a file holding the API key; default: the key in DEALDESK_API_KEY (a key is never a flag: argv shows in process lists)")
	return func() (*client.Client, error) {
		key, err := apiKey(env, *keyFile)
		if err != nil {
			return nil, err
		}
		c, err := client.New(*apiURL, key, nil)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dealdesk %s: %s\n", fs.Name(), dealdesk.ErrorMessage(err))
			fs.Usage()
			return nil, errUsage
		}
		return c, nil
	}
}

// credentialsModeFlag is a --credentials-mode value; the server checks it (a wrong one is a 422
// naming credentialsMode, like every other field).
type credentialsModeFlag dealdesk.CredentialsMode

func (m *credentialsModeFlag) String() string { return string(*m) }

func (m *credentialsModeFlag) Set(s string) error {
	*m = credentialsModeFlag(strings.ToUpper(strings.TrimSpace(s)))
	return nil
}

var _ flag.Value = (*credentialsModeFlag)(nil)

// apiKey returns the API key in the file at path when path is set, else DEALDESK_API_KEY's
// (empty when unset: the server then answers 401 and its detail is shown). A file must hold
// the key on its first line.
func apiKey(env Env, path string) (string, error) {
	if path == "" {
		return strings.TrimSpace(env.Getenv("DEALDESK_API_KEY")), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", dealdesk.Errorf(dealdesk.EINVALID, "cannot read the API key file %s: %v", path, pathError(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretBytes))
	if err != nil {
		return "", dealdesk.Errorf(dealdesk.EINVALID, "cannot read the API key file %s: %v", path, pathError(err))
	}
	key, _, _ := strings.Cut(string(b), "\n")
	if key = strings.TrimSpace(key); key == "" {
		return "", dealdesk.Errorf(dealdesk.EINVALID, "the API key file %s is empty", path)
	}
	return key, nil
}

// pathError returns the reason of a file error without repeating its path.
func pathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// readSecret returns the first line of r, the secret access key (without its line end).
func readSecret(r io.Reader) (string, error) {
	if r == nil {
		return "", dealdesk.Errorf(dealdesk.EINVALID, "--secret-access-key-stdin: standard input is closed")
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSecretBytes))
	if err != nil {
		return "", dealdesk.Errorf(dealdesk.EINVALID, "--secret-access-key-stdin: cannot read standard input: %v", err)
	}
	secret, _, _ := strings.Cut(string(b), "\n")
	secret = strings.TrimSuffix(secret, "\r")
	if secret == "" {
		return "", dealdesk.Errorf(dealdesk.EINVALID, "--secret-access-key-stdin: standard input holds no secret access key")
	}
	return secret, nil
}

// printAWSConnection prints conn one field a line; it has no secret to print.
func printAWSConnection(w io.Writer, conn *dealdesk.AWSConnection) {
	fields := []struct{ name, value string }{
		{"sellerAccountId", conn.SellerAccountID},
		{"region", conn.Region},
		{"credentialsMode", string(conn.CredentialsMode)},
		{"accessKeyId", conn.AccessKeyID},
		{"hasSecretAccessKey", fmt.Sprint(conn.HasSecretAccessKey)},
		{"roleArn", conn.RoleARN},
		{"externalId", conn.ExternalID},
		{"endpointUrl", conn.EndpointURL},
		{"sqsQueueUrl", conn.SQSQueueURL},
		{"updatedAt", conn.UpdatedAt.Format(time.RFC3339)},
	}
	for _, f := range fields {
		if f.value != "" {
			fmt.Fprintf(w, "%-19s %s\n", f.name, f.value)
		}
	}
}
