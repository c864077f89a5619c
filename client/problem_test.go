package client

import (
	"net/http"
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestClientAnswerErrorWithoutProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		code, msg string
	}{
		{"a proxy's 502 page is internal, with the status text", http.StatusBadGateway, "<html>bad gateway</html>", dealdesk.EINTERNAL, "Bad Gateway"},
		{"a 404 without a body is not found", http.StatusNotFound, "", dealdesk.ENOTFOUND, "Not Found"},
		{"a 503 keeps the server's code", http.StatusServiceUnavailable, `{"title":"Service unavailable","status":503}`, "unavailable", "Service unavailable"},
		{"a problem's code and detail win over the status", http.StatusConflict, `{"title":"Conflict","status":409,"detail":"No key.","code":"conflict"}`, dealdesk.ECONFLICT, "No key."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := answerError(tt.status, []byte(tt.body))
			if dealdesk.ErrorCode(err) != tt.code || dealdesk.ErrorMessage(err) != tt.msg {
				t.Fatalf("answerError(%d, %q) = %v, want code %s and message %q", tt.status, tt.body, err, tt.code, tt.msg)
			}
		})
	}
}
