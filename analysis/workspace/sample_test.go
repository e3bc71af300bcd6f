package workspace

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/load"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sample"
)

// sampleFixture is the default built-in sample (5,000 customers, seed 42)
// generated once per test binary, loaded into a store with the normal
// loader, with its ground truth.
type sampleFixture struct {
	dir   string
	ws    *Workspace
	truth *sample.Truth
	err   error
}

var (
	fixtureOnce sync.Once
	fixture     sampleFixture
	fixtureRoot string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.ws != nil {
		fixture.ws.Close()
	}
	if fixtureRoot != "" {
		os.RemoveAll(fixtureRoot)
	}
	os.Exit(code)
}

func loadSample(t *testing.T) *sampleFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("generates and loads the 5,000-customer sample")
	}
	fixtureOnce.Do(func() {
		start := time.Now()
		root, err := os.MkdirTemp("", "workspace-sample-")
		if err != nil {
			fixture.err = err
			return
		}
		fixtureRoot = root
		dir := filepath.Join(root, "sample")
		ctx := context.Background()
		if _, err := sample.Generate(ctx, dir, sample.DefaultOptions(), nil); err != nil {
			fixture.err = err
			return
		}
		st, err := store.Open(filepath.Join(root, "sample.db"))
		if err != nil {
			fixture.err = err
			return
		}
		for _, name := range sample.ExportFiles() {
			if _, err := load.File(ctx, st, filepath.Join(dir, name), ingest.Options{}, nil); err != nil {
				fixture.err = err
				return
			}
		}
		fixture.dir = dir
		fixture.ws = Own(st)
		fixture.truth, fixture.err = sample.ReadTruth(dir)
		t.Logf("sample fixture: generated and loaded in %v", time.Since(start).Round(time.Millisecond))
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return &fixture
}

// personOfCustomer maps every store customer to its majority true person:
// each unshared identifier of the customer votes for the person the truth
// gives it (ties to the smaller person id).
func personOfCustomer(t *testing.T, f *sampleFixture) map[int64]string {
	votes := map[int64]map[string]int{}
	err := f.ws.Store().ScanIdentities(context.Background(), func(r *store.IdentityRef) error {
		ps := f.truth.PersonOf(r.Type, r.Value)
		if len(ps) != 1 {
			return nil
		}
		m := votes[r.Customer]
		if m == nil {
			m = map[string]int{}
			votes[r.Customer] = m
		}
		m[ps[0]]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[int64]string, len(votes))
	for c, m := range votes {
		best, bn := "", 0
		for p, n := range m {
			if n > bn || (n == bn && p < best) {
				best, bn = p, n
			}
		}
		out[c] = best
	}
	return out
}
