package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

const (
	testSecretAccessKey  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
	testSecretAccessKey2 = "another/SECRET+accesskey/never/shown"
)

// staticKeysForm is a valid AWS connection form with STATIC_KEYS and secret.
func staticKeysForm(csrf, secret string) url.Values {
	return url.Values{"csrf": {csrf}, "sellerAccountId": {"111122223333"}, "region": {"us-east-1"},
		"credentialsMode": {"STATIC_KEYS"}, "accessKeyId": {"AKIAIOSFODNN7EXAMPLE"}, "secretAccessKey": {secret},
		"roleArn": {"arn:aws:iam::111122223333:role/ignored-in-this-mode"}, "sqsQueueUrl": {"https://sqs.us-east-1.amazonaws.com/111122223333/mp-events"}}
}

func TestSettingsAWSConnection_TheSecretAccessKeyIsNeverInAPage(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/settings/aws-connection")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No connection is set yet") ||
			!strings.Contains(body, `<input id="secretAccessKey" name="secretAccessKey" type="password"`) {
			t.Fatalf("GET with no connection: %s\n%s", resp.Status, body)
		}

		resp, body = f.postBody(t, c, "/settings/aws-connection", staticKeysForm(token, testSecretAccessKey))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/aws-connection?notice=saved" {
			t.Fatalf("save: %s, Location %q\n%s", resp.Status, resp.Header.Get("Location"), body)
		}
		ctx := f.ctx(f.acme)
		stored, err := f.db.AWSConnectionWithSecret(ctx)
		if err != nil || stored.SecretAccessKey != testSecretAccessKey || stored.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" ||
			stored.RoleARN != "" || stored.SQSQueueURL == "" {
			t.Fatalf("stored after save: %+v, %v", stored, err)
		}
		resp, body = f.get(t, c, "/settings/aws-connection?notice=saved")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Saved.") || !strings.Contains(body, "one is stored: leave empty to keep it") ||
			!strings.Contains(body, `value="111122223333"`) || !strings.Contains(body, stored.ExternalID) {
			t.Fatalf("GET after save: %s\n%s", resp.Status, body)
		}

		// Saved again without a secret (another region): the stored one is kept.
		form := staticKeysForm(token, "")
		form.Set("region", "eu-west-1")
		if resp := f.post(t, c, "/settings/aws-connection", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save without a secret: %s", resp.Status)
		}
		if got, err := f.db.AWSConnectionWithSecret(ctx); err != nil || got.SecretAccessKey != testSecretAccessKey || got.Region != "eu-west-1" {
			t.Fatalf("after a save without a secret: %+v, %v; want the secret kept", got, err)
		}

		// A refused form with a new secret does not fill it back.
		form = staticKeysForm(token, testSecretAccessKey2)
		form.Set("region", "nowhere")
		resp, body = f.postBody(t, c, "/settings/aws-connection", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || holds(body, testSecretAccessKey2) {
			t.Fatalf("refused save: %s; the page holds the secret given: %v", resp.Status, holds(body, testSecretAccessKey2))
		}

		for _, path := range settingsPages {
			resp, body := f.get(t, c, path)
			if resp.StatusCode != http.StatusOK || holds(body, testSecretAccessKey) || holds(body, testSecretAccessKey2) {
				t.Errorf("GET %s: %s; holds the secret: %v", path, resp.Status, holds(body, testSecretAccessKey))
			}
		}
	})
}

func TestSettingsAWSConnection_ABadFieldShowsItsErrorNextToItAndChangesNothing(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		if resp := f.post(t, c, "/settings/aws-connection", staticKeysForm(token, testSecretAccessKey)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %s", resp.Status)
		}
		ctx := f.ctx(f.acme)
		before, err := f.db.AWSConnectionWithSecret(ctx)
		if err != nil {
			t.Fatal(err)
		}

		form := staticKeysForm(token, "")
		form.Set("sellerAccountId", "12345")
		form.Set("sqsQueueUrl", "ftp://queue")
		resp, body := f.postBody(t, c, "/settings/aws-connection", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad fields: %s, want 422\n%s", resp.Status, body)
		}
		for field, msg := range map[string]string{"sellerAccountId": "must be a 12-digit AWS account ID",
			"sqsQueueUrl": "must be an absolute http or https URL"} {
			if !nextToField(field, msg).MatchString(body) {
				t.Errorf("no %q next to %s in:\n%s", msg, field, body)
			}
		}
		if !strings.Contains(body, `value="12345"`) || !strings.Contains(body, "Nothing was saved") {
			t.Errorf("the refused form does not show its values back:\n%s", body)
		}

		// The domain's rule on the write-only secret: a new access key ID needs the secret again.
		form = staticKeysForm(token, "")
		form.Set("accessKeyId", "AKIAIOSFODNN7OTHERID")
		resp, body = f.postBody(t, c, "/settings/aws-connection", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !nextToField("secretAccessKey", "must be given again").MatchString(body) {
			t.Fatalf("new access key ID without the secret: %s\n%s", resp.Status, body)
		}

		after, err := f.db.AWSConnectionWithSecret(ctx)
		if err != nil || *after != *before {
			t.Fatalf("after refused saves: %+v, %v; want it unchanged: %+v", after, err, before)
		}
	})
}

func TestSettingsAWSConnection_ShowsEachProductsMeteringIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite") // a console without the Settings services answers 404
	c := f.client(t)
	f.signIn(t, c, f.email)
	if resp, _ := f.get(t, c, "/settings/aws-connection"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET without an AWS connection service: %s, want 404", resp.Status)
	}

	f = newSettingsFixture(t, "sqlite")
	if _, err := f.db.CreateProduct(f.ctx(f.acme), dealdesk.ProductInput{ExternalID: "prod-meterid1", ProductCode: "meterid1",
		Title: "Metered Product", MeteringIdentity: dealdesk.MeteringByCustomerIdentifier,
		Dimensions: []dealdesk.Dimension{{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered}}}); err != nil {
		t.Fatal(err)
	}
	c = f.client(t)
	f.signIn(t, c, f.email)
	resp, body := f.get(t, c, "/settings/aws-connection")
	if resp.StatusCode != http.StatusOK || !strings.Contains(withoutLabels(body), "<td>Metered Product</td><td><code>prod-meterid1</code></td><td><code>meterid1</code></td><td>CUSTOMER_IDENTIFIER</td>") {
		t.Fatalf("GET: %s\n%s", resp.Status, body)
	}
}
