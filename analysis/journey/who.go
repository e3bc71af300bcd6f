package journey

import (
	"fmt"
	"slices"
)

// Who collects the customers behind one cell of an aggregate (a variant, a
// path node or link, a funnel step, an edge): it is an Accumulator whose
// predicate is decided once per customer. Run it with Scan and the same
// Query as the aggregate (a re-scan), then read Customers. Ids are kept only
// for the cell asked about, so memory stays small.
type Who struct {
	limit   int
	prepare func(*Scope) (func() func(*Customer) bool, error)
	make    func() func(*Customer) bool // a predicate per worker
	pred    func(*Customer) bool
	ids     []int64
	total   int64
}

// newWho makes a collector whose predicate is stateless.
func newWho(limit int, prepare func(*Scope) (func(*Customer) bool, error)) *Who {
	return newWhoMaker(limit, func(s *Scope) (func() func(*Customer) bool, error) {
		p, err := prepare(s)
		if err != nil {
			return nil, err
		}
		return func() func(*Customer) bool { return p }, nil
	})
}

// newWhoMaker makes a collector whose predicate keeps state: each worker
// gets its own from the maker.
func newWhoMaker(limit int, prepare func(*Scope) (func() func(*Customer) bool, error)) *Who {
	return &Who{limit: limit, prepare: prepare}
}

// WhoFunc collects customers for whom keep returns true. keep is called
// from several goroutines at once and must not keep c's slices.
func WhoFunc(limit int, keep func(c *Customer) bool) *Who {
	return newWho(limit, func(*Scope) (func(*Customer) bool, error) { return keep, nil })
}

// Begin resolves the cell's labels in the scan's scope.
func (w *Who) Begin(s *Scope) error {
	m, err := w.prepare(s)
	if err != nil {
		return err
	}
	w.make = m
	w.ids, w.total = nil, 0
	return nil
}

// Fork returns an empty collector with its own predicate.
func (w *Who) Fork() Accumulator {
	return &Who{limit: w.limit, prepare: w.prepare, make: w.make, pred: w.make()}
}

// Customer records c when the predicate holds.
func (w *Who) Customer(c *Customer) {
	if w.pred(c) {
		w.total++
		w.ids = append(w.ids, c.ID)
		if w.limit > 0 && len(w.ids) > 2*w.limit {
			slices.Sort(w.ids)
			w.ids = w.ids[:w.limit]
		}
	}
}

// Merge adds another fork's customers.
func (w *Who) Merge(o Accumulator) {
	f := o.(*Who)
	w.total += f.total
	w.ids = append(w.ids, f.ids...)
	slices.Sort(w.ids)
	if w.limit > 0 && len(w.ids) > w.limit {
		w.ids = w.ids[:w.limit]
	}
}

// Customers are the ids of the customers in the cell, ascending; at most
// the limit given (the smallest ids) when the limit is > 0.
func (w *Who) Customers() []int64 {
	slices.Sort(w.ids)
	return w.ids
}

// Total is the number of customers in the cell, regardless of the limit.
func (w *Who) Total() int64 { return w.total }

func unknownLabel(s *Scope, l string) error {
	return fmt.Errorf("journey: no step is labelled %q under the %s labelling; check the spelling or the label choice", l, s.Query.Label)
}
