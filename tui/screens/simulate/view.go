package simulate

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/sparkline"
)

// View implements app.Screen: exactly w×h.
func (s *Screen) View() string {
	w, h := s.w, s.h
	if w <= 0 || h <= 0 {
		return ""
	}
	var lines []string
	if s.picking {
		lines = append(lines, s.picker.View(), s.c.Styles.Render(s.c.Styles.Muted, "enter opens it · empty or \""+Builtin+"\" opens the example · esc keeps the current file"), "")
		h2 := h - len(lines)
		if h2 <= 0 {
			return chart.Block(lines, w, h)
		}
		return chart.Block(append(lines, strings.Split(s.body(w, h2), "\n")...), w, h)
	}
	return s.body(w, h)
}

func (s *Screen) body(w, h int) string {
	if s.mode == modeResults && s.result != nil && !s.running {
		return s.resultsView(w, h)
	}
	return s.setupView(w, h)
}

// setupView is the policy file, the settings, the run's progress and the
// list of policies with their ticks.
func (s *Screen) setupView(w, h int) string {
	st := s.c.Styles
	var lines []string
	file := "Policy file " + st.Render(st.Label, chart.Sanitize(s.pathLabel()))
	if s.path == Builtin {
		file += st.Render(st.Muted, " (E copies it next to the database to edit; o opens another)")
	}
	lines = append(lines, file)
	set := s.set
	lines = append(lines, fmt.Sprintf("method %s · %s · customers %s · %s · seed %d",
		st.Render(st.Value, set.Method.String()), st.Render(st.Value, fmt.Sprintf("%d days", set.HorizonDays)),
		st.Render(st.Value, customersText(set.Customers)), st.Render(st.Value, fmt.Sprintf("%d refits", set.Refits)), set.Seed))
	switch {
	case s.checking:
		lines = append(lines, st.Render(st.Muted, "reading the policy file and the decision log…"))
	case s.FileErr() != nil:
		for i, l := range wrap("✗ "+chart.Sanitize(s.FileErr().Error()), w) {
			if i == 3 {
				break
			}
			lines = append(lines, st.Render(st.Error, l))
		}
	case s.file != nil && s.decided == 0:
		lines = append(lines, st.Render(st.Error, "✗ the database holds no logged decisions: load a decision log (the sample's decisions.csv) to simulate"))
	case s.file != nil:
		lines = append(lines, st.Render(st.Muted, fmt.Sprintf("✓ %d policies build with the %s logged decisions", len(s.file.Names), chart.FormatCount(float64(s.decided)))))
	}
	if s.runErr != nil && !s.running {
		lines = append(lines, st.Render(st.Error, chart.Truncate("✗ last run: "+chart.Sanitize(s.runErr.Error()), w)))
	}
	if s.running {
		lines = append(lines, "")
		lines = append(lines, s.progressLines(w)...)
	}
	lines = append(lines, "")
	if s.file == nil {
		return chart.Block(lines, w, h)
	}
	lines = append(lines, st.Render(st.Header, fmt.Sprintf("Policies (%d of %d ticked)", len(s.Selected()), len(s.file.Names))))
	foot := ""
	if s.c.Filters != nil && s.c.Filters.Active() {
		foot = st.Render(st.Muted, "the global filters do not apply here: the environment is fitted on every logged decision")
	} else if s.result != nil {
		foot = st.Render(st.Muted, "v shows the last results")
	}
	rows := h - len(lines)
	if foot != "" {
		rows--
	}
	rows = max(rows, 0)
	n := len(s.file.Names)
	nw := 0
	for _, name := range s.file.Names {
		nw = max(nw, chart.Width(chart.Sanitize(name)))
	}
	nw = min(nw, max(w-14, 4))
	if rows > 1 {
		lines = append(lines, st.Render(st.Header, "  "+chart.PadRight(PolicyColumns[0], 3)+" "+chart.PadRight(PolicyColumns[1], nw)+"  "+PolicyColumns[2]))
		rows--
	}
	s.off = chart.ScrollOffset(s.off, s.cur, rows, n)
	for i := s.off; i < min(n, s.off+rows); i++ {
		name := s.file.Names[i]
		box := "[ ]"
		if s.selected[name] {
			box = "[x]"
		}
		cur := "  "
		if i == s.cur {
			cur = st.Render(st.Cursor, "› ")
		}
		line := box + " " + chart.PadRight(chart.Truncate(chart.Sanitize(name), nw), nw) + "  " + st.Render(st.Muted, chart.Sanitize(s.file.Types[i]))
		if i == s.cur {
			line = st.Render(st.Selected, line)
		}
		lines = append(lines, cur+line)
	}
	if foot != "" {
		for len(lines) < h-1 {
			lines = append(lines, "")
		}
		lines = append(lines, foot)
	}
	return chart.Block(lines, w, h)
}

// progressLines are the run's stage, a bar of its share done and the
// customers simulated.
func (s *Screen) progressLines(w int) []string {
	st := s.c.Styles
	p := s.prog
	if p == nil {
		return []string{st.Render(st.Title, "Running…") + st.Render(st.Muted, " starting"), "", st.Render(st.Muted, "esc cancels")}
	}
	stage := chart.Sanitize(p.Stage)
	if p.Steps > 0 {
		stage += fmt.Sprintf(" (%d of %d)", p.Step, p.Steps)
	}
	bw := max(w-8, 1)
	s.bar.Width = bw
	frac := p.Fraction()
	bar := s.bar.ViewAs(frac) + " " + chart.PadLeft(chart.FormatPercent(frac), 6)
	detail := fmt.Sprintf("elapsed %.1f s", p.Elapsed.Seconds())
	if p.CustomersOf > 0 {
		detail = fmt.Sprintf("customers %s of %s · ", chart.FormatCount(float64(p.Customers)), chart.FormatCount(float64(p.CustomersOf))) + detail
	}
	return []string{st.Render(st.Title, "Running: ") + stage, bar, st.Render(st.Muted, detail+" · esc cancels")}
}

// resultsView shows ResultLines scrolled by the screen's offset.
func (s *Screen) resultsView(w, h int) string {
	lines := s.ResultLines(w)
	if len(lines) <= h {
		s.scroll = 0
		return chart.Block(lines, w, h)
	}
	s.scroll = chart.Clamp(s.scroll, 0, len(lines)-(h-1))
	out := append([]string{}, lines[s.scroll:s.scroll+h-1]...)
	out = append(out, s.c.Styles.Render(s.c.Styles.Muted, fmt.Sprintf("lines %d–%d of %d · ↑/↓ pgup/pgdn scroll", s.scroll+1, s.scroll+h-1, len(lines))))
	return chart.Block(out, w, h)
}

// ResultLines are the results of the last run drawn w cells wide: the
// verdict of each method in plain words, the comparison table, the chart
// of values with their 95% intervals and the learning curves.
func (s *Screen) ResultLines(w int) []string {
	st := s.c.Styles
	r := s.result
	if r == nil {
		return nil
	}
	cmp := r.Comparison
	var lines []string
	head := fmt.Sprintf("Results · %d policies · %s", len(cmp.Rows), chart.Sanitize(s.pathLabel()))
	lines = append(lines, st.Render(st.Title, chart.Truncate(head, w)))
	var what []string
	if cmp.Sim != nil {
		what = append(what, fmt.Sprintf("simulation: %s customers × %d days, seed %d, %d refits",
			chart.FormatCount(float64(cmp.Sim.Result.Customers)), cmp.Sim.Result.HorizonDays, cmp.Sim.Result.Seed, cmp.Sim.Replicates))
	}
	if cmp.OPE != nil {
		what = append(what, fmt.Sprintf("off-policy evaluation (%s) on %s decisions", cmp.OPE.Estimator, chart.FormatCount(float64(cmp.OPE.N))))
	}
	lines = append(lines, st.Render(st.Muted, chart.Truncate(strings.Join(what, " · "), w)))
	for _, v := range []*compare.Verdict{cmp.SimVerdict, cmp.OPEVerdict} {
		if v == nil {
			continue
		}
		style := st.Caption
		if v.Declared {
			style = st.Title
		}
		for _, l := range wrap(PlainVerdict(v), w) {
			lines = append(lines, st.Render(style, l))
		}
	}
	lines = append(lines, "")
	lines = append(lines, s.tableLines(w)...)
	lines = append(lines, "")
	lines = append(lines, s.chartLines(w)...)
	if c := s.curveLines(w); len(c) > 0 {
		lines = append(lines, "")
		lines = append(lines, c...)
	}
	return lines
}

// PlainVerdict says a method's verdict in plain words: "X wins by d [lo,
// hi] over Y" when the interval of the leader's paired difference with the
// runner-up excludes zero, else "cannot tell apart with this data: A, B…"
// (the leader and every policy whose paired difference with it has an
// interval containing zero).
func PlainVerdict(v *compare.Verdict) string {
	method := v.Method
	switch {
	case len(v.Ranking) == 0:
		return method + ": no policies"
	case len(v.Ranking) == 1:
		return fmt.Sprintf("%s: only one policy, %s", method, v.Leader)
	case v.Declared:
		return fmt.Sprintf("%s: %s wins by %s [%s, %s] over %s", method, v.Winner, num(v.Diff.Value), num(v.Diff.Low), num(v.Diff.High), v.RunnerUp)
	}
	return fmt.Sprintf("%s: %s: %s (%s leads %s by %s [%s, %s])", method, compare.CannotTell, strings.Join(v.Tied, ", "),
		v.Leader, v.RunnerUp, num(v.Diff.Value), num(v.Diff.Low), num(v.Diff.High))
}

// num formats a value with three decimals, or compactly from 10,000 up.
func num(v float64) string {
	if !chart.Finite(v) {
		return "—"
	}
	if math.Abs(v) >= 10000 {
		return chart.FormatCompact(v)
	}
	s := fmt.Sprintf("%.3f", v)
	if s == "-0.000" {
		s = "0.000"
	}
	return s
}

func ci(e *compare.Estimate) string {
	if e == nil {
		return "—"
	}
	return "[" + num(e.Low) + ", " + num(e.High) + "]"
}

// TableRow is one line of the comparison table: a policy under one method.
type TableRow struct {
	Policy, Method   string
	Value            compare.Estimate
	Uplift           *compare.Estimate // nil: no do-nothing policy to compare with
	Contacts, OptOut float64           // per customer over the horizon (NaN for OPE)
}

// Rows are the comparison's table rows: each policy's simulation row then
// its off-policy row, policies ordered by the simulation's ranking (the
// off-policy one without a simulation). The simulation's uplift is
// against its do-nothing holdout; the off-policy uplift is the paired
// difference with the ticked policy of type nothing, when there is one.
func (s *Screen) Rows() []TableRow {
	if s.result == nil {
		return nil
	}
	cmp := s.result.Comparison
	rows := append([]compare.Row(nil), cmp.Rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		if cmp.Sim != nil {
			return rows[i].SimRank < rows[j].SimRank
		}
		return rows[i].OPERank < rows[j].OPERank
	})
	nothing := -1
	if cmp.OPE != nil {
		for j, n := range cmp.OPE.Names {
			if t := s.resTypes[n]; t == "nothing" || t == "do_nothing" {
				nothing = j
				break
			}
		}
	}
	var out []TableRow
	for _, r := range rows {
		if r.SimNet != nil {
			up := *r.SimUplift
			out = append(out, TableRow{Policy: r.Policy, Method: "sim", Value: *r.SimNet, Uplift: &up, Contacts: r.Contacts, OptOut: r.OptOuts})
		}
		if r.OPE != nil {
			tr := TableRow{Policy: r.Policy, Method: "ope", Value: *r.OPE, Contacts: math.NaN(), OptOut: math.NaN()}
			if nothing >= 0 {
				for i, n := range cmp.OPE.Names {
					if n != r.Policy {
						continue
					}
					up := compare.Estimate{}
					if i != nothing {
						up = cmp.OPE.Paired[i][nothing]
					}
					tr.Uplift = &up
				}
			}
			out = append(out, tr)
		}
	}
	return out
}

type column struct {
	head  string
	right bool
	prio  int // lower is dropped first
	cells []string
}

// tableLines draws Rows in columns, dropping the least important columns
// when they do not fit in w.
func (s *Screen) tableLines(w int) []string {
	st := s.c.Styles
	rows := s.Rows()
	cols := []*column{
		{prio: 9}, {prio: 8}, {right: true, prio: 9},
		{prio: 7}, {right: true, prio: 6},
		{prio: 2}, {right: true, prio: 5}, {right: true, prio: 4},
	}
	for i, c := range cols {
		c.head = TableColumns[i]
	}
	for _, r := range rows {
		up, upi := "—", "—"
		if r.Uplift != nil {
			up, upi = num(r.Uplift.Value), ci(r.Uplift)
			if r.Uplift.Value > 0 {
				up = "+" + up
			}
		}
		contacts, opt := "—", "—"
		if chart.Finite(r.Contacts) {
			contacts, opt = fmt.Sprintf("%.2f", r.Contacts), fmt.Sprintf("%.3f", r.OptOut)
		}
		v := r.Value
		cells := []string{chart.Sanitize(r.Policy), r.Method, num(v.Value), ci(&v), up, upi, contacts, opt}
		for i, c := range cells {
			cols[i].cells = append(cols[i].cells, c)
		}
	}
	width := func(c *column) int {
		n := chart.Width(c.head)
		for _, x := range c.cells {
			n = max(n, chart.Width(x))
		}
		return n
	}
	ws := make([]int, len(cols))
	for i, c := range cols {
		ws[i] = width(c)
	}
	keep := make([]bool, len(cols))
	for i := range keep {
		keep[i] = true
	}
	total := func() int {
		t := 0
		for i := range cols {
			if keep[i] {
				t += ws[i] + 2
			}
		}
		return t - 2
	}
	// The policy column shrinks to 12 cells before columns are dropped.
	for total() > w && ws[0] > 12 {
		ws[0]--
	}
	for total() > w {
		drop, p := -1, 100
		for i, c := range cols {
			if keep[i] && c.prio < p && c.prio < 9 {
				drop, p = i, c.prio
			}
		}
		if drop < 0 {
			break
		}
		keep[drop] = false
	}
	line := func(cell func(i int) string, style func(i int, s string) string) string {
		var b strings.Builder
		first := true
		for i, c := range cols {
			if !keep[i] {
				continue
			}
			if !first {
				b.WriteString("  ")
			}
			first = false
			x := chart.Truncate(cell(i), ws[i])
			if c.right {
				x = chart.PadLeft(x, ws[i])
			} else {
				x = chart.PadRight(x, ws[i])
			}
			b.WriteString(style(i, x))
		}
		return b.String()
	}
	out := []string{line(func(i int) string { return cols[i].head }, func(_ int, x string) string { return st.Render(st.Header, x) })}
	for r := range rows {
		out = append(out, line(func(i int) string { return cols[i].cells[r] }, func(i int, x string) string {
			if i == 2 {
				return st.Render(st.Value, x)
			}
			return x
		}))
	}
	note := "value: simulation — net value per customer over the horizon; ope — mean reward per logged decision"
	if keep[6] {
		note += "; contacts and opt-outs per customer"
	}
	out = append(out, st.Render(st.Muted, chart.Truncate(note, w)))
	return out
}

// chartLines draws, per method, each policy's value as a dot on a common
// axis with its 95% interval as a whisker ├──●──┤ and a dotted line at 0.
func (s *Screen) chartLines(w int) []string {
	st := s.c.Styles
	rows := s.Rows()
	var out []string
	for _, m := range []struct{ key, title string }{
		{"sim", fmt.Sprintf("Simulation: net value per customer over %d days, 95%% intervals", s.resSet.HorizonDays)},
		{"ope", "Off-policy evaluation: mean reward per decision, 95% intervals"},
	} {
		var names []string
		var ests []compare.Estimate
		for _, r := range rows {
			if r.Method == m.key {
				names = append(names, r.Policy)
				ests = append(ests, r.Value)
			}
		}
		if len(names) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.Render(st.Header, chart.Truncate(m.title, w)))
		out = append(out, s.intervalChart(names, ests, w)...)
	}
	return out
}

// intervalChart draws one line per estimate, w cells wide: the label, a
// track where ├ and ┤ mark Low and High, ● the value and ┊ zero, on the
// axis [min(0, Low…), max(0, High…)], then the value; and an axis line
// with the bounds. Under 10 cells of track it gives a note instead.
func (s *Screen) intervalChart(names []string, ests []compare.Estimate, w int) []string {
	st := s.c.Styles
	lw := 0
	for _, n := range names {
		lw = max(lw, chart.Width(chart.Sanitize(n)))
	}
	lw = min(lw, 18, max(w/4, 4))
	vw := 0
	for _, e := range ests {
		vw = max(vw, chart.Width(num(e.Value)))
	}
	tw := w - lw - vw - 2
	if tw < 10 {
		return []string{st.Render(st.Muted, chart.Truncate("(too narrow for the chart)", w))}
	}
	lo, hi := 0.0, 0.0
	for _, e := range ests {
		for _, x := range []float64{e.Low, e.High, e.Value} {
			if chart.Finite(x) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	pos := func(x float64) int {
		return chart.Clamp(int(math.Round((x-lo)/(hi-lo)*float64(tw-1))), 0, tw-1)
	}
	zero := pos(0)
	var out []string
	for i, e := range ests {
		track := make([]rune, tw)
		for j := range track {
			track[j] = ' '
		}
		track[zero] = '┊'
		if chart.Finite(e.Low) && chart.Finite(e.High) {
			a, b := pos(e.Low), pos(e.High)
			for j := a; j <= b; j++ {
				track[j] = '─'
			}
			track[a], track[b] = '├', '┤'
		}
		if chart.Finite(e.Value) {
			track[pos(e.Value)] = '●'
		}
		label := chart.PadRight(chart.Truncate(chart.Sanitize(names[i]), lw), lw)
		out = append(out, st.Render(st.Label, label)+" "+st.Render(st.Bar, string(track))+" "+st.Render(st.Value, chart.PadLeft(num(e.Value), vw)))
	}
	// The axis: the low bound under the track's start, 0 under zero and
	// the high bound ending under the track's end.
	axis := []rune(strings.Repeat(" ", tw))
	put := func(at int, s string) {
		r := []rune(s)
		at = chart.Clamp(at, 0, max(tw-len(r), 0))
		for j, c := range r {
			if at+j < tw {
				axis[at+j] = c
			}
		}
	}
	put(0, num(lo))
	put(tw-len([]rune(num(hi))), num(hi))
	if z := []rune("0"); zero > len([]rune(num(lo)))+1 && zero < tw-len([]rune(num(hi)))-1 {
		put(zero, string(z))
	}
	out = append(out, strings.Repeat(" ", lw+1)+st.Render(st.Muted, string(axis)))
	return out
}

// curveLines draws the learning curve of each learning policy as a
// sparkline of its mean net reward per decision by week, with the first
// and last week's values.
func (s *Screen) curveLines(w int) []string {
	st := s.c.Styles
	if s.result == nil || s.result.Comparison.Sim == nil {
		return nil
	}
	res := s.result.Comparison.Sim.Result
	var learners []int
	lw := 0
	for i, p := range res.Policies {
		if p.Learner && len(p.Curve) > 0 {
			learners = append(learners, i)
			lw = max(lw, chart.Width(chart.Sanitize(p.Name)))
		}
	}
	if len(learners) == 0 {
		return nil
	}
	lw = min(lw, 18, max(w/4, 4))
	out := []string{st.Render(st.Header, chart.Truncate("Learning curves: mean net reward per decision by week", w))}
	for _, i := range learners {
		p := res.Policies[i]
		vals := make([]float64, len(p.Curve))
		for j, c := range p.Curve {
			vals[j] = c.Mean
		}
		tail := fmt.Sprintf(" week 1 %s → week %d %s", num(vals[0]), len(vals), num(vals[len(vals)-1]))
		sw := w - lw - 1 - chart.Width(tail)
		if sw < 4 {
			tail = ""
			sw = w - lw - 1
		}
		sw = min(sw, max(len(vals)*2, 8))
		sp := sparkline.New(sparkline.WithStyles(st), sparkline.WithData(vals, nil))
		sp.SetSize(max(sw, 1), 1)
		line := st.Render(st.Label, chart.PadRight(chart.Truncate(chart.Sanitize(p.Name), lw), lw)) + " " + sp.View() + st.Render(st.Muted, tail)
		out = append(out, chart.Truncate(line, w))
	}
	return out
}

// wrap splits s into lines of at most w cells, at spaces where it can.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for chart.Width(s) > w {
		r := []rune(s)
		cut := 0
		width := 0
		for i, c := range r {
			cw := chart.Width(string(c))
			if width+cw > w {
				cut = i
				break
			}
			width += cw
		}
		if cut == 0 {
			break
		}
		brk := cut
		for j := cut; j > cut/2; j-- {
			if r[j] == ' ' {
				brk = j
				break
			}
		}
		out = append(out, string(r[:brk]))
		s = strings.TrimLeft(string(r[brk:]), " ")
	}
	return append(out, s)
}

// listRows is about how many policies the setup view lists (for paging).
func (s *Screen) listRows() int { return s.h - 7 }
