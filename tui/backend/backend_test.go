package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

func TestRunDeliversResultAndTracksRunning(t *testing.T) {
	b := backendtest.Empty(t)
	release := make(chan struct{})
	cmd := b.Run(context.Background(), "k", func(ctx context.Context) (any, error) {
		<-release
		return 42, nil
	})
	if b.Running() != 1 {
		t.Fatalf("Running = %d right after Run, want 1", b.Running())
	}
	if got := b.Labels(); len(got) != 1 || got[0] != "k" {
		t.Fatalf("Labels = %v", got)
	}
	close(release)
	r := cmd().(backend.ResultMsg)
	if r.Value != 42 || r.Err != nil || r.Kind != "k" {
		t.Fatalf("result %+v", r)
	}
	if !b.Current(r) {
		t.Error("the only query of its kind is not current")
	}
	if b.Running() != 0 {
		t.Errorf("Running = %d after the result, want 0", b.Running())
	}
}

func TestNewerQueryMakesOlderStaleAndCancelsIt(t *testing.T) {
	b := backendtest.Empty(t)
	first := b.Run(context.Background(), "search", func(ctx context.Context) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	second := b.Run(context.Background(), "search", func(ctx context.Context) (any, error) { return "new", nil })
	other := b.Run(context.Background(), "other", func(ctx context.Context) (any, error) { return "x", nil })
	r1 := first().(backend.ResultMsg) // returns only because the second cancelled it
	r2 := second().(backend.ResultMsg)
	r3 := other().(backend.ResultMsg)
	if !r1.Cancelled() || b.Current(r1) {
		t.Errorf("older query: cancelled=%v current=%v, want cancelled and stale", r1.Cancelled(), b.Current(r1))
	}
	if !b.Current(r2) || r2.Value != "new" {
		t.Errorf("newer query not current: %+v", r2)
	}
	if !b.Current(r3) {
		t.Error("a query of another kind became stale")
	}
	if r2.Seq <= r1.Seq {
		t.Errorf("sequence numbers not increasing: %d then %d", r1.Seq, r2.Seq)
	}
}

func TestCancelStopsEveryQuery(t *testing.T) {
	b := backendtest.Empty(t)
	slow := func(ctx context.Context) (any, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return "late", nil
		}
	}
	a := b.Run(context.Background(), "a", slow)
	c := b.Run(context.Background(), "b", slow)
	if n := b.Cancel(); n != 2 {
		t.Fatalf("Cancel = %d, want 2", n)
	}
	for _, cmd := range []func() any{func() any { return a() }, func() any { return c() }} {
		r := cmd().(backend.ResultMsg)
		if !r.Cancelled() || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("result after Cancel: %+v", r)
		}
	}
	// A query that ignores its context but returns after Cancel still
	// reports the cancellation.
	d := b.Run(context.Background(), "c", func(ctx context.Context) (any, error) { b.Cancel(); return 1, nil })
	if r := d().(backend.ResultMsg); !r.Cancelled() {
		t.Errorf("a cancelled query that returned a value is not reported cancelled: %+v", r)
	}
}

func TestOverviewMatchesStore(t *testing.T) {
	b := backendtest.Open(t)
	ctx := context.Background()
	ov, err := b.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Sources) != len(sample.ExportFiles()) {
		t.Fatalf("%d sources, want %d", len(ov.Sources), len(sample.ExportFiles()))
	}
	var sum int64
	for _, s := range ov.Sources {
		if s.Read != s.Loaded+s.Rejected+s.Duplicate {
			t.Errorf("%s: read %d ≠ %d+%d+%d", s.Name, s.Read, s.Loaded, s.Rejected, s.Duplicate)
		}
	}
	for _, d := range ov.Counts.ByDay {
		sum += d.Events
	}
	if sum != ov.Counts.Events || sum == 0 {
		t.Errorf("daily counts sum to %d, events %d", sum, ov.Counts.Events)
	}
	c, v := b.CachedCounts()
	if c != ov.Counts || v != ov.Version {
		t.Error("Overview did not cache the counts of its data version")
	}
	again, _, err := b.Counts(ctx)
	if err != nil || again != c {
		t.Errorf("second Counts at the same version re-read the store (err %v)", err)
	}
	// The counts come from the store's aggregate; they equal a scan of
	// the events of the loaded sample (but for the distinct customers per
	// channel, which the aggregate does not count).
	scan, err := b.Store().Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range scan.ByChannel {
		scan.ByChannel[i].Customers = 0
	}
	if !reflect.DeepEqual(c, scan) {
		t.Errorf("counts from the aggregates\n%+v\ndiffer from a scan of the events\n%+v", c, scan)
	}
}

func TestSearchCustomersFindsCRMIdWithFacts(t *testing.T) {
	b := backendtest.Open(t)
	sd, _ := backendtest.Fixture(t)
	truth, err := sample.ReadTruth(sd)
	if err != nil {
		t.Fatal(err)
	}
	// A person in the CRM: search by their exact CRM id.
	var crm string
	for _, p := range truth.Persons {
		if p.CRMID != "" {
			crm = p.CRMID
			break
		}
	}
	if crm == "" {
		t.Fatal("no CRM person in the fixture")
	}
	rows, err := b.SearchCustomers(context.Background(), crm, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("no customer found for %s", crm)
	}
	r := rows[0]
	if r.Matched != "crm_id:"+crm || r.Primary != "crm_id:"+crm {
		t.Errorf("first row %+v, want the CRM id matched and primary", r)
	}
	if r.Name == "" || r.Region == "" || r.Identifiers < 1 {
		t.Errorf("key facts missing: %+v", r)
	}
	p, err := b.Profile(context.Background(), r.Primary, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Events != r.Events || len(p.Identities) != r.Identifiers {
		t.Errorf("facts %d events/%d ids, profile %d/%d", r.Events, r.Identifiers, p.Events, len(p.Identities))
	}
	if r.Events > 0 && r.LastSeen != p.Timeline[len(p.Timeline)-1].Time {
		t.Errorf("last seen %d, last timeline event %d", r.LastSeen, p.Timeline[len(p.Timeline)-1].Time)
	}
	none, err := b.SearchCustomers(context.Background(), "zzzz-no-such-thing", 10)
	if err != nil || len(none) != 0 {
		t.Errorf("nonsense query found %d rows (err %v)", len(none), err)
	}
}

func TestLoadFilesStreamsProgressAndAccounts(t *testing.T) {
	b := backendtest.Empty(t)
	sd, _ := backendtest.Fixture(t)
	files := []string{filepath.Join(sd, "crm_customers.csv"), filepath.Join(sd, "web_events.jsonl"), filepath.Join(sd, "crm_customers.csv")}
	cmd := b.LoadFiles(context.Background(), "load", files, ingest.Options{})
	msgs := backendtest.Drain(t, cmd, 60*time.Second, "load")
	res := backendtest.Results(msgs)[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	lr := res.Value.(*backend.LoadResult)
	if len(lr.Files) != 3 {
		t.Fatalf("%d file results, want 3", len(lr.Files))
	}
	if lr.Files[0].Already || lr.Files[1].Already || !lr.Files[2].Already {
		t.Errorf("already-loaded flags %v %v %v, want false false true", lr.Files[0].Already, lr.Files[1].Already, lr.Files[2].Already)
	}
	srcs, err := b.Store().Sources(context.Background())
	if err != nil || len(srcs) != 2 {
		t.Fatalf("%d sources after loading 2 distinct files (err %v)", len(srcs), err)
	}
	if len(msgs) < 2 {
		t.Errorf("no progress message before the result")
	}
	for _, m := range msgs[:len(msgs)-1] {
		p, ok := m.(backend.ProgressMsg)
		if !ok {
			t.Fatalf("message %T before the result", m)
		}
		if p.Files != 3 || p.FileIndex < 1 || p.FileIndex > 3 || p.Fraction < 0 || p.Fraction > 1 {
			t.Errorf("odd progress %+v", p.Progress)
		}
	}
}

func TestCancelledLoadLeavesDatabaseAsItWas(t *testing.T) {
	b := backendtest.Empty(t)
	sd, _ := backendtest.Fixture(t)
	ctx := context.Background()
	v0, _ := b.DataVersion(ctx)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	cmd := b.LoadFiles(cctx, "load", []string{filepath.Join(sd, "web_events.jsonl")}, ingest.Options{})
	res := backendtest.Results(backendtest.Drain(t, cmd, 30*time.Second, "load"))[0]
	if !res.Cancelled() {
		t.Fatalf("want a cancelled result, got %+v", res)
	}
	v1, _ := b.DataVersion(ctx)
	tot, _ := b.Store().Totals(ctx)
	if v1 != v0 || tot.Events != 0 || tot.Sources != 0 {
		t.Errorf("after a cancelled load: version %d→%d, %d events, %d sources", v0, v1, tot.Events, tot.Sources)
	}
}

func TestLoadFilesReportsBadFile(t *testing.T) {
	b := backendtest.Empty(t)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte(""), 0o644)
	res := backendtest.Results(backendtest.Drain(t, b.LoadFiles(context.Background(), "load", []string{bad}, ingest.Options{}), 30*time.Second, "load"))[0]
	if res.Err == nil || !strings.Contains(res.Err.Error(), "bad.csv") {
		t.Fatalf("want an error naming the file, got %v", res.Err)
	}
	lr := res.Value.(*backend.LoadResult)
	if len(lr.Files) != 1 || lr.Files[0].Err == nil {
		t.Errorf("file result %+v", lr.Files)
	}
}

func TestPrepareSampleThenSampleLoaded(t *testing.T) {
	b := backendtest.Empty(t)
	dir := filepath.Join(t.TempDir(), "sample")
	ctx := context.Background()
	if b.SampleLoaded(ctx, dir) {
		t.Fatal("an empty database reports the sample loaded")
	}
	opt := sample.Options{Customers: 50, Seed: 7}
	msgs := backendtest.Drain(t, b.PrepareSample(ctx, "prep", dir, opt), 60*time.Second, "prep")
	res := backendtest.Results(msgs)[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	lr := res.Value.(*backend.LoadResult)
	if !lr.Generated || len(lr.Files) != len(sample.ExportFiles()) {
		t.Errorf("generated=%v, %d files", lr.Generated, len(lr.Files))
	}
	sawGen := false
	for _, m := range msgs {
		if p, ok := m.(backend.ProgressMsg); ok && p.Phase == "generating" {
			sawGen = true
		}
	}
	if !sawGen {
		t.Error("no generating progress reported")
	}
	if !b.SampleLoaded(ctx, dir) {
		t.Fatal("SampleLoaded false after PrepareSample")
	}
	// A second run neither regenerates nor adds rows.
	tot0, _ := b.Store().Totals(ctx)
	res = backendtest.Results(backendtest.Drain(t, b.PrepareSample(ctx, "prep", dir, opt), 60*time.Second, "prep"))[0]
	lr = res.Value.(*backend.LoadResult)
	tot1, _ := b.Store().Totals(ctx)
	if res.Err != nil || lr.Generated || tot1 != tot0 {
		t.Errorf("second run: err %v generated %v totals %+v → %+v", res.Err, lr.Generated, tot0, tot1)
	}
	for _, f := range lr.Files {
		if !f.Already {
			t.Errorf("%s loaded again", f.File)
		}
	}
}

func TestExpandPathsAndComplete(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.csv", "a.csv", ".hidden"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	files, err := backend.ExpandPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || filepath.Base(files[0]) != "a.csv" || filepath.Base(files[1]) != "b.csv" {
		t.Errorf("ExpandPaths(dir) = %v", files)
	}
	if _, err := backend.ExpandPaths([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing path gave no error")
	}
	if _, err := backend.ExpandPaths([]string{"  "}); err == nil {
		t.Error("no path gave no error")
	}
	tests := []struct {
		partial string
		want    []string
	}{
		{filepath.Join(dir, "a"), []string{filepath.Join(dir, "a.csv")}},
		{filepath.Join(dir, "s"), []string{filepath.Join(dir, "sub") + "/"}},
		{dir + "/", []string{filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "sub") + "/"}},
		{dir + "/.", []string{filepath.Join(dir, ".hidden")}},
		{filepath.Join(dir, "zz"), nil},
	}
	for _, tc := range tests {
		got := backend.Complete(tc.partial, 10)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Complete(%q) = %v, want %v", tc.partial, got, tc.want)
		}
	}
}

func TestCountsSavedForTheNextStart(t *testing.T) {
	b := backendtest.Copy(t)
	ctx := context.Background()
	c1, v1, err := b.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.Path() + "-counts.json"); err != nil {
		t.Fatalf("counts not saved: %v", err)
	}
	// A new backend (the next start) reads the same counts from the file.
	c2, v2, err := backend.New(b.Store()).Counts(ctx)
	if err != nil || v2 != v1 || c2.Events != c1.Events || len(c2.ByDay) != len(c1.ByDay) || len(c2.ByType) != len(c1.ByType) {
		t.Fatalf("restart counts differ: v %d/%d events %d/%d (err %v)", v1, v2, c1.Events, c2.Events, err)
	}
	// A file of another data version is ignored.
	os.WriteFile(b.Path()+"-counts.json", []byte(`{"db":"x","data_version":-1,"counts":{"Events":1}}`), 0o644)
	c3, _, err := backend.New(b.Store()).Counts(ctx)
	if err != nil || c3.Events != c1.Events {
		t.Errorf("a stale counts file was used: %d events, want %d", c3.Events, c1.Events)
	}
}
