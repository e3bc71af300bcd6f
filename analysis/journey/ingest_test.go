package journey

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

// TestPM4PyThroughIngest loads the running example through the workbench's
// own reader (no options: the format is detected) and reproduces pm4py's
// numbers. Cases become customers in order of first appearance.
func TestPM4PyThroughIngest(t *testing.T) {
	dir := filepath.Join(refDir(t), "pm4py-running-example")
	r, _, err := ingest.Open(filepath.Join(dir, "running-example.csv"), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.(io.Closer).Close()
	cases := map[string]int64{}
	src := func(yield func(Event) error) error {
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if rec.Kind != ingest.KindEvent || len(rec.IDs) == 0 {
				continue
			}
			id, ok := cases[rec.IDs[0].Value]
			if !ok {
				id = int64(len(cases) + 1)
				cases[rec.IDs[0].Value] = id
			}
			if err := yield(Event{Customer: id, Time: rec.Time, Channel: rec.Channel, Type: rec.Type}); err != nil {
				return err
			}
		}
	}
	d, err := Build(context.Background(), src, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var exp expectedRunning
	b, err := os.ReadFile(filepath.Join(dir, "expected_computed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	tr, va := NewTransitions(), NewVariants(0)
	if err := Scan(context.Background(), d, Query{}, tr, va); err != nil {
		t.Fatal(err)
	}
	checkRunningExample(t, &exp, tr.Result(), va.Result())
}
