package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestAttributionToyVectors reproduces the published attribution toy
// vectors through `workbench attribution --paths-file`: the
// ChannelAttribution vignette's three paths give Markov (k = 1, exact)
// A 2.0, B 1.0; the channel-set conversions of the Shapley example give
// F 45.5, O 20.5, L 34.0. Tolerance 1e-9 absolute.
func TestAttributionToyVectors(t *testing.T) {
	dir := ""
	for _, p := range []string{"../../../shared/reference/attribution-toy-vectors", "/work/shared/reference/attribution-toy-vectors"} {
		if _, err := os.Stat(p); err == nil {
			dir = p
			break
		}
	}
	if dir == "" {
		t.Skip("reference data not found: ../shared/reference/attribution-toy-vectors is absent")
	}
	for _, tc := range []struct {
		file, model string
		want        map[string]float64
	}{
		{"ca_vignette_3paths.csv", "markov", map[string]float64{"A": 2.0, "B": 1.0}},
		{"shapley_FOL_coalitions.csv", "shapley", map[string]float64{"F": 45.5, "O": 20.5, "L": 34.0}},
	} {
		var out, errb bytes.Buffer
		code := runMain([]string{"attribution", "--paths-file", filepath.Join(dir, tc.file), "--models", tc.model, "--format", "json"}, &out, &errb)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.file, code, errb.String())
		}
		var rows []struct {
			Model       string  `json:"model"`
			Channel     string  `json:"channel"`
			Conversions float64 `json:"conversions"`
		}
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			t.Fatalf("%s: %v\n%s", tc.file, err, out.String())
		}
		if len(rows) != len(tc.want) {
			t.Fatalf("%s: %d rows, want %d: %s", tc.file, len(rows), len(tc.want), out.String())
		}
		for _, r := range rows {
			if w, ok := tc.want[r.Channel]; !ok || r.Model != tc.model || math.Abs(r.Conversions-w) > 1e-9 {
				t.Errorf("%s: %s %s = %v, want %v", tc.file, r.Model, r.Channel, r.Conversions, w)
			}
		}
	}
}

// TestJourneyCommandsHelp checks that every analysis command explains the
// definition it computes in its --help.
func TestJourneyCommandsHelp(t *testing.T) {
	for name, want := range map[string]string{
		"transitions": "directly-follows graph as pm4py",
		"variants":    "variant as pm4py",
		"paths":       "Each journey gives one path",
		"funnel":      "furthest step reached",
		"attribution": "removal effect",
		"segments":    "CEL expression",
		"clusters":    "k-means",
		"cohorts":     "retention[c][p]",
	} {
		var out, errb bytes.Buffer
		if code := runMain([]string{name, "--help"}, &out, &errb); code != 0 {
			t.Fatalf("%s --help: exit %d: %s", name, code, errb.String())
		}
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("%s --help does not explain its definition (%q):\n%s", name, want, out.String())
		}
	}
}
