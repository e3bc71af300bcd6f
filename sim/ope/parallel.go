package ope

import (
	"runtime"
	"sync"
)

// parallelRanges calls fn(lo, hi) on consecutive ranges covering 0…n−1,
// one per goroutine, up to GOMAXPROCS at once, each at least grain long
// (one call for small n). fn must write only to what its range owns; the
// result is then the same as one call fn(0, n).
func parallelRanges(n, grain int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), max(1, n/grain))
	if w <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
