package journey

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDistSmall: mean, median (even n: mean of the middle two), min, max,
// sum and sample stdev on a hand-computed case, in seconds.
func TestDistSmall(t *testing.T) {
	var d dist
	for _, ms := range []int64{1000, 4000, 2000, 9000} {
		d.add(ms)
	}
	s := d.stats()
	// mean 4, median (2+4)/2 = 3, Σ(x−4)² = 9+0+4+25 = 38, stdev √(38/3).
	if s.Count != 4 || s.Mean != 4 || s.Median != 3 || s.Min != 1 || s.Max != 9 || s.Sum != 16 || !s.Exact {
		t.Errorf("stats %+v", s)
	}
	if s.Stdev == nil || math.Abs(*s.Stdev-math.Sqrt(38.0/3)) > 1e-12 {
		t.Errorf("stdev %v, want √(38/3) ± 1e-12", s.Stdev)
	}
	// numpy linear quantiles: p25 at rank 0.75 → 1 + 0.75·(2−1) = 1.75 s.
	if math.Abs(s.P25-1.75) > 1e-12 || math.Abs(s.P90-(4+0.7*5)) > 1e-12 {
		t.Errorf("p25 %v p90 %v, want 1.75, 7.5", s.P25, s.P90)
	}
	var one dist
	one.add(5)
	if st := one.stats(); st.Stdev != nil || st.Median != 0.005 {
		t.Errorf("one value: %+v (stdev must be null)", st)
	}
}

// TestDistSketch: beyond 4096 values, quantiles come from the sketch
// within 1% of the exact ones; the other figures stay exact (checked to
// 1e-9 relative), and merging halves equals adding all.
func TestDistSketch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all, a, b dist
	var vals []int64
	var sum float64
	for i := 0; i < 50000; i++ {
		x := int64(rng.ExpFloat64() * 3.6e6) // exponential, mean 1 h
		vals = append(vals, x)
		sum += float64(x)
		all.add(x)
		if i%2 == 0 {
			a.add(x)
		} else {
			b.add(x)
		}
	}
	a.merge(&b)
	slices.Sort(vals)
	s := all.stats()
	if s.Exact {
		t.Fatal("50,000 values reported as exact quantiles")
	}
	for _, c := range []struct {
		name string
		got  float64
		q    float64
	}{{"median", s.Median, 0.5}, {"p25", s.P25, 0.25}, {"p75", s.P75, 0.75}, {"p90", s.P90, 0.9}} {
		want := quantileSorted(vals, c.q) / 1000
		if math.Abs(c.got-want) > 0.01*want {
			t.Errorf("%s %v, exact %v: off by more than 1%%", c.name, c.got, want)
		}
	}
	if math.Abs(s.Mean-sum/50000/1000) > 1e-9*s.Mean || s.Min != float64(vals[0])/1000 || s.Max != float64(vals[len(vals)-1])/1000 {
		t.Errorf("mean/min/max %v/%v/%v", s.Mean, s.Min, s.Max)
	}
	var ss float64
	mean := sum / 50000
	for _, v := range vals {
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	if want := math.Sqrt(ss/49999) / 1000; math.Abs(*s.Stdev-want) > 1e-9*want {
		t.Errorf("stdev %v, want %v", *s.Stdev, want)
	}
	if m := a.stats(); m.Median != s.Median || m.P90 != s.P90 || *m.Stdev != *s.Stdev || m.Sum != s.Sum {
		t.Errorf("merged halves %+v differ from all %+v", m, s)
	}
}
