package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"text/template/parse"
	"time"

	"github.com/dealdesk/dealdesk"
)

//go:embed templates
var templateFS embed.FS

// templates holds one template set per page: the layout, every partial of
// templates/partials/ and the page's own file (templates/NAME.html), which defines "title"
// and "content".
type templates struct{ pages map[string]*template.Template }

// parseTemplates parses every page with the layout and the partials, and checks at start-up
// that every {{template "x"}} a page, the layout or a partial calls is defined, so that a
// missing partial stops the server rather than a request.
func parseTemplates(static *staticAssets) (*templates, error) {
	base, err := template.New("layout.html").Funcs(template.FuncMap{
		"static":     static.url,
		"fieldError": fieldError,
		"when":       formatTime,
		"answer":     answerOf,
		"count":      count,
		"sourceText": sourceText,
	}).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ts := &templates{pages: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, file)
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		if err := checkCalls(t, name); err != nil {
			return nil, err
		}
		ts.pages[name] = t
	}
	return ts, nil
}

// checkCalls returns an error naming the first template that t's templates call but t does
// not define, and the templates every page must define (title, content).
func checkCalls(t *template.Template, page string) error {
	for _, want := range []string{"title", "content"} {
		if t.Lookup(want) == nil {
			return fmt.Errorf("web: templates: page %s defines no %q", page, want)
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		var missing string
		walk(tt.Tree.Root, func(n *parse.TemplateNode) {
			if missing == "" && t.Lookup(n.Name) == nil {
				missing = n.Name
			}
		})
		if missing != "" {
			return fmt.Errorf("web: templates: %s (page %s) calls template %q, which no file defines", tt.Name(), page, missing)
		}
	}
	return nil
}

// walk calls fn for every {{template}} call under n.
func walk(n parse.Node, fn func(*parse.TemplateNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walk(c, fn)
			}
		}
	case *parse.TemplateNode:
		fn(n)
	case *parse.IfNode:
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.RangeNode:
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.WithNode:
		walk(n.List, fn)
		walk(n.ElseList, fn)
	}
}

// view is what every page's template gets: the layout's values and the page's own (Page).
type view struct {
	Title string
	Email string // the signed-in user's; "" when signed out
	CSRF  string
	Nav   string // the navigation entry of the page
	Page  any
}

// render writes the page name with status; a template error is logged and answered 500.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, nav string, page any) {
	s := sessionFrom(r.Context())
	v := view{CSRF: s.CSRF, Nav: nav, Page: page}
	if s.signedIn() {
		v.Email = s.Email
	}
	t := h.templates.pages[name]
	var buf bytes.Buffer
	if t == nil {
		h.logger.Error("web: no template", "page", name)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		h.logger.Error("web: render", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fieldErrorView is what the field_error partial shows: the messages of one form field.
type fieldErrorView struct {
	ID       string // the id of the element holding them, for aria-describedby
	Messages []string
}

// fieldError returns the messages errs holds for the form field name.
func fieldError(errs map[string][]string, name string) fieldErrorView {
	return fieldErrorView{ID: errorID(name), Messages: errs[name]}
}

// errorID is the id of the element that shows the errors of the form field name.
func errorID(name string) string {
	return "error-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(name)
}

// formatTime shows a time in UTC to the minute; the zero time as "".
func formatTime(t any) string {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if t == nil {
			return ""
		}
		return formatTime(*t)
	case *dealdesk.Date:
		if t == nil {
			return ""
		}
		return t.String()
	}
	return fmt.Sprint(t)
}
