package attribution

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// p builds a path from "A > B > C" with the given counts.
func p(path string, conv, value, nulls float64) Path {
	var ch []string
	for _, c := range strings.Split(path, ">") {
		if c = strings.TrimSpace(c); c != "" {
			ch = append(ch, c)
		}
	}
	return Path{Channels: ch, Conversions: conv, Value: value, Nulls: nulls}
}

// referenceFile opens a file of the shared reference data, which lives
// beside the repository (../shared/reference from its root).
func referenceFile(t *testing.T, name string) *os.File {
	t.Helper()
	for _, dir := range []string{"../../../shared/reference", "../../shared/reference"} {
		f, err := os.Open(filepath.Join(dir, "attribution-toy-vectors", name))
		if err == nil {
			t.Cleanup(func() { f.Close() })
			return f
		}
	}
	t.Skipf("reference data %s not found beside the repository (../shared/reference)", name)
	return nil
}

// wantRows checks a Result's conversions per channel within tol.
func wantRows(t *testing.T, r Result, want map[string]float64, tol float64) {
	t.Helper()
	if len(r.Rows) != len(want) {
		t.Errorf("%s: %d rows %v, want %d", r.Model, len(r.Rows), r.Channels(), len(want))
	}
	for ch, w := range want {
		row, ok := r.Row(ch)
		if !ok {
			t.Errorf("%s: no row for %s", r.Model, ch)
			continue
		}
		if math.Abs(row.Conversions-w) > tol {
			t.Errorf("%s: %s = %.12g, want %.12g (tolerance %g)", r.Model, ch, row.Conversions, w, tol)
		}
	}
}

// checkSums asserts that rows sum to the totals within tol.
func checkSums(t *testing.T, r Result, tol float64) {
	t.Helper()
	var c, v, s float64
	for _, row := range r.Rows {
		c += row.Conversions
		v += row.Value
		s += row.Share
	}
	if math.Abs(c-r.TotalConversions) > tol {
		t.Errorf("%s: conversions sum to %.12g, total %.12g", r.Model, c, r.TotalConversions)
	}
	if math.Abs(v-r.TotalValue) > tol*math.Max(1, math.Abs(r.TotalValue)) {
		t.Errorf("%s: value sums to %.12g, total %.12g", r.Model, v, r.TotalValue)
	}
	if r.TotalConversions > 0 && math.Abs(s-1) > tol {
		t.Errorf("%s: shares sum to %.12g", r.Model, s)
	}
}
