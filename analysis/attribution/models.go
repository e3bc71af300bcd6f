package attribution

import (
	"fmt"
	"strings"
)

// Definitions gives, for every model name, the definition it computes in
// one or two lines, for command help texts and report footers.
var Definitions = map[string]string{
	ModelFirstTouch: "First touch: all of a converting path's conversions and value go to its first touch.",
	ModelLastTouch:  "Last touch: all of a converting path's conversions and value go to its last touch.",
	ModelLinear:     "Linear: each of a path's n touches gets 1/n of its conversions and value (repeated touches count separately).",
	ModelPositionBased: "Position-based (U-shaped): first touch 40%, last touch 40%, middle touches share the other 20% equally " +
		"(weights configurable); a 1-touch path gives 100%, a 2-touch path 50/50.",
	ModelTimeDecay: "Time-decay: a touch weighs 2^(−Δt/H), Δt its time before the conversion and H the half-life (default 7 days), " +
		"normalised per path; without touch times the touch k steps before the last weighs 2^(−k).",
	ModelMarkov: "Markov removal effect (ChannelAttribution): order-k chain over k-tuples of consecutive channels with start, conversion and null states, " +
		"estimated from path counts; RE_c = 1 − P(conversion | c removed)/P(conversion), credit_c = conversions × RE_c/Σ RE, solved exactly.",
	ModelShapley: "Shapley over channel sets: worth v(S) = conversions of paths whose channel set ⊆ S; φ_i = Σ_S |S|!(n−|S|−1)!/n!·(v(S∪{i}) − v(S)), " +
		"which equals splitting each path's conversions equally among its distinct channels.",
}

// Models lists the model names in presentation order.
func Models() []string {
	return []string{ModelFirstTouch, ModelLastTouch, ModelLinear, ModelPositionBased, ModelTimeDecay, ModelMarkov, ModelShapley}
}

// Options gathers the options of every model, for callers that pick the
// model by name.
type Options struct {
	Position  PositionOptions
	TimeDecay TimeDecayOptions
	Markov    MarkovOptions
	Shapley   ShapleyOptions
}

// Run computes the named model (one of Models()) on paths. For
// ModelMarkov it returns the exact attribution; call Markov for removal
// effects and the Monte Carlo estimate.
func Run(model string, paths []Path, opt Options) (Result, error) {
	switch model {
	case ModelFirstTouch:
		return FirstTouch(paths)
	case ModelLastTouch:
		return LastTouch(paths)
	case ModelLinear:
		return Linear(paths)
	case ModelPositionBased:
		return PositionBased(paths, opt.Position)
	case ModelTimeDecay:
		return TimeDecay(paths, opt.TimeDecay)
	case ModelMarkov:
		r, err := Markov(paths, opt.Markov)
		return r.Result, err
	case ModelShapley:
		return Shapley(paths, opt.Shapley)
	}
	return Result{}, fmt.Errorf("unknown attribution model %q; choose one of %s", model, strings.Join(Models(), ", "))
}
