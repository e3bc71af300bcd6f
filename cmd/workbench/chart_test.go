package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/chart"
	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
)

// chartFixture is a database loaded from a 300-customer sample and the
// files `workbench simulate --out` writes, built from the comparison's own
// types and writers.
type chartFixture struct {
	dir, db, sim string
}

func newChartFixture(t *testing.T) chartFixture {
	t.Helper()
	tmp := t.TempDir()
	fx := chartFixture{dir: tmp, db: filepath.Join(tmp, "w.db"), sim: filepath.Join(tmp, "sim")}
	src := filepath.Join(tmp, "s")
	if _, err := sample.Generate(context.Background(), src, sample.Options{Customers: 300, Seed: 5}, nil); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := runMain([]string{"load", "--quiet", "--db", fx.db, src}, &out, &errb); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, out.String(), errb.String())
	}
	res := &montecarlo.Result{Customers: 259, HorizonDays: 60, Seed: 1}
	for i, name := range []string{"do nothing", "always email", "epsilon-greedy"} {
		p := montecarlo.PolicyResult{Name: name}
		for d := 0; d < 60; d += 7 {
			p.Curve = append(p.Curve, montecarlo.CurvePoint{Day: d, Decisions: 20 + d, Mean: float64(i) + float64(d)/60})
		}
		res.Policies = append(res.Policies, p)
	}
	est := func(v float64) *compare.Estimate { return &compare.Estimate{Value: v, Low: v - 1, High: v + 1} }
	cmp := compare.Comparison{
		Rows: []compare.Row{
			{Policy: "do nothing", SimNet: est(1.4), SimUplift: est(0), OPE: est(2.2)},
			{Policy: "always email", SimNet: est(2.9), SimUplift: est(1.4), OPE: est(4.3)},
			{Policy: "epsilon-greedy", SimNet: est(1.8), SimUplift: est(0.4), OPE: est(3.4)},
		},
		SimVerdict: &compare.Verdict{Leader: "always email", RunnerUp: "epsilon-greedy"},
		Sim:        &compare.SimOutcome{Result: res, Replicates: 2},
		OPE:        &compare.OPEOutcome{Estimator: "dr", N: 675, Names: []string{"do nothing", "always email", "epsilon-greedy"}},
	}
	if err := os.MkdirAll(fx.sim, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(&cmp)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sim/comparison.json", string(b))
	var curves bytes.Buffer
	if err := compare.CurvesTable(res).Write(&curves, "csv"); err != nil {
		t.Fatal(err)
	}
	write("sim/curves.csv", curves.String())
	write("estimates.csv", "policy,method,value,lo,hi\nA,sim,1,0.5,1.5\nA,ope,1.2,0.4,2\nB,sim,2,1.5,2.5\nB,ope,1.9,1,2.8\n")
	write("series.csv", "series,x,y,lo,hi\nA,1,0.1,0,0.2\nA,2,0.3,0.2,0.4\nB,1,0.2,,\nB,2,0.25,,\n")
	return fx
}

// runChartCmd runs workbench chart and returns its exit code, stdout and
// stderr.
func runChartCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runMain(append([]string{"chart"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

var subtitleRe = regexp.MustCompile(`font-size:13px;fill:#555555">([^<]*)</text>`)

// TestChart draws every kind from the sample database and the simulation
// files and checks the files are charts of the format asked for, that
// the SVG carries the title and the subtitle (filters, database, dates,
// counts) and that the counts agree with the analysis commands. To keep
// the test fast under the race detector, PNG (at a quarter of the default
// area) is drawn for two kinds, PDF for one, and SVG for all.
func TestChart(t *testing.T) {
	fx := newChartFixture(t)
	// Independent counts for the subtitles: the directly-follows graph's
	// journeys and events under the same filters.
	transitionsCounts := func(args ...string) (journeys, events int64) {
		var out, errb bytes.Buffer
		if code := runMain(append([]string{"transitions", "--db", fx.db, "--view", "start"}, args...), &out, &errb); code != 0 {
			t.Fatalf("transitions: %s", errb.String())
		}
		if _, err := fmt.Sscanf(out.String(), "%d journeys, %d events", &journeys, &events); err != nil {
			t.Fatalf("transitions header %q: %v", out.String(), err)
		}
		return journeys, events
	}
	jAll, _ := transitionsCounts()
	_, eMail := transitionsCounts("--channels", "email,sms")
	type tc struct {
		kind    string
		args    []string
		formats []string
		title   string
		sub     []string // substrings of the subtitle
	}
	cases := []tc{
		{"sankey", []string{"--db", fx.db, "--steps", "3"}, []string{"png", "svg"},
			"User paths: first 3 steps by channel:type",
			[]string{"all events · w.db · 2026-01-", chart.Thousands(jAll) + " journeys"}},
		{"funnel", []string{"--db", fx.db, "--channels", "web", "--step", "web:Product Viewed", "--step", "web:Order Completed", "--window", "7d"}, []string{"svg"},
			"Ordered funnel, 7-day window: ",
			[]string{"channels web · w.db · ", "steps by channel:type"}},
		{"transitions", []string{"--db", fx.db, "--label", "channel", "--from", "2026-02-01", "--split", "session"}, []string{"svg"},
			"Next-step probabilities, steps by channel, sessions (30m gap)",
			[]string{"from 2026-02-01 · w.db · 2026-02-01 – 2026-06-"}},
		{"attribution", []string{"--db", fx.db, "--models", "last_touch,markov"}, []string{"svg"},
			"Credit per channel: Last touch, Markov removal effect",
			[]string{"all events · w.db · ", " conversions"}},
		{"volume", []string{"--db", fx.db, "--channels", "email,sms"}, []string{"png", "svg"},
			"Daily events by channel",
			[]string{"channels email, sms · w.db · 2026-01-", chart.Thousands(eMail) + " events of "}},
		{"policies", []string{"--in", fx.sim}, []string{"svg", "pdf"},
			"Policy comparison: simulated net value per customer",
			[]string{"sim/comparison.json · 259 customers × 60 days, seed 1, 2 refits · no clear winner · 95% intervals"}},
		{"policies", []string{"--in", filepath.Join(fx.sim, "comparison.json"), "--measure", "ope"}, []string{"svg"},
			"Policy comparison: off-policy value per decision (DR estimator)",
			[]string{"675 logged decisions"}},
		{"policies", []string{"--in", fx.sim, "--measure", "net,uplift", "--title", "Q3 candidates & the holdout"}, []string{"svg"},
			"Q3 candidates & the holdout", []string{"sim/comparison.json · 259 customers"}},
		{"policies", []string{"--in", filepath.Join(fx.dir, "estimates.csv")}, []string{"svg"},
			"Policy comparison", []string{"estimates.csv · 2 policies"}},
		{"learning", []string{"--in", fx.sim, "--series", "epsilon-greedy,do nothing"}, []string{"svg"},
			"Learning curves: mean net reward per decision over the simulated days",
			[]string{"sim/curves.csv · 2 curves · 259 customers × 60 days, seed 1"}},
		{"learning", []string{"--in", filepath.Join(fx.dir, "series.csv")}, []string{"svg"},
			"Learning curves", []string{"series.csv · 2 curves"}},
	}
	drawn := map[string]bool{}
	for i, c := range cases {
		drawn[c.kind] = true
		for _, f := range c.formats {
			out := filepath.Join(fx.dir, c.kind+string(rune('a'+i))+"."+f)
			args := append([]string{c.kind, "-o", out}, c.args...)
			if f == "png" {
				// A quarter of the default size: rasterising is the
				// slow part under the race detector.
				args = append(args, "--width", "5", "--height", "2.8125")
			}
			code, stdout, stderr := runChartCmd(args...)
			if code != 0 {
				t.Fatalf("chart %s %v: exit %d: %s", c.kind, c.args, code, stderr)
			}
			if !strings.Contains(stdout, "wrote "+out+": "+c.title) {
				t.Errorf("chart %s: stdout %q does not name the file and title %q", c.kind, stdout, c.title)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			magic := map[string]string{"png": "\x89PNG\r\n", "svg": "<?xml", "pdf": "%PDF-"}[f]
			least := map[string]int{"png": 10000, "svg": 4000, "pdf": 4000}[f]
			if !bytes.HasPrefix(b, []byte(magic)) || len(b) < least {
				t.Errorf("chart %s: %s is %d bytes starting %q, want a chart of at least %d bytes starting %q", c.kind, f, len(b), b[:min(8, len(b))], least, magic)
			}
			if f != "svg" {
				continue
			}
			svg := string(b)
			if !strings.Contains(svg, html.EscapeString(c.title)) {
				t.Errorf("chart %s: the SVG lacks the title %q", c.kind, c.title)
			}
			m := subtitleRe.FindStringSubmatch(svg)
			if m == nil {
				t.Fatalf("chart %s: no subtitle in the SVG", c.kind)
			}
			sub := html.UnescapeString(m[1])
			if strings.HasSuffix(sub, "…") {
				t.Errorf("chart %s: subtitle %q is cut short", c.kind, sub)
			}
			for _, want := range c.sub {
				if !strings.Contains(sub, want) {
					t.Errorf("chart %s %v: subtitle %q lacks %q", c.kind, c.args, sub, want)
				}
			}
		}
	}
	for _, k := range chart.KindNames() {
		if !drawn[k] {
			t.Errorf("kind %s is not drawn by the test", k)
		}
	}
	t.Run("errors", func(t *testing.T) { chartErrors(t, fx) })
}

// chartErrors checks that wrong arguments fail with a message that says
// what to do.
func chartErrors(t *testing.T, fx chartFixture) {
	out := filepath.Join(t.TempDir(), "x.png")
	for _, c := range []struct {
		name string
		db   bool
		args []string
		want []string
	}{
		{"no kind", false, nil, []string{"give the chart kind", "sankey, funnel"}},
		{"unknown kind", false, []string{"pie", "-o", out}, []string{`unknown chart kind "pie"`, strings.Join(chart.KindNames(), ", ")}},
		{"flags before the kind", false, []string{"--db", "x", "sankey"}, []string{"put the chart kind first"}},
		{"bad extension", false, []string{"volume", "-o", "x.gif"}, []string{"x.gif", ".png, .svg or .pdf"}},
		{"no output", false, []string{"volume"}, []string{"-o FILE.png"}},
		{"bad size", false, []string{"volume", "-o", out, "--width", "0"}, []string{"--width and --height are inches"}},
		{"no simulation input", false, []string{"policies", "-o", out}, []string{"give --in DIR", "workbench simulate --out DIR"}},
		{"one funnel step", true, []string{"funnel", "-o", out, "--step", "web:page_view"}, []string{"at least two --step"}},
		{"date filter empties", true, []string{"volume", "-o", out, "--from", "2030-01-01"},
			[]string{"--from 2030-01-01 leaves none of the", "in the database", "widen or drop --from"}},
		{"type filter empties after channels", true, []string{"transitions", "-o", out, "--channels", "web", "--types", "sent"},
			[]string{"--types sent leaves none of the", "that --channels web keeps", "widen or drop --types"}},
		{"trait filter empties", true, []string{"sankey", "-o", out, "--trait", "loyalty_tier=none-such"},
			[]string{"--trait loyalty_tier=none-such leaves none", "widen or drop --trait"}},
		{"anchor never reached", true, []string{"sankey", "-o", out, "--channels", "email", "--start", "web:page_view"},
			[]string{"none of the", "journeys passes --start web:page_view", "workbench transitions --view activities"}},
		{"no conversions", true, []string{"attribution", "-o", out, "--conversion", "Order Cancelled"},
			[]string{"has a conversion of type Order Cancelled", "--conversion"}},
		{"several groups", true, []string{"attribution", "-o", out, "--by", "first-channel"},
			[]string{"a chart draws one group", "--segment or --trait instead of --by"}},
		{"mixed measures", true, []string{"policies", "-o", out, "--in", "SIM", "--measure", "net,ope"},
			[]string{"chart them separately"}},
		{"unknown series", true, []string{"learning", "-o", out, "--in", "SIM", "--series", "nope"},
			[]string{`--series "nope"`, "do nothing, always email, epsilon-greedy"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.db {
				args = append([]string{}, args...)
				for i, a := range args {
					if a == "SIM" {
						args[i] = fx.sim
					}
				}
				if args[0] != "policies" && args[0] != "learning" {
					args = append(args, "--db", fx.db)
				}
			}
			code, _, stderr := runChartCmd(args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (usage); stderr: %s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed chart left %s behind", out)
	}
}

// TestChartHelp checks that `workbench chart --help` lists every kind with
// its description and an example, and that a kind's help lists its flags.
func TestChartHelp(t *testing.T) {
	code, out, _ := runChartCmd("--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, k := range chart.Kinds() {
		if !strings.Contains(out, k.Name) || !strings.Contains(out, k.Description) || !strings.Contains(out, "workbench chart "+k.Name+" ") {
			t.Errorf("chart --help lacks kind %s, its description or its example:\n%s", k.Name, out)
		}
	}
	for kind, flags := range map[string][]string{
		"funnel":      {"-step", "-window", "-mode", "-channels", "-segment", "-trait", "-title", "-width", "-o "},
		"attribution": {"-models", "-conversion", "-lookback", "-paths-file", "removal effect"},
		"volume":      {"-from", "-to", "-channels", "-types"},
		"policies":    {"-in", "-measure", "policy,method,value,lo,hi"},
		"learning":    {"-in", "-series", "series,x,y,lo,hi"},
	} {
		code, out, _ := runChartCmd(kind, "--help")
		if code != 0 {
			t.Fatalf("chart %s --help: exit %d", kind, code)
		}
		for _, f := range flags {
			if !strings.Contains(out, f) {
				t.Errorf("chart %s --help lacks %q:\n%s", kind, f, out)
			}
		}
	}
}
