package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed static
var staticFS embed.FS

// staticAsset is one embedded file of static/ with the checksum its URL carries.
type staticAsset struct {
	body        []byte
	contentType string
	sum         string // first 16 hex digits of its SHA-256
}

// staticAssets are the embedded static files, served at /static/{sum}/{name} and cached for a
// year: a changed file has another URL.
type staticAssets struct{ files map[string]staticAsset }

func newStaticAssets() (*staticAssets, error) {
	a := &staticAssets{files: map[string]staticAsset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.files[path.Base(p)] = staticAsset{body: b, contentType: ct, sum: hex.EncodeToString(sum[:8])}
		return nil
	})
	return a, err
}

// url returns the URL of the static file name, or an error for an unknown name (templates
// call it as "static").
func (a *staticAssets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + f.sum + "/" + name, nil
}

// handleStatic serves a static file: GET /static/{sum}/{name}. A stale checksum is 404.
func (h *Handler) handleStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static.files[r.PathValue("name")]
	if !ok || f.sum != r.PathValue("sum") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(f.body)
}
