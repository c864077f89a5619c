package web

import (
	"html/template"
	"strings"
	"testing"
)

func TestTemplates_EveryPageParsesAndCallsOnlyDefinedPartials(t *testing.T) {
	a, err := newStaticAssets()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := parseTemplates(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"signin", "error", "offer_list", "offer_show", "opportunity_new"} {
		if ts.pages[page] == nil {
			t.Errorf("no page %s", page)
		}
	}
}

func TestTemplates_AMissingPartialIsFoundAtStartUp(t *testing.T) {
	for name, src := range map[string]string{
		"call in content":     `{{define "title"}}x{{end}}{{define "content"}}{{template "nope" .}}{{end}}`,
		"call inside range":   `{{define "title"}}x{{end}}{{define "content"}}{{range .}}{{if .}}{{template "nope" .}}{{end}}{{end}}{{end}}`,
		"call inside with":    `{{define "title"}}x{{end}}{{define "content"}}{{with .}}{{else}}{{template "nope"}}{{end}}{{end}}`,
		"no content template": `{{define "title"}}x{{end}}`,
	} {
		tt := template.Must(template.New("page").Parse(src))
		err := checkCalls(tt, "page")
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), "nope") && !strings.Contains(err.Error(), "content") {
			t.Errorf("%s: %v does not name what is missing", name, err)
		}
	}
	ok := template.Must(template.New("page").Parse(`{{define "title"}}x{{end}}{{define "content"}}{{template "p"}}{{end}}{{define "p"}}y{{end}}`))
	if err := checkCalls(ok, "page"); err != nil {
		t.Fatalf("a page whose partials exist: %v", err)
	}
}

func TestStatic_AssetsAreServedByChecksum(t *testing.T) {
	a, err := newStaticAssets()
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.url("app.css")
	if err != nil || !strings.HasPrefix(u, "/static/") || !strings.HasSuffix(u, "/app.css") || len(u) != len("/static//app.css")+16 {
		t.Fatalf("url(app.css) = %q, %v", u, err)
	}
	if _, err := a.url("missing.css"); err == nil {
		t.Fatal("url of a missing file: no error")
	}
}
