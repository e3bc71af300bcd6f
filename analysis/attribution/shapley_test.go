package attribution

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

var folWant = map[string]float64{"F": 45.5, "O": 20.5, "L": 34.0}

// The published FOL example (reference shapley_FOL_coalitions.csv):
// Shapley F 45.5, O 20.5, L 34.0 by both forms of the closed formula.
func TestShapleyFOLReference(t *testing.T) {
	paths, err := ReadPaths(referenceFile(t, "shapley_FOL_coalitions.csv"), PathFileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []ShapleyMethod{ShapleyDividends, ShapleyEnumerate} {
		r, err := Shapley(paths, ShapleyOptions{Method: m})
		if err != nil {
			t.Fatal(err)
		}
		wantRows(t, r, folWant, 1e-9)
		checkSums(t, r, 1e-9)
	}
}

// The same coalitions typed in, and the published worths v(S) (as
// conversions out of 100): F 20, O 10, L 17, F+O 47, F+L 67, L+O 27,
// F+L+O 100.
func TestShapleyFOLWorth(t *testing.T) {
	var paths []Path
	for _, row := range []struct {
		set  string
		conv float64
	}{{"F", 20}, {"O", 10}, {"L", 17}, {"F+O", 17}, {"F+L", 30}, {"L+O", 0}, {"F+L+O", 6}} {
		paths = append(paths, Path{Channels: strings.Split(row.set, "+"), Conversions: row.conv})
	}
	for _, m := range []ShapleyMethod{ShapleyDividends, ShapleyEnumerate} {
		r, err := Shapley(paths, ShapleyOptions{Method: m})
		if err != nil {
			t.Fatal(err)
		}
		wantRows(t, r, folWant, 1e-9)
	}
	ix, err := indexPaths(paths) // ids: F 0, L 1, O 2
	if err != nil {
		t.Fatal(err)
	}
	vc, _ := coalitionWorth(ix, paths)
	for set, want := range map[string]float64{"F": 20, "O": 10, "L": 17, "F+O": 47, "F+L": 67, "L+O": 27, "F+L+O": 100} {
		m := 0
		for _, c := range strings.Split(set, "+") {
			m |= 1 << ix.id[c]
		}
		if vc[m] != want {
			t.Errorf("v(%s) = %v, want %v", set, vc[m], want)
		}
	}
}

// The dividend form and the enumeration agree on random data with 7
// channels, conversions and values (tolerance 1e-9).
func TestShapleyFormsAgree(t *testing.T) {
	paths := syntheticPaths(5000, 7, 5)
	a, err := Shapley(paths, ShapleyOptions{Method: ShapleyDividends})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Shapley(paths, ShapleyOptions{Method: ShapleyEnumerate})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Rows {
		if math.Abs(a.Rows[i].Conversions-b.Rows[i].Conversions) > 1e-9 || math.Abs(a.Rows[i].Value-b.Rows[i].Value) > 1e-9 {
			t.Errorf("%s: dividends %+v, enumeration %+v", a.Rows[i].Channel, a.Rows[i], b.Rows[i])
		}
	}
	checkSums(t, a, 1e-9)
	checkSums(t, b, 1e-9)
}

// Enumeration refuses more than MaxShapleyChannels channels with advice;
// the dividend form has no such limit.
func TestShapleyEnumerateLimit(t *testing.T) {
	var ch []string
	for i := 0; i <= MaxShapleyChannels; i++ {
		ch = append(ch, fmt.Sprintf("c%d", i))
	}
	paths := []Path{{Channels: ch, Conversions: 21}}
	_, err := Shapley(paths, ShapleyOptions{Method: ShapleyEnumerate})
	if err == nil || !strings.Contains(err.Error(), "group channels") {
		t.Errorf("error %v, want advice to group channels", err)
	}
	r, err := Shapley(paths, ShapleyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Rows {
		if math.Abs(row.Conversions-1) > 1e-12 {
			t.Errorf("%s = %v, want 1", row.Channel, row.Conversions)
		}
	}
}
