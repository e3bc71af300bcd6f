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
// (transitions, bounded variants and a funnel in one pass, two workers)
// takes about the same heap whether the file holds 400,000 or 1,600,000
// events — the customer ids (8 bytes a customer), one block per worker and
// the accumulators' state, never the events — and far less than the
// events' encoded size.
func TestScanMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 2,000,000 events")
	}
	ctx := context.Background()
	scan := func(customers int) (peak uint64, encoded int64) {
		path := filepath.Join(t.TempDir(), "m.journeys")
		built, err := BuildFile(ctx, synthSource(customers, 5), path, BuildOptions{BlockEvents: 4096})
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
				tr, va := NewTransitions(), NewVariantsBounded(10, 512)
				if err = Scan(ctx, d, Query{Workers: 2}, tr, va, fu); err != nil {
					return
				}
				events = tr.Result().Events
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
		t.Logf("%d customers, %d encoded bytes of events: heap peak of open + scan %d bytes", customers, encoded, peak)
		return peak, encoded
	}
	small, _ := scan(40000)
	large, encoded := scan(160000)
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
}
