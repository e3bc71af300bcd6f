package decisionlog

import "hash/maphash"

// idSet is a set of decision ids: open addressing with linear probing
// over slots holding each id with its 64-bit hash, so an insert or a
// look-up touches one slot (and compares ids only when the hashes are
// equal). It stands in for a map[string]bool of ids, which a log of a
// million decisions fills with as many inserts.
type idSet struct {
	seed  maphash.Seed
	slots []idSlot
	n     int
}

type idSlot struct {
	h  uint64 // hash of id, never 0 (0 marks an empty slot)
	id string
}

// newIDSet returns an empty set with room for about n ids.
func newIDSet(n int) *idSet {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &idSet{seed: maphash.MakeSeed(), slots: make([]idSlot, size)}
}

func (s *idSet) hash(id string) uint64 {
	if h := maphash.String(s.seed, id); h != 0 {
		return h
	}
	return 1
}

// add inserts id and reports whether it was new.
func (s *idSet) add(id string) bool {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	h := s.hash(id)
	mask := uint64(len(s.slots) - 1)
	for p := h & mask; ; p = (p + 1) & mask {
		sl := &s.slots[p]
		if sl.h == 0 {
			sl.h, sl.id = h, id
			s.n++
			return true
		}
		if sl.h == h && sl.id == id {
			return false
		}
	}
}

// has reports whether id is in the set.
func (s *idSet) has(id string) bool {
	h := s.hash(id)
	mask := uint64(len(s.slots) - 1)
	for p := h & mask; ; p = (p + 1) & mask {
		sl := &s.slots[p]
		if sl.h == 0 {
			return false
		}
		if sl.h == h && sl.id == id {
			return true
		}
	}
}

// grow doubles the slots and re-inserts the ids.
func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]idSlot, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.h == 0 {
			continue
		}
		p := sl.h & mask
		for s.slots[p].h != 0 {
			p = (p + 1) & mask
		}
		s.slots[p] = sl
	}
}
