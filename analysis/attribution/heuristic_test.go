package attribution

import (
	"math"
	"testing"
	"time"
)

// handPaths is the hand-computed case of the heuristic tests.
func handPaths() []Path {
	return []Path{
		p("A > B > C", 1, 30, 0),
		p("B > A", 2, 10, 0),
		p("C", 1, 5, 0),
		p("A > B", 0, 0, 3), // never credited: no conversion
		p("A > B > A > D", 1, 40, 0),
	}
}

func TestHeuristicHandCases(t *testing.T) {
	paths := handPaths()
	run := func(f func([]Path) (Result, error)) Result {
		t.Helper()
		r, err := f(paths)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name      string
		r         Result
		conv, val map[string]float64
	}{
		{"first", run(FirstTouch),
			map[string]float64{"A": 2, "B": 2, "C": 1, "D": 0},
			map[string]float64{"A": 70, "B": 10, "C": 5, "D": 0}},
		{"last", run(LastTouch),
			map[string]float64{"A": 2, "B": 0, "C": 2, "D": 1},
			map[string]float64{"A": 10, "B": 0, "C": 35, "D": 40}},
		// A: 1/3 + 1 + 2/4; B: 1/3 + 1 + 1/4; C: 1/3 + 1; D: 1/4.
		{"linear", run(Linear),
			map[string]float64{"A": 1.0/3 + 1 + 0.5, "B": 1.0/3 + 1 + 0.25, "C": 1.0/3 + 1, "D": 0.25},
			map[string]float64{"A": 10 + 5 + 20, "B": 10 + 5 + 10, "C": 10 + 5, "D": 10}},
		// 40/20/40: A>B>C → .4/.2/.4; B>A → .5/.5 (×2); C → 1;
		// A>B>A>D → A .4+.1, B .1, D .4.
		{"position", run(func(p []Path) (Result, error) { return PositionBased(p, PositionOptions{}) }),
			map[string]float64{"A": 0.4 + 1 + 0.5, "B": 0.2 + 1 + 0.1, "C": 0.4 + 1, "D": 0.4},
			map[string]float64{"A": 12 + 5 + 20, "B": 6 + 5 + 4, "C": 12 + 5, "D": 16}},
		// No times: weights 2^−(n−1−j). A>B>C: 1/7, 2/7, 4/7; B>A: 1/3, 2/3
		// (×2); A>B>A>D: (1/8+1/2)/(15/8) = 1/3, (1/4)/(15/8) = 2/15, 8/15.
		{"time-decay by position", run(func(p []Path) (Result, error) { return TimeDecay(p, TimeDecayOptions{}) }),
			map[string]float64{"A": 1.0/7 + 4.0/3 + 1.0/3, "B": 2.0/7 + 2.0/3 + 2.0/15, "C": 4.0/7 + 1, "D": 8.0 / 15},
			map[string]float64{"A": 30.0/7 + 20.0/3 + 40.0/3, "B": 60.0/7 + 10.0/3 + 80.0/15, "C": 120.0/7 + 5, "D": 320.0 / 15}},
	} {
		wantRows(t, tc.r, tc.conv, 1e-9)
		for ch, w := range tc.val {
			row, _ := tc.r.Row(ch)
			if math.Abs(row.Value-w) > 1e-9 {
				t.Errorf("%s: value %s = %v, want %v", tc.name, ch, row.Value, w)
			}
		}
		checkSums(t, tc.r, 1e-9)
		if tc.r.TotalConversions != 5 || tc.r.TotalValue != 85 {
			t.Errorf("%s: totals %v / %v, want 5 / 85", tc.name, tc.r.TotalConversions, tc.r.TotalValue)
		}
	}
}

func TestPositionBasedWeights(t *testing.T) {
	paths := []Path{p("A > B > C > D", 10, 0, 0), p("E > F", 10, 0, 0), p("G", 10, 0, 0)}
	r, err := PositionBased(paths, PositionOptions{First: 0.3, Last: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// 4 touches: 3, 1, 1, 5; 2 touches: 0.3:0.5 → 3.75, 6.25; 1 touch: 10.
	wantRows(t, r, map[string]float64{"A": 3, "B": 1, "C": 1, "D": 5, "E": 3.75, "F": 6.25, "G": 10}, 1e-9)
	for _, bad := range []PositionOptions{{First: 0.7, Last: 0.4}, {First: -0.1, Last: 0.5}} {
		if _, err := PositionBased(paths, bad); err == nil {
			t.Errorf("weights %+v accepted", bad)
		}
	}
}

func TestTimeDecayWithTimes(t *testing.T) {
	day := int64(24 * time.Hour / time.Millisecond)
	for _, tc := range []struct {
		name string
		path Path
		opt  TimeDecayOptions
		want map[string]float64
	}{
		// Ages 14 and 7 days, half-life 7: weights 1/4 and 1/2.
		{"default half-life", Path{Channels: []string{"A", "B"}, Times: []int64{0, 7 * day}, ConvTime: 14 * day, Conversions: 3},
			TimeDecayOptions{}, map[string]float64{"A": 1, "B": 2}},
		// Half-life 1 day, ages 2 and 0 days: 1/4 and 1.
		{"one-day half-life", Path{Channels: []string{"A", "B"}, Times: []int64{0, 2 * day}, ConvTime: 2 * day, Conversions: 5},
			TimeDecayOptions{HalfLife: 24 * time.Hour}, map[string]float64{"A": 1, "B": 4}},
		// ConvTime 0: the last touch is the conversion time.
		{"conversion at last touch", Path{Channels: []string{"A", "B"}, Times: []int64{0, 7 * day}, Conversions: 3},
			TimeDecayOptions{}, map[string]float64{"A": 1, "B": 2}},
		// Ages of 10,000 half-lives do not underflow to 0/0: 1/3 and 2/3.
		{"very old touches", Path{Channels: []string{"A", "B"}, Times: []int64{0, day}, ConvTime: 70000 * day, Conversions: 3},
			TimeDecayOptions{HalfLife: 24 * time.Hour}, map[string]float64{"A": 1, "B": 2}},
		// A touch after the conversion counts as age 0.
		{"touch after conversion", Path{Channels: []string{"A", "B"}, Times: []int64{7 * day, 20 * day}, ConvTime: 14 * day, Conversions: 3},
			TimeDecayOptions{}, map[string]float64{"A": 1, "B": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := TimeDecay([]Path{tc.path}, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			wantRows(t, r, tc.want, 1e-9)
		})
	}
	if _, err := TimeDecay(nil, TimeDecayOptions{HalfLife: -time.Hour}); err == nil {
		t.Error("negative half-life accepted")
	}
}

// Paths that cannot be used are refused with the path's index and what to
// do; paths without channels are reported as unattributed.
func TestPathValidation(t *testing.T) {
	for _, bad := range []Path{
		{Channels: []string{"A"}, Conversions: -1},
		{Channels: []string{"A"}, Nulls: math.NaN()},
		{Channels: []string{"A", " "}, Conversions: 1},
		{Channels: []string{"A", "B"}, Times: []int64{1}, Conversions: 1},
	} {
		for _, m := range Models() {
			if _, err := Run(m, []Path{p("B", 1, 0, 0), bad}, Options{}); err == nil {
				t.Errorf("%s accepted %+v", m, bad)
			}
		}
	}
	paths := []Path{p("A", 2, 10, 0), {Conversions: 3, Value: 7}}
	for _, m := range Models() {
		r, err := Run(m, paths, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Unattributed != (Totals{3, 7}) || r.TotalConversions != 2 || len(r.Rows) != 1 || r.Rows[0].Conversions != 2 {
			t.Errorf("%s: %+v, want A credited 2 and 3 conversions / 7 value unattributed", m, r)
		}
	}
	if _, err := Run("nope", paths, Options{}); err == nil {
		t.Error("unknown model accepted")
	}
}

func TestCollapseAndAggregate(t *testing.T) {
	in := []Path{{Channels: []string{"A", "A", "B", "A", "A"}, Times: []int64{1, 2, 3, 4, 5}, Conversions: 1}}
	out := CollapseRepeats(in)
	if got := out[0].Channels; len(got) != 3 || got[0] != "A" || got[1] != "B" || got[2] != "A" {
		t.Errorf("collapsed channels %v", got)
	}
	if got := out[0].Times; len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 4 {
		t.Errorf("collapsed times %v, want [1 3 4]", got)
	}
	if len(in[0].Channels) != 5 {
		t.Error("CollapseRepeats changed its input")
	}
	agg := Aggregate([]Path{p("A > B", 1, 5, 0), p("B", 0, 0, 1), p("A > B", 0, 0, 2), p("A > B", 1, 3, 0)})
	if len(agg) != 2 || agg[0].Conversions != 2 || agg[0].Value != 8 || agg[0].Nulls != 2 || agg[1].Nulls != 1 {
		t.Errorf("aggregate %+v", agg)
	}
}
