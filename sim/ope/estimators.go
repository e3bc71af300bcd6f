package ope

import (
	"fmt"
	"math"
	"strconv"
)

// Kind names an off-policy estimator.
type Kind int

// The estimators, as Open Bandit Pipeline names them.
const (
	// DM is the Direct Method: V̂ = (1/n) Σ_i q̂(x_i,π_e).
	DM Kind = iota
	// IPW is Inverse Probability Weighting: V̂ = (1/n) Σ_i ŵ_i r_i.
	IPW
	// SNIPW is Self-Normalised IPW: V̂ = Σ_i w_i r_i / Σ_i w_i.
	SNIPW
	// DR is Doubly Robust: V̂ = (1/n) Σ_i [q̂(x_i,π_e) + ŵ_i (r_i − q̂(x_i,a_i))].
	DR
	// SNDR is Self-Normalised DR:
	// V̂ = (1/n) Σ_i q̂(x_i,π_e) + Σ_i w_i (r_i − q̂(x_i,a_i)) / Σ_i w_i.
	SNDR
	// SwitchDR is Switch Doubly Robust:
	// V̂ = (1/n) Σ_i [q̂(x_i,π_e) + w_i (r_i − q̂(x_i,a_i)) 1{w_i ≤ τ}].
	SwitchDR
)

var kindNames = [...]string{DM: "dm", IPW: "ipw", SNIPW: "snipw", DR: "dr", SNDR: "sndr", SwitchDR: "switch-dr"}

// String returns the estimator's short name as Open Bandit Pipeline spells
// it: dm, ipw, snipw, dr, sndr, switch-dr.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// ParseKind returns the Kind whose String is s.
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if name == s {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("ope: unknown estimator %q; choose one of dm, ipw, snipw, dr, sndr, switch-dr", s)
}

// Estimator is one off-policy estimator with its hyperparameter.
//
// The formulas, with w_i = π_e(a_i|x_i)/π_b(a_i|x_i), the clipped weight
// ŵ_i = min(w_i, λ) and q̂(x,π_e) = Σ_a π_e(a|x) q̂(x,a), are those of Open
// Bandit Pipeline's obp.ope.estimators (checked against its source):
//
//	DM        V̂ = (1/n) Σ_i q̂(x_i,π_e)                                  DirectMethod
//	IPW       V̂ = (1/n) Σ_i ŵ_i r_i                                     InverseProbabilityWeighting(lambda_=λ)
//	SNIPW     V̂ = Σ_i w_i r_i / Σ_i w_i                                 SelfNormalizedInverseProbabilityWeighting
//	DR        V̂ = (1/n) Σ_i [q̂(x_i,π_e) + ŵ_i (r_i − q̂(x_i,a_i))]      DoublyRobust(lambda_=λ)
//	SNDR      V̂ = (1/n) Σ_i q̂(x_i,π_e) + Σ_i w_i (r_i − q̂(x_i,a_i)) / Σ_i w_i
//	                                                                    SelfNormalizedDoublyRobust
//	Switch-DR V̂ = (1/n) Σ_i [q̂(x_i,π_e) + w_i (r_i − q̂(x_i,a_i)) 1{w_i ≤ τ}]
//	                                                                    SwitchDoublyRobust(lambda_=τ)
//
// obp writes SNDR as E_n[q̂(x_i,π_e) + w_i (r_i − q̂(x_i,a_i)) / E_n[w]],
// which is the same number. As in obp, SNIPW and SNDR take no clipping
// (obp's classes inherit lambda_ but ignore it); here a non-zero Lambda on
// them is an error rather than silently ignored. One deviation: obp
// normalises q̂(x,π_e) by Σ_a π_e(a|x) (numpy.average); here every row of
// π_e must already sum to 1 (checked to 1e-6), so the two agree.
type Estimator struct {
	Kind Kind
	// Lambda is the clipping threshold λ of IPW and DR (ŵ = min(w, λ)) and
	// the switching threshold τ of Switch-DR (the DR correction is used
	// only where w ≤ τ). Zero or +Inf means no clipping / always switch
	// on (Switch-DR then equals DR). It must be zero for DM, SNIPW and SNDR.
	Lambda float64
}

// Name returns the estimator's name with its threshold, e.g. "ipw",
// "ipw(λ=10)", "switch-dr(τ=100)".
func (e Estimator) Name() string {
	if !e.hasLambda() {
		return e.Kind.String()
	}
	sym := "λ"
	if e.Kind == SwitchDR {
		sym = "τ"
	}
	return e.Kind.String() + "(" + sym + "=" + strconv.FormatFloat(e.Lambda, 'g', -1, 64) + ")"
}

// NeedsRewardModel reports whether the estimator reads q̂ (all but IPW and
// SNIPW do).
func (e Estimator) NeedsRewardModel() bool { return e.Kind != IPW && e.Kind != SNIPW }

// SelfNormalized reports whether the estimator divides by Σ_i w_i.
func (e Estimator) SelfNormalized() bool { return e.Kind == SNIPW || e.Kind == SNDR }

func (e Estimator) hasLambda() bool { return e.Lambda != 0 && !math.IsInf(e.Lambda, 1) }

func (e Estimator) lambda() float64 {
	if e.hasLambda() {
		return e.Lambda
	}
	return math.Inf(1)
}

// check reports an estimator that is not defined.
func (e Estimator) check() error {
	if e.Kind < DM || e.Kind > SwitchDR {
		return fmt.Errorf("ope: unknown estimator kind %d", int(e.Kind))
	}
	if math.IsNaN(e.Lambda) || e.Lambda < 0 {
		return fmt.Errorf("ope: %s threshold %v is invalid; use a positive number, or 0 for none", e.Kind, e.Lambda)
	}
	if e.hasLambda() && e.Kind != IPW && e.Kind != DR && e.Kind != SwitchDR {
		return fmt.Errorf("ope: %s takes no threshold (got %v); clipping applies to ipw and dr, switching to switch-dr", e.Kind, e.Lambda)
	}
	return nil
}

// Inputs bundles what the estimators read: the log, the evaluation
// policy's action distribution π_e(a|x_i) (n×K, row-major, rows summing to
// 1) and the reward model's predictions q̂(x_i,a) (n×K, row-major; may be
// nil when only IPW and SNIPW are run).
type Inputs struct {
	Log              *Log
	ActionDist       []float64
	EstimatedRewards []float64
}

// Validate checks the inputs; needModel requires EstimatedRewards.
func (in Inputs) Validate(needModel bool) error {
	if err := in.Log.Validate(); err != nil {
		return err
	}
	n, k := in.Log.N(), in.Log.K
	if err := checkDist("evaluation policy (ActionDist)", in.ActionDist, n, k); err != nil {
		return err
	}
	if needModel || in.EstimatedRewards != nil {
		if in.EstimatedRewards == nil {
			return fmt.Errorf("ope: DM, DR, SNDR and Switch-DR need a reward model; fit one with FitRewardModel and pass it as EstimatedRewards")
		}
		if err := checkRewards(in.EstimatedRewards, n, k); err != nil {
			return err
		}
	}
	return nil
}

// Terms are an estimator's per-round contributions in the common form
//
//	V̂ = (1/n) Σ_i U_i + Σ_i V_i / Σ_i D_i,
//
// where V and D are nil for estimators that are not self-normalised. A
// bootstrap replicate of V̂ is the same expression over resampled rounds.
type Terms struct {
	U, V, D []float64
}

// Value evaluates (1/n) Σ U_i + Σ V_i / Σ D_i. For a self-normalised
// estimator with Σ D_i = 0 (no logged round the policy would take) the
// value is NaN.
func (t Terms) Value() float64 {
	n := len(t.U)
	if n == 0 {
		return math.NaN()
	}
	v := sum(t.U) / float64(n)
	if t.D != nil {
		d := sum(t.D)
		if d == 0 {
			return math.NaN()
		}
		v += sum(t.V) / d
	}
	return v
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// Terms returns the estimator's per-round contributions (see Terms) after
// validating the inputs.
func (e Estimator) Terms(in Inputs) (Terms, error) {
	if err := e.check(); err != nil {
		return Terms{}, err
	}
	if err := in.Validate(e.NeedsRewardModel()); err != nil {
		return Terms{}, err
	}
	return e.terms(in), nil
}

// Estimate returns the estimator's value V̂ of the evaluation policy (see
// Estimator for the formula of each kind).
func (e Estimator) Estimate(in Inputs) (float64, error) {
	t, err := e.Terms(in)
	if err != nil {
		return math.NaN(), err
	}
	return t.Value(), nil
}

// terms computes the per-round contributions of validated inputs.
func (e Estimator) terms(in Inputs) Terms {
	l := in.Log
	n, k := l.N(), l.K
	lam := e.lambda()
	u := make([]float64, n)
	var v, d []float64
	if e.SelfNormalized() {
		v = make([]float64, n)
		d = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		a := l.Actions[i]
		pi := in.ActionDist[i*k : (i+1)*k]
		w := pi[a] / l.Pscore[i]
		r := l.Rewards[i]
		var qpi, qa float64
		if e.NeedsRewardModel() {
			q := in.EstimatedRewards[i*k : (i+1)*k]
			for j, p := range pi {
				qpi += p * q[j]
			}
			qa = q[a]
		}
		switch e.Kind {
		case DM:
			u[i] = qpi
		case IPW:
			u[i] = math.Min(w, lam) * r
		case SNIPW:
			v[i] = w * r
			d[i] = w
		case DR:
			u[i] = qpi + math.Min(w, lam)*(r-qa)
		case SNDR:
			u[i] = qpi
			v[i] = w * (r - qa)
			d[i] = w
		case SwitchDR:
			u[i] = qpi
			if w <= lam {
				u[i] += w * (r - qa)
			}
		}
	}
	return Terms{U: u, V: v, D: d}
}

// DefaultEstimators returns DM, IPW, SNIPW, DR, SNDR and Switch-DR with
// switching threshold tau (0 = none), followed, when clip > 0, by IPW and
// DR with their weights clipped at clip.
func DefaultEstimators(clip, tau float64) []Estimator {
	es := []Estimator{{Kind: DM}, {Kind: IPW}, {Kind: SNIPW}, {Kind: DR}, {Kind: SNDR}, {Kind: SwitchDR, Lambda: tau}}
	if clip > 0 && !math.IsInf(clip, 1) {
		es = append(es, Estimator{Kind: IPW, Lambda: clip}, Estimator{Kind: DR, Lambda: clip})
	}
	return es
}
