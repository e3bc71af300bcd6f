package ope

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// piecesPerWorker is how many pieces work split for several goroutines is
// cut into per goroutine (parallelRanges, bootstrapSums): the pieces are
// handed out in order to whichever goroutine is free, so one that runs
// slower (its processor shared with another program) takes fewer, and the
// others do not wait for it.
const piecesPerWorker = 4

// parallelRanges calls fn(lo, hi) on consecutive ranges covering 0…n−1,
// each at least grain long (one call for small n), on up to GOMAXPROCS
// goroutines at once, a few ranges per goroutine (piecesPerWorker). fn
// must write only to what its range owns; the result is then the same as
// one call fn(0, n).
func parallelRanges(n, grain int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	pieces := min(piecesPerWorker*w, max(1, n/grain))
	if w <= 1 || pieces <= 1 {
		fn(0, n)
		return
	}
	eachPiece(pieces, w, func(p int) { fn(p*n/pieces, (p+1)*n/pieces) })
}

// eachPiece calls fn(p) for p = 0…pieces−1 on up to workers goroutines,
// each taking the next piece when it is done with one.
func eachPiece(pieces, workers int, fn func(p int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < min(workers, pieces); k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p := int(next.Add(1) - 1)
				if p >= pieces {
					return
				}
				fn(p)
			}
		}()
	}
	wg.Wait()
}
