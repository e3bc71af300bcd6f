package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sample"
)

// TestExportDecideStream exports the example's targeted table and
// distilled arbitration from a generated sample's decision log, then runs
// `decide --stdin` on states given directly: one JSON line per event,
// with the decision the table's rules give by hand.
func TestExportDecideStream(t *testing.T) {
	dir := t.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 800, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join("..", "..", "sim", "policy", "testdata", "sample-policies.yaml")
	log := filepath.Join(dir, "decisions.csv")
	for _, c := range []struct{ policy, base string }{{"targeted table", "t"}, {"next best action", "nba"}} {
		var out, errb bytes.Buffer
		args := []string{"export", "--policies", pol, "--policy", c.policy, "--log", log, "--depth", "3",
			"--dmn", filepath.Join(dir, c.base+".dmn"), "--rules", filepath.Join(dir, c.base+".json"), "--value", "1.5", "--lo", "1", "--hi", "2"}
		if code := runMain(args, &out, &errb); code != 0 {
			t.Fatalf("export %s: exit %d: %s", c.policy, code, errb.String())
		}
		if c.base == "nba" && !strings.Contains(out.String(), "fidelity") {
			t.Errorf("distilled export does not state its fidelity: %s", out.String())
		}
	}
	// The folded targeted table: r1 recency > 90 → none; a big cart of an
	// occasional buyer with call consent → call_back; without call
	// consent the call is blocked → none; small basket with SMS consent
	// and no recent SMS → sms_discount, with two SMS in 14 days → none.
	base := `"trigger":"cart_abandon","orders_90d":1,"loyalty_tier":"bronze","last_channel":"web","consent_email":true,"consent_push":true`
	in := strings.Join([]string{
		`{"customer_id":"a",` + base + `,"recency_days":120,"cart_value":300,"consent_call":true,"consent_sms":true,"contacts_sms_14d":0}`,
		`{"customer_id":"b",` + base + `,"recency_days":10,"cart_value":300,"consent_call":true,"consent_sms":true,"contacts_sms_14d":0}`,
		`{"customer_id":"c",` + base + `,"recency_days":10,"cart_value":300,"consent_call":false,"consent_sms":true,"contacts_sms_14d":0}`,
		`{"customer_id":"d",` + base + `,"recency_days":10,"cart_value":50,"consent_call":true,"consent_sms":true,"contacts_sms_14d":0}`,
		`{"customer_id":"e",` + base + `,"recency_days":10,"cart_value":50,"consent_call":true,"consent_sms":true,"contacts_sms_14d":2}`,
	}, "\n")
	want := []string{"none", "call_back", "none", "sms_discount", "none"}
	for _, model := range []string{"t.json", "t.dmn"} {
		var out, errb bytes.Buffer
		code := runDecide(commands["decide"], []string{"--model", filepath.Join(dir, model), "--stdin"}, strings.NewReader(in), &out, &errb)
		if code != nil {
			t.Fatalf("decide: %v", code)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != len(want) {
			t.Fatalf("%s: %d lines out for %d in:\n%s", model, len(lines), len(want), out.String())
		}
		for i, l := range lines {
			var d struct {
				Customer  string  `json:"customer_id"`
				Action    string  `json:"action"`
				Rule      string  `json:"rule"`
				LatencyUS float64 `json:"latency_us"`
				Error     string  `json:"error"`
			}
			if err := json.Unmarshal([]byte(l), &d); err != nil {
				t.Fatal(err)
			}
			if d.Action != want[i] || d.Error != "" || d.LatencyUS <= 0 {
				t.Errorf("%s line %d: %s, want action %s", model, i+1, l, want[i])
			}
		}
	}
}
