package journey

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
)

// Variants counts journey variants as pm4py defines them: the variant of a
// journey (a case) is its sequence of step labels; two journeys share a
// variant when the sequences are equal. Coverage of a variant is its
// journeys / all journeys.
type Variants struct {
	scope    *Scope
	top      int
	m        map[string]*variantAcc
	journeys int64
	custs    int64
	buf      []byte
}

type variantAcc struct {
	journeys  int64
	customers int64
	last      int64 // last customer counted (customers of a fork arrive once each)
	dur       int64 // Σ journey durations, ms
}

// NewVariants returns an accumulator that reports the top most frequent
// variants (all of them when top ≤ 0).
func NewVariants(top int) *Variants { return &Variants{top: top} }

// Begin records the scan's labels.
func (v *Variants) Begin(s *Scope) error {
	v.scope = s
	v.m = make(map[string]*variantAcc)
	return nil
}

// Fork returns an empty accumulator.
func (v *Variants) Fork() Accumulator {
	return &Variants{scope: v.scope, top: v.top, m: make(map[string]*variantAcc)}
}

func variantKey(buf []byte, steps []int32) []byte {
	buf = buf[:0]
	for _, s := range steps {
		buf = binary.AppendUvarint(buf, uint64(s))
	}
	return buf
}

func decodeVariant(k string) []int32 {
	var out []int32
	b := []byte(k)
	for len(b) > 0 {
		x, n := binary.Uvarint(b)
		out = append(out, int32(x))
		b = b[n:]
	}
	return out
}

// Customer adds the customer's journeys.
func (v *Variants) Customer(c *Customer) {
	v.custs++
	for i := range c.Journeys {
		j := &c.Journeys[i]
		if len(j.Steps) == 0 {
			continue
		}
		v.journeys++
		v.buf = variantKey(v.buf, j.Steps)
		a := v.m[string(v.buf)]
		if a == nil {
			a = &variantAcc{last: -1}
			v.m[string(v.buf)] = a
		}
		a.journeys++
		a.dur += j.Times[len(j.Times)-1] - j.Times[0]
		if a.last != int64(c.Index) {
			a.last = int64(c.Index)
			a.customers++
		}
	}
}

// Merge adds another fork's counts.
func (v *Variants) Merge(o Accumulator) {
	f := o.(*Variants)
	v.journeys += f.journeys
	v.custs += f.custs
	for k, b := range f.m {
		a := v.m[k]
		if a == nil {
			v.m[k] = b
			continue
		}
		a.journeys += b.journeys
		a.customers += b.customers
		a.dur += b.dur
	}
}

// Variant is one variant with its frequency.
type Variant struct {
	Rank      int      `json:"rank"`
	Steps     []string `json:"steps"`
	Journeys  int64    `json:"journeys"`
	Customers int64    `json:"customers"`
	// Coverage is Journeys / all journeys; Cumulative sums coverage over
	// this and the better ranked variants.
	Coverage   float64 `json:"coverage"`
	Cumulative float64 `json:"cumulative"`
	// MeanDuration is the mean of (last step time − first step time), in
	// seconds.
	MeanDuration float64 `json:"mean_duration_seconds"`
}

// VariantsResult is the top variants.
type VariantsResult struct {
	Journeys  int64 `json:"journeys"`
	Customers int64 `json:"customers"`
	Distinct  int   `json:"distinct"`
	// Other is the number of journeys whose variant is not listed.
	Other    int64     `json:"other_journeys"`
	Variants []Variant `json:"variants"`
}

// Result lists the variants by journeys (descending), ties by the step
// sequence compared label by label.
func (v *Variants) Result() VariantsResult {
	r := VariantsResult{Journeys: v.journeys, Customers: v.custs, Distinct: len(v.m)}
	type kv struct {
		steps []string
		a     *variantAcc
	}
	all := make([]kv, 0, len(v.m))
	for k, a := range v.m {
		ids := decodeVariant(k)
		st := make([]string, len(ids))
		for i, id := range ids {
			st[i] = v.scope.Labels[id]
		}
		all = append(all, kv{st, a})
	}
	slices.SortFunc(all, func(x, y kv) int {
		return cmp.Or(cmp.Compare(y.a.journeys, x.a.journeys), slices.Compare(x.steps, y.steps))
	})
	n := len(all)
	if v.top > 0 && v.top < n {
		n = v.top
	}
	var cum int64
	for i, e := range all[:n] {
		cum += e.a.journeys
		r.Variants = append(r.Variants, Variant{
			Rank: i + 1, Steps: e.steps, Journeys: e.a.journeys, Customers: e.a.customers,
			Coverage:     float64(e.a.journeys) / float64(v.journeys),
			Cumulative:   float64(cum) / float64(v.journeys),
			MeanDuration: float64(e.a.dur) / float64(e.a.journeys) / 1000,
		})
	}
	r.Other = v.journeys - cum
	return r
}

// String writes a variant's steps joined by " → ".
func (x Variant) String() string { return strings.Join(x.Steps, " → ") }

// WhoVariant collects the customers with at least one journey whose step
// sequence is exactly steps.
func WhoVariant(steps []string, limit int) *Who {
	return newWho(limit, func(s *Scope) (func(*Customer) bool, error) {
		ids := make([]int32, len(steps))
		for i, l := range steps {
			id, ok := s.LabelID(l)
			if !ok {
				return nil, unknownLabel(s, l)
			}
			ids[i] = id
		}
		return func(c *Customer) bool {
			for _, j := range c.Journeys {
				if slices.Equal(j.Steps, ids) {
					return true
				}
			}
			return false
		}, nil
	})
}
