package sim

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic_SyncsTheDirectoryAfterTheRename(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	var synced []string
	var seenAtSync string
	err := replaceFile(path, []byte("new"), func(d string) error {
		synced = append(synced, d)
		b, _ := os.ReadFile(path)
		seenAtSync = string(b)
		return syncDir(d)
	})
	if err != nil {
		t.Fatalf("replaceFile: %v", err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Fatalf("directories synced: %q, want exactly [%q]", synced, dir)
	}
	if seenAtSync != "new" {
		t.Errorf("at the directory sync the file held %q, want %q: the sync must follow the rename", seenAtSync, "new")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the state file (no temporary left)", len(entries))
	}
}

func TestWriteFileAtomic_ReportsAFailedDirectorySync(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	boom := errors.New("disk gone")
	err := replaceFile(path, []byte("x"), func(string) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the sync failure", err)
	}
}

func TestSyncDir(t *testing.T) {
	t.Parallel()
	if err := syncDir(t.TempDir()); err != nil {
		t.Errorf("syncing a directory: %v", err)
	}
	if err := syncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("syncing a missing directory succeeded")
	}
}
