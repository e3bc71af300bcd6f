package decisionlog

import "hash/maphash"

// idSet is a set of decision ids: open addressing with linear probing
// over 8-byte slots, each holding 32 bits of the id's 64-bit hash and the
// id's number in ids, so an insert or a look-up touches one small slot
// (and compares ids only when those hash bits are equal). It stands in for
// a map[string]bool of ids, which a log of a million decisions fills with
// as many inserts; small slots keep the table of a million ids at 16 MB.
type idSet struct {
	seed  maphash.Seed
	slots []idSlot
	ids   []string // the ids in insertion order
	sink  uint32   // keeps addBatch's first reads
}

// idSlot is an empty slot when ref is 0, else ids[ref−1] is its id and
// h the upper 32 bits of that id's hash.
type idSlot struct {
	h   uint32
	ref uint32
}

// newIDSet returns an empty set with room for about n ids.
func newIDSet(n int) *idSet {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &idSet{seed: maphash.MakeSeed(), slots: make([]idSlot, size), ids: make([]string, 0, n)}
}

// len returns the number of ids in the set.
func (s *idSet) len() int { return len(s.ids) }

// add inserts id and reports whether it was new.
func (s *idSet) add(id string) bool { return s.addHash(id, maphash.String(s.seed, id)) }

// addHash is add for an id whose hash is h.
func (s *idSet) addHash(id string, h uint64) bool {
	if 2*(len(s.ids)+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	tag := uint32(h >> 32)
	for p := h & mask; ; p = (p + 1) & mask {
		sl := &s.slots[p]
		if sl.ref == 0 {
			s.ids = append(s.ids, id)
			sl.h, sl.ref = tag, uint32(len(s.ids))
			return true
		}
		if sl.h == tag && s.ids[sl.ref-1] == id {
			return false
		}
	}
}

// addBatch is add on each of ids in turn, isNew[k] reporting whether
// ids[k] was new. The slots of all ids are read first, so that the
// processor fetches them from memory together rather than one insert
// after another.
func (s *idSet) addBatch(ids []string, isNew []bool) {
	var hs [64]uint64
	var sink uint32
	for len(ids) > 0 {
		m := min(len(ids), len(hs))
		mask := uint64(len(s.slots) - 1)
		for k, id := range ids[:m] {
			hs[k] = maphash.String(s.seed, id)
			sink += s.slots[hs[k]&mask].ref
		}
		for k, id := range ids[:m] {
			isNew[k] = s.addHash(id, hs[k])
		}
		ids, isNew = ids[m:], isNew[m:]
	}
	s.sink = sink
}

// has reports whether id is in the set.
func (s *idSet) has(id string) bool {
	h := maphash.String(s.seed, id)
	mask := uint64(len(s.slots) - 1)
	tag := uint32(h >> 32)
	for p := h & mask; ; p = (p + 1) & mask {
		sl := &s.slots[p]
		if sl.ref == 0 {
			return false
		}
		if sl.h == tag && s.ids[sl.ref-1] == id {
			return true
		}
	}
}

// grow doubles the slots and re-inserts the ids (rehashed: a slot keeps
// only part of the hash).
func (s *idSet) grow() {
	s.slots = make([]idSlot, 2*len(s.slots))
	mask := uint64(len(s.slots) - 1)
	for k, id := range s.ids {
		h := maphash.String(s.seed, id)
		p := h & mask
		for s.slots[p].ref != 0 {
			p = (p + 1) & mask
		}
		s.slots[p] = idSlot{h: uint32(h >> 32), ref: uint32(k + 1)}
	}
}
