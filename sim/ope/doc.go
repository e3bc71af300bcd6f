// Package ope estimates the value of an evaluation policy from decisions
// logged under a different (logging) policy: off-policy evaluation.
//
// Notation used throughout. A log holds n rounds; round i saw context x_i,
// the logging policy π_b chose action a_i ∈ {0,…,K−1} with propensity
// p_i = π_b(a_i|x_i), and reward r_i was observed. The evaluation policy
// is given as its action distribution π_e(a|x_i) for every round (an n×K
// row-major slice), and a reward model as q̂(x_i,a) (also n×K). The
// importance weight of round i is w_i = π_e(a_i|x_i)/p_i and
// q̂(x_i,π_e) = Σ_a π_e(a|x_i) q̂(x_i,a).
//
// The estimators (DM, IPW with optional clipping, SNIPW, DR with optional
// clipping, SNDR and Switch-DR) follow the definitions of Open Bandit
// Pipeline (obp.ope.estimators); each doc comment gives the formula. Every
// estimator is written in the common form
//
//	V̂ = (1/n) Σ_i U_i + Σ_i V_i / Σ_i D_i
//
// (the second term only for self-normalised estimators), so that bootstrap
// resamples need only sums of precomputed per-round terms. Evaluate runs a
// set of estimators with percentile bootstrap confidence intervals and
// importance-weight diagnostics; FitRewardModel fits a cross-fitted reward
// model (ridge regression or a shrunk cell-mean table) and Encode turns
// string context columns into numeric features.
//
// The package is pure numerics over slices: it reads no files and knows
// nothing of policies beyond their action probabilities.
package ope
