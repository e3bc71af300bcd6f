package simulate_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/montecarlo"
	"github.com/journeyworkbench/workbench/sim/policy"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/screens/journeys/screentest"
	"github.com/journeyworkbench/workbench/tui/screens/simulate"
)

// examplePolicies are the policies of the built-in example, in file order.
var examplePolicies = []string{"do nothing", "always email", "always sms", "always push", "always call", "logged",
	"targeted table", "next best action", "epsilon-greedy", "thompson", "linucb"}

func TestOpensTheBuiltInExample(t *testing.T) {
	s, _, _ := open(t, nil, 80, 24)
	path, pf := s.PolicyFile()
	if path != simulate.Builtin || pf == nil {
		t.Fatalf("policy file %q %v, want the built-in example", path, pf)
	}
	if got := strings.Join(pf.Names, "|"); got != strings.Join(examplePolicies, "|") {
		t.Errorf("policies %s", got)
	}
	if s.FileErr() != nil {
		t.Errorf("the example should build with the fixture's log: %v", s.FileErr())
	}
	if len(s.Selected()) != len(examplePolicies) {
		t.Errorf("every policy should start ticked, got %v", s.Selected())
	}
	v := fit(t, s, 80, 24, "setup")
	for _, want := range []string{"built-in example", "✓ 11 policies build with the", "Policies (11 of 11 ticked)", "[x] do nothing"} {
		if !strings.Contains(v, want) {
			t.Errorf("setup view lacks %q:\n%s", want, v)
		}
	}
	goldenView(t, "setup_80x24", v)
}

func TestPrefersAPolicyFileNextToTheDatabase(t *testing.T) {
	b := openDB(t)
	p := filepath.Join(filepath.Dir(b.Path()), "policies.yaml")
	writeFile(t, p, "policies:\n  - {name: quiet, type: nothing}\n  - {name: mail, type: single, action: email_offer}\n")
	s, _, _ := open(t, b, 80, 24)
	path, pf := s.PolicyFile()
	if path != p || pf == nil || strings.Join(pf.Names, ",") != "quiet,mail" {
		t.Fatalf("opened %q %+v, want %s with quiet and mail", path, pf, p)
	}
}

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSelectionAndSettings(t *testing.T) {
	s, r, _ := open(t, nil, 80, 24)
	r.Key("space") // untick do nothing
	r.Keys("down", "down", "space")
	if got := strings.Join(s.Selected(), ","); strings.Contains(got, "do nothing") || strings.Contains(got, "always sms") || len(s.Selected()) != 9 {
		t.Errorf("after unticking the 1st and 3rd: %v", s.Selected())
	}
	r.Key("a") // not all ticked: tick all
	if len(s.Selected()) != 11 {
		t.Errorf("a should tick all, got %d", len(s.Selected()))
	}
	r.Key("a") // all ticked: none
	if len(s.Selected()) != 0 {
		t.Errorf("a should untick all, got %v", s.Selected())
	}
	r.Key("r")
	if !r.StatusErr || !strings.Contains(r.Status, "no policy ticked") || s.Running() {
		t.Errorf("running with nothing ticked: status %q running %v", r.Status, s.Running())
	}
	// The cursor stays in the list.
	r.Keys("G", "down", "down", "space")
	if got := s.Selected(); len(got) != 1 || got[0] != "linucb" {
		t.Errorf("G then space should tick the last policy, got %v", got)
	}
	r.Keys("g", "up", "space")
	if got := s.Selected(); len(got) != 2 || got[0] != "do nothing" {
		t.Errorf("g then space should tick the first policy, got %v", got)
	}
	cases := []struct {
		key  string
		want func(simulate.Settings) bool
	}{
		{"m", func(x simulate.Settings) bool { return x.Method == simulate.SimOnly }},
		{"m", func(x simulate.Settings) bool { return x.Method == simulate.OPEOnly }},
		{"m", func(x simulate.Settings) bool { return x.Method == simulate.Both }},
		{"h", func(x simulate.Settings) bool { return x.HorizonDays == 180 }},
		{"h", func(x simulate.Settings) bool { return x.HorizonDays == 365 }},
		{"h", func(x simulate.Settings) bool { return x.HorizonDays == 30 }},
		{"n", func(x simulate.Settings) bool { return x.Customers == 1000 }},
		{"R", func(x simulate.Settings) bool { return x.Refits == 20 }},
		{"R", func(x simulate.Settings) bool { return x.Refits == 0 }},
	}
	for i, c := range cases {
		r.Key(c.key)
		if !c.want(s.Settings()) {
			t.Errorf("step %d (%s): settings %+v", i, c.key, s.Settings())
		}
	}
	v := fit(t, s, 80, 24, "settings")
	if !strings.Contains(v, "method both · 30 days · customers 1000 · 0 refits · seed 1") {
		t.Errorf("settings line:\n%s", v)
	}
}

// quick are settings that keep a run on the fixture short.
func quick() simulate.Settings {
	return simulate.Settings{Method: simulate.Both, HorizonDays: 30, Refits: 2, Seed: 1}
}

// tick leaves exactly the named policies ticked.
func tick(t testing.TB, s *simulate.Screen, r *screentest.Runner, names ...string) {
	t.Helper()
	r.Key("a")
	if len(s.Selected()) != 0 {
		r.Key("a")
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	r.Key("g")
	for i := range examplePolicies {
		if want[examplePolicies[i]] {
			r.Key("space")
		}
		r.Key("down")
	}
	if len(s.Selected()) != len(names) {
		t.Fatalf("ticked %v, want %v", s.Selected(), names)
	}
}

func TestRunShowsProgressTableChartAndCurves(t *testing.T) {
	s, r, _ := open(t, nil, 120, 40)
	s.SetSettings(quick())
	tick(t, s, r, "do nothing", "always email", "targeted table", "epsilon-greedy")
	r.Key("r")
	res, err := s.Result()
	if err != nil || res == nil {
		t.Fatalf("run failed: %v (status %q)", err, r.Status)
	}
	// Progress arrived through the pump, stage by stage, before the result.
	var stages []string
	var last float64
	for _, m := range r.Seen {
		if p, ok := m.(backend.SimProgressMsg); ok {
			stages = append(stages, p.Stage)
			if f := p.Fraction(); f < 0 || f > 1 {
				t.Errorf("fraction %v out of [0, 1]", f)
			} else if p.Steps > 0 {
				last = f
			}
		}
	}
	joined := strings.Join(stages, "|")
	if len(stages) == 0 || !strings.Contains(joined, "simulate") {
		t.Errorf("progress stages %v, want the simulation's", stages)
	}
	if last != 1 {
		t.Errorf("last progress fraction %v, want 1", last)
	}
	if s.Running() || !s.ShowingResults() {
		t.Fatalf("after the run: running %v, results shown %v", s.Running(), s.ShowingResults())
	}
	cmp := res.Comparison
	if cmp.Sim == nil || cmp.OPE == nil || len(cmp.Rows) != 4 {
		t.Fatalf("comparison: sim %v ope %v rows %d", cmp.Sim != nil, cmp.OPE != nil, len(cmp.Rows))
	}
	if cmp.Sim.Result.HorizonDays != 30 || cmp.Sim.Replicates != 2 || cmp.Sim.Result.Seed != 1 {
		t.Errorf("run settings not applied: %d days, %d refits, seed %d", cmp.Sim.Result.HorizonDays, cmp.Sim.Replicates, cmp.Sim.Result.Seed)
	}
	// The table has a sim and an ope row per policy with the comparison's
	// numbers, in the simulation's ranking.
	rows := s.Rows()
	if len(rows) != 8 {
		t.Fatalf("%d table rows, want 8", len(rows))
	}
	for i, tr := range rows {
		want := cmp.SimVerdict.Ranking[i/2]
		if tr.Policy != want {
			t.Errorf("row %d is %s, want %s (ranking %v)", i, tr.Policy, want, cmp.SimVerdict.Ranking)
		}
		j := cmp.Sim.Result.Index(tr.Policy)
		switch tr.Method {
		case "sim":
			if tr.Value != cmp.Sim.Net[j] || tr.Uplift == nil || *tr.Uplift != cmp.Sim.Uplift[j] {
				t.Errorf("%s sim row %+v, want net %+v", tr.Policy, tr, cmp.Sim.Net[j])
			}
			if tr.Contacts != cmp.Sim.Result.Policies[j].Metrics[montecarlo.Contacts].Mean {
				t.Errorf("%s contacts %v", tr.Policy, tr.Contacts)
			}
		case "ope":
			k := indexOf(cmp.OPE.Names, tr.Policy)
			nothing := indexOf(cmp.OPE.Names, "do nothing")
			if tr.Value != cmp.OPE.Value[k] || tr.Uplift == nil {
				t.Fatalf("%s ope row %+v", tr.Policy, tr)
			}
			// The OPE uplift is the paired difference with do nothing.
			if k != nothing && *tr.Uplift != cmp.OPE.Paired[k][nothing] {
				t.Errorf("%s ope uplift %+v, want %+v", tr.Policy, *tr.Uplift, cmp.OPE.Paired[k][nothing])
			}
			if !math.IsNaN(tr.Contacts) {
				t.Errorf("OPE rows have no contacts, got %v", tr.Contacts)
			}
		default:
			t.Errorf("method %q", tr.Method)
		}
	}
	// The simulation's uplift of a policy is its net value minus the
	// holdout's on the same customers; for do nothing that is 0 (tolerance
	// 1e-9: both runs draw the same random numbers).
	if up := cmp.Sim.Uplift[cmp.Sim.Result.Index("do nothing")]; math.Abs(up.Value) > 1e-9 {
		t.Errorf("do nothing's uplift %v, want 0", up.Value)
	}
	lines := strings.Join(s.ResultLines(120), " ")
	for _, want := range []string{
		simulate.PlainVerdict(cmp.SimVerdict), "policy", "95% interval", "uplift vs nothing", "contacts", "opt-outs",
		"Simulation: net value per customer over 30 days", "Off-policy evaluation: mean reward per decision",
		"Learning curves", "epsilon-greedy",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("results lack %q:\n%s", want, lines)
		}
	}
	if strings.Contains(lines, "thompson") {
		t.Error("an unticked policy appears in the results")
	}
	fit(t, s, 120, 40, "results")
	// esc goes back to the setup, v shows the results again.
	r.Key("esc")
	if s.ShowingResults() {
		t.Error("esc should go back to the setup")
	}
	r.Key("v")
	if !s.ShowingResults() {
		t.Error("v should show the last results")
	}
}

func indexOf(ss []string, x string) int {
	for i, s := range ss {
		if s == x {
			return i
		}
	}
	return -1
}

func TestMethodsRunAlone(t *testing.T) {
	for _, m := range []simulate.Method{simulate.SimOnly, simulate.OPEOnly} {
		t.Run(m.String(), func(t *testing.T) {
			s, r, _ := open(t, nil, 80, 24)
			set := quick()
			set.Method = m
			set.Refits = 0
			s.SetSettings(set)
			tick(t, s, r, "do nothing", "always email")
			r.Key("r")
			res, err := s.Result()
			if err != nil || res == nil {
				t.Fatalf("run: %v", err)
			}
			if (res.Comparison.Sim != nil) != (m == simulate.SimOnly) || (res.Comparison.OPE != nil) != (m == simulate.OPEOnly) {
				t.Errorf("method %s ran sim %v ope %v", m, res.Comparison.Sim != nil, res.Comparison.OPE != nil)
			}
			for _, tr := range s.Rows() {
				if (tr.Method == "sim") != (m == simulate.SimOnly) {
					t.Errorf("row of method %s in a %s run", tr.Method, m)
				}
			}
			fit(t, s, 80, 24, m.String())
		})
	}
}

// canceller is a screen beside the Simulate screen that cancels the run
// when the first Monte Carlo progress arrives.
type canceller struct {
	b    *backend.Backend
	seen int
}

func (c *canceller) Init() tea.Cmd { return nil }
func (c *canceller) Update(m tea.Msg) (app.Screen, tea.Cmd) {
	if p, ok := m.(backend.SimProgressMsg); ok && p.Steps > 0 {
		c.seen++
		c.b.CancelKind(simulate.KindRun)
	}
	return c, nil
}
func (c *canceller) View() string        { return "" }
func (c *canceller) SetSize(int, int)    {}
func (c *canceller) Title() string       { return "" }
func (c *canceller) KeyMap() help.KeyMap { return nil }
func (c *canceller) Capturing() bool     { return false }

func TestCancelDuringTheRun(t *testing.T) {
	s, r, c := open(t, nil, 80, 24)
	set := quick()
	set.Method, set.Refits, set.Customers = simulate.SimOnly, 20, 1000
	s.SetSettings(set)
	tick(t, s, r, "do nothing", "always email")
	cn := &canceller{b: c.Backend}
	r.Extra = []app.Screen{cn}
	start := time.Now()
	r.Key("r")
	if cn.seen == 0 {
		t.Fatal("no Monte Carlo progress before the end")
	}
	if res, _ := s.Result(); res != nil || s.Running() || s.ShowingResults() {
		t.Errorf("after cancelling: result %v running %v", res != nil, s.Running())
	}
	if !strings.Contains(r.Status, "cancelled") || r.StatusErr {
		t.Errorf("status %q (error %v)", r.Status, r.StatusErr)
	}
	if c.Backend.Running() != 0 {
		t.Errorf("%d jobs still registered", c.Backend.Running())
	}
	t.Logf("cancelled after %s", time.Since(start))
	fit(t, s, 80, 24, "after cancel")
}

func TestEscCancelsTheRun(t *testing.T) {
	s, r, c := open(t, nil, 80, 24)
	set := quick()
	set.Customers, set.Refits = 100000, 20
	s.SetSettings(set)
	ns, cmd := s.Update(screentest.KeyMsg("r"))
	s = ns.(*simulate.Screen)
	if !s.Running() || c.Backend.Running() != 1 {
		t.Fatalf("r should start a run: running %v, jobs %d", s.Running(), c.Backend.Running())
	}
	v := fit(t, s, 80, 24, "running")
	if !strings.Contains(v, "Running") || !strings.Contains(v, "esc cancels") {
		t.Errorf("running view:\n%s", v)
	}
	if _, _ = s.Update(screentest.KeyMsg("j")); !s.Running() {
		t.Error("other keys must not stop the run")
	}
	start := time.Now()
	s.Update(screentest.KeyMsg("esc"))
	r.Run(cmd)
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("the cancelled result took %s", el)
	}
	if s.Running() || !strings.Contains(r.Status, "cancelled") {
		t.Errorf("after esc: running %v status %q", s.Running(), r.Status)
	}
}

func TestProgressView(t *testing.T) {
	s, r, _ := open(t, nil, 80, 24)
	s.SetSettings(quick())
	ns, _ := s.Update(screentest.KeyMsg("r"))
	s = ns.(*simulate.Screen)
	defer func() {
		s.Update(screentest.KeyMsg("esc"))
	}()
	_ = r
	p := backend.SimProgressMsg{Kind: simulate.KindRun, Progress: compare.Progress{Stage: "fit uncertainty 1/2", Step: 2, Steps: 3, Customers: 150, CustomersOf: 300}, Elapsed: 1500 * time.Millisecond}
	if f := p.Fraction(); math.Abs(f-0.5) > 1e-12 {
		t.Errorf("fraction (2−1 + 150/300)/3 = %v, want 0.5", f)
	}
	ns, _ = s.Update(p)
	s = ns.(*simulate.Screen)
	v := fit(t, s, 80, 24, "progress")
	for _, want := range []string{"Running: fit uncertainty 1/2 (2 of 3)", "50.0%", "customers 150 of 300", "elapsed 1.5 s"} {
		if !strings.Contains(v, want) {
			t.Errorf("progress view lacks %q:\n%s", want, v)
		}
	}
}

func TestBadPolicyFile(t *testing.T) {
	cases := []struct {
		name, content, want string
		parses              bool
	}{
		{"syntax", "policies:\n  - {name: a, type: nothing\n", "policy file", false},
		{"unknown field", "policies:\n  - {name: a, type: nothing, colour: red}\n", "line 2", false},
		{"no policies", "actions: {none: \"\"}\n", "has no policies", false},
		{"unknown action", "policies:\n  - {name: a, type: nothing}\n  - {name: b, type: single, action: fax}\n", `action "fax" is not one of`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := openDB(t)
			p := filepath.Join(filepath.Dir(b.Path()), "policies.yaml")
			writeFile(t, p, c.content)
			s, r, _ := open(t, b, 80, 24)
			if s.FileErr() == nil || !strings.Contains(s.FileErr().Error(), c.want) {
				t.Fatalf("error %v, want one with %q", s.FileErr(), c.want)
			}
			if !r.StatusErr || !strings.Contains(r.Status, c.want) || !strings.Contains(r.Status, "fix it with E") {
				t.Errorf("status %q (error %v)", r.Status, r.StatusErr)
			}
			if _, pf := s.PolicyFile(); (pf != nil) != c.parses {
				t.Errorf("policies listed %v, want %v", pf != nil, c.parses)
			}
			v := fit(t, s, 80, 24, "bad file")
			if !strings.Contains(v, "✗") {
				t.Errorf("the view should show the error:\n%s", v)
			}
			r.Key("r")
			if s.Running() || !r.StatusErr || !strings.Contains(r.Status, "cannot run") {
				t.Errorf("r with a bad file: running %v status %q", s.Running(), r.Status)
			}
		})
	}
}

func TestEditWithoutEditorSaysWhatToSet(t *testing.T) {
	t.Setenv("EDITOR", "")
	t.Setenv("VISUAL", "")
	b := openDB(t)
	s, r, _ := open(t, b, 80, 24)
	r.Key("E")
	want := filepath.Join(filepath.Dir(b.Path()), "policies.yaml")
	if !r.StatusErr || !strings.Contains(r.Status, "set $EDITOR") || !strings.Contains(r.Status, want) {
		t.Errorf("status %q", r.Status)
	}
	// The example was copied next to the database, and the screen now
	// reads that file.
	data, err := os.ReadFile(want)
	if err != nil || string(data) != string(policy.ExamplePolicies) {
		t.Fatalf("the example was not copied to %s: %v", want, err)
	}
	if p, pf := s.PolicyFile(); p != want || pf == nil {
		t.Errorf("policy file %q", p)
	}
}

func TestEditReloadsTheFile(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "true --wait")
	b := openDB(t)
	p := filepath.Join(filepath.Dir(b.Path()), "policies.yaml")
	writeFile(t, p, "policies:\n  - {name: quiet, type: nothing}\n  - {name: mail, type: single, action: email_offer}\n")
	s, r, _ := open(t, b, 80, 24)
	_, cmd := s.Update(screentest.KeyMsg("E"))
	if cmd == nil {
		t.Fatal("E should start the editor")
	}
	// The editor (here: a file written by the test) changes the file.
	writeFile(t, p, "policies:\n  - {name: quiet, type: nothing}\n  - {name: mail, type: single, action: email_offer}\n  - {name: text, type: single, action: sms_discount}\n")
	r.Send(simulate.EditedMsg{Path: p})
	if _, pf := s.PolicyFile(); pf == nil || strings.Join(pf.Names, ",") != "quiet,mail,text" {
		t.Fatalf("not reloaded: %+v", pf)
	}
	if got := strings.Join(s.Selected(), ","); got != "quiet,mail,text" {
		t.Errorf("a new policy should be ticked: %s", got)
	}
	// A broken edit is reported with its line, and fixed by the next one.
	writeFile(t, p, "policies:\n  - {name: quiet, type: nothing}\n  - {name: mail, type: single, action: emial_offer}\n")
	r.Send(simulate.EditedMsg{Path: p})
	if s.FileErr() == nil || !strings.Contains(r.Status, `"emial_offer"`) || !strings.Contains(r.Status, "line 3") {
		t.Errorf("error %v, status %q", s.FileErr(), r.Status)
	}
	writeFile(t, p, "policies:\n  - {name: quiet, type: nothing}\n")
	r.Send(simulate.EditedMsg{Path: p})
	if s.FileErr() != nil {
		t.Errorf("fixed file still in error: %v", s.FileErr())
	}
}

func TestOpenAnotherFile(t *testing.T) {
	s, r, _ := open(t, nil, 80, 24)
	other := filepath.Join(t.TempDir(), "other.yaml")
	writeFile(t, other, "policies:\n  - {name: quiet, type: nothing}\n")
	r.Key("o")
	if !s.Capturing() {
		t.Fatal("the picker should capture keys")
	}
	fit(t, s, 80, 24, "picker")
	r.Send(tea.KeyMsg{Type: tea.KeyCtrlU}) // clears the input
	r.Type(other)
	r.Key("enter")
	if s.Capturing() {
		t.Error("enter should close the picker")
	}
	if p, pf := s.PolicyFile(); p != other || pf == nil || pf.Names[0] != "quiet" {
		t.Errorf("opened %q %+v", p, pf)
	}
	// A missing file is an error; an empty path opens the example again.
	r.Key("o")
	r.Type("x")
	r.Key("enter")
	if s.FileErr() == nil || !r.StatusErr {
		t.Errorf("a missing file should be an error: %v", s.FileErr())
	}
	r.Key("o")
	r.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	r.Key("enter")
	if p, _ := s.PolicyFile(); p != simulate.Builtin || s.FileErr() != nil {
		t.Errorf("empty path: %q %v", p, s.FileErr())
	}
}
