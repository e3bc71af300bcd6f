package chart

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/attribution"
	"github.com/journeyworkbench/workbench/analysis/journey"
	"gonum.org/v1/plot"
)

// TestErrors checks that bad input gives an error that says what is wrong
// (and does not panic).
func TestErrors(t *testing.T) {
	nan := math.NaN()
	attr := sampleAttribution()
	attr[1].Rows[2].Conversions = nan
	est := sampleEstimates()
	est[3].Value = nan
	curves := sampleCurves()
	curves[1].Y[10] = nan
	vol := sampleVolume()
	vol.Count[2][5] = nan
	tm := sampleMatrix()
	tm.P[2][3] = nan
	badInterval := sampleEstimates()
	badInterval[0].Lo = badInterval[0].Value + 1
	shortBand := sampleCurves()
	shortBand[1].Lo = shortBand[1].Lo[:5]
	negVol := sampleVolume()
	negVol.Count[0][0] = -1
	cases := []struct {
		name  string
		build func() (*plot.Plot, error)
		want  string
	}{
		{"sankey empty", func() (*plot.Plot, error) { return Sankey(journey.PathsResult{}, Meta{}) }, "no paths"},
		{"sankey bad link", func() (*plot.Plot, error) {
			r := samplePaths()
			r.Links[0].Target = 999
			return Sankey(r, Meta{})
		}, "missing node"},
		{"funnel empty", func() (*plot.Plot, error) { return Funnel(journey.FunnelResult{}, Meta{}) }, "no steps"},
		{"funnel nobody", func() (*plot.Plot, error) {
			return Funnel(journey.FunnelResult{Overall: journey.FunnelGroup{Steps: []journey.FunnelStepResult{{Name: "a"}, {Name: "b"}}}}, Meta{})
		}, "no customers"},
		{"transitions empty", func() (*plot.Plot, error) { return Transitions(journey.TransitionMatrix{}, Meta{}) }, "empty"},
		{"transitions NaN", func() (*plot.Plot, error) { return Transitions(tm, Meta{}) }, "NaN"},
		{"attribution empty", func() (*plot.Plot, error) { return Attribution(nil, Meta{}) }, "no attribution results"},
		{"attribution no rows", func() (*plot.Plot, error) { return Attribution([]attribution.Result{{Model: "linear"}}, Meta{}) }, "no channels"},
		{"attribution NaN", func() (*plot.Plot, error) { return Attribution(attr, Meta{}) }, "NaN"},
		{"policies empty", func() (*plot.Plot, error) { return PolicyComparison(nil, Meta{}) }, "no policy estimates"},
		{"policies NaN", func() (*plot.Plot, error) { return PolicyComparison(est, Meta{}) }, "NaN"},
		{"policies interval", func() (*plot.Plot, error) { return PolicyComparison(badInterval, Meta{}) }, "does not contain"},
		{"learning empty", func() (*plot.Plot, error) { return LearningCurves(nil, Meta{}) }, "no learning curves"},
		{"learning NaN", func() (*plot.Plot, error) { return LearningCurves(curves, Meta{}) }, "NaN"},
		{"learning band", func() (*plot.Plot, error) { return LearningCurves(shortBand, Meta{}) }, "band"},
		{"learning no points", func() (*plot.Plot, error) { return LearningCurves([]Series{{Name: "x"}}, Meta{}) }, "no points"},
		{"volume empty", func() (*plot.Plot, error) { return Volume(DailyVolume{}, Meta{}) }, "no daily volume"},
		{"volume NaN", func() (*plot.Plot, error) { return Volume(vol, Meta{}) }, "NaN"},
		{"volume negative", func() (*plot.Plot, error) { return Volume(negVol, Meta{}) }, "negative"},
		{"render unknown", func() (*plot.Plot, error) { return Render("pie", nil, Meta{}) }, "choose one of sankey"},
		{"render wrong type", func() (*plot.Plot, error) { return Render("funnel", 42, Meta{}) }, "journey.FunnelResult"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.build()
			if err == nil {
				t.Fatalf("no error (plot %v)", p != nil)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	p, err := Funnel(sampleFunnel(), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	err = Write(p, Meta{}, "gif", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "png, svg, pdf") {
		t.Errorf("Write gif: %v, want an error listing png, svg, pdf", err)
	}
	dir := t.TempDir()
	err = Save(p, Meta{}, filepath.Join(dir, "funnel.jpeg"))
	if err == nil || !strings.Contains(err.Error(), ".png, .svg or .pdf") {
		t.Errorf("Save .jpeg: %v", err)
	}
	for _, ext := range []string{".png", ".SVG", ".pdf"} {
		path := filepath.Join(dir, "funnel"+ext)
		if err := Save(p, Meta{Title: "Funnel"}, path); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		magic := map[string]string{".png": "\x89PNG", ".SVG": "<?xml", ".pdf": "%PDF"}[ext]
		if !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("%s starts with %q", ext, b[:8])
		}
	}
}

// TestSingleStep draws a one-step Sankey and a one-step funnel.
func TestSingleStep(t *testing.T) {
	r := buildPaths([]pathCount{{"web", 30}, {"app", 20}, {"email", 5}}, 1, 10)
	p, err := Sankey(r, Meta{Title: "One step"})
	if err != nil {
		t.Fatal(err)
	}
	s := summariseSVG(t, writeSVG(t, p))
	for _, w := range []string{"web", "30 (54.5%)", "Step 1"} {
		if !s.texts[w] {
			t.Errorf("single-step Sankey lacks %q", w)
		}
	}
	f := journey.FunnelResult{Overall: funnelGroup("", []string{"Visit"}, []int64{120})}
	p, err = Funnel(f, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	s = summariseSVG(t, writeSVG(t, p))
	if !s.texts["120"] || !s.texts["100%"] {
		t.Errorf("single-step funnel lacks its label: %v", s.texts)
	}
}

func writeSVG(t *testing.T, p *plot.Plot) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(p, Meta{}, "svg", &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLongLabels checks that long labels end with an ellipsis after
// MaxLabel characters, and long titles are cut to the figure's width.
func TestLongLabels(t *testing.T) {
	long := "web:product_detail_page_view_with_recommendations"
	r := buildPaths([]pathCount{{long + ">app", 50}, {"app>" + long, 40}}, 2, 10)
	title := strings.Repeat("A very long title that goes on ", 8)
	p, err := Sankey(r, Meta{Title: title})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(p, Meta{Title: title}, "svg", &b); err != nil {
		t.Fatal(err)
	}
	s := summariseSVG(t, b.Bytes())
	cut := Truncate(long, MaxLabel)
	if len([]rune(cut)) != MaxLabel || !strings.HasSuffix(cut, "…") {
		t.Fatalf("Truncate gave %q", cut)
	}
	if !s.texts[cut] {
		t.Errorf("the SVG lacks the cut label %q", cut)
	}
	for txt := range s.texts {
		if strings.Contains(txt, long) {
			t.Errorf("the full label is drawn: %q", txt)
		}
		if strings.HasPrefix(txt, "A very long title") && (!strings.HasSuffix(txt, "…") || len(txt) >= len(title)) {
			t.Errorf("the title is not cut: %q", txt)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"web", 5, "web"}, {"abcdef", 5, "abcd…"}, {"abc de", 5, "abc…"}, {"ααααααα", 4, "ααα…"}, {"x", 0, "x"},
	} {
		if got := Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{formatCount(4812), "4,812"}, {formatCount(1234567), "1,234,567"}, {formatCount(999), "999"}, {formatCount(-1500), "−1,500"},
		{formatPct(0.4567), "45.7%"}, {formatPct(1), "100%"}, {formatPct(0), "0%"}, {formatPct(0.0004), "<0.1%"}, {formatPct(0.25), "25%"},
		{formatValue(96), "96"}, {formatValue(97.3), "97.3"}, {formatValue(4.126), "4.13"}, {formatValue(0.0345), "0.035"}, {formatValue(12500), "12,500"},
		{axisLabel("", "Customers", ""), "Customers"}, {axisLabel("Value", "", "EUR"), "Value (EUR)"}, {axisLabel("Conversions credited", "", "conversions"), "Conversions credited"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		want     []string
	}{
		{0, 20500, []string{"0", "5,000", "10,000", "15,000", "20,000"}},
		{2.4, 5.8, []string{"2.5", "3.0", "3.5", "4.0", "4.5", "5.0", "5.5"}},
		{0, 1, []string{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{0, 250000, []string{"0", "50k", "100k", "150k", "200k", "250k"}},
	} {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(c.min, c.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("ticks(%g, %g) = %q, want %q", c.min, c.max, got, c.want)
		}
	}
}

func TestDayTicks(t *testing.T) {
	v := sampleVolume()
	min, max := float64(v.Day[0])/1000, float64(v.Day[len(v.Day)-1])/1000
	var got []string
	for _, tk := range (dayTicks{}).Ticks(min, max) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	want := "1 Jan 15 Jan 1 Feb 15 Feb 1 Mar 15 Mar"
	if strings.Join(got, " ") != want {
		t.Errorf("90-day ticks %q, want %q", strings.Join(got, " "), want)
	}
}

// TestSankeyLayout checks the geometry of the flow: each node's bar spans
// exactly its journeys on the value axis, nodes are stacked top-down in
// result order with equal gaps, and every column's top is at the same
// height.
func TestSankeyLayout(t *testing.T) {
	r := samplePaths()
	p, sc, err := sankeyPlot(r, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-9
	prevBottom := map[int]float64{}
	var gap float64 = -1
	for i, n := range r.Nodes {
		lo, hi, err := sc.StockRange(sc.key(i), n.Step)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs((hi-lo)-float64(n.Journeys)) > tol {
			t.Errorf("node %s@%d spans %g, want %d journeys", n.Label, n.Step, hi-lo, n.Journeys)
		}
		if b, ok := prevBottom[n.Step]; ok {
			g := b - hi
			if g <= 0 {
				t.Errorf("node %s@%d is not below the previous node of its column", n.Label, n.Step)
			}
			if gap >= 0 && math.Abs(g-gap) > 1e-6 {
				t.Errorf("gap %g differs from %g", g, gap)
			}
			gap = g
		} else if math.Abs(hi-p.Y.Max) > 1e-6 {
			t.Errorf("column %d's top is %g, want %g", n.Step, hi, p.Y.Max)
		}
		prevBottom[n.Step] = lo
	}
}

// TestTransitionGrid checks the adapter: the first matrix row is drawn at
// the top.
func TestTransitionGrid(t *testing.T) {
	m := sampleMatrix()
	g := TransitionGrid{m}
	c, r := g.Dims()
	if c != 7 || r != 7 {
		t.Fatalf("dims %d×%d", c, r)
	}
	if g.Z(0, r-1) != m.P[0][0] || g.Z(6, 0) != m.P[6][6] || g.Y(r-1) != 6 || g.X(3) != 3 {
		t.Error("grid does not map the first matrix row to the top row")
	}
	for i, row := range m.P[1:] {
		var s float64
		for _, v := range row {
			s += v
		}
		if math.Abs(s-1) > 1e-12 {
			t.Errorf("fixture row %d sums to %g", i+1, s)
		}
	}
}

func TestChannelColor(t *testing.T) {
	web, _ := ChannelColor("web")
	for _, n := range []string{"Web", "web:page_view", " WEB "} {
		if c, ok := ChannelColor(n); !ok || c != web {
			t.Errorf("ChannelColor(%q) = %v, %v", n, c, ok)
		}
	}
	cc, _ := ChannelColor("call_centre")
	for _, n := range []string{"call center", "Call-Centre", "callcenter"} {
		if c, ok := ChannelColor(n); !ok || c != cc {
			t.Errorf("ChannelColor(%q) = %v, %v", n, c, ok)
		}
	}
	if c, ok := ChannelColor("fax"); ok || c != OtherColor {
		t.Errorf("unknown channel: %v %v", c, ok)
	}
	if c, _ := ChannelColor(journey.DropOffLabel); c != DropOffColor {
		t.Errorf("drop-off colour %v", c)
	}
	seen := map[any]string{}
	for _, ch := range Channels() {
		c, _ := ChannelColor(ch)
		if prev, dup := seen[c]; dup {
			t.Errorf("%s and %s share a colour", ch, prev)
		}
		seen[c] = ch
	}
}

func TestKinds(t *testing.T) {
	inputs := map[string]any{
		"sankey": samplePaths(), "funnel": sampleFunnel(), "transitions": sampleMatrix(),
		"attribution": sampleAttribution(), "policies": sampleEstimates(), "learning": sampleCurves(), "volume": sampleVolume(),
	}
	if len(Kinds()) != len(inputs) {
		t.Fatalf("%d kinds", len(Kinds()))
	}
	for _, k := range Kinds() {
		if k.Description == "" || k.Input == "" {
			t.Errorf("kind %s lacks a description or input", k.Name)
		}
		if _, err := Render(k.Name, inputs[k.Name], Meta{}); err != nil {
			t.Errorf("Render(%s): %v", k.Name, err)
		}
	}
}

// TestCrowdedLayouts checks the choices made for crowded charts,
// independently of the golden files: 11 policies are drawn on their side
// (names on the y axis, first policy at the top, whole on one line) while
// 6 stay upright; 7 attribution models draw no value labels while 3 do.
func TestCrowdedLayouts(t *testing.T) {
	t.Run("policies", func(t *testing.T) {
		for _, c := range []struct {
			est        []Estimate
			horizontal bool
		}{{sampleEstimates(), false}, {manyEstimates(), true}} {
			p, err := PolicyComparison(c.est, Meta{})
			if err != nil {
				t.Fatal(err)
			}
			_, onY := p.Y.Tick.Marker.(plot.ConstantTicks)
			_, onX := p.X.Tick.Marker.(plot.ConstantTicks)
			if onY != c.horizontal || onX == c.horizontal {
				t.Errorf("%d estimates: policies on y axis = %v, on x axis = %v; want horizontal = %v", len(c.est), onY, onX, c.horizontal)
			}
			if !c.horizontal {
				continue
			}
			ticks := p.Y.Tick.Marker.(plot.ConstantTicks)
			if len(ticks) != 11 || ticks[0].Label != "do nothing" || ticks[0].Value != 10 || ticks[7].Label != "next best action" {
				t.Errorf("y ticks %v; want 11 policies, \"do nothing\" at the top (10), names unwrapped", ticks)
			}
			if p.X.Label.Text != "Estimated value per customer" || p.Y.Label.Text != "Policy" {
				t.Errorf("axis labels x=%q y=%q", p.X.Label.Text, p.Y.Label.Text)
			}
		}
	})
	t.Run("attribution", func(t *testing.T) {
		for _, c := range []struct {
			res    []attribution.Result
			labels bool
		}{{sampleAttribution(), true}, {wideAttribution(), false}} {
			p, err := Attribution(c.res, Meta{})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Write(p, Meta{}, "svg", &b); err != nil {
				t.Fatal(err)
			}
			s := summariseSVG(t, b.Bytes())
			// 383 is last-touch web in both fixtures; it is not a tick label.
			if s.texts["383"] != c.labels {
				t.Errorf("%d models: value label 383 drawn = %v, want %v", len(c.res), s.texts["383"], c.labels)
			}
		}
	})
}
