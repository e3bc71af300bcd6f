package ope

import (
	"fmt"
	"math"
)

// Log is a decision log in array form: one entry per logged round.
//
// Context features are not part of Log; they are only needed to fit a
// reward model (see FitRewardModel and Encode).
type Log struct {
	// K is the number of actions; actions are numbered 0…K−1.
	K int
	// Actions holds a_i, the action the logging policy took in round i.
	Actions []int
	// Rewards holds r_i, the reward observed in round i.
	Rewards []float64
	// Pscore holds p_i = π_b(a_i|x_i), the probability with which the
	// logging policy took a_i; each must lie in (0,1].
	Pscore []float64
	// Behavior optionally holds the full logging distribution π_b(a|x_i)
	// as an n×K row-major slice. When present, Evaluate reports how much
	// of the evaluation policy's mass falls on actions the logging policy
	// could never take (see Diagnostics.UnsupportedMass). Nil when only
	// the propensity of the logged action is known.
	Behavior []float64
}

// N returns the number of logged rounds.
func (l *Log) N() int { return len(l.Actions) }

// Validate checks that the log is well formed: equal lengths, actions in
// range, propensities in (0,1], finite rewards, and a behaviour matrix (if
// given) of n×K probabilities.
func (l *Log) Validate() error {
	if l == nil {
		return fmt.Errorf("ope: no decision log given")
	}
	n := len(l.Actions)
	if l.K < 1 {
		return fmt.Errorf("ope: log has K=%d actions; set Log.K to the number of distinct actions", l.K)
	}
	if n == 0 {
		return fmt.Errorf("ope: the decision log is empty; load a log with at least one decision")
	}
	if len(l.Rewards) != n || len(l.Pscore) != n {
		return fmt.Errorf("ope: log has %d actions, %d rewards and %d propensities; every round needs all three", n, len(l.Rewards), len(l.Pscore))
	}
	for i, a := range l.Actions {
		if a < 0 || a >= l.K {
			return fmt.Errorf("ope: round %d has action %d outside 0..%d; map actions to indices below K", i, a, l.K-1)
		}
		if p := l.Pscore[i]; !(p > 0 && p <= 1) {
			return fmt.Errorf("ope: round %d has propensity %v; propensities must lie in (0,1] (the probability the logging policy took the logged action)", i, p)
		}
		if r := l.Rewards[i]; math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("ope: round %d has reward %v; rewards must be finite numbers", i, r)
		}
	}
	if l.Behavior != nil {
		if err := checkDist("logging distribution (Log.Behavior)", l.Behavior, n, l.K); err != nil {
			return err
		}
	}
	return nil
}

// distTolerance is the allowed deviation of a probability row's sum from 1.
const distTolerance = 1e-6

// checkDist checks that d is an n×K row-major matrix of probabilities whose
// rows sum to 1 within distTolerance.
func checkDist(what string, d []float64, n, k int) error {
	if len(d) != n*k {
		return fmt.Errorf("ope: %s has %d entries, want n×K = %d×%d = %d", what, len(d), n, k, n*k)
	}
	for i := 0; i < n; i++ {
		row := d[i*k : (i+1)*k]
		s := 0.0
		for a, p := range row {
			if !(p >= 0 && p <= 1) {
				return fmt.Errorf("ope: %s round %d action %d has probability %v; probabilities must lie in [0,1]", what, i, a, p)
			}
			s += p
		}
		if math.Abs(s-1) > distTolerance {
			return fmt.Errorf("ope: %s round %d sums to %v, not 1; each round's action probabilities must sum to 1", what, i, s)
		}
	}
	return nil
}

// checkRewards checks that q is an n×K matrix of finite numbers.
func checkRewards(q []float64, n, k int) error {
	if len(q) != n*k {
		return fmt.Errorf("ope: estimated rewards have %d entries, want n×K = %d×%d = %d; fit them with FitRewardModel", len(q), n, k, n*k)
	}
	for j, v := range q {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("ope: estimated reward of round %d action %d is %v; the reward model must give finite values", j/k, j%k, v)
		}
	}
	return nil
}
