package backend

import (
	"fmt"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/store"
)

func TestRankHits(t *testing.T) {
	h := func(c int64, m string) store.CustomerHit { return store.CustomerHit{Customer: c, Matched: m} }
	for _, tc := range []struct {
		name  string
		query string
		hits  []store.CustomerHit
		want  []int64
	}{
		{
			name:  "consecutive letters beat scattered ones",
			query: "jaksn",
			hits:  []store.CustomerHit{h(1, "email:jxaxkxsxn@example.org"), h(2, "email:emilyjackson86540047@example.net")},
			want:  []int64{2, 1},
		},
		{
			name:  "exact identifier first even when stored later",
			query: "jaksn",
			hits:  []store.CustomerHit{h(1, "email:jaksnx"), h(2, "email:jaksn")},
			want:  []int64{2, 1},
		},
		{
			name:  "exact in a normalised form (lower-cased email)",
			query: " Ann@Example.com ",
			hits:  []store.CustomerHit{h(1, "email:ann@example.com.au"), h(2, "email:ann@example.com")},
			want:  []int64{2, 1},
		},
		{
			name:  "exact trait value",
			query: "Midlands",
			hits:  []store.CustomerHit{h(1, "trait region=East Midlands"), h(2, "trait region=Midlands")},
			want:  []int64{2, 1},
		},
		{
			name:  "white space in the query is ignored by the fuzzy score",
			query: "em jackson",
			hits:  []store.CustomerHit{h(1, "trait note=zzz"), h(2, "email:emilyjackson@example.net")},
			want:  []int64{2, 1},
		},
		{
			name:  "hits the matcher rejects keep their order, last",
			query: "qq",
			hits:  []store.CustomerHit{h(1, "email:a"), h(2, "email:b"), h(3, "email:qxq")},
			want:  []int64{3, 1, 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			for _, x := range rankHits(tc.query, tc.hits) {
				got = append(got, x.Customer)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("order %v, want %v", got, tc.want)
			}
		})
	}
}
