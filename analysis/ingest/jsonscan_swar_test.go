package ingest

import (
	"math/rand/v2"
	"testing"
)

// TestHasStop checks the eight-byte test against the byte table: every
// byte value at every position among bytes that do not stop, and random
// words (with stop bytes and bytes ≥ 0x80 mixed in).
func TestHasStop(t *testing.T) {
	want := func(w uint64) bool {
		for k := 0; k < 8; k++ {
			if strStop[byte(w>>(8*k))] {
				return true
			}
		}
		return false
	}
	for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, ' ', '!', '#', '[', ']'} {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				var w uint64
				for k := 0; k < 8; k++ {
					b := fill
					if k == pos {
						b = byte(c)
					}
					w |= uint64(b) << (8 * k)
				}
				if got := hasStop(w); got != want(w) {
					t.Fatalf("hasStop(%#016x) = %v, want %v", w, got, want(w))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	picks := []byte{'"', '\\', 0, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xc3, 0xff, 'a', 0x01, 0x22 ^ 0x80}
	for range 1_000_000 {
		var w uint64
		for k := 0; k < 8; k++ {
			b := byte(r.Uint32())
			if r.IntN(3) == 0 {
				b = picks[r.IntN(len(picks))]
			}
			w |= uint64(b) << (8 * k)
		}
		if got := hasStop(w); got != want(w) {
			t.Fatalf("hasStop(%#016x) = %v, want %v", w, got, want(w))
		}
	}
}
