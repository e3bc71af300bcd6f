package store

import (
	"context"
	"os"
	"testing"
)

// BenchmarkSearchCustomersSubsequence times a search whose hits come from
// the subsequence stage, on the database named by WORKBENCH_BENCH_DB (for
// example a 1,000,000-customer store); it is skipped when that is unset.
//
//	WORKBENCH_BENCH_DB=/tmp/wb-bench-1m/wb.db go test -run '^$' -bench SearchCustomersSubsequence -benchtime 3x ./analysis/store/
func BenchmarkSearchCustomersSubsequence(b *testing.B) {
	path := os.Getenv("WORKBENCH_BENCH_DB")
	if path == "" {
		b.Skip("set WORKBENCH_BENCH_DB to a workbench database to run")
	}
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{"jaksn", "emjackson", "zzzz-no-such-thing"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				hits, err := s.SearchCustomers(context.Background(), q, 50)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(hits)), "hits")
			}
		})
	}
}
