package chart

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/journeyworkbench/workbench/analysis/attribution"
	"github.com/journeyworkbench/workbench/analysis/journey"
)

// pathCount is a left-aligned path ("web>app>email") and its journeys.
type pathCount struct {
	path string
	n    int64
}

// buildPaths computes a PathsResult the way journey.Paths defines it for
// left-aligned paths: per column the topK labels by journeys are kept
// (ties by label), the rest merged into "other"; a path shorter than steps
// gets a drop-off node in the next column.
func buildPaths(paths []pathCount, steps, topK int) journey.PathsResult {
	type nk struct {
		col         int
		label, kind string
	}
	colCount := make([]map[string]int64, steps+1)
	for i := range colCount {
		colCount[i] = map[string]int64{}
	}
	var r journey.PathsResult
	for _, p := range paths {
		for i, l := range strings.Split(p.path, ">") {
			colCount[i+1][l] += p.n
		}
		r.Journeys += p.n
	}
	kept := make([]map[string]bool, steps+1)
	for c := 1; c <= steps; c++ {
		var ls []string
		for l := range colCount[c] {
			ls = append(ls, l)
		}
		slices.SortFunc(ls, func(a, b string) int {
			return cmp.Or(cmp.Compare(colCount[c][b], colCount[c][a]), cmp.Compare(a, b))
		})
		kept[c] = map[string]bool{}
		for i, l := range ls {
			if i < topK {
				kept[c][l] = true
			}
		}
	}
	nodes := map[nk]int64{}
	type lk struct{ a, b nk }
	links := map[lk]int64{}
	for _, p := range paths {
		st := strings.Split(p.path, ">")
		var prev nk
		for i, l := range st {
			k := nk{i + 1, l, "step"}
			if !kept[i+1][l] {
				k.label, k.kind = journey.OtherLabel, "other"
			}
			nodes[k] += p.n
			if i > 0 {
				links[lk{prev, k}] += p.n
			}
			prev = k
		}
		if len(st) < steps {
			k := nk{len(st) + 1, journey.DropOffLabel, "drop-off"}
			nodes[k] += p.n
			links[lk{prev, k}] += p.n
		}
	}
	order := map[string]int{"step": 0, "other": 1, "drop-off": 2}
	var keys []nk
	for k := range nodes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b nk) int {
		return cmp.Or(cmp.Compare(a.col, b.col), cmp.Compare(order[a.kind], order[b.kind]),
			cmp.Compare(nodes[b], nodes[a]), cmp.Compare(a.label, b.label))
	})
	ids := map[nk]int{}
	for i, k := range keys {
		ids[k] = i
		r.Nodes = append(r.Nodes, journey.PathNode{ID: i, Step: k.col, Label: k.label, Kind: k.kind, Journeys: nodes[k]})
	}
	for k, n := range links {
		r.Links = append(r.Links, journey.PathLink{Source: ids[k.a], Target: ids[k.b], Journeys: n})
	}
	slices.SortFunc(r.Links, func(a, b journey.PathLink) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Target, b.Target))
	})
	r.Distinct = len(paths)
	return r
}

// samplePaths is a 4-step flow over 7 channels with top-4 per column, so
// that later columns have "other" nodes, and short paths with drop-off.
func samplePaths() journey.PathsResult {
	return buildPaths([]pathCount{
		{"web>web>app>store", 410}, {"web>email>web>store", 260}, {"web>app>app>push", 180},
		{"web>web", 320}, {"web>app", 150}, {"web", 290},
		{"email>web>web>store", 240}, {"email>web>app", 170}, {"email>email", 90}, {"email", 130},
		{"app>app>app>app", 380}, {"app>push>app>store", 140}, {"app>push", 75}, {"app", 60},
		{"sms>web>store", 95}, {"sms>call_centre>store", 45}, {"sms", 40},
		{"push>app>push>app", 85}, {"push>app", 50},
		{"call_centre>store>email>web", 55}, {"call_centre>sms>call_centre>store", 30},
		{"store>email>web>app", 70}, {"store>sms>push>call_centre", 25},
	}, 4, 4)
}

// funnelGroup builds a FunnelGroup from step counts.
func funnelGroup(name string, steps []string, counts []int64) journey.FunnelGroup {
	g := journey.FunnelGroup{Group: name}
	for k, n := range counts {
		s := journey.FunnelStepResult{Step: k + 1, Name: steps[k], Customers: n, FromFirst: float64(n) / float64(counts[0])}
		if k == 0 {
			s.FromPrevious = 1
		} else {
			s.DropOff = counts[k-1] - n
			s.FromPrevious = float64(n) / float64(counts[k-1])
		}
		g.Steps = append(g.Steps, s)
	}
	g.Converted = counts[len(counts)-1]
	g.Conversion = float64(g.Converted) / float64(counts[0])
	return g
}

var funnelSteps = []string{"Visit", "Product view", "Add to basket", "Checkout started", "Purchase"}

// sampleFunnel is a 5-step ordered funnel broken down by first channel.
func sampleFunnel() journey.FunnelResult {
	web := []int64{2400, 1510, 620, 410, 298}
	app := []int64{1650, 1240, 705, 530, 447}
	email := []int64{762, 401, 180, 121, 83}
	all := make([]int64, 5)
	for i := range all {
		all[i] = web[i] + app[i] + email[i]
	}
	return journey.FunnelResult{
		Mode: "ordered", WindowSeconds: 14 * 86400,
		Overall: funnelGroup("", funnelSteps, all),
		Groups: []journey.FunnelGroup{
			funnelGroup("web", funnelSteps, web),
			funnelGroup("app", funnelSteps, app),
			funnelGroup("email", funnelSteps, email),
		},
	}
}

// sampleMatrix is a 6-label directly-follows matrix with start and end,
// row-normalised from hand-made counts.
func sampleMatrix() journey.TransitionMatrix {
	labels := []string{"app", "call_centre", "email", "push", "store", "web"}
	// counts[a][b]: rows start + labels, cols labels + end.
	counts := [][]float64{
		{310, 12, 150, 40, 38, 450}, // (start)
		{220, 5, 30, 70, 45, 60, 190},
		{4, 10, 6, 3, 14, 8, 25},
		{60, 2, 25, 4, 20, 210, 90},
		{95, 1, 8, 30, 6, 12, 48},
		{10, 6, 22, 5, 3, 18, 160},
		{140, 9, 35, 12, 88, 380, 310},
	}
	m := journey.TransitionMatrix{Rows: append([]string{journey.StartLabel}, labels...), Cols: append(slices.Clone(labels), journey.EndLabel)}
	for i, row := range counts {
		if i == 0 {
			row = append(row, 0)
		}
		var s float64
		for _, v := range row {
			s += v
		}
		p := make([]float64, len(row))
		for j, v := range row {
			p[j] = v / s
		}
		m.P = append(m.P, p)
	}
	return m
}

// sampleAttribution is 3 models over 5 channels, each summing to 1,000
// conversions.
func sampleAttribution() []attribution.Result {
	ch := []string{"app", "email", "push", "sms", "web"}
	mk := func(model string, conv []float64) attribution.Result {
		r := attribution.Result{Model: model}
		for i, c := range ch {
			r.Rows = append(r.Rows, attribution.Row{Channel: c, Conversions: conv[i], Value: conv[i] * 62, Share: conv[i] / 1000})
			r.TotalConversions += conv[i]
			r.TotalValue += conv[i] * 62
		}
		return r
	}
	return []attribution.Result{
		mk(attribution.ModelLastTouch, []float64{312, 148, 96, 61, 383}),
		mk(attribution.ModelLinear, []float64{268, 187, 109, 84, 352}),
		mk(attribution.ModelMarkov, []float64{281, 205, 88, 97, 329}),
	}
}

// sampleEstimates is 6 policies × 2 off-policy methods with 95% intervals
// (value per customer, in EUR).
func sampleEstimates() []Estimate {
	type pv struct {
		name string
		v    float64
	}
	pols := []pv{{"logged", 4.12}, {"do nothing", 3.05}, {"random", 3.61}, {"rules v2", 4.58}, {"NBA arbitration", 5.02}, {"Thompson sampling", 4.87}}
	var out []Estimate
	for i, p := range pols {
		for j, method := range []string{"SNIPW", "DR"} {
			half := 0.42 - 0.15*float64(j) + 0.03*float64(i)
			v := p.v + 0.08*float64(j) - 0.05*float64(i%2)
			out = append(out, Estimate{Policy: p.name, Method: method, Value: v, Lo: v - half, Hi: v + half*1.1})
		}
	}
	return out
}

// sampleCurves is 3 learning policies' cumulative reward per customer over
// 90 days, with 95% bands.
func sampleCurves() []Series {
	var out []Series
	for k, name := range []string{"epsilon-greedy (ε=0.1)", "Thompson sampling", "LinUCB (α=1)"} {
		rate := []float64{0.035, 0.06, 0.05}[k]
		top := []float64{0.52, 0.61, 0.58}[k]
		s := Series{Name: name}
		for d := 0; d < 90; d++ {
			x := float64(d + 1)
			y := 0.3 + (top-0.3)*(1-math.Exp(-rate*x)) + 0.01*math.Sin(x/3+float64(k))
			w := 0.12 / math.Sqrt(x)
			s.X = append(s.X, x)
			s.Y = append(s.Y, y)
			if k != 0 {
				s.Lo = append(s.Lo, y-w)
				s.Hi = append(s.Hi, y+w)
			}
		}
		out = append(out, s)
	}
	return out
}

// sampleVolume is 90 days × 7 channels of event counts with weekly
// seasonality, starting 2026-01-01 UTC.
func sampleVolume() DailyVolume {
	chans := []string{"web", "app", "email", "sms", "push", "call_centre", "store"}
	base := []float64{5200, 4100, 1800, 600, 1300, 350, 900}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := DailyVolume{Channel: chans}
	for d := 0; d < 90; d++ {
		v.Day = append(v.Day, start.AddDate(0, 0, d).UnixMilli())
	}
	for c := range chans {
		row := make([]float64, 90)
		for d := range row {
			wd := start.AddDate(0, 0, d).Weekday()
			season := 1.0
			if wd == time.Saturday || wd == time.Sunday {
				season = 0.75
				if chans[c] == "store" {
					season = 1.6
				}
			}
			if chans[c] == "email" && d%7 == 1 {
				season = 2.2 // weekly newsletter
			}
			trend := 1 + 0.003*float64(d)
			row[d] = math.Round(base[c] * season * trend * (1 + 0.05*math.Sin(float64(d*(c+3))/5)))
		}
		v.Count = append(v.Count, row)
	}
	return v
}

// manyEstimates is 11 policies × 2 off-policy methods with 95% intervals
// (value per customer, in EUR), with the policy names a real comparison
// carries: too many for their names to sit side by side under the axis.
func manyEstimates() []Estimate {
	type pv struct {
		name string
		v    float64
	}
	pols := []pv{
		{"do nothing", 3.05}, {"always email", 3.48}, {"always sms", 3.21}, {"always push", 3.37},
		{"always call", 2.64}, {"logged", 4.12}, {"targeted table", 4.41}, {"next best action", 5.02},
		{"epsilon-greedy", 4.66}, {"thompson", 4.87}, {"linucb", 4.93},
	}
	var out []Estimate
	for i, p := range pols {
		for j, method := range []string{"SNIPW", "DR"} {
			half := 0.38 - 0.14*float64(j) + 0.02*float64(i%4)
			v := p.v + 0.07*float64(j) - 0.04*float64(i%2)
			out = append(out, Estimate{Policy: p.name, Method: method, Value: v, Lo: v - half, Hi: v + half*1.1})
		}
	}
	return out
}

// wideAttribution is all 7 models over 6 channels, each model crediting
// 1,000 conversions: 42 bars, too narrow for a value label each.
func wideAttribution() []attribution.Result {
	ch := []string{"web", "app", "email", "push", "sms", "call_centre"}
	models := []string{
		attribution.ModelFirstTouch, attribution.ModelLastTouch, attribution.ModelLinear,
		attribution.ModelPositionBased, attribution.ModelTimeDecay, attribution.ModelMarkov, attribution.ModelShapley,
	}
	conv := [][]float64{
		{402, 288, 121, 74, 53, 62},
		{383, 312, 148, 61, 45, 51},
		{352, 268, 187, 84, 52, 57},
		{371, 281, 163, 78, 50, 57},
		{366, 297, 171, 70, 46, 50},
		{329, 281, 205, 88, 41, 56},
		{341, 276, 196, 85, 47, 55},
	}
	var out []attribution.Result
	for k, model := range models {
		r := attribution.Result{Model: model}
		for i, c := range ch {
			r.Rows = append(r.Rows, attribution.Row{Channel: c, Conversions: conv[k][i], Value: conv[k][i] * 62, Share: conv[k][i] / 1000})
			r.TotalConversions += conv[k][i]
			r.TotalValue += conv[k][i] * 62
		}
		out = append(out, r)
	}
	return out
}
