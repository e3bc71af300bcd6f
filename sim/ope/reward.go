package ope

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// RewardModelKind chooses how q̂(x,a) is fitted.
type RewardModelKind int

const (
	// RidgePerAction fits one ridge regression per action on features
	// [1, x]: q̂(x,a) = β_a·[1,x]. Separate models per action are the full
	// action × feature interaction model.
	RidgePerAction RewardModelKind = iota
	// RidgePooled fits one ridge regression on [1, x, onehot(a)] (action
	// 0 is the baseline): q̂(x,a) = β·[1,x] + γ_a, main effects only.
	RidgePooled
	// Tabular is the mean reward per (context cell, action), shrunk
	// towards the action's mean: q̂(c,a) = (S_ca + m μ_a)/(N_ca + m), where
	// a cell c is a distinct row of X, S_ca and N_ca are the reward sum
	// and count of cell c and action a, μ_a is action a's mean reward and
	// m is RewardModelOptions.Shrinkage. It suits categorical contexts.
	Tabular
)

// String returns ridge, ridge-pooled or tabular.
func (k RewardModelKind) String() string {
	switch k {
	case RidgePerAction:
		return "ridge"
	case RidgePooled:
		return "ridge-pooled"
	case Tabular:
		return "tabular"
	}
	return fmt.Sprintf("RewardModelKind(%d)", int(k))
}

// ParseRewardModelKind returns the kind whose String is s.
func ParseRewardModelKind(s string) (RewardModelKind, error) {
	for _, k := range []RewardModelKind{RidgePerAction, RidgePooled, Tabular} {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("ope: unknown reward model %q; choose ridge, ridge-pooled or tabular", s)
}

// Defaults of RewardModelOptions.
const (
	DefaultRidgeAlpha = 1.0
	DefaultShrinkage  = 10.0
	DefaultFolds      = 3
)

// RewardModelOptions controls FitRewardModel. The zero value is a
// per-action ridge with α = 1, cross-fitted over 3 folds, fold seed 0.
type RewardModelOptions struct {
	Kind RewardModelKind
	// Alpha is the ridge penalty α (zero means DefaultRidgeAlpha); the
	// intercept is not penalised.
	Alpha float64
	// Shrinkage is the tabular prior strength m in rounds (zero means
	// DefaultShrinkage; negative means none, i.e. raw cell means where
	// a cell has data).
	Shrinkage float64
	// Folds is the number of cross-fitting folds (zero means
	// DefaultFolds). With Folds = 1 the model is fitted and evaluated on
	// all rounds (no cross-fitting).
	Folds int
	// Seed fixes the random assignment of rounds to folds.
	Seed uint64
}

// FitRewardModel fits q̂(x,a), the expected reward of action a in context
// x, on the logged rounds (row i of X is x_i, a_i = actions[i], r_i =
// rewards[i]) and returns q̂(x_i,a) for every round i and action a as an
// n×K row-major slice, ready for Evaluate.
//
// Cross-fitting, as obp's RegressionModel.fit_predict with n_folds: the
// rounds are split at random into F folds of equal size (±1), and q̂ for
// a round in fold f comes from the model fitted on the other F−1 folds, so
// no round's own reward enters its prediction.
//
// Ridge models solve β = (ZᵀZ + αI₀)⁻¹ Zᵀr by Cholesky factorisation
// (gonum/mat), Z being the design matrix of the kind chosen and I₀ the
// identity with a zero for the intercept. Where the training folds hold no
// round of some action, a per-action ridge predicts the training folds'
// mean reward for it (and the tabular model uses that mean as μ_a).
func FitRewardModel(X *mat.Dense, actions []int, rewards []float64, K int, opts RewardModelOptions) ([]float64, error) {
	n := len(actions)
	if X == nil {
		return nil, fmt.Errorf("ope: no context features given; encode the ctx_* columns with Encode")
	}
	if r, _ := X.Dims(); r != n {
		return nil, fmt.Errorf("ope: %d rows of context features for %d logged rounds; give one row per round", r, n)
	}
	if len(rewards) != n {
		return nil, fmt.Errorf("ope: %d rewards for %d logged rounds", len(rewards), n)
	}
	if K < 1 {
		return nil, fmt.Errorf("ope: K=%d actions; give the number of distinct actions", K)
	}
	for i, a := range actions {
		if a < 0 || a >= K {
			return nil, fmt.Errorf("ope: round %d has action %d outside 0..%d", i, a, K-1)
		}
		if r := rewards[i]; math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("ope: round %d has reward %v; rewards must be finite", i, r)
		}
	}
	folds := opts.Folds
	if folds == 0 {
		folds = DefaultFolds
	}
	if folds < 1 || folds > n {
		return nil, fmt.Errorf("ope: %d cross-fitting folds for %d rounds; use between 1 and the number of rounds (3 is usual)", folds, n)
	}
	fold := assignFolds(n, folds, opts.Seed)
	switch opts.Kind {
	case RidgePerAction, RidgePooled:
		alpha := opts.Alpha
		if alpha == 0 {
			alpha = DefaultRidgeAlpha
		}
		if alpha < 0 || math.IsNaN(alpha) {
			return nil, fmt.Errorf("ope: ridge penalty %v must be positive", alpha)
		}
		return fitRidge(X, actions, rewards, K, fold, folds, alpha, opts.Kind == RidgePooled)
	case Tabular:
		m := opts.Shrinkage
		if m == 0 {
			m = DefaultShrinkage
		}
		if m < 0 {
			m = 0
		}
		return fitTabular(X, actions, rewards, K, fold, folds, m), nil
	}
	return nil, fmt.Errorf("ope: unknown reward model kind %d; choose ridge, ridge-pooled or tabular", int(opts.Kind))
}

// assignFolds gives round i the fold fold[i] ∈ 0…F−1: a random permutation
// cut into F consecutive blocks of equal size (±1).
func assignFolds(n, folds int, seed uint64) []int {
	fold := make([]int, n)
	if folds == 1 {
		return fold
	}
	perm := rand.New(rand.NewPCG(seed, 0x6f7065)).Perm(n)
	for j, i := range perm {
		fold[i] = j * folds / n
	}
	return fold
}

// gram accumulates ZᵀZ (upper triangle) and Zᵀr, the reward sum and count.
type gram struct {
	p      int
	g, h   []float64
	rs     float64
	counts int
}

func newGram(p int) *gram { return &gram{p: p, g: make([]float64, p*p), h: make([]float64, p)} }

func (s *gram) add(z []float64, r float64) {
	p := s.p
	for j, zj := range z {
		if zj == 0 {
			continue
		}
		row := s.g[j*p : (j+1)*p]
		for k := j; k < p; k++ {
			row[k] += zj * z[k]
		}
		s.h[j] += zj * r
	}
	s.rs += r
	s.counts++
}

func (s *gram) addFrom(o *gram) {
	for j := range s.g {
		s.g[j] += o.g[j]
	}
	for j := range s.h {
		s.h[j] += o.h[j]
	}
	s.rs += o.rs
	s.counts += o.counts
}

// solve returns β = (G + αI₀)⁻¹ h, I₀ the identity without its (0,0) entry.
func (s *gram) solve(alpha float64) ([]float64, error) {
	p := s.p
	a := mat.NewSymDense(p, nil)
	for j := 0; j < p; j++ {
		for k := j; k < p; k++ {
			v := s.g[j*p+k]
			if j == k && j > 0 {
				v += alpha
			}
			a.SetSym(j, k, v)
		}
	}
	var ch mat.Cholesky
	if ok := ch.Factorize(a); !ok {
		return nil, fmt.Errorf("ope: the ridge system is singular; increase the ridge penalty Alpha or drop constant features")
	}
	beta := mat.NewVecDense(p, nil)
	if err := ch.SolveVecTo(beta, mat.NewVecDense(p, append([]float64(nil), s.h...))); err != nil {
		return nil, fmt.Errorf("ope: solving the ridge system: %v; increase the ridge penalty Alpha", err)
	}
	return beta.RawVector().Data, nil
}

func fitRidge(X *mat.Dense, actions []int, rewards []float64, K int, fold []int, folds int, alpha float64, pooled bool) ([]float64, error) {
	n, d := X.Dims()
	p := 1 + d
	models := K // one Gram per action
	if pooled {
		p += K - 1
		models = 1
	}
	// Per (fold, model) sufficient statistics; the training statistics of
	// fold f are the sums over the other folds.
	part := make([]*gram, folds*models)
	for j := range part {
		part[j] = newGram(p)
	}
	z := make([]float64, p)
	design := func(i, a int) []float64 {
		z[0] = 1
		copy(z[1:1+d], X.RawRowView(i))
		if pooled {
			clear(z[1+d:])
			if a > 0 {
				z[d+a] = 1
			}
		}
		return z
	}
	for i, a := range actions {
		m := a
		if pooled {
			m = 0
		}
		part[fold[i]*models+m].add(design(i, a), rewards[i])
	}
	// betas[f*K+a] is the coefficient vector predicting action a for fold f
	// (nil: use the training mean means[f]).
	betas := make([][]float64, folds*K)
	means := make([]float64, folds)
	for f := 0; f < folds; f++ {
		var total float64
		var count int
		train := make([]*gram, models)
		for m := range train {
			train[m] = newGram(p)
			for g := 0; g < folds; g++ {
				if g != f || folds == 1 {
					train[m].addFrom(part[g*models+m])
				}
			}
			total += train[m].rs
			count += train[m].counts
		}
		if count > 0 {
			means[f] = total / float64(count)
		}
		for a := 0; a < K; a++ {
			m := a
			if pooled {
				m = 0
			}
			if train[m].counts == 0 {
				continue
			}
			if !pooled || a == 0 {
				beta, err := train[m].solve(alpha)
				if err != nil {
					return nil, err
				}
				betas[f*K+a] = beta
			} else {
				betas[f*K+a] = betas[f*K]
			}
		}
	}
	q := make([]float64, n*K)
	for i := 0; i < n; i++ {
		f := fold[i]
		for a := 0; a < K; a++ {
			beta := betas[f*K+a]
			if beta == nil {
				q[i*K+a] = means[f]
				continue
			}
			v := beta[0]
			for j, x := range X.RawRowView(i) {
				v += beta[1+j] * x
			}
			if pooled && a > 0 {
				v += beta[d+a]
			}
			q[i*K+a] = v
		}
	}
	return q, nil
}

// cellIDs numbers the distinct rows of X in order of first appearance.
func cellIDs(X *mat.Dense) ([]int, int) {
	n, d := X.Dims()
	ids := make([]int, n)
	seen := make(map[string]int)
	buf := make([]byte, 8*d)
	for i := 0; i < n; i++ {
		for j, v := range X.RawRowView(i) {
			if v == 0 {
				v = 0 // −0 and +0 are one cell
			}
			binary.LittleEndian.PutUint64(buf[8*j:], math.Float64bits(v))
		}
		id, ok := seen[string(buf)]
		if !ok {
			id = len(seen)
			seen[string(buf)] = id
		}
		ids[i] = id
	}
	return ids, len(seen)
}

func fitTabular(X *mat.Dense, actions []int, rewards []float64, K int, fold []int, folds int, m float64) []float64 {
	n := len(actions)
	cell, nCells := cellIDs(X)
	// Sums and counts per (fold, cell, action) and per (fold, action).
	S := make([]float64, folds*nCells*K)
	N := make([]float64, folds*nCells*K)
	SA := make([]float64, folds*K)
	NA := make([]float64, folds*K)
	for i, a := range actions {
		f := fold[i]
		S[(f*nCells+cell[i])*K+a] += rewards[i]
		N[(f*nCells+cell[i])*K+a]++
		SA[f*K+a] += rewards[i]
		NA[f*K+a]++
	}
	trainSum := func(x []float64, stride, off, f int) float64 {
		s := 0.0
		for g := 0; g < folds; g++ {
			if g != f || folds == 1 {
				s += x[g*stride+off]
			}
		}
		return s
	}
	// Per held-out fold: action means μ_a on the training folds, falling
	// back to the overall training mean for an action never logged there.
	mu := make([]float64, folds*K)
	for f := 0; f < folds; f++ {
		var tot, cnt float64
		for a := 0; a < K; a++ {
			tot += trainSum(SA, K, a, f)
			cnt += trainSum(NA, K, a, f)
		}
		overall := 0.0
		if cnt > 0 {
			overall = tot / cnt
		}
		for a := 0; a < K; a++ {
			s, c := trainSum(SA, K, a, f), trainSum(NA, K, a, f)
			mu[f*K+a] = overall
			if c > 0 {
				mu[f*K+a] = s / c
			}
		}
	}
	q := make([]float64, n*K)
	for i := 0; i < n; i++ {
		f := fold[i]
		for a := 0; a < K; a++ {
			off := cell[i]*K + a
			s, c := trainSum(S, nCells*K, off, f), trainSum(N, nCells*K, off, f)
			if c+m == 0 {
				q[i*K+a] = mu[f*K+a]
				continue
			}
			q[i*K+a] = (s + m*mu[f*K+a]) / (c + m)
		}
	}
	return q
}
