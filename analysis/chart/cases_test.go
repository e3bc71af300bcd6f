package chart

import "gonum.org/v1/plot"

type goldenCase struct {
	name  string
	meta  Meta
	build func() (*plot.Plot, error)
}

func goldenCases() []goldenCase {
	cs := []goldenCase{
		{name: "sankey", meta: Meta{Title: "How journeys move across channels", Subtitle: "All channels · 2026-01-01 – 2026-03-31 · first 4 steps, top 4 per step · 3,470 journeys"}},
		{name: "funnel", meta: Meta{Title: "Purchase funnel by first channel", Subtitle: "Ordered, 14-day window from step 1 · 2026-01-01 – 2026-03-31 · 4,812 customers"}},
		{name: "transitions", meta: Meta{Title: "What comes next: channel transition probabilities", Subtitle: "Directly-follows, by channel · 2026-01-01 – 2026-03-31 · 3,304 journeys"}},
		{name: "attribution", meta: Meta{Title: "Conversions credited by channel, three models", Subtitle: "Converting and non-converting paths · 2026-01-01 – 2026-03-31 · 1,000 conversions", Units: "conversions"}},
		{name: "policies", meta: Meta{Title: "Policy comparison: value per customer", Subtitle: "Off-policy evaluation on 48,000 logged decisions · 2026-Q1 · 1,000 bootstrap resamples", Units: "EUR"}},
		{name: "learning", meta: Meta{Title: "Learning policies: reward per customer over time", Subtitle: "Monte Carlo, 200 runs, common random numbers · 10,000 simulated customers", YLabel: "Cumulative mean reward per customer", Units: "EUR"}},
		{name: "volume", meta: Meta{Title: "Daily events by channel", Subtitle: "All sources · 2026-01-01 – 2026-03-31 · 7 channels"}},
		{name: "policies_many", meta: Meta{Title: "Policy comparison: eleven policies", Subtitle: "Off-policy evaluation on 48,000 logged decisions · 2026-Q1 · 1,000 bootstrap resamples", Units: "EUR"}},
		{name: "attribution_wide", meta: Meta{Title: "Conversions credited by channel, seven models", Subtitle: "Converting and non-converting paths · 2026-01-01 – 2026-03-31 · 1,000 conversions", Units: "conversions"}},
	}
	builds := map[string]func() (*plot.Plot, error){
		"sankey":           func() (*plot.Plot, error) { return Sankey(samplePaths(), cs[0].meta) },
		"funnel":           func() (*plot.Plot, error) { return Funnel(sampleFunnel(), cs[1].meta) },
		"transitions":      func() (*plot.Plot, error) { return Transitions(sampleMatrix(), cs[2].meta) },
		"attribution":      func() (*plot.Plot, error) { return Attribution(sampleAttribution(), cs[3].meta) },
		"policies":         func() (*plot.Plot, error) { return PolicyComparison(sampleEstimates(), cs[4].meta) },
		"learning":         func() (*plot.Plot, error) { return LearningCurves(sampleCurves(), cs[5].meta) },
		"volume":           func() (*plot.Plot, error) { return Volume(sampleVolume(), cs[6].meta) },
		"policies_many":    func() (*plot.Plot, error) { return PolicyComparison(manyEstimates(), cs[7].meta) },
		"attribution_wide": func() (*plot.Plot, error) { return Attribution(wideAttribution(), cs[8].meta) },
	}
	for i := range cs {
		cs[i].build = builds[cs[i].name]
	}
	return cs
}
