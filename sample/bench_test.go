package sample

import (
	"context"
	"testing"
)

// BenchmarkGenerate generates 20,000 customers per iteration and reports
// export rows per second.
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	opt := Options{Customers: 20000, Seed: 42}
	var rows int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := Generate(context.Background(), dir, opt, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows += st.ExportRows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/float64(b.N)/float64(opt.Customers), "rows/customer")
}
