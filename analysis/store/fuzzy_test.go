package store

import (
	"context"
	"fmt"
	"testing"
)

// fuzzyStore holds customers 1–5, each with one identifier, and a CRM
// row of traits for customer 5.
func fuzzyStore(t *testing.T) *Store {
	t.Helper()
	s, _ := tempStore(t)
	ctx := context.Background()
	tx, err := s.BeginLoad(ctx, SourceInfo{Path: "/x/ids", Name: "ids", Kind: "test", Checksum: "ids", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	ids := []struct {
		typ, value string
	}{
		{"email", "emilyjackson86540047@example.net"}, // 1
		{"email", "jaksn"},                            // 2: the query itself
		{"email", "j%a_k\\s"},                         // 3: wildcards as data
		{"email", "jxaxkxsxn@example.org"},            // 4: a scattered match
		{"crm_id", "C000005"},                         // 5: traits only
	}
	for i, x := range ids {
		id := int64(i + 1)
		if _, err := tx.Label(LabelIDType, x.typ); err != nil {
			t.Fatal(err)
		}
		if err := tx.AddIdentity(id, x.typ, x.value, id, false, id, 0); err != nil {
			t.Fatal(err)
		}
		if err := tx.PutCustomer(id, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.AddProfileRow(5, 0, 5, `{"first_name":"Wilhelmina","last_name":"Quist"}`, 1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Finish(FinishStats{Kind: "test", Read: 5, Loaded: 5}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSearchCustomersSubsequence(t *testing.T) {
	s := fuzzyStore(t)
	for _, tc := range []struct {
		query string
		want  []int64 // customers in order
	}{
		// Exact identifier first (prefix stage), then subsequence hits by
		// fuzzy score: consecutive "jack" in 1 beats scattered letters in 4.
		{"jaksn", []int64{2, 1, 4}},
		{"JAKSN", []int64{2, 1, 4}},
		{"emjackson", []int64{1}},
		{"em jackson", []int64{1}},
		// % and _ are literal characters, not wildcards: only customer 3
		// holds them; "j%k" is not a subsequence of "jaksn".
		{"j%k", []int64{3}},
		{"a_\\", []int64{3}},
		{"%", []int64{3}},
		{"_", []int64{3}},
		// Trait values match too.
		{"wlhmn", []int64{5}},
		{"qst", []int64{5}},
		{"zzzz-no-such-thing", nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			hits, err := s.SearchCustomers(context.Background(), tc.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, h := range hits {
				got = append(got, h.Customer)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("customers %v (%+v), want %v", got, hits, tc.want)
			}
		})
	}
}

func TestSearchSubsequenceMatchedText(t *testing.T) {
	s := fuzzyStore(t)
	hits, err := s.SearchCustomers(context.Background(), "wlhmn", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Matched != "trait first_name=Wilhelmina" {
		t.Errorf("hits %+v, want the first_name trait", hits)
	}
	// The limit counts prefix hits and subsequence hits together.
	hits, err = s.SearchCustomers(context.Background(), "jaksn", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Customer != 2 || hits[1].Customer != 1 {
		t.Errorf("limit 2: %+v, want customers 2 then 1", hits)
	}
}

func TestLikeSubsequence(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"jak", "%j%a%k%"},
		{"a%b", `%a%\%%b%`},
		{"_", `%\_%`},
		{`\`, `%\\%`},
		{"é", "%é%"},
	} {
		if got := likeSubsequence(tc.q); got != tc.want {
			t.Errorf("likeSubsequence(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func ExampleStore_SearchCustomers_subsequence() {
	// "jaksn" is a subsequence of "emilyjackson…" (fzf-style fuzzy match).
	fmt.Println(isSubsequenceFold("jaksn", "emilyjackson86540047@example.net"), isSubsequenceFold("jaksn", "jason"))
	// Output: true false
}
