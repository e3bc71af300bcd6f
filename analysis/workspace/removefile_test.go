package workspace

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRemoveDatasetFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	for _, name := range []string{"w.db.journeys", "w.db.journeys.tmp123", "w.db", "other.journeys"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveDatasetFile(db); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"w.db.journeys": false, "w.db.journeys.tmp123": false, "w.db": true, "other.journeys": true} {
		_, err := os.Stat(filepath.Join(dir, name))
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", name, got, want)
		}
	}
	// Nothing to remove, and an in-memory database, are not errors.
	if err := RemoveDatasetFile(db); err != nil {
		t.Errorf("second remove: %v", err)
	}
	if err := RemoveDatasetFile(":memory:"); err != nil {
		t.Errorf("in-memory: %v", err)
	}
}
