// Package sample generates the built-in sample world of Journey Workbench:
// "Northwind Home", a fictional UK omnichannel retailer, over the 180 days
// from 2026-01-01, written as the raw exports its systems would produce
// (CRM, Segment web and app analytics, email/SMS/push provider logs, call
// centre, tills and the campaign engine's decision log) plus the ground
// truth in a separate truth/ directory. FORMATS.md documents every file.
//
// The world: persons with a latent segment (deal_seeker, loyal,
// app_native, high_value, dormant) and purchase intent; browsers and app
// installs that stay anonymous until the customer logs in; households
// sharing one email; persons outside the CRM; noisy and missing fields;
// broadcast campaigns; and a campaign engine that, at each decision point
// (a cart left for an hour, 30 days without activity), randomised its
// action among none, email offer, SMS discount, push reminder and call-back
// with exact logged propensities. Outcomes are drawn from a true response
// model (ResponseModel) in which each segment has a different best action,
// with fatigue and opt-outs, so a policy that targets by context beats
// every single action.
//
// Use Generate to write a world and ReadTruth to read its truth back:
//
//	st, err := sample.Generate(ctx, dir, sample.DefaultOptions(), nil)
//	truth, err := sample.ReadTruth(dir)
//	v := truth.PolicyValue(func(d *sample.DecisionTruth) map[string]float64 {
//		return map[string]float64{sample.ActionEmail: 1}
//	})
//
// Determinism: the output depends only on Options (and on the platform's
// math.Log/Exp/Cos, which are deterministic on one platform): each person
// draws from a SplitMix64 stream derived from (Seed, person index), persons
// are generated in fixed blocks, and blocks are written in order.
package sample
