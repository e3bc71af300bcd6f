package ope

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

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
	// Groups, when non-nil, holds a group number ≥ 0 per round, and the
	// prediction for round i is fitted only on rounds of i's own group
	// (cross-fitted over Folds folds within it). With the groups being
	// the folds a policy was cross-fitted over, q̂(x_i,·) is then
	// independent of the data the policy scored at i learnt from, so the
	// policy's choices cannot follow the model's own noise (see
	// FitRewardModelDetail).
	Groups []int
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
	m, err := FitRewardModelDetail(X, actions, rewards, K, opts)
	if err != nil {
		return nil, err
	}
	return m.Q, nil
}

// RewardModel is a fitted cross-fitted reward model: its predictions Q
// (what FitRewardModel returns) and the per-fold fits, which DMTerms
// needs to account for the model's own estimation error.
type RewardModel struct {
	// Q holds q̂(x_i,a) for every round i and action a (n×K row-major).
	Q []float64
	// K is the number of actions.
	K int

	// X is the dense context matrix the model was fitted on
	// (FitRewardModelDetail); nil when it was fitted on Rows.
	X *mat.Dense

	kind    RewardModelKind
	rows    *Rows
	actions []int
	rewards []float64
	fold    []int   // combined fold of each round
	train   [][]int // train[f]: the folds fold f's model is fitted on
	// ridge: per (fold, model) factorised system and coefficients.
	pooled bool
	chol   []*mat.Cholesky
	betas  [][]float64 // [f*K+a]
	// tabular
	cell       []int
	nCells     int
	shrink     float64
	trN, trS   []float64 // training counts and sums per (fold, cell, action)
	trNA, trMu []float64 // training counts and μ_a per (fold, action)
	// leave-one-out residuals of the ridge fits (see ridgeResiduals).
	looOnce sync.Once
	loo     []float64
	maxUsed int
	looErr  error
}

// FitRewardModelDetail is FitRewardModel returning the fitted model (see
// RewardModel); its Q is FitRewardModel's result.
func FitRewardModelDetail(X *mat.Dense, actions []int, rewards []float64, K int, opts RewardModelOptions) (*RewardModel, error) {
	if X == nil {
		return nil, fmt.Errorf("ope: no context features given; encode the ctx_* columns with Encode")
	}
	m, err := FitRewardModelRows(SparseRows(X), actions, rewards, K, opts)
	if err != nil {
		return nil, err
	}
	m.X = X
	return m, nil
}

// FitRewardModelRows is FitRewardModelDetail with the context features
// given as Rows (their non-zero entries): the same model, the same
// predictions bit for bit, as for the dense matrix they come from (every
// sum the fit makes skips only products with a zero factor, which add
// nothing), without the dense matrix. The model's X is nil.
func FitRewardModelRows(X *Rows, actions []int, rewards []float64, K int, opts RewardModelOptions) (*RewardModel, error) {
	n := len(actions)
	if X == nil {
		return nil, fmt.Errorf("ope: no context features given; encode the ctx_* columns with Encode")
	}
	if X.N != n {
		return nil, fmt.Errorf("ope: %d rows of context features for %d logged rounds; give one row per round", X.N, n)
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
	nf := folds
	if opts.Groups != nil {
		if len(opts.Groups) != n {
			return nil, fmt.Errorf("ope: %d groups for %d logged rounds; give one group per round", len(opts.Groups), n)
		}
		groups := 0
		for i, g := range opts.Groups {
			if g < 0 {
				return nil, fmt.Errorf("ope: round %d has group %d; groups are numbered from 0", i, g)
			}
			groups = max(groups, g+1)
			fold[i] += g * folds
		}
		nf = groups * folds
	}
	// train[f]: the folds of the same group other than f (f itself when
	// there is one fold per group).
	train := make([][]int, nf)
	for f := range train {
		g0 := f / folds * folds
		for h := g0; h < g0+folds; h++ {
			if h != f || folds == 1 {
				train[f] = append(train[f], h)
			}
		}
	}
	m := &RewardModel{K: K, kind: opts.Kind, rows: X, actions: actions, rewards: rewards, fold: fold, train: train}
	switch opts.Kind {
	case RidgePerAction, RidgePooled:
		alpha := opts.Alpha
		if alpha == 0 {
			alpha = DefaultRidgeAlpha
		}
		if alpha < 0 || math.IsNaN(alpha) {
			return nil, fmt.Errorf("ope: ridge penalty %v must be positive", alpha)
		}
		if err := m.fitRidge(alpha, opts.Kind == RidgePooled); err != nil {
			return nil, err
		}
		return m, nil
	case Tabular:
		sh := opts.Shrinkage
		if sh == 0 {
			sh = DefaultShrinkage
		}
		if sh < 0 {
			sh = 0
		}
		m.fitTabular(sh)
		return m, nil
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

// gramBlock is the number of rounds whose sufficient statistics are summed
// together before the blocks are added up (fitRidge).
const gramBlock = 1 << 16

func newGram(p int) *gram { return &gram{p: p, g: make([]float64, p*p), h: make([]float64, p)} }

// addSparse adds round (z, r) to the sums, z's non-zero entries being
// zv[t] at the ascending indices nz[t]: G_jk += z_j z_k (k ≥ j), h_j +=
// z_j r. It skips only products with a zero factor, which add nothing, so
// the sums are those of the dense update over every j ≤ k, term by term.
func (s *gram) addSparse(zv []float64, nz []int, r float64) {
	p := s.p
	for a, j := range nz {
		zj := zv[a]
		row := s.g[j*p : (j+1)*p]
		for b, k := range nz[a:] {
			row[k] += zj * zv[a+b]
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

// solve returns β = (G + αI₀)⁻¹ h, I₀ the identity without its (0,0) entry,
// and the Cholesky factors of G + αI₀.
func (s *gram) solve(alpha float64) ([]float64, *mat.Cholesky, error) {
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
	ch := new(mat.Cholesky)
	if ok := ch.Factorize(a); !ok {
		return nil, nil, fmt.Errorf("ope: the ridge system is singular; increase the ridge penalty Alpha or drop constant features")
	}
	beta := mat.NewVecDense(p, nil)
	if err := ch.SolveVecTo(beta, mat.NewVecDense(p, append([]float64(nil), s.h...))); err != nil {
		return nil, nil, fmt.Errorf("ope: solving the ridge system: %v; increase the ridge penalty Alpha", err)
	}
	return beta.RawVector().Data, ch, nil
}

// design appends the non-zero entries of z(x_i, a) — [1, x_i] for a
// per-action model, [1, x_i, onehot(a)] (action 0 the baseline) for the
// pooled one — to nz (their indices, ascending) and zv (their values).
func (m *RewardModel) design(nz []int, zv []float64, i, a int) ([]int, []float64) {
	d := m.rows.D
	nz, zv = append(nz, 0), append(zv, 1)
	cols, vals := m.rows.row(i)
	for k, c := range cols {
		nz, zv = append(nz, 1+int(c)), append(zv, vals[k])
	}
	if m.pooled && a > 0 {
		nz, zv = append(nz, d+a), append(zv, 1)
	}
	return nz, zv
}

// models is the number of separate ridge systems per fold.
func (m *RewardModel) models() int {
	if m.pooled {
		return 1
	}
	return m.K
}

// modelOf is the ridge system that predicts action a.
func (m *RewardModel) modelOf(a int) int {
	if m.pooled {
		return 0
	}
	return a
}

func (m *RewardModel) fitRidge(alpha float64, pooled bool) error {
	X, actions, rewards, K, fold, folds := m.rows, m.actions, m.rewards, m.K, m.fold, len(m.train)
	m.pooled = pooled
	n, d := X.N, X.D
	p := 1 + d
	if pooled {
		p += K - 1
	}
	models := m.models()
	// Per (fold, model) sufficient statistics; the training statistics of
	// fold f are the sums over its training folds.
	// The rounds are summed in fixed blocks of gramBlock, concurrently,
	// and the blocks' sums added in block order, so the result does not
	// depend on the number of goroutines.
	nb := (n + gramBlock - 1) / gramBlock
	blocks := make([][]*gram, nb)
	parallelRanges(nb, 1, func(lo, hi int) {
		zv := make([]float64, 0, p)
		nz := make([]int, 0, p)
		for b := lo; b < hi; b++ {
			bp := make([]*gram, folds*models)
			for j := range bp {
				bp[j] = newGram(p)
			}
			for i := b * gramBlock; i < min(n, (b+1)*gramBlock); i++ {
				a := actions[i]
				nz, zv = m.design(nz[:0], zv[:0], i, a)
				bp[fold[i]*models+m.modelOf(a)].addSparse(zv, nz, rewards[i])
			}
			blocks[b] = bp
		}
	})
	part := make([]*gram, folds*models)
	for j := range part {
		part[j] = newGram(p)
		for _, bp := range blocks {
			part[j].addFrom(bp[j])
		}
	}
	// betas[f*K+a] is the coefficient vector predicting action a for fold f
	// (nil: use the training mean means[f]).
	betas := make([][]float64, folds*K)
	m.chol = make([]*mat.Cholesky, folds*models)
	means := make([]float64, folds)
	for f := 0; f < folds; f++ {
		var total float64
		var count int
		train := make([]*gram, models)
		for md := range train {
			train[md] = newGram(p)
			for _, g := range m.train[f] {
				train[md].addFrom(part[g*models+md])
			}
			total += train[md].rs
			count += train[md].counts
		}
		if count > 0 {
			means[f] = total / float64(count)
		}
		for a := 0; a < K; a++ {
			md := m.modelOf(a)
			if train[md].counts == 0 {
				continue
			}
			if !pooled || a == 0 {
				beta, ch, err := train[md].solve(alpha)
				if err != nil {
					return err
				}
				betas[f*K+a] = beta
				m.chol[f*models+md] = ch
			} else {
				betas[f*K+a] = betas[f*K]
			}
		}
	}
	q := make([]float64, n*K)
	parallelRanges(n, 4096, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f := fold[i]
			nz, x := X.row(i)
			for a := 0; a < K; a++ {
				beta := betas[f*K+a]
				if beta == nil {
					q[i*K+a] = means[f]
					continue
				}
				// β·[1,x] over x's non-zero entries.
				v := beta[0]
				for k, j := range nz {
					v += beta[1+j] * x[k]
				}
				if pooled && a > 0 {
					v += beta[d+a]
				}
				q[i*K+a] = v
			}
		}
	})
	m.betas, m.Q = betas, q
	return nil
}

// cellIDs numbers the distinct rows of X in order of first appearance
// (−0 and +0 being one value: Rows hold neither).
func cellIDs(X *Rows) ([]int, int) {
	n := X.N
	ids := make([]int, n)
	seen := make(map[string]int)
	var buf []byte
	for i := 0; i < n; i++ {
		buf = buf[:0]
		cols, vals := X.row(i)
		for k, c := range cols {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(c))
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(vals[k]))
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

func (m *RewardModel) fitTabular(sh float64) {
	X, actions, rewards, K, fold, folds := m.rows, m.actions, m.rewards, m.K, m.fold, len(m.train)
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
	// Training sums per fold: the sums over its training folds.
	trainOf := func(x []float64, stride int) []float64 {
		out := make([]float64, folds*stride)
		for f := 0; f < folds; f++ {
			dst := out[f*stride : (f+1)*stride]
			for _, g := range m.train[f] {
				for j, v := range x[g*stride : (g+1)*stride] {
					dst[j] += v
				}
			}
		}
		return out
	}
	trS, trN := trainOf(S, nCells*K), trainOf(N, nCells*K)
	trSA, trNA := trainOf(SA, K), trainOf(NA, K)
	// Per held-out fold: action means μ_a on the training folds, falling
	// back to the overall training mean for an action never logged there.
	mu := make([]float64, folds*K)
	for f := 0; f < folds; f++ {
		var tot, cnt float64
		for a := 0; a < K; a++ {
			tot += trSA[f*K+a]
			cnt += trNA[f*K+a]
		}
		overall := 0.0
		if cnt > 0 {
			overall = tot / cnt
		}
		for a := 0; a < K; a++ {
			mu[f*K+a] = overall
			if c := trNA[f*K+a]; c > 0 {
				mu[f*K+a] = trSA[f*K+a] / c
			}
		}
	}
	q := make([]float64, n*K)
	for i := 0; i < n; i++ {
		f := fold[i]
		for a := 0; a < K; a++ {
			off := (f*nCells+cell[i])*K + a
			s, c := trS[off], trN[off]
			if c+sh == 0 {
				q[i*K+a] = mu[f*K+a]
				continue
			}
			q[i*K+a] = (s + sh*mu[f*K+a]) / (c + sh)
		}
	}
	m.Q, m.cell, m.nCells, m.shrink = q, cell, nCells, sh
	m.trS, m.trN, m.trNA, m.trMu = trS, trN, trNA, mu
}
