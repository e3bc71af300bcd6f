package identity

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkStitch1M stitches a graph shaped like the 1,000,000-customer
// sample (about 4.5 million identifiers and 9 million links: a CRM row
// per person linking crm id, email, phone and card, two cookies and a
// device per person linked to the crm id, 3% of emails shared by two
// persons) and reports the heap the stitch allocates.
func BenchmarkStitch1M(b *testing.B) {
	const persons = 1000000
	g := &Graph{Type: []uint8{0}, TypeNames: []string{"", "crm_id", "email", "phone", "loyalty_card", "anonymous_id", "device_id"}}
	add := func(t uint8) uint32 {
		g.Type = append(g.Type, t)
		return uint32(len(g.Type) - 1)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var lastEmail uint32
	for p := 0; p < persons; p++ {
		crm, phone, card := add(1), add(3), add(4)
		email := lastEmail
		if p == 0 || rng.IntN(100) >= 3 {
			email = add(2)
		}
		lastEmail = email
		for _, x := range []uint32{email, phone, card} {
			g.Links = append(g.Links, Link(crm, x))
		}
		g.Links = append(g.Links, Link(email, phone), Link(email, card), Link(phone, card))
		dev := add(6)
		for k := 0; k < 2; k++ {
			c := add(5)
			g.Links = append(g.Links, Link(crm, c), Link(c, dev))
		}
	}
	g.Compact()
	b.ResetTimer()
	var ms0, ms1 runtime.MemStats
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		r := Stitch(g, DefaultGuard())
		runtime.ReadMemStats(&ms1)
		if r.MultiPerson != 0 {
			b.Fatalf("MultiPerson = %d", r.MultiPerson)
		}
	}
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20), "MB-alloc/op")
	b.ReportMetric(float64(len(g.Type)), "identities")
	b.ReportMetric(float64(len(g.Links)), "links")
}
