package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/cli"
)

// runWithEnv runs `dealdesk args...` with the environment vars and an already cancelled
// context (a simulator that got past its flags starts, prints its settings and stops at once).
func runWithEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	out, errOut := newLineWriter(), newLineWriter()
	env := cli.Env{Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader(""), Stdout: out, Stderr: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code := cli.Run(ctx, args, env)
	return code, out.String(), errOut.String()
}

func TestSim_HelpListsEveryFlagWithItsEnvironmentVariable(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, "sim", "--help")
	if code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	help := out + errOut
	// flag's PrintDefaults: "  -name type" on one line, its description indented below.
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	blocks := flagLine.Split(help, -1)[1:]
	names := flagLine.FindAllStringSubmatch(help, -1)
	if len(names) < 8 {
		t.Fatalf("help lists %d flags, want the simulator's eight:\n%s", len(names), help)
	}
	for i, m := range names {
		want := "DEALDESK_SIM_" + strings.ToUpper(strings.ReplaceAll(m[1], "-", "_"))
		if !strings.Contains(blocks[i], "("+want+")") {
			t.Errorf("-%s does not name its environment variable %s:%s", m[1], want, blocks[i])
		}
	}
	for _, flag := range []string{"addr", "state", "seed", "base-url", "metering-window", "changeset-delay", "quotas", "manufacturer-reads-agreements"} {
		if !strings.Contains(help, "  -"+flag+" ") && !strings.Contains(help, "  -"+flag+"\n") {
			t.Errorf("help lacks -%s:\n%s", flag, help)
		}
	}
}

func TestSim_BadUsageExitsTwoWithTheUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"unknown flag", nil, []string{"sim", "--port", "80"}, "flag provided but not defined: -port"},
		{"flag value of the wrong type", nil, []string{"sim", "--quotas=maybe"}, `invalid boolean value "maybe" for -quotas`},
		{"stray argument", nil, []string{"sim", "now"}, `unexpected argument "now"`},
		{"negative metering window", nil, []string{"sim", "--metering-window", "-1h"}, "--metering-window must be positive"},
		{"negative change set delay", nil, []string{"sim", "--changeset-delay", "-1s"}, "--changeset-delay must not be negative"},
		{"bad duration in the environment", map[string]string{"DEALDESK_SIM_METERING_WINDOW": "soon"}, []string{"sim"}, "DEALDESK_SIM_METERING_WINDOW"},
		{"bad boolean in the environment", map[string]string{"DEALDESK_SIM_QUOTAS": "maybe"}, []string{"sim"}, "DEALDESK_SIM_QUOTAS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runWithEnv(t, tt.vars, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr should say %q:\n%s", tt.want, errOut)
			}
			if strings.Contains(out, "listening") {
				t.Errorf("the simulator started:\n%s", out)
			}
		})
	}
	// A bad flag prints the usage with it.
	if _, _, errOut := run(t, "sim", "--port", "80"); !strings.Contains(errOut, "Usage: dealdesk sim") || !strings.Contains(errOut, "-metering-window") {
		t.Errorf("a bad flag does not print the usage:\n%s", errOut)
	}
}

func TestSim_ReadsItsEnvironment(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "sim-state.json")
	code, out, errOut := runWithEnv(t, map[string]string{
		"DEALDESK_SIM_ADDR":                          "127.0.0.1:0",
		"DEALDESK_SIM_STATE":                         state,
		"DEALDESK_SIM_BASE_URL":                      "http://sim.example.test:4566",
		"DEALDESK_SIM_METERING_WINDOW":               "2h",
		"DEALDESK_SIM_CHANGESET_DELAY":               "0",
		"DEALDESK_SIM_QUOTAS":                        "false",
		"DEALDESK_SIM_MANUFACTURER_READS_AGREEMENTS": "true",
	}, "sim")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"listening on http://sim.example.test:4566",
		"metering window 2h0m0s  change sets take 0s  quotas false  manufacturer reads agreements true  state " + state,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("state file from DEALDESK_SIM_STATE: %v", err)
	}
	// A flag wins over its environment variable.
	code, out, _ = runWithEnv(t, map[string]string{"DEALDESK_SIM_ADDR": "127.0.0.1:0", "DEALDESK_SIM_METERING_WINDOW": "2h"}, "sim", "--metering-window", "3h")
	if code != 0 || !strings.Contains(out, "metering window 3h0m0s") {
		t.Errorf("--metering-window 3h over DEALDESK_SIM_METERING_WINDOW=2h: exit %d\n%s", code, out)
	}
}

func TestSim_ABadSeedNamesEveryBadField(t *testing.T) {
	t.Parallel()
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"seller":{"accountId":"12","legalName":""},"products":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runWithEnv(t, map[string]string{"DEALDESK_SIM_SEED": seed}, "sim", "--addr", "127.0.0.1:0")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, field := range []string{"seller.accountId", "seller.legalName", "products"} {
		if !strings.Contains(errOut, field) {
			t.Errorf("error does not name %s:\n%s", field, errOut)
		}
	}
}
