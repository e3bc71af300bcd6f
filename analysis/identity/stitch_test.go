package identity

import (
	"fmt"
	"testing"
)

// graph builds a Graph from named identifiers "type:value" and links.
type gb struct {
	g     Graph
	ids   map[string]uint32
	codes map[string]uint8
}

func newGB() *gb {
	return &gb{g: Graph{Type: []uint8{0}, TypeNames: []string{""}}, ids: map[string]uint32{}, codes: map[string]uint8{}}
}

func (b *gb) id(name string) uint32 {
	if id, ok := b.ids[name]; ok {
		return id
	}
	typ := name[:indexColon(name)]
	c, ok := b.codes[typ]
	if !ok {
		c = uint8(len(b.g.TypeNames))
		b.g.TypeNames = append(b.g.TypeNames, typ)
		b.codes[typ] = c
	}
	id := uint32(len(b.g.Type))
	b.g.Type = append(b.g.Type, c)
	b.ids[name] = id
	return id
}

func indexColon(s string) int {
	for i := range s {
		if s[i] == ':' {
			return i
		}
	}
	panic("no type in " + s)
}

// row links all identifiers of one row to each other.
func (b *gb) row(names ...string) {
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			b.g.Links = append(b.g.Links, Link(b.id(names[i]), b.id(names[j])))
		}
	}
	if len(names) == 1 {
		b.id(names[0])
	}
}

func (b *gb) stitch(guard Guard) (map[string]uint32, map[string]bool, Result) {
	b.g.Compact()
	r := Stitch(&b.g, guard)
	cust := map[string]uint32{}
	shared := map[string]bool{}
	for name, id := range b.ids {
		cust[name] = r.Customer[id]
		shared[name] = r.Shared[id]
	}
	return cust, shared, r
}

func TestStitchCases(t *testing.T) {
	cases := []struct {
		name   string
		rows   [][]string
		same   [][2]string // must share a customer
		apart  [][2]string // must not
		shared []string
	}{
		{
			name:  "login links a cookie to a CRM customer; alias links an older cookie",
			rows:  [][]string{{"anonymous_id:k1"}, {"crm_id:C1", "anonymous_id:k1", "email:a@x"}, {"crm_id:C1", "anonymous_id:k0"}, {"anonymous_id:k9"}},
			same:  [][2]string{{"anonymous_id:k1", "crm_id:C1"}, {"anonymous_id:k0", "email:a@x"}},
			apart: [][2]string{{"anonymous_id:k9", "crm_id:C1"}},
		},
		{
			name: "household email in two CRM rows is shared and merges no one",
			rows: [][]string{
				{"crm_id:C1", "email:home@x", "phone:+1"}, {"crm_id:C2", "email:home@x", "phone:+2"},
				{"email:home@x"}, // an email open
			},
			same:   [][2]string{{"crm_id:C1", "phone:+1"}, {"crm_id:C2", "phone:+2"}},
			apart:  [][2]string{{"crm_id:C1", "crm_id:C2"}, {"email:home@x", "crm_id:C1"}, {"email:home@x", "crm_id:C2"}},
			shared: []string{"email:home@x"},
		},
		{
			name:  "till receipt: card and email of one person merge with the CRM row",
			rows:  [][]string{{"crm_id:C1", "email:a@x", "loyalty_card:L1"}, {"loyalty_card:L1", "email:a@x"}, {"loyalty_card:L2", "email:b@x"}},
			same:  [][2]string{{"crm_id:C1", "loyalty_card:L1"}, {"loyalty_card:L2", "email:b@x"}},
			apart: [][2]string{{"crm_id:C1", "loyalty_card:L2"}},
		},
		{
			name:   "household email seen with a CRM person and a card-only person",
			rows:   [][]string{{"crm_id:C1", "email:home@x"}, {"loyalty_card:L7", "email:home@x"}},
			apart:  [][2]string{{"crm_id:C1", "loyalty_card:L7"}},
			shared: []string{"email:home@x"},
		},
		{
			name:   "a phone on two CRM rows (family landline) is shared",
			rows:   [][]string{{"crm_id:C1", "phone:+9"}, {"crm_id:C2", "phone:+9"}},
			apart:  [][2]string{{"crm_id:C1", "crm_id:C2"}},
			shared: []string{"phone:+9"},
		},
		{
			name: "a shared tablet: one device seen with two persons' cookies",
			rows: [][]string{
				{"crm_id:C1", "anonymous_id:k1"}, {"crm_id:C2", "anonymous_id:k2"},
				{"device_id:D", "anonymous_id:k1"}, {"device_id:D", "anonymous_id:k2"},
			},
			apart:  [][2]string{{"crm_id:C1", "crm_id:C2"}},
			shared: []string{"device_id:D"},
		},
		{
			name: "a crm id with two cards (a replaced card) stays one person",
			rows: [][]string{{"crm_id:C1", "loyalty_card:L1"}, {"crm_id:C1", "loyalty_card:L2"}, {"loyalty_card:L2", "email:a@x"}},
			same: [][2]string{{"loyalty_card:L1", "loyalty_card:L2"}, {"email:a@x", "crm_id:C1"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newGB()
			for _, r := range c.rows {
				b.row(r...)
			}
			cust, shared, res := b.stitch(DefaultGuard())
			for _, p := range c.same {
				if cust[p[0]] != cust[p[1]] {
					t.Errorf("%s and %s are apart (customers %d, %d)", p[0], p[1], cust[p[0]], cust[p[1]])
				}
			}
			for _, p := range c.apart {
				if cust[p[0]] == cust[p[1]] {
					t.Errorf("%s and %s were merged", p[0], p[1])
				}
			}
			want := map[string]bool{}
			for _, s := range c.shared {
				want[s] = true
				if !shared[s] {
					t.Errorf("%s not marked shared", s)
				}
			}
			for n, s := range shared {
				if s && !want[n] {
					t.Errorf("%s marked shared", n)
				}
			}
			if res.MultiPerson != 0 {
				t.Errorf("MultiPerson = %d", res.MultiPerson)
			}
			// A customer's id is the smallest identity id in it.
			for n, c := range cust {
				if c > b.ids[n] {
					t.Errorf("%s (id %d) has customer %d > its id", n, b.ids[n], c)
				}
			}
		})
	}
}

// TestMaxPersons: with MaxPersons 2, an email linked to two persons
// merges them; with 1 it does not.
func TestMaxPersons(t *testing.T) {
	for _, mp := range []int{1, 2} {
		b := newGB()
		b.row("crm_id:C1", "email:home@x")
		b.row("crm_id:C2", "email:home@x")
		g := DefaultGuard()
		g.MaxPersons = mp
		cust, _, _ := b.stitch(g)
		merged := cust["crm_id:C1"] == cust["crm_id:C2"]
		if merged != (mp == 2) {
			t.Errorf("MaxPersons %d: merged = %v", mp, merged)
		}
	}
}

// TestUnionFindChain checks a long chain (path compression must keep it
// linear) ends in one customer with the smallest id.
func TestUnionFindChain(t *testing.T) {
	b := newGB()
	const n = 100000
	for i := 0; i < n; i++ {
		b.row(fmt.Sprintf("anonymous_id:%d", i), fmt.Sprintf("anonymous_id:%d", i+1))
	}
	cust, _, _ := b.stitch(DefaultGuard())
	for name, c := range cust {
		if c != 1 {
			t.Fatalf("%s in customer %d, want 1", name, c)
		}
	}
}

func TestMergeTraits(t *testing.T) {
	obs := []TraitObs{
		{Key: "region", Value: "North", Time: 10, SourceID: 1},
		{Key: "region", Value: "Wales", Time: 20, SourceID: 1},
		{Key: "region", Value: "", Time: 30, SourceID: 2}, // empty never wins
		{Key: "signup_date", Value: "2024-01-01", Time: 20, SourceID: 1},
		{Key: "signup_date", Value: "2022-05-05", Time: 10, SourceID: 2},
		{Key: "tier", Value: "gold", Time: 5, SourceID: 1, Line: 2},
		{Key: "tier", Value: "silver", Time: 5, SourceID: 1, Line: 9}, // tie: later line wins
	}
	got := MergeTraits(obs)
	want := map[string]string{"region": "Wales", "signup_date": "2022-05-05", "tier": "silver"}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for _, tr := range got {
		if want[tr.Key] != tr.Value {
			t.Errorf("%s = %q, want %q (rule %s)", tr.Key, tr.Value, want[tr.Key], tr.Rule)
		}
	}
}

func TestCandidates(t *testing.T) {
	cases := map[string][]string{
		" Jane.Doe@Example.com ": {"Jane.Doe@Example.com", "jane.doe@example.com"},
		"07700 900123":           {"07700 900123", "+447700900123"},
		"+44 7700 900123":        {"+44 7700 900123", "+447700900123"},
		"C0001234":               {"C0001234"},
	}
	for in, want := range cases {
		got := Candidates(in)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Candidates(%q) = %q, want %q", in, got, want)
		}
	}
}
