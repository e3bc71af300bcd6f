package attribution

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// absorption solves, for a chain with some states removed (their
// absorption values fixed at 0, i.e. sent to null), the two systems
//
//	x = Q x + p_conv          (probability of conversion)
//	y = Q y + p_conv ⊙ m      (expected conversion value)
//
// over the remaining transient states, and returns x and y at the start
// state. m_s is the mean value per conversion of the paths ending in s, so
// p_conv(s)·m_s = convVal(s)/out(s).
type absorption interface {
	name() string
	solve(removed []bool) ([2]float64, error)
}

func newSolver(c *chain, denseLimit int) absorption {
	if len(c.states) <= denseLimit {
		return &denseSolver{c: c}
	}
	return &gaussSeidel{c: c, x: make([]float64, len(c.states)), y: make([]float64, len(c.states))}
}

// denseSolver factorises I − Q by LU (gonum/mat) and solves both right-hand
// sides at once.
type denseSolver struct{ c *chain }

func (d *denseSolver) name() string { return "dense-lu" }

func (d *denseSolver) solve(removed []bool) ([2]float64, error) {
	c := d.c
	pos := make([]int, len(c.states))
	n := 0
	for s := range c.states {
		if removed[s] {
			pos[s] = -1
			continue
		}
		pos[s] = n
		n++
	}
	a := mat.NewDense(n, n, nil)
	b := mat.NewDense(n, 2, nil)
	for s := range c.states {
		i := pos[s]
		if i < 0 {
			continue
		}
		a.Set(i, i, 1)
		if c.out[s] == 0 {
			continue
		}
		for e, t := range c.succ[s] {
			if j := pos[t]; j >= 0 {
				a.Set(i, j, a.At(i, j)-c.weight[s][e]/c.out[s])
			}
		}
		b.Set(i, 0, c.conv[s]/c.out[s])
		b.Set(i, 1, c.convVal[s]/c.out[s])
	}
	var lu mat.LU
	lu.Factorize(a)
	var x mat.Dense
	if err := lu.SolveTo(&x, false, b); err != nil {
		return [2]float64{}, fmt.Errorf("solving the Markov chain's absorption probabilities: %w", err)
	}
	return [2]float64{x.At(0, 0), x.At(0, 1)}, nil
}

// gaussSeidel iterates x ← Q x + b in place, sweeping the states from the
// last created to the start (states are numbered in order of first
// appearance along paths, so a sweep mostly reads successors already
// updated; on an acyclic chain one sweep is exact). It stops when the
// largest change Δ of a sweep, relative to max(1, |x|), satisfies
// Δ·ρ/(1−ρ) ≤ gsTol, ρ being the ratio of the last two sweeps' changes (a
// bound on the remaining error of a geometric contraction), or Δ = 0.
type gaussSeidel struct {
	c    *chain
	x, y []float64
}

const (
	gsTol       = 1e-13
	gsMaxSweeps = 200000
)

func (g *gaussSeidel) name() string { return "gauss-seidel" }

func (g *gaussSeidel) solve(removed []bool) ([2]float64, error) {
	c := g.c
	for i := range g.x {
		g.x[i], g.y[i] = 0, 0
	}
	prev := math.Inf(1)
	for sweep := 1; sweep <= gsMaxSweeps; sweep++ {
		delta := 0.0
		for s := len(c.states) - 1; s >= 0; s-- {
			if removed[s] || c.out[s] == 0 {
				continue
			}
			inv := 1 / c.out[s]
			nx, ny := c.conv[s]*inv, c.convVal[s]*inv
			for e, t := range c.succ[s] {
				if removed[t] {
					continue
				}
				p := c.weight[s][e] * inv
				nx += p * g.x[t]
				ny += p * g.y[t]
			}
			dx := math.Abs(nx-g.x[s]) / math.Max(1, math.Abs(nx))
			dy := math.Abs(ny-g.y[s]) / math.Max(1, math.Abs(ny))
			delta = math.Max(delta, math.Max(dx, dy))
			g.x[s], g.y[s] = nx, ny
		}
		if delta == 0 {
			break
		}
		if sweep >= 3 {
			rho := delta / prev
			if rho < 1 && delta*rho/(1-rho) <= gsTol {
				break
			}
		}
		if sweep == gsMaxSweeps {
			return [2]float64{}, fmt.Errorf("the Markov chain's absorption probabilities did not converge in %d sweeps (last change %.3g); try a lower order or collapse repeats", gsMaxSweeps, delta)
		}
		prev = delta
	}
	return [2]float64{g.x[0], g.y[0]}, nil
}
