package load

import (
	"os"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/sample"
)

// TestStitchingAgainstTruthDB measures stitching on a database already
// loaded from a generated sample, for sizes the default test does not
// load, e.g. at 100,000 customers:
//
//	workbench sample --customers 100000 --out /tmp/s100k
//	workbench load --db /tmp/s100k.db /tmp/s100k/*.*
//	WB_STITCH_DB=/tmp/s100k.db WB_STITCH_SAMPLE=/tmp/s100k go test ./analysis/load -run StitchingAgainstTruthDB -v
//
// It checks the same requirements as TestStitchingAgainstTruth and is
// skipped unless both variables are set.
func TestStitchingAgainstTruthDB(t *testing.T) {
	db, dir := os.Getenv("WB_STITCH_DB"), os.Getenv("WB_STITCH_SAMPLE")
	if db == "" || dir == "" {
		t.Skip("set WB_STITCH_DB (a loaded database) and WB_STITCH_SAMPLE (the sample directory it was loaded from)")
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("WB_STITCH_DB: %v", err)
	}
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	truth, err := sample.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkStitching(t, st, dir, truth)
}
