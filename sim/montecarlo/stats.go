package montecarlo

import "math"

// Z95 is the standard normal quantile of the 95% two-sided interval.
const Z95 = 1.959963984540054

// Welford accumulates the mean and the sum of squared deviations of a
// stream (Welford's update; Merge is Chan et al.'s pairwise combination).
type Welford struct {
	N    float64
	Mean float64
	M2   float64
}

// Add adds one observation x: n ← n+1, δ = x − mean, mean ← mean + δ/n,
// M2 ← M2 + δ·(x − mean).
func (w *Welford) Add(x float64) {
	w.N++
	d := x - w.Mean
	w.Mean += d / w.N
	w.M2 += d * (x - w.Mean)
}

// Merge adds the observations of o: n = n_a + n_b, δ = mean_b − mean_a,
// mean = mean_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n.
func (w *Welford) Merge(o Welford) {
	if o.N == 0 {
		return
	}
	if w.N == 0 {
		*w = o
		return
	}
	n := w.N + o.N
	d := o.Mean - w.Mean
	w.Mean += d * o.N / n
	w.M2 += o.M2 + d*d*w.N*o.N/n
	w.N = n
}

// Stat is a mean with its 95% confidence interval.
type Stat struct {
	Mean float64 `json:"mean"`
	// SD is the sample standard deviation of the observations; StdErr the
	// standard error of the mean.
	SD     float64 `json:"sd"`
	StdErr float64 `json:"std_err"`
	// Low and High bound the interval Mean ± Z95·StdErr (normal
	// approximation).
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	N    int     `json:"n"`
}

// Stat returns the mean with the normal-approximation interval
// mean ± 1.96·s/√n, s² = M2/(n−1).
func (w *Welford) Stat() Stat {
	s := Stat{Mean: w.Mean, N: int(w.N)}
	if w.N > 1 {
		s.SD = math.Sqrt(w.M2 / (w.N - 1))
		s.StdErr = s.SD / math.Sqrt(w.N)
	}
	s.Low, s.High = s.Mean-Z95*s.StdErr, s.Mean+Z95*s.StdErr
	return s
}

// Excludes0 reports whether the interval excludes zero.
func (s Stat) Excludes0() bool { return s.Low > 0 || s.High < 0 }

// WithExtraVariance returns s with v added to the variance of the mean:
// StdErr' = √(StdErr² + v), and the interval recomputed.
func (s Stat) WithExtraVariance(v float64) Stat {
	s.StdErr = math.Sqrt(s.StdErr*s.StdErr + math.Max(v, 0))
	s.Low, s.High = s.Mean-Z95*s.StdErr, s.Mean+Z95*s.StdErr
	return s
}
