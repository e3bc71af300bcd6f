package ope

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// DMTerms returns per-round terms U_i of the Direct Method whose bootstrap
// accounts for the reward model's own estimation error: the mean of U_i is
// DM's estimate V̂ = (1/n) Σ_i q̂(x_i,π), and a bootstrap resample of the
// U_i reproduces, to first order, refitting the model on the resample.
//
// Why. DM's estimate is a function of the data twice over: through the
// contexts it averages over and through the fitted q̂. Resampling the
// terms q̂(x_i,π) with q̂ held fixed (obp's bootstrap) sees only the first;
// it leaves out the model's error, which dominates on small logs, and the
// interval undercovers badly. Refitting the model inside every replicate
// costs a fit per resample; here the refit is linearised instead (the
// infinitesimal jackknife, or delta method): giving round j the weight
// 1+δ_j changes the estimate by δ_j g_j / n to first order, with
//
//	ridge:   g_j = Σ_f  S_{f,m}ᵀ (Z_fᵀZ_f + αI₀)⁻¹ z_j (r_j − q̂_f(x_j,a_j))
//	tabular: g_j = Σ_f [ M_f(c_j,a_j) (r_j − q̂_f(c_j,a_j)) / (N_f(c_j,a_j) + m)
//	                   + T_f(a_j) (r_j − μ_{f,a_j}) / N_f(a_j) ]
//
// where f runs over the cross-fitting folds whose model was fitted on
// round j, m is the ridge system that predicts a_j, z_j = z(x_j,a_j) its
// design row, S_{f,m} = Σ_{i in fold f} Σ_{a predicted by m} π(a|x_i)
// z(x_i,a); for the tabular model M_f(c,a) = Σ_{i in fold f, cell c}
// π(a|x_i), N_f the training counts, μ_f the training action means and
// T_f(a) = Σ_c M_f(c,a) m/(N_f(c,a)+m) (the effect through the shrinkage
// target). A resample with counts c_j then gives
//
//	V̂* ≈ (1/n) Σ_j c_j q̂(x_j,π) + (1/n) Σ_j (c_j − 1) g_j,
//
// which is the resample mean of U_j = q̂(x_j,π) + g_j − ḡ. The second part
// is the variance a refit would add; for a linear-in-parameters model
// fitted by least squares the linearisation is exact up to the change of
// (ZᵀZ)⁻¹ itself, which is of smaller order. Where a fold's model had no
// round of an action (and predicts a training mean) that action's
// contribution is left out.
//
// The doubly robust estimators do not need this: their correction term
// w_i (r_i − q̂(x_i,a_i)) cancels the model's error to first order, which
// is why their fixed-model bootstrap already covers.
func (m *RewardModel) DMTerms(actionDist []float64) ([]float64, error) {
	n, K := len(m.actions), m.K
	if err := checkDist("evaluation policy (ActionDist)", actionDist, n, K); err != nil {
		return nil, err
	}
	u := make([]float64, n)
	for i := 0; i < n; i++ {
		pi := actionDist[i*K : (i+1)*K]
		q := m.Q[i*K : (i+1)*K]
		for a, p := range pi {
			u[i] += p * q[a]
		}
	}
	var g []float64
	switch m.kind {
	case Tabular:
		g = m.tabularInfluence(actionDist)
	default:
		var err error
		if g, err = m.ridgeInfluence(actionDist); err != nil {
			return nil, err
		}
	}
	gbar := sum(g) / float64(n)
	for i := range u {
		u[i] += g[i] - gbar
	}
	return u, nil
}

// usedBy lists, per fold g, the folds whose model was fitted on fold g.
func (m *RewardModel) usedBy() [][]int {
	out := make([][]int, len(m.train))
	for f, tr := range m.train {
		for _, g := range tr {
			out[g] = append(out[g], f)
		}
	}
	return out
}

func (m *RewardModel) ridgeInfluence(pi []float64) ([]float64, error) {
	n, K := len(m.actions), m.K
	d := m.rows.D
	p := 1 + d
	if m.pooled {
		p += K - 1
	}
	folds, models := len(m.train), m.models()
	// S[f*models+md] = Σ_{i in f} Σ_{a of md} π(a|x_i) z(x_i,a).
	S := make([]float64, folds*models*p)
	for i := 0; i < n; i++ {
		f := m.fold[i]
		cols, x := m.rows.row(i)
		for a := 0; a < K; a++ {
			w := pi[i*K+a]
			if w == 0 {
				continue
			}
			s := S[(f*models+m.modelOf(a))*p:][:p]
			s[0] += w
			// Over x's non-zero entries: w·0 would add +0 or −0 to a
			// sum that is never −0 (it starts at +0 and, rounding to
			// nearest, an exact cancellation gives +0), leaving it as
			// it is.
			for k, j := range cols {
				s[1+j] += w * x[k]
			}
			if m.pooled && a > 0 {
				s[d+a] += w
			}
		}
	}
	// v[f*models+md] = (Z_fᵀZ_f + αI₀)⁻¹ S_{f,md}.
	v := make([][]float64, folds*models)
	for k, ch := range m.chol {
		if ch == nil {
			continue
		}
		dst := mat.NewVecDense(p, nil)
		if err := ch.SolveVecTo(dst, mat.NewVecDense(p, S[k*p:(k+1)*p])); err != nil {
			return nil, fmt.Errorf("ope: the DM variance's ridge system: %v; increase the ridge penalty Alpha", err)
		}
		v[k] = dst.RawVector().Data
	}
	used := m.usedBy()
	if err := m.ridgeResiduals(used); err != nil {
		return nil, err
	}
	g := make([]float64, n)
	parallelRanges(n, 4096, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			a := m.actions[j]
			cols, x := m.rows.row(j)
			md := m.modelOf(a)
			for k, f := range used[m.fold[j]] {
				vf := v[f*models+md]
				if vf == nil || m.betas[f*K+a] == nil {
					continue
				}
				// v·z(x_j,a_j) with z = [1, x_j, onehot(a_j)].
				dot := vf[0]
				for k, c := range cols {
					dot += vf[1+c] * x[k]
				}
				if m.pooled && a > 0 {
					dot += vf[d+a]
				}
				g[j] += dot * m.loo[j*m.maxUsed+k]
			}
		}
	})
	return g, nil
}

// ridgeResiduals computes once, for every round j and every fold f whose
// model was fitted on it, the leave-one-out residual
//
//	(r_j − q̂_f(x_j,a_j)) / (1 − h_j),  h_j = z_jᵀ (Z_fᵀZ_f + αI₀)⁻¹ z_j,
//
// exact for least squares (for ridge, with the penalty held fixed).
func (m *RewardModel) ridgeResiduals(used [][]int) error {
	m.looOnce.Do(func() {
		n, K := len(m.actions), m.K
		p := 1 + m.rows.D
		if m.pooled {
			p += K - 1
		}
		models := m.models()
		inv := make([]*mat.SymDense, len(m.chol))
		for k, ch := range m.chol {
			if ch == nil {
				continue
			}
			inv[k] = mat.NewSymDense(p, nil)
			if err := ch.InverseTo(inv[k]); err != nil {
				m.looErr = fmt.Errorf("ope: the DM variance's ridge system: %v; increase the ridge penalty Alpha", err)
				return
			}
		}
		// Each inverse as a full p×p row-major array (the upper triangle
		// mirrored), so the quadratic form below reads A[c][e] directly.
		full := make([][]float64, len(inv))
		for k, ai := range inv {
			if ai == nil {
				continue
			}
			raw := ai.RawSymmetric()
			full[k] = make([]float64, p*p)
			for c := 0; c < p; c++ {
				for e := 0; e < p; e++ {
					full[k][c*p+e] = raw.Data[min(c, e)*raw.Stride+max(c, e)]
				}
			}
		}
		for _, u := range used {
			m.maxUsed = max(m.maxUsed, len(u))
		}
		m.loo = make([]float64, n*m.maxUsed)
		parallelRanges(n, 4096, func(lo, hi int) {
			zv := make([]float64, 0, p)
			nz := make([]int, 0, p)
			for j := lo; j < hi; j++ {
				a := m.actions[j]
				nz, zv = m.design(nz[:0], zv[:0], j, a)
				md := m.modelOf(a)
				for k, f := range used[m.fold[j]] {
					beta, A := m.betas[f*K+a], full[f*models+md]
					if beta == nil || A == nil {
						continue
					}
					// pred = β·z, h = zᵀAz = Σ_c z_c (z_c A_cc + 2 Σ_{e>c} z_e A_ce)
					// (A symmetric), over z's non-zero entries.
					pred, h := 0.0, 0.0
					for t, c := range nz {
						zc := zv[t]
						pred += beta[c] * zc
						row := A[c*p : (c+1)*p]
						off := 0.0
						for u, e := range nz[t+1:] {
							off += zv[t+1+u] * row[e]
						}
						h += zc * (zc*row[c] + 2*off)
					}
					res := m.rewards[j] - pred
					if h < 1 {
						res /= 1 - h
					}
					m.loo[j*m.maxUsed+k] = res
				}
			}
		})
	})
	return m.looErr
}

// Prepare computes ahead what DMTerms needs of the model alone, whatever
// the policy (for a ridge model the leave-one-out residuals of every round
// under every fold that trained on it), so that it can run while the
// policies are being computed; DMTerms does it on first use otherwise.
func (m *RewardModel) Prepare() error {
	if m.kind == Tabular {
		return nil
	}
	return m.ridgeResiduals(m.usedBy())
}

func (m *RewardModel) tabularInfluence(pi []float64) []float64 {
	n, K, nc, sh := len(m.actions), m.K, m.nCells, m.shrink
	folds := len(m.train)
	// M[(f*nc+c)*K+a] = Σ_{i in f, cell c} π(a|x_i).
	M := make([]float64, folds*nc*K)
	for i := 0; i < n; i++ {
		row := M[(m.fold[i]*nc+m.cell[i])*K:][:K]
		for a := 0; a < K; a++ {
			row[a] += pi[i*K+a]
		}
	}
	// T[f*K+a] = Σ_c M_f(c,a) ∂q̂_f(c,a)/∂μ_{f,a}.
	T := make([]float64, folds*K)
	for f := 0; f < folds; f++ {
		for c := 0; c < nc; c++ {
			for a := 0; a < K; a++ {
				off := (f*nc+c)*K + a
				if M[off] == 0 {
					continue
				}
				w := 1.0
				if den := m.trN[off] + sh; den > 0 {
					w = sh / den
				}
				T[f*K+a] += M[off] * w
			}
		}
	}
	used := m.usedBy()
	g := make([]float64, n)
	for j, a := range m.actions {
		r, c := m.rewards[j], m.cell[j]
		for _, f := range used[m.fold[j]] {
			off := (f*nc+c)*K + a
			mu := m.trMu[f*K+a]
			if den := m.trN[off] + sh; den > 0 {
				// leave-one-out residual: q̂ without round j is
				// q̂ − (r − q̂)/(den − 1), so r minus it is
				// (r − q̂)·den/(den − 1).
				q := (m.trS[off] + sh*mu) / den
				res := r - q
				if den > 1 {
					res *= den / (den - 1)
				}
				g[j] += M[off] * res / den
			}
			if na := m.trNA[f*K+a]; na > 0 {
				g[j] += T[f*K+a] * (r - mu) / na
			}
		}
	}
	return g
}
