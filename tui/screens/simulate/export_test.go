package simulate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	achart "github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/tui/app/exporttest"
	"github.com/journeyworkbench/workbench/tui/screens/simulate"
)

// TestExportResults presses e on the results view of a fixed comparison
// (one policy learns): the chart of values with intervals as PNG, the
// learning curves' chart as STEM-learning.png, the comparison table as
// CSV and JSON whose columns are the table's header on screen, and the
// learning curves' data as STEM-learning.csv and .json.
func TestExportResults(t *testing.T) {
	b := openDB(t)
	s, _, c := open(t, b, 120, 36)
	s.ShowResult(fixedResult(), simulate.DefaultSettings())
	exporttest.CheckHeaderOnScreen(t, s.View(), simulate.TableColumns)
	files := exporttest.Export(t, c, s, 120, 36)
	if got := exporttest.Exts(files); !slices.Equal(got, []string{".png", ".png", ".csv", ".json", ".csv", ".json"}) {
		t.Fatalf("files %v, want the comparison PNG, the learning curves' PNG, the table's CSV and JSON, the learning curves' CSV and JSON", files)
	}
	exporttest.CheckPNG(t, files[0])
	stem := strings.TrimSuffix(files[0], ".png")
	if files[1] != stem+"-learning.png" {
		t.Errorf("learning chart written as %s, want %s-learning.png", files[1], stem)
	}
	exporttest.CheckPNG(t, files[1])
	if a, b := readFile(t, files[0]), readFile(t, files[1]); bytes.Equal(a, b) {
		t.Error("the learning chart is the comparison chart again")
	}
	files = append(files[:1], files[2:]...) // the tables follow as before
	if h := exporttest.Header(t, files[1]); !slices.Equal(h, simulate.TableColumns) {
		t.Errorf("CSV header %v, want the columns on screen %v", h, simulate.TableColumns)
	}
	// The rows are the table's: each policy's simulation row then its
	// off-policy row, by the simulation's ranking (always email first,
	// net 6.1 ± 1.2, uplift 6.1 − 2.5 = 3.6 against do nothing).
	rows := exporttest.Rows(t, files[1])
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 4 policies × 2 methods", len(rows))
	}
	want := []string{"always email", "sim", "6.1", "[4.8999999999999995, 7.3]", "3.5999999999999996", "[2.8999999999999995, 4.3]", "0.92", "0.012"}
	if !slices.Equal(rows[0], want) {
		t.Errorf("first row %q, want %q", rows[0], want)
	}
	// The off-policy row has no contacts or opt-outs; its uplift is the
	// paired difference with do nothing: 6.0 − 3.1 = 2.9.
	if r := rows[1]; r[0] != "always email" || r[1] != "ope" || r[2] != "6" || !strings.HasPrefix(r[4], "2.9") || r[6] != "" || r[7] != "" {
		t.Errorf("second row %q, want always email by ope 6, uplift 2.9, no contacts", r)
	}
	exporttest.CheckJSON(t, files[2], simulate.TableColumns, 8)
	if !strings.HasSuffix(files[3], "-learning.csv") || !strings.HasSuffix(files[4], "-learning.json") {
		t.Errorf("learning files %s, %s lack the -learning suffix", files[3], files[4])
	}
	if h := exporttest.Header(t, files[3]); !slices.Equal(h, simulate.LearningColumns) {
		t.Errorf("learning CSV header %v, want %v", h, simulate.LearningColumns)
	}
	lr := exporttest.Rows(t, files[3])
	if len(lr) != 13 || lr[0][0] != "epsilon-greedy" || lr[0][1] != "0" || lr[12][1] != "84" || lr[12][3] != "5" {
		t.Errorf("learning rows %q, want 13 weeks of epsilon-greedy from day 0 to day 84 ending at 5", lr)
	}
	exporttest.CheckJSON(t, files[4], simulate.LearningColumns, 13)
}

// TestExportChartFormats writes the results' chart as SVG and PDF (the
// extension picks the format) and checks the title and subtitle name the
// run.
func TestExportChartFormats(t *testing.T) {
	b := openDB(t)
	s, _, _ := open(t, b, 120, 36)
	set := simulate.DefaultSettings()
	set.HorizonDays, set.Customers, set.Seed = 30, 1000, 9
	s.ShowResult(fixedResult(), set)
	e, ok := s.Export()
	if !ok || e.Chart == nil {
		t.Fatal("the results view has no chart to export")
	}
	if !strings.Contains(e.Meta.Title, "simulated net value") {
		t.Errorf("title %q does not say what is charted", e.Meta.Title)
	}
	for _, want := range []string{simulate.Builtin, "method both", "customers 1000", "30 days", "seed 9", "95% intervals"} {
		if !strings.Contains(e.Meta.Subtitle, want) {
			t.Errorf("subtitle %q lacks %q", e.Meta.Subtitle, want)
		}
	}
	dir := t.TempDir()
	for _, tc := range []struct{ ext, magic string }{{".svg", "<?xml"}, {".pdf", "%PDF"}, {".png", "\x89PNG"}} {
		path := filepath.Join(dir, "results"+tc.ext)
		files, err := e.Write(t.Context(), path, e.Meta)
		if err != nil {
			t.Fatalf("%s: %v", tc.ext, err)
		}
		if files[0] != path {
			t.Errorf("%s: wrote %v first", tc.ext, files)
		}
		data, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(data, []byte(tc.magic)) {
			t.Errorf("%s does not start with %q (%v)", path, tc.magic, err)
		}
	}
}

// TestLearningChart draws the learning curves of the policies that learn
// as PNG, and says why there are none without a simulation.
func TestLearningChart(t *testing.T) {
	b := openDB(t)
	s, _, _ := open(t, b, 120, 36)
	s.ShowResult(fixedResult(), simulate.DefaultSettings())
	series, m, err := s.LearningChart()
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || series[0].Name != "epsilon-greedy" || len(series[0].X) != 13 || series[0].Y[12] != 5 {
		t.Errorf("series %+v, want epsilon-greedy's 13 weeks ending at 5", series)
	}
	if !strings.Contains(m.Subtitle, "seed 1") || !strings.Contains(m.Title, "Learning curves") {
		t.Errorf("meta %+v", m)
	}
	p, err := achart.LearningCurves(series, m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "learning.png")
	if err := achart.Save(p, m, path); err != nil {
		t.Fatal(err)
	}
	exporttest.CheckPNG(t, path)

	// Off-policy evaluation alone: no curves, and the chart is the
	// off-policy value per decision.
	r := fixedResult()
	r.Comparison = compare.Combine(nil, r.Comparison.OPE)
	set := simulate.DefaultSettings()
	set.Method = simulate.OPEOnly
	s.ShowResult(r, set)
	if _, _, err := s.LearningChart(); err == nil {
		t.Error("an off-policy run has no learning curves")
	}
	est, m, err := s.PolicyChart()
	if err != nil {
		t.Fatal(err)
	}
	if len(est) != 4 || est[0].Method != "Off-policy estimate" || !strings.Contains(m.Title, "off-policy") || !strings.Contains(m.Subtitle, "method off-policy evaluation") {
		t.Errorf("off-policy chart %+v %+v", est, m)
	}
	e, _ := s.Export()
	if len(e.Tables) != 1 {
		t.Errorf("%d tables, want the comparison only (no learning curves)", len(e.Tables))
	}
	if len(e.Extra) != 0 {
		t.Errorf("extra charts %+v, want none without learning curves", e.Extra)
	}
}

// TestExportPolicyList presses e on the setup view: the policy list with
// its ticks as CSV and JSON, whose columns are the list's header.
func TestExportPolicyList(t *testing.T) {
	b := openDB(t)
	s, r, c := open(t, b, 120, 36)
	r.Key("space") // untick the first policy
	exporttest.CheckHeaderOnScreen(t, s.View(), simulate.PolicyColumns)
	files := exporttest.Export(t, c, s, 120, 36)
	if got := exporttest.Exts(files); !slices.Equal(got, []string{".csv", ".json"}) {
		t.Fatalf("files %v, want a CSV and a JSON", files)
	}
	if h := exporttest.Header(t, files[0]); !slices.Equal(h, simulate.PolicyColumns) {
		t.Errorf("CSV header %v, want %v", h, simulate.PolicyColumns)
	}
	_, pf := s.PolicyFile()
	rows := exporttest.Rows(t, files[0])
	if len(rows) != len(pf.Names) {
		t.Fatalf("%d rows for %d policies", len(rows), len(pf.Names))
	}
	for i, row := range rows {
		run := "true"
		if i == 0 {
			run = "false"
		}
		if row[0] != run || row[1] != pf.Names[i] || row[2] != pf.Types[i] {
			t.Errorf("row %d = %q, want %s %s %s", i, row, run, pf.Names[i], pf.Types[i])
		}
	}
	exporttest.CheckJSON(t, files[1], simulate.PolicyColumns, len(pf.Names))
}

// TestExportLearningChartFormats writes the results with a learner as
// SVG: the learning curves follow the comparison chart's format
// (STEM-learning.svg, titled as LearningChart), and a tables-only export
// (.csv) writes no chart at all.
func TestExportLearningChartFormats(t *testing.T) {
	b := openDB(t)
	s, _, _ := open(t, b, 120, 36)
	s.ShowResult(fixedResult(), simulate.DefaultSettings())
	e, ok := s.Export()
	if !ok || len(e.Extra) != 1 || e.Extra[0].Name != "learning" {
		t.Fatalf("extra charts %+v, want one named learning", e.Extra)
	}
	_, lm, err := s.LearningChart()
	if err != nil {
		t.Fatal(err)
	}
	if e.Extra[0].Meta != lm {
		t.Errorf("learning chart meta %+v, want LearningChart's %+v", e.Extra[0].Meta, lm)
	}
	dir := t.TempDir()
	files, err := e.Write(t.Context(), filepath.Join(dir, "r.svg"), e.Meta)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"r.svg", "r-learning.svg", "r.csv", "r.json", "r-learning.csv", "r-learning.json"}
	for i := range want {
		want[i] = filepath.Join(dir, want[i])
	}
	if !slices.Equal(files, want) {
		t.Fatalf("wrote %v, want %v", files, want)
	}
	exporttest.CheckSVG(t, files[1])
	if !bytes.Contains(readFile(t, files[1]), []byte("epsilon-greedy")) {
		t.Errorf("%s does not name the learning policy", files[1])
	}
	files, err = e.Files(filepath.Join(dir, "t.csv"))
	if err != nil || exporttest.Exts(files)[0] != ".csv" || len(files) != 4 {
		t.Errorf("tables-only export lists %v, %v; want the two tables' CSV and JSON only", files, err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
