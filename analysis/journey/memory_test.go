package journey

import (
	"context"
	"math"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap runs f with the garbage collector set to collect at every 1%
// of heap growth, so that the heap stays within about 1% of the live
// data, and samples the heap's object bytes every 200µs (runtime/metrics
// does not stop the world). It returns the largest sample above the heap
// before f. A sample can miss a brief peak, never report one that did
// not happen: the check it serves is an upper bound.
func peakHeap(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var top atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			default:
			}
			if v := read(); v > top.Load() {
				top.Store(v)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	f()
	close(done)
	<-stopped
	if v := read(); v > top.Load() {
		top.Store(v)
	}
	if top.Load() < base {
		return 0
	}
	return top.Load() - base
}

// TestScanMemoryBounded: opening a Dataset file and scanning it
// (transitions, variants and a funnel in one pass, two workers) takes
// about the same heap whatever the number of events — the customer ids (8
// bytes a customer), one block per worker and the accumulators' state,
// never the events — and far less than the events' encoded size:
//   - 4× the customers (400,000 against 1,600,000 events) with bounded
//     variants (512 tracked), whose table does not grow with the customers;
//   - 4× longer histories of the same 40,000 customers (400,000 against
//     1,600,000 events) with the exact variants accumulator (NewVariants),
//     whose table grows with the distinct variants (at most one per
//     customer here), not with their length.
func TestScanMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 3,600,000 events")
	}
	ctx := context.Background()
	scan := func(customers, k int, newVariants func() *Variants) (peak uint64, encoded int64, distinct int) {
		path := filepath.Join(t.TempDir(), "m.journeys")
		built, err := BuildFile(ctx, synthSourceLen(customers, 5, k), path, BuildOptions{BlockEvents: 4096})
		if err != nil {
			t.Fatal(err)
		}
		built.Close()
		peak = math.MaxUint64
		for range 2 { // the smaller of two sampled peaks
			var d *Dataset
			var events int64
			p := peakHeap(func() {
				if d, err = OpenDataset(path); err != nil {
					return
				}
				var fu *Funnel
				fu, err = NewFunnel(FunnelOptions{Steps: []FunnelStep{
					{Name: "view", Labels: []string{"product_view"}},
					{Name: "cart", Labels: []string{"add_to_cart"}},
					{Name: "buy", Labels: []string{"purchase"}},
				}, Window: 7 * 24 * time.Hour})
				if err != nil {
					return
				}
				tr, va := NewTransitions(), newVariants()
				if err = Scan(ctx, d, Query{Workers: 2}, tr, va, fu); err != nil {
					return
				}
				events = tr.Result().Events
				var vr VariantsResult
				if vr, err = va.ResultErr(); err != nil {
					return
				}
				distinct = vr.Distinct
				if len(vr.Variants) != 10 || !vr.Exact && va.max == 0 {
					t.Errorf("variants: %d listed, exact %v", len(vr.Variants), vr.Exact)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if events != int64(d.NumEvents()) {
				t.Fatalf("scan saw %d of %d events", events, d.NumEvents())
			}
			encoded = d.EncodedBytes()
			d.Close()
			peak = min(peak, p)
		}
		t.Logf("%d customers ×%d, %d encoded bytes of events, %d variants: heap peak of open + scan %d bytes", customers, k, encoded, distinct, peak)
		return peak, encoded, distinct
	}
	bounded := func() *Variants { return NewVariantsBounded(10, 512) }
	small, _, _ := scan(40000, 1, bounded)
	large, encoded, _ := scan(160000, 1, bounded)
	// Allowed growth: the customer ids (8 bytes for each of the 120,000
	// more customers), plus a quarter of the smaller peak and 512 KiB for
	// the sampling and the accumulators' tables filling up differently
	// (each edge's timing distribution keeps up to 4,096 exact values
	// before it turns into a fixed-size sketch).
	if large > small+small/4+8*120000+512<<10 {
		t.Errorf("4× the events: the heap peaked at %d bytes, against %d: memory grows with the events", large, small)
	}
	if int64(large) > encoded/3 {
		t.Errorf("the heap peaked at %d bytes for %d bytes of events; want a small fraction", large, encoded)
	}

	exact := func() *Variants { return NewVariants(10) }
	short, _, dShort := scan(40000, 1, exact)
	long, _, dLong := scan(40000, 4, exact)
	// Allowed growth: a quarter of the shorter histories' peak and 512 KiB
	// (as above), plus 104 bytes (see keyTable) for each variant more
	// that the longer histories have (they repeat less). The steps the
	// table held before (4 bytes a step, 4× as many) and the label strings
	// of every variant tied at the cut, both proportional to the events,
	// would exceed it.
	if long > short+short/4+512<<10+104*uint64(max(0, dLong-dShort)) {
		t.Errorf("4× longer histories: the heap peaked at %d bytes (%d variants), against %d (%d variants): the exact variants grow with journey length", long, dLong, short, dShort)
	}
}
