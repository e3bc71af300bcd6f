package journey_test

import (
	"context"
	"fmt"
	"time"

	"github.com/journeyworkbench/workbench/analysis/journey"
)

// events of three customers: two buy after an email, one browses only.
func exampleSource() journey.Source {
	const m = int64(60_000)
	evs := []journey.Event{
		{Customer: 1, Time: 0, Channel: "email", Type: "open"},
		{Customer: 1, Time: 5 * m, Channel: "web", Type: "product"},
		{Customer: 1, Time: 9 * m, Channel: "web", Type: "purchase", Revenue: 40, HasRevenue: true},
		{Customer: 2, Time: 0, Channel: "email", Type: "open"},
		{Customer: 2, Time: 60 * m, Channel: "web", Type: "product"},
		{Customer: 2, Time: 70 * m, Channel: "web", Type: "purchase", Revenue: 25, HasRevenue: true},
		{Customer: 3, Time: 0, Channel: "web", Type: "product"},
	}
	return func(yield func(journey.Event) error) error {
		for _, e := range evs {
			if err := yield(e); err != nil {
				return err
			}
		}
		return nil
	}
}

// One scan feeds the directly-follows graph, the variants and a funnel.
func ExampleScan() {
	ctx := context.Background()
	d, err := journey.Build(ctx, exampleSource(), journey.BuildOptions{})
	if err != nil {
		panic(err)
	}
	tr := journey.NewTransitions()
	va := journey.NewVariants(5)
	fu, err := journey.NewFunnel(journey.FunnelOptions{
		Steps: []journey.FunnelStep{
			{Name: "viewed", Labels: []string{"product"}},
			{Name: "bought", Labels: []string{"purchase"}},
		},
		Window: time.Hour,
	})
	if err != nil {
		panic(err)
	}
	if err := journey.Scan(ctx, d, journey.Query{}, tr, va, fu); err != nil {
		panic(err)
	}
	for _, e := range tr.Result().Edges {
		fmt.Printf("%s → %s: %d, median %.0f s\n", e.From, e.To, e.Count, e.Duration.Median)
	}
	for _, v := range va.Result().Variants {
		fmt.Printf("%s: %d (%.0f%%)\n", v, v.Journeys, 100*v.Coverage)
	}
	for _, s := range fu.Result().Overall.Steps {
		fmt.Printf("step %d %s: %d customers, %.0f%% of step 1\n", s.Step, s.Name, s.Customers, 100*s.FromFirst)
	}
	// Output:
	// open → product: 2, median 1950 s
	// product → purchase: 2, median 420 s
	// open → product → purchase: 2 (67%)
	// product: 1 (33%)
	// step 1 viewed: 3 customers, 100% of step 1
	// step 2 bought: 2 customers, 67% of step 1
}

// Paths from the first email open, labelled by channel, with the
// customers behind a node.
func ExamplePaths() {
	ctx := context.Background()
	d, _ := journey.Build(ctx, exampleSource(), journey.BuildOptions{})
	q := journey.Query{Label: journey.LabelSpec{By: journey.ByChannel}, CollapseRepeats: true}
	p, _ := journey.NewPaths(journey.PathOptions{Start: "email", Steps: 3})
	if err := journey.Scan(ctx, d, q, p); err != nil {
		panic(err)
	}
	r := p.Result()
	for _, n := range r.Nodes {
		fmt.Printf("node %d: step %d %s (%s) %d\n", n.ID, n.Step, n.Label, n.Kind, n.Journeys)
	}
	for _, l := range r.Links {
		fmt.Printf("link %d → %d: %d\n", l.Source, l.Target, l.Journeys)
	}
	who, _ := p.WhoNode(2, 10)
	if err := journey.Scan(ctx, d, q, who); err != nil {
		panic(err)
	}
	fmt.Println("customers at the drop-off:", who.Customers())
	// Output:
	// node 0: step 1 email (step) 2
	// node 1: step 2 web (step) 2
	// node 2: step 3 (drop-off) (drop-off) 2
	// link 0 → 1: 2
	// link 1 → 2: 2
	// customers at the drop-off: [1 2]
}

// Sessions split on 30 minutes of inactivity.
func ExampleSplit() {
	ctx := context.Background()
	d, _ := journey.Build(ctx, exampleSource(), journey.BuildOptions{})
	va := journey.NewVariants(0)
	q := journey.Query{Split: journey.Split{Mode: journey.Sessions}}
	if err := journey.Scan(ctx, d, q, va); err != nil {
		panic(err)
	}
	for _, v := range va.Result().Variants {
		fmt.Printf("%s: %d journeys, %d customers\n", v, v.Journeys, v.Customers)
	}
	// Output:
	// open: 1 journeys, 1 customers
	// open → product → purchase: 1 journeys, 1 customers
	// product: 1 journeys, 1 customers
	// product → purchase: 1 journeys, 1 customers
}
