package montecarlo

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// BenchmarkSimulate simulates 1,000,000 customer-journeys over 90 days
// for 6 policies (do nothing, always email, always SMS, uniform random,
// a decision table and epsilon-greedy learning) plus the holdout, with 1
// and 2 workers. It reports customer-steps/s (a customer-step is one
// customer-day of one policy run) and the same per worker.
//
//	go test -run '^$' -bench Simulate -benchtime 1x ./sim/montecarlo
func BenchmarkSimulate(b *testing.B) {
	const customers = 1_000_000
	e := toyEnv(50_000, 0.01)
	for i := range e.Customers {
		e.Customers[i].CartRate, e.Customers[i].LapseRate = 0.004, 0.014 // the sample's fitted rates
		e.Customers[i].Tier = []string{"", "bronze", "silver", "gold"}[i%4]
		e.Customers[i].LastChannel = []string{"web", "app", "store"}[i%3]
	}
	acts := policy.DefaultActions()
	rules := policy.DefaultContactRules()
	file, err := policy.Parse(strings.NewReader(`
policies:
  - name: table
    type: decision_table
    hit_policy: FIRST
    inputs: [{name: last_channel, type: string}, {name: loyalty_tier, type: string}, {name: cart_value, type: number}]
    rules:
      - {when: {last_channel: '"app"'}, action: push_reminder}
      - {when: {loyalty_tier: '"gold","silver"'}, action: email_offer}
      - {when: {cart_value: "< 80"}, action: sms_discount}
    default: email_offer
`))
	if err != nil {
		b.Fatal(err)
	}
	table := file.Policies[0]
	build := func() ([]policy.Policy, error) {
		c := func(p policy.Policy) policy.Policy {
			return &policy.Constrained{Policy: p, Rules: rules, Actions: acts}
		}
		return []policy.Policy{policy.Nothing{Actions: acts}, c(policy.Single{Actions: acts, Action: 1}), c(policy.Single{Actions: acts, Action: 2}),
			c(policy.Uniform{Actions: acts}), table, policy.NewEpsilonGreedy("eg", acts, rules, 0.1, []string{"trigger", "loyalty_tier", "last_channel"})}, nil
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			var r *Result
			for i := 0; i < b.N; i++ {
				var err error
				if r, err = Run(context.Background(), e, build, Options{Customers: customers, Seed: 1, Workers: w}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(r.StepsPerSecond(), "steps/s")
			b.ReportMetric(r.StepsPerSecond()/float64(w), "steps/s/worker")
		})
	}
}
