// Package identity stitches identifiers into customers.
//
// Identifiers seen together on one row (an identify or alias call, a CRM
// row with email and phone, a till receipt with a loyalty card and email)
// are linked; each connected group of the link graph is one customer,
// found with union-find (union by size, path compression).
//
// # The giant-merge guard
//
// Some identifiers belong to several persons: a household email, a shared
// device, a family landline. Linked like any other, one of them would
// glue whole households (or, for a shared tablet in a shop, thousands of
// persons) into one customer. The guard keeps such identifiers but does
// not let them merge. It works with person-anchoring identifier types
// (by default crm_id, loyalty_card and phone, in order of strength), which
// name one person each:
//
//  1. An anchor linked to more than MaxPersons distinct anchors of one
//     stronger type (a phone linked to two crm ids) is shared.
//  2. Persons are the connected groups of the links between non-shared
//     anchors.
//  3. Every other identifier is attributed to the persons of its
//     neighbours: the persons of its anchor neighbours, then (in later
//     rounds, up to Rounds) the persons already attributed to its
//     non-anchor neighbours. An identifier attributed to more than
//     MaxPersons persons is shared.
//  4. Customers are the connected groups of the links whose two ends are
//     not shared. A shared identifier forms a customer of its own, so the
//     events it carries (an email open of a household address) stay
//     visible but belong to no one person.
//
// A customer's id is the smallest identity id in its group, so the
// assignment is a pure function of the graph and stable as data grows.
package identity

import (
	"slices"
)

// Guard configures the giant-merge guard.
type Guard struct {
	// Anchors are the person-anchoring identifier types, strongest first.
	Anchors []string
	// MaxPersons is how many persons one identifier may be linked to
	// before it is kept out of merging (default 1).
	MaxPersons int
	// Rounds bounds the propagation of person attribution through
	// non-anchor identifiers (default 3).
	Rounds int
}

// DefaultGuard is the guard the workbench uses: crm_id, loyalty_card and
// phone anchor persons; an identifier linked to more than one person is
// shared.
func DefaultGuard() Guard {
	return Guard{Anchors: []string{"crm_id", "loyalty_card", "phone"}, MaxPersons: 1, Rounds: 3}
}

// Graph is the identity graph: identities numbered 1..len(Type)-1 (Type[0]
// and any erased id are 0, "absent"), with their type codes, and the links
// between them, each as a<<32|b with a < b.
type Graph struct {
	Type      []uint8  // type code per identity id; 0 = no such identity
	TypeNames []string // type name per code; TypeNames[0] is unused
	Links     []uint64
}

// Link packs a link between identities a and b.
func Link(a, b uint32) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

// Compact sorts the links and removes duplicates and self-links.
func (g *Graph) Compact() {
	slices.Sort(g.Links)
	g.Links = slices.Compact(g.Links)
	out := g.Links[:0]
	for _, l := range g.Links {
		if uint32(l>>32) != uint32(l) {
			out = append(out, l)
		}
	}
	g.Links = out
}

// Result is the outcome of Stitch.
type Result struct {
	// Customer is the customer id per identity id (0 for absent ids).
	Customer []uint32
	// Shared marks the identities the guard kept out of merging.
	Shared []bool
	// Persons is the number of distinct persons (anchor groups) found.
	Persons int
	// MultiPerson counts customers that still contain more than
	// MaxPersons persons (a merge the guard could not prevent; 0 when the
	// guard did its job).
	MultiPerson int
}

// uf is a union-find over identity ids with union by size and path
// compression (path halving).
type uf struct {
	parent []uint32
	size   []uint32
}

func newUF(n int) *uf {
	u := &uf{parent: make([]uint32, n), size: make([]uint32, n)}
	u.reset()
	return u
}

func (u *uf) reset() {
	for i := range u.parent {
		u.parent[i] = uint32(i)
		u.size[i] = 1
	}
}

func (u *uf) find(x uint32) uint32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *uf) union(a, b uint32) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if u.size[ra] < u.size[rb] {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
	u.size[ra] += u.size[rb]
}

// Stitch assigns every identity of g to a customer, applying the guard.
// g.Links must be compacted (see Compact).
func Stitch(g *Graph, guard Guard) Result {
	if guard.MaxPersons <= 0 {
		guard.MaxPersons = 1
	}
	if guard.Rounds <= 0 {
		guard.Rounds = 3
	}
	n := len(g.Type)
	// rank[code] = 1 + position in Anchors (1 strongest); 0 = not an anchor.
	rank := make([]int, len(g.TypeNames))
	for i, name := range guard.Anchors {
		for code, tn := range g.TypeNames {
			if tn == name && code > 0 {
				rank[code] = i + 1
			}
		}
	}
	isAnchor := func(id uint32) bool { return rank[g.Type[id]] > 0 }
	shared := make([]bool, n)
	maxP := uint32(guard.MaxPersons)

	// 1. Anchors linked to too many anchors of one stronger type.
	cnt := make([]uint32, n)
	for r := 1; r < len(guard.Anchors); r++ {
		clear(cnt)
		for _, l := range g.Links {
			a, b := uint32(l>>32), uint32(l)
			ra, rb := rank[g.Type[a]], rank[g.Type[b]]
			if ra == r && rb > r {
				cnt[b]++
			} else if rb == r && ra > r {
				cnt[a]++
			}
		}
		for id, c := range cnt {
			if c > maxP {
				shared[id] = true
			}
		}
	}

	// 2. Persons: groups of links between non-shared anchors.
	persons := newUF(n)
	for _, l := range g.Links {
		a, b := uint32(l>>32), uint32(l)
		if isAnchor(a) && isAnchor(b) && !shared[a] && !shared[b] {
			persons.union(a, b)
		}
	}
	// person[id] = person root + 1 for attributed identities, 0 otherwise.
	person := make([]uint32, n)
	npersons := 0
	for id := 1; id < n; id++ {
		if g.Type[id] != 0 && isAnchor(uint32(id)) && !shared[id] {
			r := persons.find(uint32(id))
			person[id] = r + 1
			if r == uint32(id) {
				npersons++
			}
		}
	}

	// 3. Attribute the other identifiers to the persons of their
	// neighbours, round by round.
	if maxP == 1 {
		attributeOne(g, person, shared, isAnchor, guard.Rounds, cnt)
	} else {
		attributeMany(g, person, shared, isAnchor, guard.Rounds, maxP)
	}

	// 4. Customers: groups of links between non-shared identities.
	cust := persons // reused: the arrays are as large
	cust.reset()
	for _, l := range g.Links {
		a, b := uint32(l>>32), uint32(l)
		if !shared[a] && !shared[b] {
			cust.union(a, b)
		}
	}
	minID := cnt // reused: cnt is no longer needed
	clear(minID)
	cnt = nil
	for id := n - 1; id >= 1; id-- {
		if g.Type[id] != 0 {
			minID[cust.find(uint32(id))] = uint32(id)
		}
	}
	res := Result{Customer: make([]uint32, n), Shared: shared, Persons: npersons}
	for id := 1; id < n; id++ {
		if g.Type[id] != 0 {
			res.Customer[id] = minID[cust.find(uint32(id))]
		}
	}
	// MultiPerson: customers holding more than MaxPersons persons.
	if maxP == 1 {
		first := minID // reused: first person seen per customer
		clear(first)
		multi := make([]bool, n)
		for id := 1; id < n; id++ {
			if p := person[id]; p != 0 && isAnchor(uint32(id)) {
				c := res.Customer[id]
				if first[c] == 0 {
					first[c] = p
				} else if first[c] != p && !multi[c] {
					multi[c] = true
					res.MultiPerson++
				}
			}
		}
		return res
	}
	pairs := make([]uint64, 0, 1024)
	for id := 1; id < n; id++ {
		if person[id] != 0 && isAnchor(uint32(id)) {
			pairs = append(pairs, uint64(res.Customer[id])<<32|uint64(person[id]))
		}
	}
	slices.Sort(pairs)
	pairs = slices.Compact(pairs)
	for i := 0; i < len(pairs); {
		c := pairs[i] >> 32
		j := i
		for j < len(pairs) && pairs[j]>>32 == c {
			j++
		}
		if uint32(j-i) > maxP {
			res.MultiPerson++
		}
		i = j
	}
	return res
}

// attributeOne is step 3 for MaxPersons = 1 in O(links) time and one array
// of memory: an identifier whose neighbours name two different persons is
// shared; one naming a single person is attributed to it.
func attributeOne(g *Graph, person []uint32, shared []bool, isAnchor func(uint32) bool, rounds int, seen []uint32) {
	// seen[y] is the person y's neighbours named this round, or multi.
	const multi = ^uint32(0)
	for round := 0; round < rounds; round++ {
		clear(seen)
		changed := false
		note := func(y, p uint32) {
			switch seen[y] {
			case 0:
				seen[y] = p
			case p, multi:
			default:
				seen[y] = multi
			}
		}
		for _, l := range g.Links {
			a, b := uint32(l>>32), uint32(l)
			if shared[a] || shared[b] {
				continue
			}
			if person[b] != 0 && person[a] == 0 && !isAnchor(a) {
				note(a, person[b])
			}
			if person[a] != 0 && person[b] == 0 && !isAnchor(b) {
				note(b, person[a])
			}
		}
		for id, p := range seen {
			switch p {
			case 0:
			case multi:
				shared[id] = true
				changed = true
			default:
				person[id] = p
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

// attributeMany is step 3 for MaxPersons > 1: it counts the distinct
// persons of each identifier's neighbours by sorting (identifier, person)
// pairs. An identifier attributed to up to MaxPersons persons keeps no
// person and merges freely.
func attributeMany(g *Graph, person []uint32, shared []bool, isAnchor func(uint32) bool, rounds int, maxP uint32) {
	var pairs []uint64
	for round := 0; round < rounds; round++ {
		pairs = pairs[:0]
		for _, l := range g.Links {
			a, b := uint32(l>>32), uint32(l)
			if shared[a] || shared[b] {
				continue
			}
			if person[b] != 0 && person[a] == 0 && !isAnchor(a) {
				pairs = append(pairs, uint64(a)<<32|uint64(person[b]))
			}
			if person[a] != 0 && person[b] == 0 && !isAnchor(b) {
				pairs = append(pairs, uint64(b)<<32|uint64(person[a]))
			}
		}
		if len(pairs) == 0 {
			return
		}
		slices.Sort(pairs)
		pairs = slices.Compact(pairs)
		for i := 0; i < len(pairs); {
			id := uint32(pairs[i] >> 32)
			j := i
			for j < len(pairs) && uint32(pairs[j]>>32) == id {
				j++
			}
			if uint32(j-i) > maxP {
				shared[id] = true
			} else if j-i == 1 {
				person[id] = uint32(pairs[i])
			}
			i = j
		}
	}
}
