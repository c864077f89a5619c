package cli

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSecretKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("made on first start, mode 0600, and read back the same", func(t *testing.T) {
		path := filepath.Join(dir, "made.secret-key")
		key, created, err := loadSecretKey(path)
		if err != nil || !created || len(key) != 32 {
			t.Fatalf("first load: %x, %v, %v", key, created, err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file %v, %v: want mode 0600", fi, err)
		}
		again, created, err := loadSecretKey(path)
		if err != nil || created || !bytes.Equal(again, key) {
			t.Fatalf("second load: %x, %v, %v: want the same key, not made again", again, created, err)
		}
	})
	want := bytes.Repeat([]byte{7}, 32)
	for name, content := range map[string][]byte{
		"hex with a line break": []byte(hex.EncodeToString(want) + "\n"),
		"raw bytes":             want,
	} {
		t.Run("reads "+name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			key, _, err := loadSecretKey(path)
			if err != nil || !bytes.Equal(key, want) {
				t.Fatalf("key %x, %v", key, err)
			}
		})
	}
	for name, content := range map[string]string{"short": "abcd", "not hex": strings.Repeat("zz", 32)} {
		t.Run("refuses "+name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if key, _, err := loadSecretKey(path); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
				t.Fatalf("key %x, err %v: want an error naming the forms", key, err)
			}
		})
	}
}
