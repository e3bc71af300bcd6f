package load

import (
	"io"
	"os"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

// fakeReader yields fixed records and row errors, as a reader of a file
// would.
type fakeReader struct {
	items []any // ingest.Record or *ingest.RowError
	i     int
	size  int64
}

func (f *fakeReader) Next() (ingest.Record, error) {
	if f.i >= len(f.items) {
		return ingest.Record{}, io.EOF
	}
	it := f.items[f.i]
	f.i++
	switch x := it.(type) {
	case ingest.Record:
		return x, nil
	case *ingest.RowError:
		return ingest.Record{}, x
	case error:
		return ingest.Record{}, x
	}
	panic("bad item")
}
func (f *fakeReader) RowsRead() int64  { return int64(f.i) }
func (f *fakeReader) BytesRead() int64 { return f.size * int64(f.i) / int64(max(1, len(f.items))) }

// fakeFiles maps a path to the items its reader yields; the file on disk
// holds any content (its checksum identifies it).
type fakeFiles map[string][]any

func (ff fakeFiles) open(path string, opt ingest.Options) (ingest.Reader, *ingest.Detected, error) {
	items, ok := ff[path]
	if !ok {
		return nil, nil, os.ErrNotExist
	}
	return &fakeReader{items: items, size: 1000}, &ingest.Detected{Kind: "fake"}, nil
}

func id(t ingest.IDType, v string) ingest.Identifier { return ingest.Identifier{Type: t, Value: v} }

func ev(line int64, key string, ts int64, ch, typ string, ids ...ingest.Identifier) ingest.Record {
	return ingest.Record{Kind: ingest.KindEvent, Line: line, IDs: ids, DedupKey: key, Time: ts, Channel: ch, Type: typ}
}

func prof(line int64, ts int64, reason string, traits map[string]string, consents map[string]bool, ids ...ingest.Identifier) ingest.Record {
	return ingest.Record{Kind: ingest.KindProfile, Line: line, IDs: ids, LinkReason: reason, Time: ts, Traits: traits, Consents: consents}
}

func writeFile(dir, name, content string) string {
	p := dir + "/" + name
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		panic(err)
	}
	return p
}

var _ = strings.Repeat
