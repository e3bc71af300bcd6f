package ingest_test

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/sample"
)

// expectedKinds maps each sample export to the kind Open must detect.
var expectedKinds = map[string]string{
	"crm_customers.csv":      ingest.KindCRM,
	"web_events.jsonl":       ingest.KindSegment,
	"app_events.jsonl":       ingest.KindSegment,
	"email_events.csv":       ingest.KindEmail,
	"sms_events.csv":         ingest.KindSMS,
	"push_events.tsv":        ingest.KindPush,
	"call_centre.csv":        ingest.KindCallCentre,
	"store_transactions.csv": ingest.KindStore,
	"decisions.csv":          ingest.KindDecisions,
}

// TestSampleExports generates a small sample and reads every export with
// Open and no options: each kind is detected, every row is a record or a
// reject, and the rejects are exactly the planted malformed rows of
// truth/malformed.csv (file, line).
func TestSampleExports(t *testing.T) {
	dir := t.TempDir()
	st, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 300, Seed: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	f, err := os.Open(filepath.Join(dir, "truth", "malformed.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		want[r[0]+":"+r[1]] = true
	}
	// Every identifier a reader emits, normalised, must be one the
	// generator lists in truth/identities.csv (id_type, id_value).
	truthIDs := map[ingest.Identifier]bool{}
	f, err = os.Open(filepath.Join(dir, "truth", "identities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	idRows, err := cr.ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range idRows[1:] {
		truthIDs[ingest.Identifier{Type: ingest.IDType(r[0]), Value: r[1]}] = true
	}
	seenIDs := map[ingest.Identifier]bool{}
	got := map[string]bool{}
	for _, name := range sample.ExportFiles() {
		kind, ok := expectedKinds[name]
		if !ok {
			t.Fatalf("export %s has no expected kind", name)
		}
		r, det, err := ingest.Open(filepath.Join(dir, name), ingest.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if det.Kind != kind {
			t.Errorf("%s: detected %q, want %q", name, det.Kind, kind)
		}
		var recs, rejects int64
		lastLine := int64(0)
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *ingest.RowError
			if errors.As(err, &re) {
				rejects++
				got[name+":"+strconv.FormatInt(re.Line, 10)] = true
				if re.Raw == "" || re.Reason == "" {
					t.Errorf("%s: reject without raw text or reason: %+v", name, re)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			recs++
			if rec.Line <= lastLine {
				t.Errorf("%s: line %d after %d", name, rec.Line, lastLine)
			}
			lastLine = rec.Line
			if len(rec.IDs) == 0 {
				t.Errorf("%s:%d: record without identifier", name, rec.Line)
			}
			for _, id := range rec.IDs {
				seenIDs[id] = true
				if !truthIDs[id] {
					t.Errorf("%s:%d: identifier %s=%q is not in truth/identities.csv", name, rec.Line, id.Type, id.Value)
				}
			}
		}
		if recs+rejects != r.RowsRead() {
			t.Errorf("%s: %d records + %d rejects != %d rows read", name, recs, rejects, r.RowsRead())
		}
		if n := st.Rows[name]; n != r.RowsRead() {
			t.Errorf("%s: read %d rows, generator wrote %d", name, r.RowsRead(), n)
		}
	}
	// Identifiers the truth lists but no record carries can only come
	// from rejected (planted) rows.
	unseen := 0
	for id := range truthIDs {
		if !seenIDs[id] {
			unseen++
		}
	}
	if unseen > len(want) {
		t.Errorf("%d identifiers of truth/identities.csv never appear in a record (only %d rows were rejected)", unseen, len(want))
	}
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("planted rows not rejected: %v; rejected rows not planted: %v "+
			"(lines are 1-based physical lines; a JSON Lines file has no header, so its first message is line 1)", missing, extra)
	}
	if len(want) == 0 {
		t.Errorf("the sample planted no malformed rows; the test checks nothing")
	}
}

// BenchmarkSampleExports reads every export of a generated 2,000-customer
// sample and reports the rows per second over all of them.
func BenchmarkSampleExports(b *testing.B) {
	dir := b.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 2000, Seed: 42}, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var rows, bytes int64
	for i := 0; i < b.N; i++ {
		for _, name := range sample.ExportFiles() {
			r, _, err := ingest.Open(filepath.Join(dir, name), ingest.Options{})
			if err != nil {
				b.Fatal(err)
			}
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				var re *ingest.RowError
				if err != nil && !errors.As(err, &re) {
					b.Fatal(err)
				}
			}
			rows += r.RowsRead()
			bytes += r.BytesRead()
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(bytes)/b.Elapsed().Seconds()/1e6, "MB/s")
}
