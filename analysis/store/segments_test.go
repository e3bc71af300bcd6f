package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func TestMigrationVersionsIncrease(t *testing.T) {
	for i := 1; i < len(Migrations); i++ {
		if Migrations[i].Version <= Migrations[i-1].Version {
			t.Fatalf("migration %d (%s) has version %d after version %d: versions must increase",
				i, Migrations[i].Name, Migrations[i].Version, Migrations[i-1].Version)
		}
	}
}

func TestSavedSegments(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Segment(ctx, "vip"); !errors.Is(err, ErrNoSegment) {
		t.Fatalf("missing segment: err %v, want ErrNoSegment", err)
	}
	if err := st.SaveSegment(ctx, SavedSegment{Name: "vip", Expr: "monetary > 100"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSegment(ctx, SavedSegment{Name: "app", Expr: "'app' in channels", Description: "app users"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSegment(ctx, SavedSegment{Name: "vip", Expr: "monetary > 200", Description: "big spenders"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Reopen: the table survives and is not migrated twice.
	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Segment(ctx, "vip")
	if err != nil {
		t.Fatal(err)
	}
	if got.Expr != "monetary > 200" || got.Description != "big spenders" || got.CreatedMs == 0 || got.UpdatedMs < got.CreatedMs {
		t.Fatalf("vip = %+v", got)
	}
	all, err := st.Segments(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "app" || all[1].Name != "vip" {
		t.Fatalf("Segments = %+v, %v", all, err)
	}
	if err := st.DeleteSegment(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSegment(ctx, "app"); !errors.Is(err, ErrNoSegment) {
		t.Fatalf("second delete: %v", err)
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil || v != Migrations[len(Migrations)-1].Version {
		t.Fatalf("schema version %d, %v", v, err)
	}
}
