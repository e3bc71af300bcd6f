package policy

import _ "embed"

// ExamplePolicies is the example policy file for the built-in sample's
// decision log (testdata/sample-policies.yaml): the baselines (do nothing,
// each single action, the logged policy), a targeted decision table,
// next-best-action arbitration and three learning policies.
//
//go:embed testdata/sample-policies.yaml
var ExamplePolicies []byte
