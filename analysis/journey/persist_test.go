package journey

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestPersistRoundTrip(t *testing.T) {
	evs := runningExample(t)
	evs[3].Revenue, evs[3].HasRevenue = 12.5, true
	d, err := Build(context.Background(), sliceSource(evs), BuildOptions{Properties: []string{"costs"}, Version: 7})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := d.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo: %d bytes, %v (buffer %d)", n, err, buf.Len())
	}
	d2, err := ReadDataset(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	d.lbCache, d2.lbCache = nil, nil
	if !reflect.DeepEqual(d, d2) {
		t.Fatal("dataset read back differs from the one written")
	}
	if v, ok := d2.Revenue(positionOf(t, d2, evs[3])); !ok || v != 12.5 {
		t.Errorf("revenue read back %v %v, want 12.5", v, ok)
	}
	// Damaged files are refused with a message that says what to do.
	for _, bad := range [][]byte{nil, []byte("not a dataset"), buf.Bytes()[:buf.Len()/2]} {
		if _, err := ReadDataset(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "rebuild") && !strings.Contains(err.Error(), "EOF") {
			t.Errorf("damaged input of %d bytes: error %v", len(bad), err)
		}
	}
}

// positionOf finds the position of an event in d.
func positionOf(t *testing.T, d *Dataset, e Event) int {
	t.Helper()
	from, to := d.CustomerEvents(d.CustomerIndex(e.Customer))
	for p := from; p < to; p++ {
		if v := d.Event(p); v.Time == e.Time && v.Type == e.Type {
			return p
		}
	}
	t.Fatalf("event %+v not found", e)
	return -1
}
