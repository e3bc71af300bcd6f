package workspace

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/analysis/load"
)

// runningExampleDB loads pm4py's running example into a new database file
// and returns its path (the workspace that loaded it is closed).
func runningExampleDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "w.db")
	w, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f := filepath.Join(refDir(t), "pm4py-running-example", "running-example.csv")
	if _, err := load.File(context.Background(), w.Store(), f, ingest.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	return db
}

// openWS opens a fresh workspace on db, as a new run of the workbench would.
func openWS(t *testing.T, db string) *Workspace {
	t.Helper()
	w, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// dfg is the directly-follows graph of the Dataset as "from>to" → count.
func dfg(t *testing.T, d *journey.Dataset) map[string]int64 {
	t.Helper()
	tr := journey.NewTransitions()
	if err := journey.Scan(context.Background(), d, journey.Query{}, tr); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range tr.Result().Edges {
		out[e.From+">"+e.To] = e.Count
	}
	return out
}

func sameDFG(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestDatasetFileReused: the first workspace scans the store once and
// writes <db>.journeys; a second workspace on the same database reads the
// file (no scan of the store) and gets the same journeys (pm4py's running
// example: 6 customers, 42 events, 16 edges); the in-memory copy serves
// repeated calls without reading the file again; a property key the file
// lacks makes one rebuild that rewrites the file with it.
func TestDatasetFileReused(t *testing.T) {
	ctx := context.Background()
	db := runningExampleDB(t)
	w1 := openWS(t, db)
	d1, err := w1.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w1.data.builds != 1 {
		t.Fatalf("first workspace built %d datasets, want 1", w1.data.builds)
	}
	if d1.InMemory() {
		t.Error("the Dataset of a database on disk is held in memory; want it streamed from <db>.journeys")
	}
	path := db + ".journeys"
	st1, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no dataset file after the first build: %v", err)
	}

	w2 := openWS(t, db)
	d2, err := w2.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w2.data.builds != 0 {
		t.Errorf("second workspace scanned the store %d times, want 0 (the file is current)", w2.data.builds)
	}
	if d2.NumCustomers() != 6 || d2.NumEvents() != 42 || d2.Version != d1.Version {
		t.Errorf("from the file: %d customers, %d events, version %d; want 6, 42, %d", d2.NumCustomers(), d2.NumEvents(), d2.Version, d1.Version)
	}
	if g1, g2 := dfg(t, d1), dfg(t, d2); len(g2) != 16 || !sameDFG(g1, g2) {
		t.Errorf("graph from the file %v differs from the built one %v", g2, g1)
	}
	// A repeated call is served from memory: the file may vanish.
	if err := os.Rename(path, path+".aside"); err != nil {
		t.Fatal(err)
	}
	if d, err := w2.Dataset(ctx); err != nil || d != d2 {
		t.Errorf("repeated call did not return the in-memory dataset (%v)", err)
	}
	if err := os.Rename(path+".aside", path); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st1.ModTime()) || st2.Size() != st1.Size() {
		t.Error("the dataset file was rewritten although the data did not change")
	}

	// A property key not in the file: one scan, and the file now keeps it.
	d3, err := w2.Dataset(ctx, "org:resource")
	if err != nil {
		t.Fatal(err)
	}
	if w2.data.builds != 1 || len(d3.Properties()) != 1 {
		t.Errorf("with a new property key: %d builds, properties %v; want 1 build, [org:resource]", w2.data.builds, d3.Properties())
	}
	w3 := openWS(t, db)
	if d, err := w3.Dataset(ctx, "org:resource"); err != nil || w3.data.builds != 0 || len(d.Properties()) != 1 {
		t.Errorf("third workspace: %d builds, %v; want the rewritten file read", w3.data.builds, err)
	}
}

// TestDatasetFileVersionChange: a load commits a new data version, so the
// file no longer matches: a new workspace scans the store again (seeing the
// new case) and rewrites the file with the new version.
func TestDatasetFileVersionChange(t *testing.T) {
	ctx := context.Background()
	db := runningExampleDB(t)
	w1 := openWS(t, db)
	d1, err := w1.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	extra := filepath.Join(t.TempDir(), "more.csv")
	csv := ",concept:name,org:resource,time:timestamp,Activity,Resource,Costs,case:concept:name,case:creator\n" +
		"0,register request,Pete,2011-01-30 14:32:00+01:00,register request,Pete,50,99,Fluxicon Nitro\n" +
		"1,decide,Sara,2011-01-31 10:00:00+01:00,decide,Sara,200,99,Fluxicon Nitro\n"
	if err := os.WriteFile(extra, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := load.File(ctx, w1.Store(), extra, ingest.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	v, err := w1.Store().DataVersion(ctx)
	if err != nil || v == d1.Version {
		t.Fatalf("the load did not move the data version (%d, %v)", v, err)
	}
	w2 := openWS(t, db)
	d2, err := w2.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w2.data.builds != 1 || d2.Version != v || d2.NumCustomers() != 7 || d2.NumEvents() != 44 {
		t.Errorf("after a load: %d builds, version %d, %d customers, %d events; want 1, %d, 7, 44",
			w2.data.builds, d2.Version, d2.NumCustomers(), d2.NumEvents(), v)
	}
	f, err := os.Open(db + ".journeys")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fv, err := journey.PeekVersion(f); err != nil || fv != v {
		t.Errorf("file version %d (%v), want %d", fv, err, v)
	}
}

// TestDatasetFileDamaged: a truncated, garbage or unreadable dataset file
// is ignored; the Dataset is built from the store (same graph as an
// undamaged build) and, where the path can be written, the file is
// replaced by a sound one. No temporary file is left behind.
func TestDatasetFileDamaged(t *testing.T) {
	ctx := context.Background()
	db := runningExampleDB(t)
	w0 := openWS(t, db)
	d0, err := w0.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := db + ".journeys"
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := dfg(t, d0)
	cases := []struct {
		name     string
		damage   func() error
		rewrites bool
	}{
		{"truncated", func() error { return os.WriteFile(path, good[:len(good)/2], 0o600) }, true},
		{"header only", func() error { return os.WriteFile(path, good[:16], 0o600) }, true},
		{"garbage", func() error { return os.WriteFile(path, []byte("not a dataset at all, just text"), 0o600) }, true},
		{"empty", func() error { return os.WriteFile(path, nil, 0o600) }, true},
		{"tail overwritten", func() error {
			b := append([]byte(nil), good...)
			for i := len(b) - 200; i < len(b); i++ {
				b[i] = 0xff
			}
			return os.WriteFile(path, b, 0o600)
		}, true},
		// A directory where the file should be: unreadable and not
		// replaceable, so the build is used without a file.
		{"directory in the way", func() error {
			if err := os.Remove(path); err != nil {
				return err
			}
			return os.Mkdir(path, 0o755)
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.RemoveAll(path)
			if err := os.WriteFile(path, good, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := c.damage(); err != nil {
				t.Fatal(err)
			}
			w := openWS(t, db)
			d, err := w.Dataset(ctx)
			if err != nil {
				t.Fatalf("damaged file made Dataset fail: %v", err)
			}
			if w.data.builds != 1 || d.NumEvents() != 42 || !sameDFG(dfg(t, d), want) {
				t.Errorf("%d builds, %d events; want 1 build of the 42 events with the original graph", w.data.builds, d.NumEvents())
			}
			if d.InMemory() {
				t.Error("the rebuilt Dataset is held in memory; want it streamed from a file (named or not)")
			}
			if c.rewrites {
				b, err := os.ReadFile(path)
				if err != nil || len(b) != len(good) {
					t.Errorf("file not rewritten: %d bytes (%v), want %d", len(b), err, len(good))
				}
				if w2 := openWS(t, db); func() bool { _, err := w2.Dataset(ctx); return err != nil || w2.data.builds != 0 }() {
					t.Error("the rewritten file is not read by the next workspace")
				}
			}
			left, _ := filepath.Glob(path + ".tmp*")
			if len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	os.RemoveAll(path)
}

// TestDatasetPath: databases on disk get a file next to them; in-memory
// databases none.
func TestDatasetPath(t *testing.T) {
	for _, c := range []struct{ db, want string }{
		{"/data/wb.db", "/data/wb.db.journeys"},
		{"wb.db", "wb.db.journeys"},
		{":memory:", ""},
		{"", ""},
		{"file::memory:?cache=shared", ""},
		{"file:x?mode=memory", ""},
	} {
		if got := datasetPath(c.db); got != c.want {
			t.Errorf("datasetPath(%q) = %q, want %q", c.db, got, c.want)
		}
	}
}

// TestDatasetInMemoryDatabase: an in-memory database has no file to keep
// the Dataset in, so the Dataset is held in memory and gives the same
// graph (pm4py's running example, 16 edges).
func TestDatasetInMemoryDatabase(t *testing.T) {
	ctx := context.Background()
	w, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f := filepath.Join(refDir(t), "pm4py-running-example", "running-example.csv")
	if _, err := load.File(ctx, w.Store(), f, ingest.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	d, err := w.Dataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !d.InMemory() || d.NumEvents() != 42 || len(dfg(t, d)) != 16 {
		t.Errorf("in memory %v, %d events, %d edges; want true, 42, 16", d.InMemory(), d.NumEvents(), len(dfg(t, d)))
	}
}
