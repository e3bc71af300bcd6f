package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sample"
)

// TestStoreCommands drives load, sources, rejects, profile and erase in
// process on a small sample and checks their outputs agree.
func TestStoreCommands(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "s")
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 300, Seed: 5}, nil); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(tmp, "w.db")
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runMain(args, &out, &errb); code != 0 {
			t.Fatalf("workbench %v: exit %d\n%s%s", args, code, out.String(), errb.String())
		}
		return out.String()
	}
	out := run("load", "--quiet", "--db", db, dir)
	if !strings.Contains(out, "loaded 9 files") {
		t.Errorf("load output:\n%s", out)
	}
	var srcs []map[string]any
	if err := json.Unmarshal([]byte(run("sources", "--db", db, "--format", "json")), &srcs); err != nil {
		t.Fatal(err)
	}
	var rejected float64
	for _, s := range srcs {
		if s["read"].(float64) != s["loaded"].(float64)+s["rejected"].(float64)+s["duplicate"].(float64) {
			t.Errorf("source %v does not add up", s)
		}
		rejected += s["rejected"].(float64)
	}
	if len(srcs) != 9 {
		t.Errorf("%d sources, want 9", len(srcs))
	}
	recs, err := csv.NewReader(strings.NewReader(run("rejects", "--db", db, "--limit", "0", "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if float64(len(recs)-1) != rejected {
		t.Errorf("rejects lists %d rows, sources count %v rejected", len(recs)-1, rejected)
	}
	truth, err := sample.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	crmID := ""
	for _, p := range truth.Persons {
		if p.InCRM {
			crmID = p.CRMID
			break
		}
	}
	prof := run("profile", "--db", db, crmID, "--events", "5")
	for _, want := range []string{"crm_id", crmID, "why they are one customer", "most recent non-empty", "timeline"} {
		if !strings.Contains(prof, want) {
			t.Errorf("profile output lacks %q:\n%s", want, prof)
		}
	}
	dry := run("erase", "--db", db, "--dry-run", crmID)
	if !strings.Contains(dry, "would remove") {
		t.Errorf("erase --dry-run output:\n%s", dry)
	}
	run("erase", "--db", db, crmID)
	var errb bytes.Buffer
	if code := runMain([]string{"profile", "--db", db, crmID}, new(bytes.Buffer), &errb); code == 0 || !strings.Contains(errb.String(), "no such identifier") {
		t.Errorf("profile after erase: exit %d, %s", code, errb.String())
	}
	again := run("load", "--quiet", "--db", db, dir)
	if strings.Count(again, "already loaded") != 9 {
		t.Errorf("second load:\n%s", again)
	}
}
