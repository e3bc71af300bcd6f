package journeys_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/journey"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/screens/journeys"
)

var subKeys = []struct{ key, name string }{{"p", "paths"}, {"v", "variants"}, {"u", "funnel"}, {"t", "transitions"}, {"a", "attribution"}}

// withFunnel adds the first three labels of the list as funnel steps.
func withFunnel(r interface{ Keys(...string) }) {
	r.Keys("u", "space", "down", "space", "down", "space")
}

func TestGolden(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		s, r, _ := open(t, sz.w, sz.h)
		for _, sk := range subKeys {
			r.Key(sk.key)
			if sk.key == "u" {
				withFunnel(r)
			}
			if s.Sub() < 0 {
				t.Fatal("no sub-view")
			}
			v := fit(t, r, sz.w, sz.h, sk.name)
			goldenView(t, fmt.Sprintf("%s_%dx%d", sk.name, sz.w, sz.h), v)
		}
	}
}

func TestEverySubViewFitsAnySize(t *testing.T) {
	s, r, _ := open(t, 80, 24)
	withFunnel(r)
	for _, sk := range subKeys {
		r.Key(sk.key)
		for _, sz := range []struct{ w, h int }{{0, 0}, {1, 1}, {5, 2}, {20, 5}, {40, 12}, {80, 24}, {200, 60}, {120, 40}} {
			s.SetSize(sz.w, sz.h)
			fit(t, r, sz.w, sz.h, fmt.Sprintf("%s at %dx%d", sk.name, sz.w, sz.h))
		}
		s.SetSize(80, 24)
	}
}

func TestSankeyNodeListsItsCustomersAndOpensTheProfile(t *testing.T) {
	s, r, c := open(t, 100, 30)
	// The first node of step 1 is selected; its customers are those whose
	// first (collapsed) step has its label.
	ws := c.Backend.Workspace()
	q := journeys.Query(c.Filters, s.LabelChoice(), s.Collapse())
	res, err := ws.Paths(context.Background(), q, journey.PathOptions{Steps: journeys.DefaultSteps, TopK: journeys.DefaultTopK, CollapseRepeats: true})
	if err != nil {
		t.Fatal(err)
	}
	node := res.Nodes[0]
	r.Key("enter")
	who := s.Who()
	if !who.Open() || who.Result() == nil {
		t.Fatalf("enter on a node should list its customers; view:\n%s", s.View())
	}
	// Whole-history journeys: one path per customer, so the node's
	// journeys are its customers.
	if who.Result().Total != node.Journeys {
		t.Errorf("node %s at step %d: %d customers listed, want %d", node.Label, node.Step, who.Result().Total, node.Journeys)
	}
	if !strings.Contains(s.View(), node.Label+" at step 1") {
		t.Errorf("the list title should name the node:\n%s", s.View())
	}
	first := who.Result().Customers[0]
	r.Key("enter")
	if !who.ProfileShown() || !who.Profile().Loaded() {
		t.Fatalf("enter on a customer should open the profile:\n%s", s.View())
	}
	if got := who.Profile().Customer(); got != first.ID {
		t.Errorf("profile of customer %d, want %d", got, first.ID)
	}
	if !strings.Contains(s.View(), fmt.Sprintf("Customer %d", first.ID)) {
		t.Errorf("profile view should name customer %d:\n%s", first.ID, s.View())
	}
	r.Key("esc")
	if who.ProfileShown() || !who.Open() {
		t.Error("esc on the profile should go back to the list")
	}
	r.Key("esc")
	if who.Open() {
		t.Error("esc on the list should close it")
	}
	fit(t, r, 100, 30, "back on the paths")
}

func TestSankeyBandListsCustomers(t *testing.T) {
	s, r, _ := open(t, 100, 30)
	r.Key("right") // the largest band leaving the selected node
	r.Key("enter")
	if !s.Who().Open() || s.Who().Result() == nil || s.Who().Result().Total == 0 {
		t.Fatalf("enter on a band should list customers:\n%s", s.View())
	}
	if !strings.Contains(s.View(), "the band ") {
		t.Errorf("title should name the band:\n%s", s.View())
	}
}

func TestAnchors(t *testing.T) {
	s, r, _ := open(t, 100, 30)
	r.Key("s")
	start, _ := s.PathAnchors()
	if start == "" {
		t.Fatalf("s should anchor the start on the selected node's label")
	}
	if !strings.Contains(s.View(), "from the first "+start) {
		t.Errorf("summary should name the anchor:\n%s", s.View())
	}
	r.Key("E")
	_, end := s.PathAnchors()
	if end == "" {
		t.Error("E should set the end anchor")
	}
	r.Key("x")
	if a, b := s.PathAnchors(); a != "" || b != "" {
		t.Errorf("x should clear the anchors, got %q %q", a, b)
	}
}

func TestFunnelBuilder(t *testing.T) {
	s, r, c := open(t, 100, 30)
	withFunnel(r)
	steps := s.FunnelSteps()
	if len(steps) != 3 {
		t.Fatalf("three spaces on three labels should give three steps, got %v", steps)
	}
	// Reorder: the selected label is the third step; K moves it earlier.
	r.Key("K")
	got := s.FunnelSteps()
	if got[1] != steps[2] || got[2] != steps[1] {
		t.Errorf("K should move step 3 before step 2: %v → %v", steps, got)
	}
	r.Key("J")
	if fmt.Sprint(s.FunnelSteps()) != fmt.Sprint(steps) {
		t.Errorf("J should undo K: %v", s.FunnelSteps())
	}
	// The bars match the funnel computed directly.
	q := journeys.Query(c.Filters, s.LabelChoice(), s.Collapse())
	want, err := c.Backend.Workspace().Funnel(context.Background(), q, journeys.FunnelOptions(steps, journey.Ordered, journeys.Windows[2].D))
	if err != nil {
		t.Fatal(err)
	}
	v := s.View()
	for _, st := range want.Overall.Steps {
		if st.Step > 1 && !strings.Contains(v, "−"+fmt.Sprint(st.DropOff)) {
			t.Errorf("drop-off %d of step %d not shown:\n%s", st.DropOff, st.Step, v)
		}
	}
	// Enter on bar 2 lists who reached step 1 but not step 2.
	r.Keys("right", "down", "enter")
	if !s.Who().Open() || s.Who().Result() == nil {
		t.Fatalf("enter on a bar should list who dropped:\n%s", s.View())
	}
	if s.Who().Result().Total != want.Overall.Steps[1].DropOff {
		t.Errorf("dropped at step 2: %d listed, want %d", s.Who().Result().Total, want.Overall.Steps[1].DropOff)
	}
	r.Key("esc")
	// Mode and window cycle.
	r.Keys("m", "w")
	if v := s.View(); !strings.Contains(v, "mode strict") || !strings.Contains(v, "window 30d") {
		t.Errorf("m and w should give strict mode and a 30d window:\n%s", v)
	}
	// Space on a chosen label removes it.
	r.Keys("left", "space")
	if len(s.FunnelSteps()) != 2 {
		t.Errorf("space on a step should remove it: %v", s.FunnelSteps())
	}
}

func TestFunnelStepsAreAnnounced(t *testing.T) {
	_, r, _ := open(t, 100, 30)
	withFunnel(r)
	var last *journeys.FunnelStepsMsg
	for _, m := range r.Seen {
		if f, ok := m.(journeys.FunnelStepsMsg); ok {
			last = &f
		}
	}
	if last == nil || len(last.Steps) != 3 || last.Window != "14d" {
		t.Fatalf("funnel changes should be announced with steps and window, got %+v", last)
	}
}

func TestVariantsFilterAndWho(t *testing.T) {
	s, r, _ := open(t, 100, 30)
	r.Key("v")
	r.Key("/")
	if !s.Capturing() {
		t.Fatal("/ should focus the filter")
	}
	r.Type("purchase")
	r.Key("enter")
	v := s.View()
	if !strings.Contains(v, " match") {
		t.Errorf("the summary should count the matches:\n%s", v)
	}
	for _, line := range strings.Split(v, "\n")[4:] {
		// Sequences are truncated: a row shows the text or ends in "…".
		if l := strings.TrimSpace(line); l != "" && !strings.Contains(l, "purchase") && !strings.HasSuffix(l, "…") {
			t.Errorf("row without the filter text: %q", line)
		}
	}
	r.Key("enter")
	if !s.Who().Open() || s.Who().Result() == nil || s.Who().Result().Total == 0 {
		t.Errorf("enter on a variant should list its customers:\n%s", s.View())
	}
}

func TestGroupTransitions(t *testing.T) {
	_, _, c := open(t, 80, 24)
	q := journeys.Query(c.Filters, "type", false)
	tr, err := c.Backend.Workspace().Transitions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	// Without grouping the matrix is journey's own (same rows, columns
	// and probabilities, to 1e-12).
	g := journeys.GroupTransitions(tr, 1000)
	idx := func(xs []string, x string) int {
		for i, y := range xs {
			if y == x {
				return i
			}
		}
		return -1
	}
	for ri, row := range tr.Matrix.Rows {
		gr := idx(g.Rows, row)
		if gr < 0 {
			t.Fatalf("row %s missing", row)
		}
		for ci, col := range tr.Matrix.Cols {
			gc := idx(g.Cols, col)
			if gc < 0 {
				t.Fatalf("column %s missing", col)
			}
			want, got := tr.Matrix.P[ri][ci], g.Cells[gr][gc].P
			if math.IsNaN(got) {
				got = 0
			}
			if math.Abs(want-got) > 1e-12 {
				t.Errorf("P[%s][%s] = %v, want %v", row, col, got, want)
			}
		}
	}
	// Grouped: every row of a label that occurs sums to 1 (1e-9).
	g = journeys.GroupTransitions(tr, 4)
	if len(g.Rows) != 6 || g.Rows[5] != journey.OtherLabel || g.Cols[len(g.Cols)-1] != journey.EndLabel {
		t.Fatalf("grouped rows %v cols %v", g.Rows, g.Cols)
	}
	for r, row := range g.Cells {
		sum := 0.0
		for _, c := range row {
			if !math.IsNaN(c.P) {
				sum += c.P
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("row %s sums to %v", g.Rows[r], sum)
		}
	}
}

func TestTransitionCellListsCustomers(t *testing.T) {
	s, r, _ := open(t, 100, 30)
	r.Key("t")
	r.Keys("down", "enter") // row of the most frequent label, first column
	if !s.Who().Open() {
		t.Fatalf("enter on a cell should list customers:\n%s", s.View())
	}
	if !strings.Contains(s.View(), "the transition ") {
		t.Errorf("title should name the transition:\n%s", s.View())
	}
}

func TestAttribution(t *testing.T) {
	s, r, _ := open(t, 100, 30)
	r.Key("a")
	v := s.View()
	if !strings.Contains(v, "[first]") || !strings.Contains(v, "all models side by side") {
		t.Fatalf("attribution should show the model and the comparison:\n%s", v)
	}
	r.Key("right")
	if !strings.Contains(s.View(), "[last]") {
		t.Errorf("→ should switch to the last-touch model")
	}
	r.Key("enter")
	if !s.Who().Open() || s.Who().Result() == nil || s.Who().Result().Total == 0 {
		t.Errorf("enter on a channel should list converting customers touched by it:\n%s", s.View())
	}
	r.Key("esc")
	r.Key("T")
	if !strings.Contains(s.View(), "conversion Order Completed (T") {
		t.Errorf("T should move to the next conversion choice:\n%s", s.View())
	}
}

func TestConversionChoices(t *testing.T) {
	for _, tc := range []struct {
		types []string
		want  []string
	}{
		{[]string{"Order Completed", "page_view", "purchase"}, []string{"Order Completed or purchase", "Order Completed", "purchase", "page_view"}},
		{[]string{"purchase", "open"}, []string{"purchase", "open"}},
		{[]string{"open"}, []string{"open"}},
		{nil, nil},
	} {
		var got []string
		for _, c := range journeys.ConversionChoices(tc.types) {
			got = append(got, c.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("ConversionChoices(%v) = %v, want %v", tc.types, got, tc.want)
		}
	}
}

func TestFiltersChangeRerunsTheView(t *testing.T) {
	s, r, c := open(t, 100, 30)
	r.Key("v")
	before := s.View()
	c.Filters.Channels = []string{"store"}
	r.Send(app.FiltersChangedMsg{})
	after := s.View()
	if before == after {
		t.Fatal("a filter change should re-run the variants")
	}
	for _, line := range strings.Split(after, "\n")[4:] {
		if strings.TrimSpace(line) != "" && !strings.Contains(line, "purchase") && !strings.Contains(line, "visit") {
			// store events are purchases (and visits)
			t.Logf("row: %q", line)
		}
	}
	if !strings.Contains(after, "purchase") {
		t.Errorf("store-only variants should be purchases:\n%s", after)
	}
}

func TestCancelledQueryKeepsTheScreenUsable(t *testing.T) {
	s, r, c := open(t, 80, 24)
	r.Key("v")
	cmd := func() {
		c.Filters.Channels = []string{"web"}
		_, cmd := s.Update(app.FiltersChangedMsg{})
		c.Backend.Cancel()
		r.Run(cmd)
	}
	cmd()
	v := fit(t, r, 80, 24, "after cancel")
	if !strings.Contains(v, "journeys") && !strings.Contains(v, "cancelled") {
		t.Errorf("view after a cancel:\n%s", v)
	}
	r.Key("r")
	if strings.Contains(s.View(), "cancelled") {
		t.Errorf("r should run it again:\n%s", s.View())
	}
}

func TestErrorsShowInTheView(t *testing.T) {
	s, r, c := open(t, 80, 24)
	c.Filters.Segment = "this is not (valid"
	r.Send(app.FiltersChangedMsg{})
	v := fit(t, r, 80, 24, "error")
	if !strings.Contains(strings.ToLower(v), "syntax") && !strings.Contains(strings.ToLower(v), "segment") {
		t.Errorf("a bad segment filter should show its error:\n%s", v)
	}
	var sawErr bool
	for _, m := range r.Seen {
		if res, ok := m.(backend.ResultMsg); ok && res.Err != nil {
			sawErr = true
		}
	}
	if !sawErr {
		t.Error("the query should have failed")
	}
	_ = s
}

func TestLabelCycleAndKeys(t *testing.T) {
	s, r, _ := open(t, 80, 24)
	r.Key("L")
	if s.LabelChoice() != "channel" {
		t.Errorf("L should cycle to channel, got %s", s.LabelChoice())
	}
	if !strings.Contains(strings.SplitN(s.View(), "\n", 2)[0], "channel") {
		t.Errorf("header should show the label:\n%s", s.View())
	}
	r.Key("c")
	if s.Collapse() {
		t.Error("c should turn collapsing off")
	}
	for _, sk := range subKeys {
		r.Key(sk.key)
		km := s.KeyMap()
		if len(km.ShortHelp()) == 0 || len(km.FullHelp()) == 0 {
			t.Errorf("%s: empty help", sk.name)
		}
	}
}
