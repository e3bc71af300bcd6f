package attribution

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// syntheticPaths generates n single-journey paths over nch channels
// ("ch0".."chN"): 1 to 8 touches, channel i chosen with weight i+1; the
// conversion probability is 0.02 + 0.04·(number of distinct channels with
// even index), value 20–120 per conversion, and a non-converting journey
// counts one null.
func syntheticPaths(n, nch int, seed uint64) []Path {
	rng := rand.New(rand.NewPCG(seed, 1))
	names := make([]string, nch)
	for i := range names {
		names[i] = fmt.Sprintf("ch%d", i)
	}
	total := nch * (nch + 1) / 2
	paths := make([]Path, n)
	for i := range paths {
		l := 1 + rng.IntN(8)
		ch := make([]string, l)
		seen := map[int]bool{}
		for j := range ch {
			u := rng.IntN(total)
			c := 0
			for u >= c+1 {
				u -= c + 1
				c++
			}
			ch[j] = names[c]
			seen[c] = true
		}
		pc := 0.02
		for c := range seen {
			if c%2 == 0 {
				pc += 0.04
			}
		}
		paths[i].Channels = ch
		if rng.Float64() < pc {
			paths[i].Conversions = 1
			paths[i].Value = 20 + 100*rng.Float64()
		} else {
			paths[i].Nulls = 1
		}
	}
	return paths
}

// causalPaths generates journeys with known effects: each customer is
// exposed to X, Y, Z and W independently with probability 1/2, one or two
// touches each, in random order. The conversion probability is
// 0.05 + 0.25·[X] + 0.05·[Z]: X has a large effect, Z a small one, and Y and
// W none (they appear equally often in converting and non-converting
// journeys).
func causalPaths(n int, seed uint64) []Path {
	rng := rand.New(rand.NewPCG(seed, 2))
	var out []Path
	for len(out) < n {
		var ch []string
		exposed := map[string]bool{}
		for _, c := range []string{"X", "Y", "Z", "W"} {
			if rng.IntN(2) == 0 {
				exposed[c] = true
				for k := 0; k <= rng.IntN(2); k++ {
					ch = append(ch, c)
				}
			}
		}
		if len(ch) == 0 {
			continue
		}
		rng.Shuffle(len(ch), func(i, j int) { ch[i], ch[j] = ch[j], ch[i] })
		pc := 0.05
		if exposed["X"] {
			pc += 0.25
		}
		if exposed["Z"] {
			pc += 0.05
		}
		pth := Path{Channels: ch}
		if rng.Float64() < pc {
			pth.Conversions, pth.Value = 1, 100
		} else {
			pth.Nulls = 1
		}
		out = append(out, pth)
	}
	return out
}

// Markov (orders 1 to 3) and Shapley rank the channel with a large true
// effect first, the one with a small effect second, and the two channels
// without effect last.
func TestRanksFollowTrueEffects(t *testing.T) {
	paths := causalPaths(20000, 11)
	check := func(name string, r Result) {
		t.Helper()
		get := func(c string) float64 { row, _ := r.Row(c); return row.Conversions }
		x, y, z, w := get("X"), get("Y"), get("Z"), get("W")
		if !(x > z && z > y && z > w) {
			t.Errorf("%s: X %.1f, Z %.1f, Y %.1f, W %.1f; want X > Z > Y, W", name, x, z, y, w)
		}
	}
	for k := 1; k <= 3; k++ {
		r, err := Markov(paths, MarkovOptions{Order: k})
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("markov k=%d", k), r.Result)
	}
	s, err := Shapley(paths, ShapleyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("shapley", s)
}
