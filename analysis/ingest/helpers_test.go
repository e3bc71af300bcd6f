package ingest_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

// result is everything a reader produced from one input.
type result struct {
	det     *ingest.Detected
	recs    []ingest.Record
	rejects []*ingest.RowError
	rows    int64
}

// readAll reads content with NewReader and checks the invariant rows
// read = records + rejects. A fatal error is returned.
func readAll(t testing.TB, name, content string, opt ingest.Options) (*result, error) {
	t.Helper()
	r, det, err := ingest.NewReader(strings.NewReader(content), name, opt)
	if err != nil {
		return nil, err
	}
	return drain(t, r, det)
}

func drain(t testing.TB, r ingest.Reader, det *ingest.Detected) (*result, error) {
	t.Helper()
	res := &result{det: det}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			res.rejects = append(res.rejects, re)
			continue
		}
		if err != nil {
			return res, err
		}
		res.recs = append(res.recs, rec)
	}
	res.rows = r.RowsRead()
	if got := int64(len(res.recs) + len(res.rejects)); got != res.rows {
		t.Errorf("records %d + rejects %d != rows read %d", len(res.recs), len(res.rejects), res.rows)
	}
	if c, ok := r.(io.Closer); !ok {
		t.Errorf("reader is not an io.Closer")
	} else if err := c.Close(); err != nil {
		t.Errorf("Close after EOF: %v", err)
	}
	return res, nil
}

func mustRead(t testing.TB, name, content string, opt ingest.Options) *result {
	t.Helper()
	res, err := readAll(t, name, content, opt)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func ids(rec ingest.Record) string {
	var b strings.Builder
	for i, id := range rec.IDs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(id.Type) + "=" + id.Value)
	}
	return b.String()
}
