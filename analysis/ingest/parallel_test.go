package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/sample"
)

// step is what one Next call of a reader gave, with the reader's
// counters after it.
type step struct {
	rec   ingest.Record
	err   string
	rows  int64
	bytes int64
}

func steps(t *testing.T, r ingest.Reader) []step {
	t.Helper()
	var out []step
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		s := step{rec: rec, rows: r.RowsRead(), bytes: r.BytesRead()}
		if err != nil {
			var re *ingest.RowError
			if !errors.As(err, &re) {
				s.err = "fatal: " + err.Error()
				out = append(out, s)
				break
			}
			s.err = fmt.Sprintf("%d %s %q", re.Line, re.Reason, re.Raw)
		}
		out = append(out, s)
	}
	if c, ok := r.(io.Closer); ok {
		c.Close()
	}
	return out
}

// TestParallelSameRows checks that Parallel yields the very rows of the
// sequential reader (records, rejects with their line numbers and raw
// text, RowsRead and BytesRead after each row) on JSON Lines with blank,
// malformed, too long and non-UTF-8 lines, and on the sample's Segment
// export.
func TestParallelSameRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("\xEF\xBB\xBF")
	for i := range 2000 {
		switch i % 97 {
		case 5:
			b.WriteString("\n   \n")
		case 11:
			b.WriteString("{not json\n")
		case 13:
			b.WriteString("{\"type\":\"track\",\"userId\":\"u\xff\"}\n")
		case 17:
			b.WriteString(`{"type":"track","userId":"u1","event":"` + strings.Repeat("x", 3000) + "\"}\n")
		}
		fmt.Fprintf(&b, `{"type":"track","messageId":"m%d","userId":"u%d","anonymousId":"a%d","event":"Viewed","timestamp":"2024-03-01T10:%02d:00Z","properties":{"revenue":%d.5,"sku":"s%d"}}`+"\r\n", i, i%50, i%70, i%60, i%9, i)
	}
	b.WriteString(`{"type":"identify","userId":"u9","traits":{"email":"X@Example.com"}}`) // no final newline
	inputs := map[string]string{"synthetic": b.String()}

	dir := t.TempDir()
	if _, err := sample.Generate(context.Background(), dir, sample.Options{Customers: 300, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range sample.ExportFiles() {
		if !strings.HasSuffix(name, ".jsonl") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = string(data)
	}
	opt := ingest.Options{MaxRowBytes: 2048}
	for name, content := range inputs {
		t.Run(name, func(t *testing.T) {
			r1, _, err := ingest.NewReader(strings.NewReader(content), name, opt)
			if err != nil {
				t.Fatal(err)
			}
			want := steps(t, r1)
			for _, workers := range []int{2, 3} {
				r2, _, err := ingest.NewReader(strings.NewReader(content), name, opt)
				if err != nil {
					t.Fatal(err)
				}
				p := ingest.Parallel(r2, workers)
				if p == r2 {
					t.Fatalf("Parallel returned the JSON Lines reader itself")
				}
				got := steps(t, p)
				if len(got) != len(want) {
					t.Fatalf("workers %d: %d rows, sequential %d", workers, len(got), len(want))
				}
				for i := range want {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("workers %d, row %d:\n got %+v\nwant %+v", workers, i, got[i], want[i])
					}
				}
			}
			if len(want) < 100 {
				t.Fatalf("only %d rows read", len(want))
			}
		})
	}
}

// TestParallelCloseEarly checks that a parallel reader closed before its
// end stops without blocking.
func TestParallelCloseEarly(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, `{"type":"track","userId":"u%d","event":"E","timestamp":"2024-03-01T10:00:00Z"}`+"\n", i)
	}
	r, _, err := ingest.NewReader(strings.NewReader(b.String()), "x.jsonl", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := ingest.Parallel(r, 2)
	for range 10 {
		if _, err := p.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Next(); err == nil {
		t.Fatal("Next after Close gave a row")
	}
}

// TestParallelOtherReaders checks that CSV readers are returned as they
// are.
func TestParallelOtherReaders(t *testing.T) {
	r, _, err := ingest.NewReader(strings.NewReader("email,ts,event\na@b.c,2024-01-01,x\n"), "x.csv", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ingest.Parallel(r, 2) != r {
		t.Fatal("a CSV reader was wrapped")
	}
}
