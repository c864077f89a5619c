package cli_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/dealdesk/dealdesk/cli"
)

// TestServeAllowDefaultCredentials: an organization may save an AWS connection with
// credentialsMode DEFAULT_CHAIN (the host's own AWS identity) only when the operator started
// serve with --allow-default-credentials or DEALDESK_ALLOW_DEFAULT_CREDENTIALS (review 7 F5).
func TestServeAllowDefaultCredentials(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		vars map[string]string
		want int
	}{
		{"refused by default", nil, nil, http.StatusUnprocessableEntity},
		{"allowed by the flag", []string{"--allow-default-credentials"}, nil, http.StatusOK},
		{"allowed by the environment", nil, map[string]string{"DEALDESK_ALLOW_DEFAULT_CREDENTIALS": "true"}, http.StatusOK},
		{"the flag overrides the environment", []string{"--allow-default-credentials=false"},
			map[string]string{"DEALDESK_ALLOW_DEFAULT_CREDENTIALS": "true"}, http.StatusUnprocessableEntity},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out, errOut := newLineWriter(), newLineWriter()
			db := filepath.Join(t.TempDir(), "dealdesk.db")
			env := cli.Env{Getenv: func(k string) string { return tt.vars[k] }, Stdout: out, Stderr: errOut}
			done := make(chan int, 1)
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tt.args...)
			go func() { done <- cli.Run(ctx, args, env) }()
			key := readKeyFile(t, out.waitFor(t, keyFileLine))
			base := out.waitFor(t, "listening on ")
			var problem struct {
				Errors []struct{ Field string }
			}
			code := call(t, "PUT", base+"/api/v1/aws-connection", key,
				`{"sellerAccountId":"111122223333","region":"us-east-1","credentialsMode":"DEFAULT_CHAIN"}`, &problem)
			if code != tt.want {
				t.Errorf("PUT DEFAULT_CHAIN = %d, want %d", code, tt.want)
			}
			if code == http.StatusUnprocessableEntity && (len(problem.Errors) != 1 || problem.Errors[0].Field != "credentialsMode") {
				t.Errorf("problem %+v, want it to name credentialsMode", problem)
			}
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("serve exited %d: %s", code, errOut.String())
			}
		})
	}
}
