package web

import (
	"net/http"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// handleAWSConnectionSave saves the organization's AWS connection from its form:
// POST /settings/aws-connection, through AWSConnectionService.SaveAWSConnection, as the API's
// PUT /api/v1/aws-connection. An empty secret access key keeps the stored one (the domain's
// rule, which also refuses keeping it when the mode, access key ID or endpoint changes). The
// form shows the inputs of every credentials mode; only those of the chosen mode are sent,
// so that switching modes needs no clearing of the others. A refused form comes back (422)
// with the domain's errors next to their fields, and without the secret it was given.
func (h *Handler) handleAWSConnectionSave(w http.ResponseWriter, r *http.Request) {
	if h.cfg.AWSConnections == nil {
		h.settingsUnavailable(w, r)
		return
	}
	ctx := r.Context()
	get := func(name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
	in := dealdesk.AWSConnectionInput{SellerAccountID: get("sellerAccountId"), Region: get("region"),
		CredentialsMode: dealdesk.CredentialsMode(get("credentialsMode")),
		EndpointURL:     get("endpointUrl"), SQSQueueURL: get("sqsQueueUrl")}
	switch in.CredentialsMode {
	case dealdesk.CredentialsStaticKeys:
		in.AccessKeyID, in.SecretAccessKey = get("accessKeyId"), r.PostForm.Get("secretAccessKey")
	case dealdesk.CredentialsAssumeRole:
		in.RoleARN = get("roleArn")
	}
	_, err := h.cfg.AWSConnections.SaveAWSConnection(ctx, in)
	if err == nil {
		http.Redirect(w, r, "/settings/aws-connection?notice=saved", http.StatusSeeOther)
		return
	}
	code := dealdesk.ErrorCode(err)
	if code != dealdesk.EINVALID && code != dealdesk.ECONFLICT {
		h.renderError(w, r, err)
		return
	}
	p, perr := h.awsConnectionPage(ctx)
	if perr != nil {
		h.renderError(w, r, perr)
		return
	}
	in.SecretAccessKey = "" // write-only: never filled back
	p.Form = in
	p.Errors, p.OtherErrors = formErrors(err, awsConnectionInputs...)
	status := http.StatusUnprocessableEntity
	if code == dealdesk.ECONFLICT {
		status = http.StatusConflict
	}
	h.render(w, r, status, "settings_aws_connection", "settings", p)
}
