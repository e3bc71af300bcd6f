package journey

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"
)

// synthTypes is a small omnichannel vocabulary: each type belongs to one
// channel, and next lists the likely following types (a Markov chain), so
// that variants repeat as real journeys do.
var synthTypes = []struct {
	ch, ty string
	next   []int
}{
	{"email", "sent", []int{1, 1, 1, 9}},          // 0
	{"email", "open", []int{2, 2, 9, 6}},          // 1
	{"email", "click", []int{6, 6, 7}},            // 2
	{"sms", "sent", []int{4, 9, 6}},               // 3
	{"sms", "click", []int{6, 7}},                 // 4
	{"push", "sent", []int{11, 9}},                // 5
	{"web", "page_view", []int{6, 7, 7, 8, 9}},    // 6
	{"web", "product_view", []int{7, 8, 6, 9}},    // 7
	{"web", "add_to_cart", []int{10, 7, 9}},       // 8
	{"web", "session_end", []int{0, 3, 5, 6, 11}}, // 9
	{"web", "purchase", []int{9, 0, 13}},          // 10
	{"app", "screen", []int{11, 12, 9}},           // 11
	{"app", "product_view", []int{12, 14, 11}},    // 12
	{"store", "visit", []int{15, 9}},              // 13
	{"app", "add_to_cart", []int{16, 12}},         // 14
	{"store", "purchase", []int{9, 0}},            // 15
	{"app", "purchase", []int{9, 5}},              // 16
	{"call_centre", "call", []int{6, 13}},         // 17
}

const synthStart = int64(1767225600000) // 2026-01-01T00:00:00Z

// synthSource yields customers×~10 events (5 to 15 per customer), grouped
// by customer and in time order, deterministically from seed.
func synthSource(customers int, seed uint64) Source { return synthSourceLen(customers, seed, 1) }

// synthSourceLen is synthSource with histories k times as long (5k to 15k
// events per customer).
func synthSourceLen(customers int, seed uint64, k int) Source {
	return func(yield func(Event) error) error {
		rng := rand.New(rand.NewPCG(seed, 7))
		for c := 1; c <= customers; c++ {
			n := (5 + rng.IntN(11)) * k
			t := synthStart + rng.Int64N(150*86400e3)
			s := []int{0, 3, 5, 6, 6, 11, 13, 17}[rng.IntN(8)]
			for i := 0; i < n; i++ {
				st := synthTypes[s]
				e := Event{Customer: int64(c), Time: t, Channel: st.ch, Type: st.ty}
				if st.ty == "purchase" {
					e.Revenue, e.HasRevenue = float64(10+rng.IntN(200)), true
				}
				if err := yield(e); err != nil {
					return err
				}
				if rng.IntN(4) == 0 {
					t += rng.Int64N(5 * 86400e3) // a later visit
				} else {
					t += rng.Int64N(10 * 60e3) // within a session
				}
				s = st.next[rng.IntN(len(st.next))]
			}
		}
		return nil
	}
}

// benchCustomers is the benchmark size: 1,000,000 customers (≈10M
// events) unless JOURNEY_BENCH_CUSTOMERS says otherwise.
func benchCustomers() int {
	if s := os.Getenv("JOURNEY_BENCH_CUSTOMERS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

var (
	benchOnce sync.Once
	benchData *Dataset
)

// benchScale is the length factor of the benchmark's histories
// (synthSourceLen): 1 unless JOURNEY_BENCH_SCALE says otherwise, so that
// the events can grow with the customers fixed.
func benchScale() int {
	if n, err := strconv.Atoi(os.Getenv("JOURNEY_BENCH_SCALE")); err == nil && n > 0 {
		return n
	}
	return 1
}

// benchDataset is the synthetic Dataset of the benchmarks, benchCustomers
// customers with histories benchScale times the usual length. By default it streams from a file, as the workbench's does:
// $JOURNEY_BENCH_FILE when set (reused when it holds that many customers,
// else built there by BuildFile), otherwise a temporary file built by
// BuildFile and unlinked once open. JOURNEY_BENCH_MEM=1 holds it in memory
// instead (Build).
func benchDataset(b *testing.B) *Dataset {
	benchOnce.Do(func() {
		ctx := context.Background()
		n := benchCustomers()
		if os.Getenv("JOURNEY_BENCH_MEM") == "1" {
			d, err := Build(ctx, synthSourceLen(n, 1, benchScale()), BuildOptions{Version: int64(benchScale())})
			if err != nil {
				b.Fatal(err)
			}
			benchData = d
			return
		}
		path := os.Getenv("JOURNEY_BENCH_FILE")
		if path != "" {
			if d, err := OpenDataset(path); err == nil && d.NumCustomers() == n && d.Version == int64(benchScale()) {
				benchData = d
				return
			}
		} else {
			f, err := os.CreateTemp("", "journey-bench-*.journeys")
			if err != nil {
				b.Fatal(err)
			}
			f.Close()
			path = f.Name()
			defer os.Remove(path)
		}
		d, err := BuildFile(ctx, synthSourceLen(n, 1, benchScale()), path, BuildOptions{Version: int64(benchScale())})
		if err != nil {
			b.Fatal(err)
		}
		benchData = d
	})
	return benchData
}

func BenchmarkBuild(b *testing.B) {
	n := benchCustomers()
	b.ReportAllocs()
	var d *Dataset
	for i := 0; i < b.N; i++ {
		var err error
		d, err = Build(context.Background(), synthSource(n, 1), BuildOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumEvents())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(d.MemoryBytes())/float64(d.NumEvents()), "bytes/event")
}

// BenchmarkBuildFile streams the synthetic events into a Dataset file
// (one block in memory at a time) and reports the file's bytes per event.
func BenchmarkBuildFile(b *testing.B) {
	n := benchCustomers()
	path := filepath.Join(b.TempDir(), "b.journeys")
	b.ReportAllocs()
	var d *Dataset
	for i := 0; i < b.N; i++ {
		var err error
		d, err = BuildFile(context.Background(), synthSource(n, 1), path, BuildOptions{})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
	b.ReportMetric(float64(d.NumEvents())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(d.EncodedBytes())/float64(d.NumEvents()), "file-bytes/event")
}

func benchFunnel(b *testing.B) *Funnel {
	f, err := NewFunnel(FunnelOptions{Steps: []FunnelStep{
		{Name: "view", Labels: []string{"product_view"}},
		{Name: "cart", Labels: []string{"add_to_cart"}},
		{Name: "buy", Labels: []string{"purchase"}},
	}, Window: 7 * 24 * time.Hour, Breakdown: ByFirstChannel})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// runCombined scans once with transitions, the top 20 variants and one
// funnel, and returns the variants.
func runCombined(b *testing.B, d *Dataset, q Query) VariantsResult {
	tr, va, fu := NewTransitions(), NewVariants(20), benchFunnel(b)
	if err := Scan(context.Background(), d, q, tr, va, fu); err != nil {
		b.Fatal(err)
	}
	_ = tr.Result()
	vr := va.Result()
	_ = fu.Result()
	return vr
}

// BenchmarkScanCombined: transitions + top variants + one funnel over all
// events in one scan, whole histories. dataset-MB is what the Dataset
// holds in memory (for a file-backed one, the customer ids and block
// index); scan-peak-MB the sampled live heap above it during the scans;
// variants the distinct variants counted (exact is 1 when the count is
// exact, see Variants).
func BenchmarkScanCombined(b *testing.B) {
	d := benchDataset(b)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	peak := watchHeap()
	cpu := cpuSeconds()
	var vr VariantsResult
	for i := 0; i < b.N; i++ {
		vr = runCombined(b, d, Query{})
	}
	b.StopTimer()
	b.ReportMetric(float64(vr.Distinct), "variants")
	exact := 0.0
	if vr.Exact {
		exact = 1
	}
	b.ReportMetric(exact, "exact")
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(d.NumEvents())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(d.NumEvents()), "events")
	b.ReportMetric(peak()/1e6, "scan-peak-MB")
	b.ReportMetric(float64(d.MemoryBytes())/1e6, "dataset-MB")
}

var requeryFilters = []Filter{
	{Channels: []string{"web", "app", "store"}},
	{From: synthStart + 30*86400e3, To: synthStart + 120*86400e3},
	{Channels: []string{"web", "email"}, From: synthStart + 10*86400e3},
}

// BenchmarkRequery: the same three analyses with a changed filter on each
// run (channels and a time range), on warm data, sessions of 30 minutes.
func BenchmarkRequery(b *testing.B) {
	benchRequery(b, Split{Mode: Sessions})
}

// BenchmarkRequeryWhole is BenchmarkRequery over whole histories (one
// journey per customer, nearly every variant distinct).
func BenchmarkRequeryWhole(b *testing.B) {
	benchRequery(b, Split{})
}

func benchRequery(b *testing.B, split Split) {
	d := benchDataset(b)
	runtime.GC()
	peak := watchHeap()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		runCombined(b, d, Query{Filter: requeryFilters[i%len(requeryFilters)], Split: split})
	}
	b.StopTimer()
	// CPU seconds per query: on a machine shared with other work this
	// says what the query costs; divided by the cores it bounds the wall
	// time on an idle machine.
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(d.NumEvents())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(peak()/1e6, "scan-peak-MB")
	b.ReportMetric(float64(d.MemoryBytes())/1e6, "dataset-MB")
}

// watchHeap samples the live heap every 5 ms until the returned function
// is called, which returns the largest heap seen above the heap at the
// start (the dataset), in bytes. The sampling reads runtime/metrics, which
// does not stop the world.
func watchHeap() func() float64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var mu sync.Mutex
	var top uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				v := read()
				mu.Lock()
				top = max(top, v)
				mu.Unlock()
			}
		}
	}()
	return func() float64 {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		if top < base {
			return 0
		}
		return float64(top - base)
	}
}

// BenchmarkPaths: a Sankey flow from a start step, 5 steps, top 8.
func BenchmarkPaths(b *testing.B) {
	d := benchDataset(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := NewPaths(PathOptions{Start: "web:page_view", Steps: 5, TopK: 8})
		if err != nil {
			b.Fatal(err)
		}
		if err := Scan(context.Background(), d, Query{Label: LabelSpec{By: ByChannelType}, Split: Split{Mode: Sessions}}, p); err != nil {
			b.Fatal(err)
		}
		_ = p.Result()
	}
	b.ReportMetric(float64(d.NumEvents())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
