package journey

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dump is every event of d decoded, in position order, with the
// dictionaries and customers: two Datasets with equal dumps hold the same
// data.
func dump(t testing.TB, d *Dataset) string {
	t.Helper()
	var out []any
	out = append(out, d.Version, d.customers, d.channels, d.types, d.campaigns, d.propKeys, d.propVals, d.NumEvents())
	for i := 0; i < d.NumCustomers(); i++ {
		from, to := d.CustomerEvents(i)
		for p := from; p < to; p++ {
			v := d.Event(p)
			if v.Customer != d.CustomerID(i) {
				t.Fatalf("event %d belongs to %d, want %d", p, v.Customer, d.CustomerID(i))
			}
			out = append(out, v)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPersistRoundTrip: a Dataset written with WriteTo reads back
// (ReadDataset into memory, OpenDataset from a file) with the same events,
// revenue and properties, over one block and over many; BuildFile streams
// the same Dataset straight into a file; damaged files are refused with a
// message that says what to do.
func TestPersistRoundTrip(t *testing.T) {
	evs := runningExample(t)
	evs[3].Revenue, evs[3].HasRevenue = 12.5, true
	// The store's order (customer, time, load order), so that dictionary
	// ids (in order of first appearance) agree between Build and
	// BuildFile.
	slices.SortStableFunc(evs, func(a, b Event) int { return int(a.Customer - b.Customer) })
	for _, blockEvents := range []int{0, 5} {
		opts := BuildOptions{Properties: []string{"costs"}, Version: 7, BlockEvents: blockEvents}
		d, err := Build(context.Background(), sliceSource(evs), opts)
		if err != nil {
			t.Fatal(err)
		}
		if blockEvents == 5 && len(d.blocks) < 5 {
			t.Fatalf("%d blocks of ≥5 events for 42 events, want several", len(d.blocks))
		}
		want := dump(t, d)
		var buf bytes.Buffer
		n, err := d.WriteTo(&buf)
		if err != nil || n != int64(buf.Len()) {
			t.Fatalf("WriteTo: %d bytes, %v (buffer %d)", n, err, buf.Len())
		}
		d2, err := ReadDataset(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got := dump(t, d2); got != want || !d2.InMemory() {
			t.Fatal("dataset read back differs from the one written")
		}
		withRev := evs[slices.IndexFunc(evs, func(e Event) bool { return e.HasRevenue })]
		if v, ok := d2.Revenue(positionOf(t, d2, withRev)); !ok || v != 12.5 {
			t.Errorf("revenue read back %v %v, want 12.5", v, ok)
		}
		path := filepath.Join(t.TempDir(), "d.journeys")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		d3, err := OpenDataset(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := dump(t, d3); got != want || d3.InMemory() {
			t.Fatal("dataset opened from the file differs from the one written")
		}
		if !slices.Equal(scanJourneys(t, d3, Query{}), scanJourneys(t, d, Query{})) {
			t.Error("scanning the file gives other journeys than scanning memory")
		}
		d3.Close()
		path4 := filepath.Join(t.TempDir(), "e.journeys")
		d4, err := BuildFile(context.Background(), sliceSource(evs), path4, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := dump(t, d4); got != want {
			t.Error("BuildFile's dataset differs from Build's")
		}
		var buf4 bytes.Buffer
		if _, err := d4.WriteTo(&buf4); err != nil || !bytes.Equal(buf4.Bytes(), buf.Bytes()) {
			t.Errorf("rewriting a file-backed dataset: %v, %d bytes, want the same %d bytes", err, buf4.Len(), buf.Len())
		}
		if onDisk, _ := os.ReadFile(path4); !bytes.Equal(onDisk, buf.Bytes()) {
			t.Error("BuildFile wrote other bytes than WriteTo")
		}
		d4.Close()
	}

	d, _ := Build(context.Background(), sliceSource(evs), BuildOptions{BlockEvents: 5})
	var buf bytes.Buffer
	d.WriteTo(&buf)
	good := buf.Bytes()
	flip := func(at int) []byte { b := slices.Clone(good); b[at] ^= 0x40; return b }
	for name, bad := range map[string][]byte{
		"empty": nil, "text": []byte("not a dataset, just some text to read"), "half": good[:len(good)/2],
		"old version": append([]byte("JWJDS\x00\x00\x01"), good[8:]...),
		"footer byte": flip(len(good) - trailerSize - 3), "block byte": flip(headerSize + 20),
	} {
		_, err := ReadDataset(bytes.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "rebuild") {
			t.Errorf("%s: error %v, want one that says to rebuild", name, err)
		}
	}
	// A damaged block of a file found by a scan: the scan fails and says
	// what to do.
	path := filepath.Join(t.TempDir(), "bad.journeys")
	os.WriteFile(path, flip(headerSize+20), 0o600)
	fd, err := OpenDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	if err := Scan(context.Background(), fd, Query{}, NewTransitions()); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("scan of a damaged block: %v", err)
	}
}

// TestBuildFileOrder: BuildFile sorts a customer's events by time (stable)
// as Build does, and refuses customers out of ascending order.
func TestBuildFileOrder(t *testing.T) {
	evs := []Event{
		{Customer: 1, Time: 30, Type: "c"}, {Customer: 1, Time: 10, Type: "a"}, {Customer: 1, Time: 30, Type: "d"},
		{Customer: 1, Time: 20, Type: "b", Revenue: 5, HasRevenue: true},
		{Customer: 4, Time: 5, Type: "x"},
	}
	path := filepath.Join(t.TempDir(), "o.journeys")
	d, err := BuildFile(context.Background(), sliceSource(evs), path, BuildOptions{BlockEvents: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := scanJourneys(t, d, Query{})
	if want := []string{"1:a b c d", "4:x"}; !slices.Equal(got, want) {
		t.Errorf("journeys %q, want %q", got, want)
	}
	if v, ok := d.Revenue(1); !ok || v != 5 {
		t.Errorf("revenue of b at position 1: %v %v, want 5", v, ok)
	}
	if first, last := d.TimeRange(); first != 5 || last != 30 {
		t.Errorf("time range %d–%d, want 5–30", first, last)
	}
	mem, _ := Build(context.Background(), sliceSource(evs), BuildOptions{})
	if dump(t, mem) != dump(t, d) {
		t.Error("BuildFile and Build disagree")
	}
	// No events: a file that opens and scans to nothing.
	empty := filepath.Join(t.TempDir(), "empty.journeys")
	if d0, err := BuildFile(context.Background(), sliceSource(nil), empty, BuildOptions{}); err != nil {
		t.Fatal(err)
	} else {
		d0.Close()
	}
	d0, err := OpenDataset(empty)
	if err != nil || d0.NumEvents() != 0 || d0.NumCustomers() != 0 || len(scanJourneys(t, d0, Query{})) != 0 {
		t.Fatalf("empty dataset file: %v", err)
	}
	d0.Close()
	back := []Event{{Customer: 2, Time: 1}, {Customer: 1, Time: 2}}
	_, err = BuildFile(context.Background(), sliceSource(back), path, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), "ascending") {
		t.Errorf("customers out of order: %v", err)
	}
	if _, serr := os.Stat(path); serr == nil {
		t.Error("a failed BuildFile left its file")
	}
}

// TestBlocksDoNotChangeResults: the same data in blocks of every size
// (one customer per block up to one block) gives identical results.
func TestBlocksDoNotChangeResults(t *testing.T) {
	src := synthSource(300, 3)
	var ref string
	for _, be := range []int{1, 7, 100, 0} {
		d, err := Build(context.Background(), src, BuildOptions{BlockEvents: be})
		if err != nil {
			t.Fatal(err)
		}
		tr, va := NewTransitions(), NewVariants(10)
		if err := Scan(context.Background(), d, Query{Split: Split{Mode: Sessions}, Workers: 3}, tr, va); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal([]any{tr.Result(), va.Result(), scanJourneys(t, d, Query{})})
		if ref == "" {
			ref = string(b)
		} else if string(b) != ref {
			t.Errorf("blocks of %d events change the results", be)
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
