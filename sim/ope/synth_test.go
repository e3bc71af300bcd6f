package ope

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// synth is a bandit world whose truth is known in closed form: a context
// is a categorical cell c (probability pc[c]) and a number x ~ U(0,1); the
// expected reward of action a is q(c,x,a) = base[c][a] + slope[a]·x; the
// logging policy π_b(a|c) and the evaluation policy π_e(a|c) depend on the
// cell only. The evaluation policy's value is therefore
//
//	V = Σ_c pc[c] Σ_a π_e(a|c) (base[c][a] + slope[a]/2).
type synth struct {
	pc    []float64
	base  [][]float64
	slope []float64
	pb    [][]float64
	pe    [][]float64
	// gaussian rewards r = q + N(0, sigma²) when sigma > 0, else
	// Bernoulli(q).
	sigma float64
}

func (s synth) k() int { return len(s.slope) }

// truth is the closed-form value of π_e.
func (s synth) truth() float64 {
	v := 0.0
	for c, p := range s.pc {
		for a, pe := range s.pe[c] {
			v += p * pe * (s.base[c][a] + s.slope[a]/2)
		}
	}
	return v
}

type synthLog struct {
	log        *Log
	cell       []int
	x          []float64
	actionDist []float64
	qTrue      []float64
	// X holds the features [one-hot(cell), x].
	X *mat.Dense
}

func (s synth) draw(n int, seed uint64) synthLog {
	rng := rand.New(rand.NewPCG(seed, 17))
	k, nc := s.k(), len(s.pc)
	out := synthLog{
		log:        &Log{K: k, Actions: make([]int, n), Rewards: make([]float64, n), Pscore: make([]float64, n), Behavior: make([]float64, n*k)},
		cell:       make([]int, n),
		x:          make([]float64, n),
		actionDist: make([]float64, n*k),
		qTrue:      make([]float64, n*k),
		X:          mat.NewDense(n, nc+1, nil),
	}
	for i := 0; i < n; i++ {
		c := pick(rng, s.pc)
		x := rng.Float64()
		a := pick(rng, s.pb[c])
		out.cell[i], out.x[i] = c, x
		out.log.Actions[i] = a
		out.log.Pscore[i] = s.pb[c][a]
		copy(out.log.Behavior[i*k:], s.pb[c])
		copy(out.actionDist[i*k:], s.pe[c])
		for b := 0; b < k; b++ {
			out.qTrue[i*k+b] = s.base[c][b] + s.slope[b]*x
		}
		q := out.qTrue[i*k+a]
		if s.sigma > 0 {
			out.log.Rewards[i] = q + s.sigma*rng.NormFloat64()
		} else if rng.Float64() < q {
			out.log.Rewards[i] = 1
		}
		out.X.Set(i, c, 1)
		out.X.Set(i, nc, x)
	}
	return out
}

func pick(rng *rand.Rand, p []float64) int {
	u := rng.Float64()
	for a, v := range p {
		u -= v
		if u < 0 {
			return a
		}
	}
	return len(p) - 1
}

// worldA: 4 cells, 5 actions, a logging policy that favours different
// actions in different cells (weights up to 1/0.04 = 25), and an
// evaluation policy that mostly plays the best action of each cell.
func worldA() synth {
	base := [][]float64{
		{0.10, 0.30, 0.15, 0.05, 0.20},
		{0.25, 0.10, 0.40, 0.20, 0.05},
		{0.05, 0.20, 0.10, 0.45, 0.15},
		{0.30, 0.25, 0.05, 0.10, 0.35},
	}
	pb := [][]float64{
		{0.40, 0.10, 0.20, 0.20, 0.10},
		{0.10, 0.40, 0.10, 0.30, 0.10},
		{0.30, 0.30, 0.20, 0.04, 0.16},
		{0.20, 0.20, 0.20, 0.20, 0.20},
	}
	pe := make([][]float64, len(base))
	for c, row := range base {
		best := 0
		for a, v := range row {
			if v > row[best] {
				best = a
			}
		}
		pe[c] = make([]float64, len(row))
		for a := range row {
			pe[c][a] = 0.05
		}
		pe[c][best] += 1 - 0.05*float64(len(row))
	}
	return synth{
		pc:    []float64{0.4, 0.3, 0.2, 0.1},
		base:  base,
		slope: []float64{0.10, -0.05, 0.20, 0.00, 0.15},
		pb:    pb,
		pe:    pe,
	}
}

// stdErrOfMean is the standard error of the mean of x: sd(x)/√n.
func stdErrOfMean(x []float64) float64 {
	return stdDev(x) / math.Sqrt(float64(len(x)))
}
