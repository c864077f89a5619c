package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// goExampleImports are the packages a README Go fragment may use, by name.
var goExampleImports = map[string]string{
	"aws":                           "github.com/aws/aws-sdk-go-v2/aws",
	"credentials":                   "github.com/aws/aws-sdk-go-v2/credentials",
	"marketplacecatalog":            "github.com/aws/aws-sdk-go-v2/service/marketplacecatalog",
	"marketplaceagreement":          "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement",
	"marketplaceentitlementservice": "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice",
	"marketplacemetering":           "github.com/aws/aws-sdk-go-v2/service/marketplacemetering",
	"sqs":                           "github.com/aws/aws-sdk-go-v2/service/sqs",
}

var declared = regexp.MustCompile(`(?m)^(\w+(?:\s*,\s*\w+)*)\s*:=`)

// goExampleProgram turns a README Go fragment (statements) into a program: the fragment is the
// body of main, with the imports of the packages it names. When the fragment builds a Catalog
// client named catalog, the program then lists the resale authorizations with it, one id a
// line, so that the test can see the client reach the simulator. A block that is a whole file
// (it starts with "package") is returned as it is.
func goExampleProgram(code string) string {
	if strings.HasPrefix(strings.TrimSpace(code), "package ") {
		return code
	}
	var names []string
	for _, line := range strings.Split(code, "\n") {
		line, _, _ = strings.Cut(line, "//")
		for name := range goExampleImports {
			if regexp.MustCompile(`\b`+name+`\.`).MatchString(line) && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	var vars []string
	for _, m := range declared.FindAllStringSubmatch(code, -1) {
		for _, v := range strings.Split(m[1], ",") {
			vars = append(vars, strings.TrimSpace(v))
		}
	}
	use := ""
	if slices.Contains(vars, "catalog") {
		for _, n := range []string{"aws", "marketplacecatalog"} {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		use = `
	out, err := catalog.ListEntities(context.Background(), &marketplacecatalog.ListEntitiesInput{
		Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ListEntities:", err)
		os.Exit(1)
	}
	for _, e := range out.EntitySummaryList {
		fmt.Println(aws.ToString(e.EntityId))
	}`
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"os\"\n\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q\n", goExampleImports[n])
	}
	b.WriteString(")\n\nvar _, _, _ = context.Background, fmt.Println, os.Exit\n\nfunc main() {\n")
	b.WriteString(code)
	b.WriteString("\n")
	for _, v := range vars {
		if v != "_" {
			fmt.Fprintf(&b, "\t_ = %s\n", v)
		}
	}
	b.WriteString(use)
	b.WriteString("\n}\n")
	return b.String()
}

// buildGoExample compiles a program in a new module in dir that requires what dealdesk's
// go.mod requires (the same versions, already in the module cache), and returns the path of
// the executable or the compiler's complaint.
func buildGoExample(dir, program string) (string, error) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		return "", err
	}
	sum, err := os.ReadFile("../../go.sum")
	if err != nil {
		return "", err
	}
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module readmeexample"))
	for name, content := range map[string][]byte{"go.mod": mod, "go.sum": sum, "main.go": []byte(program)} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return "", err
		}
	}
	exe := filepath.Join(dir, "example")
	for _, args := range [][]string{{"vet", "."}, {"build", "-o", exe, "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		// Offline: every module it needs is in the cache, as dealdesk itself was built.
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly", "GOPROXY=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go %s: %v\n%s\nthe program:\n%s", args[0], err, out, program)
		}
	}
	return exe, nil
}
