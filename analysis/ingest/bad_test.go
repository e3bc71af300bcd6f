package ingest_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

// TestBadInputCorpus reads every file of testdata/bad with Open and no
// options and asserts its outcome: a fatal error with a given text, or
// the given records and rejects (line and reason), never a panic and
// never a silent drop (rows read = records + rejects, checked by drain).
func TestBadInputCorpus(t *testing.T) {
	type rej struct {
		line   int64
		reason string
	}
	tests := []struct {
		file    string
		fatal   string  // substring of the fatal error; "" when the file loads
		lines   []int64 // lines of the records
		rejects []rej
	}{
		{file: "truncated.csv", lines: []int64{2}, rejects: []rej{{3, "row has 2 fields, the header has 6"}}},
		{file: "truncated_quote.csv", lines: []int64{2}, rejects: []rej{{3, "unbalanced quote"}}},
		{file: "truncated.jsonl", lines: []int64{1}, rejects: []rej{{2, "truncated"}}},
		{file: "broken_quote.csv", lines: []int64{2, 4, 5}, rejects: []rej{{3, "unbalanced quote"}}},
		{file: "wrong_delimiter.csv", fatal: "use one delimiter throughout the file"},
		{file: "non_utf8.csv", lines: []int64{2, 4}, rejects: []rej{{3, "not valid UTF-8: byte 0xe9"}}},
		{file: "empty.csv", fatal: "the file is empty"},
		{file: "header_only.csv"},
		{file: "missing_id.csv", fatal: "no customer identifier column"},
		{file: "bad_revenue.csv", lines: []int64{5}, rejects: []rej{{2, `amount "-5.00" is negative`}, {3, `amount "12,99€" is not a number`}, {4, `amount "abc" is not a number`}}},
		{file: "far_dates.csv", lines: []int64{5}, rejects: []rej{{2, "before 1970"}, {3, "after 2099"}, {4, "before 1970"}}},
		{file: "duplicate_columns.csv", fatal: `column "Timestamp" appears twice in the header`},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			r, det, err := ingest.Open(filepath.Join("testdata", "bad", tc.file), ingest.Options{})
			if tc.fatal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fatal) {
					t.Fatalf("err = %v, want one containing %q", err, tc.fatal)
				}
				if !strings.Contains(err.Error(), tc.file) {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := drain(t, r, det)
			if err != nil {
				t.Fatal(err)
			}
			var lines []int64
			for _, rec := range res.recs {
				lines = append(lines, rec.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tc.lines) {
				t.Errorf("record lines %v, want %v", lines, tc.lines)
			}
			if len(res.rejects) != len(tc.rejects) {
				t.Fatalf("rejects %v, want %v", res.rejects, tc.rejects)
			}
			for i, w := range tc.rejects {
				re := res.rejects[i]
				if re.Line != w.line || !strings.Contains(re.Reason, w.reason) || re.Raw == "" || !strings.HasSuffix(re.File, tc.file) {
					t.Errorf("reject %+v, want line %d reason %q", re, w.line, w.reason)
				}
			}
		})
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "bad"))
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("testdata/bad/%s has no expected outcome", e.Name())
		}
	}
}

// TestTenMegabyteLine: a 10 MB line in a CSV and in a JSON Lines file is
// rejected (over the 4 MiB row limit) without holding it in memory, and
// the rows after it load.
func TestTenMegabyteLine(t *testing.T) {
	long := strings.Repeat("x", 10<<20)
	for _, tc := range []struct {
		name, content string
		rejects       []int64 // lines rejected; the first for the row limit
		recLine       int64
	}{
		{"long.csv", "event_id,timestamp,email,campaign_id,event,url\n" +
			"E1,2026-02-03T04:05:06.789Z,jane@x.com,spring,click," + long + "\n" +
			"E2,2026-02-03T04:05:06.789Z,jane@x.com,spring,open,\n", []int64{2}, 3},
		// A quoted field growing past the limit over three lines: its first
		// line is rejected for the limit, the two continuation lines for
		// their width, and the next row loads.
		{"long_quoted.csv", "event_id,timestamp,email,campaign_id,event,url\n" +
			"E1,2026-02-03T04:05:06.789Z,jane@x.com,spring,click,\"" + long[:3<<20] + "\n" + long[:3<<20] + "\n" + long[:3<<20] + "\"\n" +
			"E2,2026-02-03T04:05:06.789Z,jane@x.com,spring,open,\n", []int64{2, 3, 4}, 5},
		{"long.jsonl", `{"type":"track","anonymousId":"a","event":"E","timestamp":"2026-02-03T04:05:06Z","properties":{"blob":"` + long + `"}}` + "\n" +
			`{"type":"track","anonymousId":"a","event":"E","timestamp":"2026-02-03T04:05:06Z"}` + "\n", []int64{1}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustRead(t, tc.name, tc.content, ingest.Options{})
			var lines []int64
			for _, re := range res.rejects {
				lines = append(lines, re.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tc.rejects) || !strings.Contains(res.rejects[0].Reason, "limit") {
				t.Fatalf("rejects %v, want lines %v, the first for the limit", res.rejects, tc.rejects)
			}
			if len(res.recs) != 1 || res.recs[0].Line != tc.recLine {
				t.Fatalf("records %d, want one at line %d", len(res.recs), tc.recLine)
			}
			if n := len(res.rejects[0].Raw); n > 64<<10+8 {
				t.Errorf("reject keeps %d bytes of raw text; it should keep a bounded prefix", n)
			}
		})
	}
	// The limit is an option: a 10 MB row loads when allowed.
	res := mustRead(t, "long.csv", "customer_id,timestamp,event,blob\nC1,2026-02-03,e,"+long+"\n", ingest.Options{MaxRowBytes: 16 << 20})
	if len(res.recs) != 1 || len(res.recs[0].Props["blob"]) != len(long) {
		t.Fatalf("with a 16 MiB limit the 10 MB row must load: %v", res.rejects)
	}
}

// TestFatalErrorsSayWhatToDo covers structural failures beyond the corpus.
func TestFatalErrorsSayWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
		opt                 ingest.Options
	}{
		{"one.csv", "just one column\nvalue\n", "cannot find the delimiter", ingest.Options{}},
		{"utf16.csv", "\xff\xfea\x00,\x00", "UTF-16", ingest.Options{}},
		{"blank.csv", "\n\n  \n", "empty", ingest.Options{}},
		{"bom_only.csv", "\xEF\xBB\xBF", "empty", ingest.Options{}},
		{"notime.csv", "customer_id,event\nC1,a\n", "no time column", ingest.Options{}},
		{"log.csv", "case,activity,ts\n1,a,x\n", "", ingest.Options{}},
		{"log2.csv", "case_id,who,timestamp\n1,a,2026-01-01\n", "no type column", ingest.Options{Kind: "eventlog"}},
		{"x.jsonl", `{"a":1}` + "\n", "only be read as kind segment", ingest.Options{Kind: "csv"}},
		{"mixed.csv", "id,started_at,phone,call_id\n1,13/02/2026,07700900123,a\n2,02/13/2026,07700900123,b\n", "mixes day-first", ingest.Options{}},
		{"badheader.csv", "a\xff,b,c\n1,2,3\n", "cannot read the header", ingest.Options{}},
	} {
		_, err := readAll(t, tc.name, tc.content, tc.opt)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestReadErrorIsFatal: an I/O error mid-file stops the reader with that
// error (not a reject, not EOF).
func TestReadErrorIsFatal(t *testing.T) {
	boom := errors.New("disk gone")
	in := "customer_id,timestamp,event\n" + strings.Repeat("C1,2026-02-03,e\n", 50000)
	r, _, err := ingest.NewReader(&failAfter{r: strings.NewReader(in), n: 300 << 10, err: boom}, "x.csv", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := r.Next()
		if err == nil {
			continue
		}
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
		break
	}
}

type failAfter struct {
	r   *strings.Reader
	n   int
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}
