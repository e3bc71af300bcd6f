package model

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/journeyworkbench/workbench/sim/policy"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// samplePolicies is the example policy file of the sample.
var samplePolicies = filepath.Join("..", "policy", "testdata", "sample-policies.yaml")

// targetedTable returns the "targeted table" of the example policy file
// (without contact rules) and the file's action set and contact rules.
func targetedTable(t testing.TB) (*policy.Table, *policy.File) {
	t.Helper()
	b, err := os.ReadFile(samplePolicies)
	if err != nil {
		t.Fatal(err)
	}
	var f policy.File
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	as := fileActions(&f)
	for i := range f.Policies {
		if f.Policies[i].Name == "targeted table" {
			p, err := policy.Build(&f.Policies[i], as)
			if err != nil {
				t.Fatal(err)
			}
			return p.(*policy.Table), &f
		}
	}
	t.Fatal("no targeted table in the example policy file")
	return nil, nil
}

// fileActions is the action set a policy file declares.
func fileActions(f *policy.File) *policy.Actions {
	return &policy.Actions{Names: f.ActionOrder, Channel: f.Actions}
}

// fixedMeta is metadata with every field set, for golden files.
func fixedMeta(m *Model) {
	m.Meta.Exported = "2026-03-01T12:00:00Z"
	m.Meta.Data = &DataInfo{Source: "workbench.db", Version: "v17", Customers: 5000, Decisions: 11290, From: "2025-01-01T00:00:00Z", To: "2025-12-31T23:59:59Z"}
	m.Meta.Simulation = &SimInfo{Policy: m.Meta.Name, Method: "monte carlo, common random numbers", Metric: "net revenue per customer", Value: 12.5, Lo: 11.9, Hi: 13.1, Level: 0.95, Seed: 7, Horizon: "90d", Runs: 200}
}

func TestDMNGolden(t *testing.T) {
	tab, _ := targetedTable(t)
	m := New(tab, time.Time{})
	fixedMeta(m)
	var b bytes.Buffer
	if err := WriteDMN(&b, m); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "targeted-table.dmn")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("DMN differs from %s (run go test -update after checking the change):\n%s", golden, b.String())
	}
	for _, s := range []string{`hitPolicy="FIRST"`, `<text>&lt;= 1</text>`, `<text>"gold","silver"</text>`, `typeRef="boolean"`, `<jw:metadata>`} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("DMN lacks %s", s)
		}
	}
}

// sameTable fails unless a and b have the same inputs, rules (FEEL of
// every test, outputs, annotations), default and hit policy.
func sameTable(t *testing.T, a, b *policy.Table) {
	t.Helper()
	if a.HitPolicy != b.HitPolicy || a.Default != b.Default || len(a.Inputs) != len(b.Inputs) || len(a.Rules) != len(b.Rules) {
		t.Fatalf("tables differ: %s/%s/%d inputs/%d rules vs %s/%s/%d/%d", a.HitPolicy, a.Default, len(a.Inputs), len(a.Rules), b.HitPolicy, b.Default, len(b.Inputs), len(b.Rules))
	}
	for j := range a.Inputs {
		if a.Inputs[j] != b.Inputs[j] {
			t.Errorf("input %d: %v vs %v", j, a.Inputs[j], b.Inputs[j])
		}
	}
	for i := range a.Rules {
		ra, rb := a.Rules[i], b.Rules[i]
		if ra.Action != rb.Action || ra.Channel != rb.Channel || ra.Priority != rb.Priority || ra.Annotation != rb.Annotation {
			t.Errorf("rule %d outputs: %+v vs %+v", i+1, ra, rb)
		}
		for j := range ra.Tests {
			if ra.Tests[j].FEEL() != rb.Tests[j].FEEL() {
				t.Errorf("rule %d input %s: %s vs %s", i+1, a.Inputs[j].Name, ra.Tests[j].FEEL(), rb.Tests[j].FEEL())
			}
		}
	}
	for k, n := range a.Actions.Names {
		if b.Actions.Names[k] != n || b.Actions.Channel[n] != a.Actions.Channel[n] {
			t.Errorf("action %d: %s/%s vs %s/%s", k, n, a.Actions.Channel[n], b.Actions.Names[k], b.Actions.Channel[b.Actions.Names[k]])
		}
	}
}

// testTables are the tables the format tests run on: the example's
// targeted table, and generated FIRST and PRIORITY tables (the PRIORITY
// one has rules with the same action and different priorities, and
// priority ties).
func testTables(t *testing.T) []*policy.Table {
	tab, _ := targetedTable(t)
	rng := rand.New(rand.NewPCG(3, 4))
	return []*policy.Table{tab, randomTable(50, policy.First, rng), randomTable(30, policy.Priority, rng)}
}

// valuesWithMissing draws input values for tab's inputs (random values of
// the benchmark's inputs; an input not among them, or 1 in 20 of the
// others, is missing).
func valuesWithMissing(tab *policy.Table, rng *rand.Rand) []policy.Value {
	full := randomValues(rng)
	out := make([]policy.Value, len(tab.Inputs))
	for j, in := range tab.Inputs {
		out[j] = policy.MissingValue()
		for k, bi := range benchInputs {
			if bi.Name == in.Name && rng.IntN(20) != 0 {
				out[j] = full[k]
			}
		}
		if in.Name == "consent_call" || in.Name == "consent_sms" {
			out[j] = policy.BoolValue(rng.IntN(2) == 0)
		}
	}
	return out
}

func TestFormatsRoundTrip(t *testing.T) {
	for _, tab := range testTables(t) {
		t.Run(tab.Label+"/"+string(tab.HitPolicy), func(t *testing.T) {
			m := New(tab, time.Now())
			fixedMeta(m)
			var dmn, rules bytes.Buffer
			if err := WriteDMN(&dmn, m); err != nil {
				t.Fatal(err)
			}
			if err := WriteRules(&rules, m); err != nil {
				t.Fatal(err)
			}
			md, err := ReadDMN(bytes.NewReader(dmn.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			sameTable(t, tab, md.Table)
			mr, rs, err := ReadRules(bytes.NewReader(rules.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			sameTable(t, tab, mr.Table)
			if *md.Meta.Simulation != *m.Meta.Simulation || *mr.Meta.Data != *m.Meta.Data {
				t.Errorf("metadata lost: %+v %+v", md.Meta.Simulation, mr.Meta.Data)
			}
			ed, err := NewEngine(md, nil)
			if err != nil {
				t.Fatal(err)
			}
			er, err := NewEngine(mr, rs)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(5, 6))
			for k := 0; k < 5000; k++ {
				v := valuesWithMissing(tab, rng)
				want := tab.MatchValues(v)
				for _, e := range []*Engine{ed, er} {
					d, err := e.Decide(v)
					if err != nil {
						t.Fatal(err)
					}
					if d.Rule != want {
						t.Fatalf("values %v: engine rule %d (%s), table rule %d", v, d.Rule, d.Action, want)
					}
				}
			}
		})
	}
}

// TestReadDMNErrors checks that input entries outside the supported FEEL
// subset, and bad shapes, are errors naming the rule and the input.
func TestReadDMNErrors(t *testing.T) {
	tab, _ := targetedTable(t)
	var b bytes.Buffer
	if err := WriteDMN(&b, New(tab, time.Now())); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	cases := []struct{ name, from, to, want string }{
		{"function call", "<text>&gt; 90</text>", "<text>&gt; abs(90)</text>", "rule r1, input recency_days"},
		{"string without quotes", "<text>\"app\"</text>", "<text>app</text>", "rule r3, input last_channel"},
		{"hit policy", `hitPolicy="FIRST"`, `hitPolicy="COLLECT"`, "FIRST and PRIORITY"},
		{"namespace", DMNNamespace, "https://www.omg.org/spec/DMN/20151101/dmn.xsd", "DMN 1.3"},
		{"action", `<text>"push_reminder"</text>`, `<text>"fax"</text>`, "action \"fax\" is not one of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(good, c.from, c.to, 1)
			if bad == good {
				t.Fatalf("%q not in the DMN", c.from)
			}
			_, err := ReadDMN(strings.NewReader(bad))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// checkCase is one state given to the DMN harness with the workbench's
// decision.
type checkCase struct {
	ID     string         `json:"id"`
	Values map[string]any `json:"values"`
	Expect struct {
		Action string `json:"action"`
		Rule   string `json:"rule"`
	} `json:"expect"`
}

// jsonValue is v as the harness passes it to FEEL (null when missing).
func jsonValue(v policy.Value, typ policy.Type) any {
	switch {
	case v.Missing:
		return nil
	case typ == policy.Number:
		return v.Num
	case typ == policy.String:
		return v.Str
	}
	return v.Bool
}

// checkSummary is the harness's report.
type checkSummary struct {
	Rules, Cases, Mismatches, EntriesEvaluated, DistinctFeelinTests, Warnings int
	Failures                                                                  []string
}

// runDMNCheck runs sim/model/dmncheck/check.mjs (dmn-moddle and feelin)
// on a DMN file and cases. The harness's packages are installed by
// `make dmn-deps`; without them the test fails, it does not skip.
func runDMNCheck(t *testing.T, dmnPath string, cases []checkCase) checkSummary {
	t.Helper()
	for _, pkg := range []string{"dmn-moddle", "feelin"} {
		if _, err := os.Stat(filepath.Join("dmncheck", "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("the DMN check needs the npm package %s in sim/model/dmncheck/node_modules: run `make dmn-deps` (npm ci --prefix sim/model/dmncheck)", pkg)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("the DMN check needs Node.js 20 or later (node on PATH): %v", err)
	}
	cpath := filepath.Join(t.TempDir(), "cases.json")
	b, err := json.Marshal(map[string]any{"cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cpath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("dmncheck", "check.mjs"), dmnPath, cpath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var s checkSummary
	if jerr := json.Unmarshal(out, &s); jerr != nil {
		t.Fatalf("DMN check: %v; output %s; stderr %s", err, out, stderr.String())
	}
	if err != nil || len(s.Failures) > 0 {
		t.Fatalf("DMN check of %s failed: %s\n%s", dmnPath, strings.Join(s.Failures, "\n"), stderr.String())
	}
	if s.Cases != len(cases) || s.Mismatches != 0 || s.Warnings != 0 {
		t.Fatalf("DMN check: %+v", s)
	}
	return s
}

// TestDMNWithDMNTooling has dmn-moddle parse (zero warnings) and round
// trip every exported table, and feelin evaluate every input and output
// entry on 2,000 states per table (5% of inputs missing), the decisions
// matching the table's own evaluation.
func TestDMNWithDMNTooling(t *testing.T) {
	for _, tab := range testTables(t) {
		t.Run(tab.Label+"/"+string(tab.HitPolicy), func(t *testing.T) {
			m := New(tab, time.Now())
			fixedMeta(m)
			path := filepath.Join(t.TempDir(), "model.dmn")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteDMN(f, m); err != nil {
				t.Fatal(err)
			}
			f.Close()
			rng := rand.New(rand.NewPCG(7, 8))
			var cases []checkCase
			for k := 0; k < 2000; k++ {
				v := valuesWithMissing(tab, rng)
				c := checkCase{ID: fmt.Sprint(k), Values: map[string]any{}}
				for j, in := range tab.Inputs {
					c.Values[in.Name] = jsonValue(v[j], in.Type)
				}
				r := tab.MatchValues(v)
				c.Expect.Rule = "default"
				c.Expect.Action = tab.Default
				if r >= 0 {
					c.Expect.Rule, c.Expect.Action = ruleID(r), tab.Rules[r].Action
				}
				cases = append(cases, c)
			}
			s := runDMNCheck(t, path, cases)
			t.Logf("%d rules, %d cases, %d input entries evaluated (%d distinct feelin tests)", s.Rules, s.Cases, s.EntriesEvaluated, s.DistinctFeelinTests)
		})
	}
}

func ExampleCondition() {
	as := policy.DefaultActions()
	in := []policy.Input{{Name: "cart_value", Type: policy.Number}, {Name: "loyalty_tier", Type: policy.String}, {Name: "consent_sms", Type: policy.Bool}}
	r := policy.Rule{Action: "sms_discount", Tests: []policy.Test{
		policy.MustTest("[20..80)", policy.Number), policy.MustTest(`not("gold")`, policy.String), policy.MustTest("true", policy.Bool)}}
	tab, _ := policy.NewTable("example", policy.First, in, []policy.Rule{r}, "none", as)
	fmt.Println(Condition(tab, &tab.Rules[0]))
	fmt.Println(feelTest(r.Tests[1], policy.String))
	// Output:
	// (cart_value >= 20.0 && cart_value < 80.0) && !(loyalty_tier == "gold") && consent_sms == true
	// not(null,"gold")
}
