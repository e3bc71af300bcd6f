package model

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// benchInputs are the inputs of the generated benchmark table: the
// sample's decision context.
var benchInputs = []policy.Input{
	{Name: "trigger", Type: policy.String}, {Name: "recency_days", Type: policy.Number},
	{Name: "orders_90d", Type: policy.Number}, {Name: "cart_value", Type: policy.Number},
	{Name: "loyalty_tier", Type: policy.String}, {Name: "region", Type: policy.String},
	{Name: "last_channel", Type: policy.String}, {Name: "consent_email", Type: policy.Bool},
	{Name: "consent_sms", Type: policy.Bool}, {Name: "consent_push", Type: policy.Bool},
}

var (
	benchTiers    = []string{"gold", "silver", "bronze", "none"}
	benchRegions  = []string{"north", "south", "east", "west"}
	benchChannels = []string{"app", "web", "store", "sms", "call_centre"}
	benchTriggers = []string{"cart_abandon", "lapse"}
)

// randomTable generates a table of n rules over benchInputs, each testing
// 2 to 4 random inputs with random number/string/boolean tests.
func randomTable(n int, hp policy.HitPolicy, rng *rand.Rand) *policy.Table {
	as := policy.DefaultActions()
	var rules []policy.Rule
	for i := 0; i < n; i++ {
		r := policy.Rule{Tests: make([]policy.Test, len(benchInputs)), Action: as.Names[rng.IntN(len(as.Names))], Priority: rng.IntN(5)}
		for j, in := range benchInputs {
			r.Tests[j] = policy.MustTest("-", in.Type)
		}
		k := 2 + rng.IntN(3)
		for _, j := range rng.Perm(len(benchInputs))[:k] {
			r.Tests[j] = randomTest(benchInputs[j], rng)
		}
		r.Annotation = fmt.Sprintf("generated rule %d", i+1)
		rules = append(rules, r)
	}
	t, err := policy.NewTable("generated", hp, benchInputs, rules, "email_offer", as)
	if err != nil {
		panic(err)
	}
	return t
}

func randomTest(in policy.Input, rng *rand.Rand) policy.Test {
	pick := func(vs []string) string {
		a, b := vs[rng.IntN(len(vs))], vs[rng.IntN(len(vs))]
		if a == b || rng.IntN(2) == 0 {
			return fmt.Sprintf("%q", a)
		}
		return fmt.Sprintf("%q,%q", a, b)
	}
	var src string
	switch in.Name {
	case "trigger":
		src = pick(benchTriggers)
	case "loyalty_tier":
		src = pick(benchTiers)
		if rng.IntN(4) == 0 {
			src = "not(" + src + ")"
		}
	case "region":
		src = pick(benchRegions)
	case "last_channel":
		src = pick(benchChannels)
	case "recency_days":
		src = []string{"< 30", ">= 60", "[7..45)", "> 90"}[rng.IntN(4)]
	case "orders_90d":
		src = []string{"<= 1", "> 2", "0", "[1..3]"}[rng.IntN(4)]
	case "cart_value":
		src = []string{"< 80", ">= 200", "(50..150]", ">= 120.5"}[rng.IntN(4)]
	default:
		src = []string{"true", "false"}[rng.IntN(2)]
	}
	return policy.MustTest(src, in.Type)
}

// randomValues draws input values like the sample's decision context.
func randomValues(rng *rand.Rand) []policy.Value {
	return []policy.Value{
		policy.StrValue(benchTriggers[rng.IntN(2)]),
		policy.NumValue(float64(rng.IntN(180))),
		policy.NumValue(float64(rng.IntN(5))),
		policy.NumValue(float64(rng.IntN(30000)) / 100),
		policy.StrValue(benchTiers[rng.IntN(4)]),
		policy.StrValue(benchRegions[rng.IntN(4)]),
		policy.StrValue(benchChannels[rng.IntN(5)]),
		policy.BoolValue(rng.IntN(2) == 0), policy.BoolValue(rng.IntN(3) > 0), policy.BoolValue(rng.IntN(2) == 0),
	}
}

// BenchmarkDecide50 measures the Engine (cel-go) on a generated 50-rule
// FIRST table: decisions per second on one goroutine and the 99th
// percentile latency of one decision (each decision timed on its own).
func BenchmarkDecide50(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := New(randomTable(50, policy.First, rng), time.Unix(0, 0))
	e, err := NewEngine(m, nil)
	if err != nil {
		b.Fatal(err)
	}
	vals := make([][]policy.Value, 4096)
	for i := range vals {
		vals[i] = randomValues(rng)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := e.Decide(vals[i%len(vals)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	el := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/el.Seconds(), "decisions/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99_µs")
}
