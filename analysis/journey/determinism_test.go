package journey

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestWorkersDoNotChangeResults: every accumulator gives identical results
// (counts, durations, quantiles, groups) with 1, 2 and 5 workers, on 20,000
// synthetic customers (≈200,000 events, several scan chunks).
func TestWorkersDoNotChangeResults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 200,000 events")
	}
	d, err := Build(context.Background(), synthSource(20000, 9), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type all struct {
		T TransitionsResult
		V VariantsResult
		F FunnelResult
		P PathsResult
	}
	run := func(workers int, q Query) all {
		q.Workers = workers
		tr := NewTransitions()
		va := NewVariantsBounded(50, 0)
		fu, err := NewFunnel(FunnelOptions{Steps: []FunnelStep{
			{Name: "view", Labels: []string{"product_view"}},
			{Name: "cart", Labels: []string{"add_to_cart"}},
			{Name: "buy", Labels: []string{"purchase"}},
		}, Window: 3 * 24 * time.Hour, Breakdown: ByFirstChannel})
		if err != nil {
			t.Fatal(err)
		}
		pa, err := NewPaths(PathOptions{Steps: 4, TopK: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := Scan(context.Background(), d, q, tr, va, fu, pa); err != nil {
			t.Fatal(err)
		}
		return all{tr.Result(), va.Result(), fu.Result(), pa.Result()}
	}
	for _, q := range []Query{{}, {Split: Split{Mode: Sessions}, Filter: Filter{Channels: []string{"web", "app", "email"}}}} {
		one := run(1, q)
		if one.T.Events == 0 || one.F.Overall.Steps[0].Customers == 0 || len(one.P.Nodes) == 0 {
			t.Fatalf("empty results: %d events", one.T.Events)
		}
		for _, w := range []int{2, 5} {
			if got := run(w, q); !reflect.DeepEqual(got, one) {
				t.Errorf("%d workers give results different from 1 worker (split %v)", w, q.Split.Mode)
			}
		}
	}
}
