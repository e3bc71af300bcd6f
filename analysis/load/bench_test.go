package load

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sample"
)

// BenchmarkLoadSample loads the built-in sample at 2,000 customers (every
// export) into a fresh database and reports rows read per second.
func BenchmarkLoadSample(b *testing.B) {
	dir := b.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 2000, Seed: 7}, nil); err != nil {
		b.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.*"))
	b.ResetTimer()
	cpu0 := cpuTime()
	var rows int64
	for i := 0; i < b.N; i++ {
		db := filepath.Join(b.TempDir(), "b.db")
		st, err := store.Open(db)
		if err != nil {
			b.Fatal(err)
		}
		l := New(st)
		for _, f := range files {
			rep, err := l.Load(context.Background(), f, ingest.Options{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			rows += rep.Source.Read
		}
		st.Close()
		os.Remove(db)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}
