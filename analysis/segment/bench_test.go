package segment

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// synthCustomers makes n varied customers with features, traits and consents.
func synthCustomers(n int, seed uint64) ([]Features, []map[string]string, []map[string]bool) {
	rng := rand.New(rand.NewPCG(seed, 2))
	chans := []string{"app", "call_centre", "email", "push", "sms", "store", "web"}
	tiers := []string{"", "bronze", "silver", "gold"}
	fs := make([]Features, n)
	tr := make([]map[string]string, n)
	cs := make([]map[string]bool, n)
	for i := range fs {
		orders := int64(rng.IntN(6))
		mon := float64(orders) * (20 + 100*rng.Float64())
		f := Features{Customer: int64(i), RecencyDays: int64(rng.IntN(180)), Frequency: 1 + int64(rng.IntN(60)),
			Orders: orders, Monetary: mon, Sessions: 1 + int64(rng.IntN(10)), DaysActive: 1 + int64(rng.IntN(10)),
			CartsAbandoned: int64(rng.IntN(4)), LastChannel: chans[rng.IntN(len(chans))]}
		if orders > 0 {
			f.AOV = mon / float64(orders)
		}
		for _, ch := range chans {
			if rng.IntN(3) == 0 {
				f.Channels = append(f.Channels, ChannelUse{Channel: ch, Events: 1 + int64(rng.IntN(10))})
			}
		}
		fs[i] = f
		tr[i] = map[string]string{"region": "London"}
		if t := tiers[rng.IntN(4)]; t != "" {
			tr[i]["loyalty_tier"] = t
		}
		cs[i] = map[string]bool{"sms": rng.IntN(2) == 0, "email": true}
	}
	return fs, tr, cs
}

// BenchmarkMatch evaluates a segment once per op over a pool of 4,096
// varied customers; ns/op × 10⁶ is the time to evaluate 1,000,000
// customers on one core.
func BenchmarkMatch(b *testing.B) {
	fs, tr, cs := synthCustomers(4096, 1)
	for _, expr := range []string{
		"recency_days > 30 && orders >= 2",
		"'sms' in channels && monetary > 100",
		"traits.loyalty_tier == 'gold'",
		"has(consents.sms) && consents.sms && channel_count.?web.orValue(0) >= 3 && carts_abandoned >= 1",
	} {
		s, err := Compile(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			matched := 0
			for i := 0; b.Loop(); i++ {
				j := i & 4095
				ok, err := s.Match(&fs[j], tr[j], cs[j])
				if err != nil {
					b.Fatal(err)
				}
				if ok {
					matched++
				}
			}
			_ = matched
		})
	}
}

// BenchmarkMatch1M evaluates "recency_days > 30 && orders >= 2" over
// 1,000,000 customers per op.
func BenchmarkMatch1M(b *testing.B) {
	const n = 1_000_000
	pool, tr, cs := synthCustomers(4096, 1)
	fs := make([]Features, n)
	for i := range fs {
		fs[i] = pool[i&4095]
	}
	s, err := Compile("recency_days > 30 && orders >= 2")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range fs {
			if _, err := s.Match(&fs[i], tr[i&4095], cs[i&4095]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFeatureBuilder measures the per-event cost of feature building.
func BenchmarkFeatureBuilder(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	chans := []string{"app", "email", "sms", "web", "store"}
	types := []string{"page_view", "Product Viewed", "Product Added", "Order Completed", "open"}
	evs := make([]Event, 30)
	t := int64(1_767_225_600_000)
	for i := range evs {
		t += int64(rng.IntN(3_600_000))
		evs[i] = Event{Time: t, Channel: chans[rng.IntN(5)], Type: types[rng.IntN(5)], Revenue: float64(rng.IntN(3))}
	}
	fb := NewFeatureBuilder(Config{AsOf: t})
	b.ReportAllocs()
	for b.Loop() {
		fb.Begin(1)
		for _, ev := range evs {
			fb.Add(ev)
		}
		_ = fb.Finish()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// BenchmarkKMeans100kChooseK chooses k in [2, 8] by silhouette on
// 100,000 customers × 8 features (4 restarts per k).
func BenchmarkKMeans100kChooseK(b *testing.B) {
	x := benchMatrix()
	for b.Loop() {
		if _, err := KMeans(x, KMeansOptions{K: 0, KMax: 8, NInit: 4, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchMatrix is 100,000 rows × 8 columns around 5 overlapping centres.
func benchMatrix() *mat.Dense {
	const n, d = 100_000, 8
	rng := rand.New(rand.NewPCG(3, 3))
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		c := float64(i % 5)
		for j := 0; j < d; j++ {
			x.Set(i, j, c*float64(j%3+1)+rng.NormFloat64()*1.5)
		}
	}
	return x
}

// BenchmarkKMeans100k clusters 100,000 customers × 8 features into k = 5
// (10 k-means++ restarts, silhouette on a 2,000-row sample).
func BenchmarkKMeans100k(b *testing.B) {
	x := benchMatrix()
	for b.Loop() {
		if _, err := KMeans(x, KMeansOptions{K: 5, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
