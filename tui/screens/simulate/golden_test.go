package simulate_test

import (
	"fmt"
	tea "github.com/charmbracelet/bubbletea"
	"math"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
	"github.com/journeyworkbench/workbench/tui/screens/simulate"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// est is an estimate v ± h.
func est(v, h float64) compare.Estimate {
	return compare.Estimate{Value: v, Low: v - h, High: v + h, StdErr: h / 1.96}
}

func stat(v, h float64) montecarlo.Stat {
	return montecarlo.Stat{Mean: v, Low: v - h, High: v + h, StdErr: h / 1.96}
}

// fixedResult is a comparison with fixed numbers (so the goldens do not
// move when the environment's fit changes): the simulation declares
// always email the winner over targeted table by 0.9 [0.3, 1.5]; the
// off-policy evaluation cannot tell targeted table and always email apart.
func fixedResult() *compare.RunResult {
	names := []string{"do nothing", "always email", "targeted table", "epsilon-greedy"}
	net := []float64{2.5, 6.1, 5.2, 4.0}
	res := &montecarlo.Result{Customers: 300, HorizonDays: 90, Seed: 1, Workers: 1, Shards: 1}
	for i, n := range names {
		p := montecarlo.PolicyResult{Name: n, Learner: n == "epsilon-greedy"}
		p.Metrics[montecarlo.Net] = stat(net[i], 1.2)
		p.Metrics[montecarlo.Contacts] = stat([]float64{0, 0.92, 0.41, 0.63}[i], 0.05)
		p.Metrics[montecarlo.OptOuts] = stat([]float64{0, 0.012, 0.008, 0.01}[i], 0.002)
		p.Uplift[montecarlo.Net] = stat(net[i]-net[0], 0.7)
		if p.Learner {
			for w, m := range []float64{3.1, 3.4, 3.9, 4.2, 4.4, 4.3, 4.6, 4.7, 4.8, 4.8, 4.9, 5.0, 5.0} {
				p.Curve = append(p.Curve, montecarlo.CurvePoint{Day: 7 * w, Decisions: 40, Mean: m})
			}
		}
		res.Policies = append(res.Policies, p)
	}
	P := len(names)
	so := &compare.SimOutcome{Result: res, Replicates: 5, Paired: make([][]compare.Estimate, P)}
	for i := range names {
		so.Net = append(so.Net, est(net[i], 1.2))
		so.Uplift = append(so.Uplift, est(net[i]-net[0], 0.7))
		so.Paired[i] = make([]compare.Estimate, P)
		for j := range names {
			if i != j {
				so.Paired[i][j] = est(net[i]-net[j], 0.6)
			}
		}
	}
	opeVal := []float64{3.1, 6.0, 6.4, 4.9}
	oo := &compare.OPEOutcome{Estimator: "dr", N: 655, Names: names, Paired: make([][]compare.Estimate, P)}
	for i := range names {
		oo.Value = append(oo.Value, est(opeVal[i], 3.5))
		oo.Paired[i] = make([]compare.Estimate, P)
		for j := range names {
			if i != j {
				oo.Paired[i][j] = est(opeVal[i]-opeVal[j], 2.2)
			}
		}
	}
	return &compare.RunResult{Comparison: compare.Combine(so, oo)}
}

// withFixedResult returns the screen over the built-in example showing
// fixedResult.
func withFixedResult(t testing.TB, b *backend.Backend, w, h int) *simulate.Screen {
	t.Helper()
	s, _, _ := open(t, b, w, h)
	s.ShowResult(fixedResult(), simulate.DefaultSettings())
	return s
}

func TestResultsGolden(t *testing.T) {
	b := openDB(t)
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		s := withFixedResult(t, b, sz[0], sz[1])
		v := fit(t, s, sz[0], sz[1], "results")
		for _, want := range []string{
			"simulation: always email wins by 0.900 [0.300, 1.500] over targeted table",
			"cannot tell apart with this data: targeted table, always email",
		} {
			if !strings.Contains(strings.Join(s.ResultLines(sz[0]), " "), want) {
				t.Errorf("%dx%d: results lack %q", sz[0], sz[1], want)
			}
		}
		goldenView(t, fmt.Sprintf("results_%dx%d", sz[0], sz[1]), v)
	}
}

func TestResultsTableAndChart(t *testing.T) {
	s := withFixedResult(t, nil, 120, 40)
	rows := s.Rows()
	// Ranked by simulated value: always email 6.1, targeted table 5.2,
	// epsilon-greedy 4.0, do nothing 2.5; a sim and an ope row each.
	wantOrder := []string{"always email", "targeted table", "epsilon-greedy", "do nothing"}
	if len(rows) != 8 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, r := range rows {
		if r.Policy != wantOrder[i/2] || r.Method != []string{"sim", "ope"}[i%2] {
			t.Errorf("row %d: %s %s", i, r.Policy, r.Method)
		}
	}
	// OPE uplift of always email vs do nothing: 6.0 − 3.1 = 2.9 ± 2.2.
	// Tolerance 1e-12 for the subtraction's rounding.
	if u := rows[1].Uplift; u == nil || math.Abs(u.Value-2.9) > 1e-12 || math.Abs(u.Low-0.7) > 1e-12 {
		t.Errorf("ope uplift %+v", u)
	}
	lines := s.ResultLines(120)
	// The chart's whisker of always email (sim): 6.1 ± 1.2 on the axis
	// [min(0, lows), max(highs)] = [0, 7.3].
	var row string
	for i, l := range lines {
		if strings.HasPrefix(l, "Simulation: net value") {
			row = lines[i+1]
		}
	}
	if !strings.HasPrefix(row, "always email") {
		t.Fatalf("first chart row %q", row)
	}
	track := []rune(row)
	lo, dot, hi := -1, -1, -1
	for i, r := range track {
		switch r {
		case '├':
			lo = i
		case '●':
			dot = i
		case '┤':
			hi = i
		}
	}
	if !(lo < dot && dot < hi) {
		t.Fatalf("whisker %q", row)
	}
	// Positions are proportional: (6.1−4.9)/(7.3−6.1) = 1 within a cell.
	if d := (dot - lo) - (hi - dot); d < -1 || d > 1 {
		t.Errorf("the dot is not centred in its interval: %d %d %d", lo, dot, hi)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "week 1 3.100 → week 13 5.000") {
		t.Error("the learning curve's first and last weeks are missing")
	}
}

func TestEveryViewFits(t *testing.T) {
	b := openDB(t)
	sizes := [][2]int{{1, 1}, {2, 3}, {10, 5}, {20, 8}, {40, 10}, {59, 17}, {80, 24}, {100, 30}, {120, 40}, {200, 60}}
	states := map[string]func(*simulate.Screen){
		"setup": func(*simulate.Screen) {},
		"results": func(s *simulate.Screen) {
			s.ShowResult(fixedResult(), simulate.DefaultSettings())
		},
		"results scrolled": func(s *simulate.Screen) {
			s.ShowResult(fixedResult(), simulate.DefaultSettings())
			s.Update(screentest.KeyMsg("pgdown"))
			s.Update(screentest.KeyMsg("G"))
		},
		"picker": func(s *simulate.Screen) { s.Update(screentest.KeyMsg("o")) },
		"progress": func(s *simulate.Screen) {
			s.Update(screentest.KeyMsg("r"))
			s.Update(backend.SimProgressMsg{Kind: simulate.KindRun, Progress: compare.Progress{Stage: "simulate", Step: 1, Steps: 3, Customers: 100, CustomersOf: 300}})
		},
	}
	for name, set := range states {
		s, _, c := open(t, b, 80, 24)
		set(s)
		for _, sz := range sizes {
			s.SetSize(sz[0], sz[1])
			fit(t, s, sz[0], sz[1], name)
		}
		c.Backend.Cancel()
	}
	// Under the root model too, with its chrome.
	c := app.NewCommon(styles.Plain(), b)
	s := simulate.New(c)
	m := app.New(c, app.Entry{Slot: app.SlotSimulate, Screen: s})
	for _, sz := range sizes {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		fit(t, s.(*simulate.Screen), c.Width, c.Height, "in the app")
	}
}
