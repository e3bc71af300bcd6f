package attribution

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Path is one sequence of channel touches and what followed it.
//
// Channels holds the channel of each touch, in time order. Times, when not
// empty, holds the UTC millisecond time of each touch (same length as
// Channels); only TimeDecay reads it. ConvTime is the UTC millisecond time of
// the conversion (0 = unknown: TimeDecay then uses the last touch's time).
// Conversions and Value are the number and total value of the conversions
// that followed this sequence; Nulls is the number of journeys with this
// sequence that did not convert. An aggregated path (many journeys) simply
// carries larger counts.
type Path struct {
	Channels    []string `json:"channels"`
	Times       []int64  `json:"times,omitempty"`
	ConvTime    int64    `json:"conv_time,omitempty"`
	Conversions float64  `json:"conversions"`
	Value       float64  `json:"value"`
	Nulls       float64  `json:"nulls"`
}

// Row is the attribution of one channel.
//
// Conversions and Value are the conversions and value credited to the
// channel; Share = Conversions / Result.TotalConversions (0 when there are
// no conversions).
type Row struct {
	Channel     string  `json:"channel"`
	Conversions float64 `json:"conversions"`
	Value       float64 `json:"value"`
	Share       float64 `json:"share"`
}

// Result is the output of one attribution model.
//
// Rows has one row per channel seen in any path (converting or not), sorted
// by channel name. TotalConversions and TotalValue are the conversions and
// value of the paths with at least one channel; the rows sum to them.
// Unattributed holds the conversions and value of paths without any channel,
// which no model can credit.
type Result struct {
	Model            string  `json:"model"`
	Rows             []Row   `json:"rows"`
	TotalConversions float64 `json:"total_conversions"`
	TotalValue       float64 `json:"total_value"`
	Unattributed     Totals  `json:"unattributed"`
}

// Totals is a pair of conversion and value totals.
type Totals struct {
	Conversions float64 `json:"conversions"`
	Value       float64 `json:"value"`
}

// Row returns the row of the named channel and whether it exists.
func (r Result) Row(channel string) (Row, bool) {
	i := sort.Search(len(r.Rows), func(i int) bool { return r.Rows[i].Channel >= channel })
	if i < len(r.Rows) && r.Rows[i].Channel == channel {
		return r.Rows[i], true
	}
	return Row{}, false
}

// Channels returns the channel names of the rows, in row order.
func (r Result) Channels() []string {
	out := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = row.Channel
	}
	return out
}

// ByConversions returns a copy of the rows sorted by attributed conversions,
// largest first (ties by channel name), for display.
func (r Result) ByConversions() []Row {
	out := append([]Row(nil), r.Rows...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Conversions != out[j].Conversions {
			return out[i].Conversions > out[j].Conversions
		}
		return out[i].Channel < out[j].Channel
	})
	return out
}

// channelIndex is the dictionary of channel names of a path set: names
// sorted, ids 0..n-1 in that order, and every path encoded as ids.
type channelIndex struct {
	names []string
	id    map[string]int
	seqs  [][]int // per path; nil for a path without channels
}

// indexPaths validates paths and encodes their channels. It returns an
// error naming the first path (0-based index) that is not usable.
func indexPaths(paths []Path) (*channelIndex, error) {
	ix := &channelIndex{id: map[string]int{}}
	touches := 0
	for i, p := range paths {
		if err := validatePath(p); err != nil {
			return nil, fmt.Errorf("path %d: %w", i, err)
		}
		touches += len(p.Channels)
	}
	// Encode with ids in order of first appearance (one map lookup per
	// touch, all sequences in one backing array), then renumber so that ids
	// follow the sorted names.
	backing := make([]int, touches)
	ix.seqs = make([][]int, len(paths))
	last, lastID := "", -1
	for i, p := range paths {
		if len(p.Channels) == 0 {
			continue
		}
		s := backing[:len(p.Channels):len(p.Channels)]
		backing = backing[len(p.Channels):]
		for j, c := range p.Channels {
			if c != last || lastID < 0 {
				id, ok := ix.id[c]
				if !ok {
					id = len(ix.names)
					ix.id[c] = id
					ix.names = append(ix.names, c)
				}
				last, lastID = c, id
			}
			s[j] = lastID
		}
		ix.seqs[i] = s
	}
	order := make([]int, len(ix.names))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return ix.names[order[a]] < ix.names[order[b]] })
	renum := make([]int, len(order))
	sorted := make([]string, len(order))
	for newID, old := range order {
		renum[old] = newID
		sorted[newID] = ix.names[old]
		ix.id[ix.names[old]] = newID
	}
	ix.names = sorted
	for _, s := range ix.seqs {
		for j, c := range s {
			s[j] = renum[c]
		}
	}
	return ix, nil
}

func validatePath(p Path) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"conversions", p.Conversions}, {"value", p.Value}, {"nulls", p.Nulls}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s is %v; give a finite number", f.name, f.v)
		}
		if f.name != "value" && f.v < 0 {
			return fmt.Errorf("%s is negative (%v); counts must be 0 or more", f.name, f.v)
		}
	}
	for j, c := range p.Channels {
		if strings.TrimSpace(c) == "" {
			return fmt.Errorf("touch %d has an empty channel name", j+1)
		}
	}
	if len(p.Times) != 0 && len(p.Times) != len(p.Channels) {
		return fmt.Errorf("has %d times for %d channels; give one time per touch or none", len(p.Times), len(p.Channels))
	}
	return nil
}

// newResult builds a Result from per-channel credited conversions and value.
func newResult(model string, ix *channelIndex, paths []Path, conv, val []float64) Result {
	r := Result{Model: model, Rows: make([]Row, len(ix.names))}
	for i, p := range paths {
		if ix.seqs[i] == nil {
			r.Unattributed.Conversions += p.Conversions
			r.Unattributed.Value += p.Value
			continue
		}
		r.TotalConversions += p.Conversions
		r.TotalValue += p.Value
	}
	for i, n := range ix.names {
		r.Rows[i] = Row{Channel: n, Conversions: conv[i], Value: val[i]}
		if r.TotalConversions > 0 {
			r.Rows[i].Share = conv[i] / r.TotalConversions
		}
	}
	return r
}

// CollapseRepeats returns copies of the paths in which every run of
// consecutive touches on the same channel is replaced by its first touch
// (A > A > B > A becomes A > B > A); the time kept for a run is the time of
// its first touch. Counts are unchanged.
func CollapseRepeats(paths []Path) []Path {
	out := make([]Path, len(paths))
	for i, p := range paths {
		q := p
		q.Channels = nil
		q.Times = nil
		for j, c := range p.Channels {
			if j > 0 && c == p.Channels[j-1] {
				continue
			}
			q.Channels = append(q.Channels, c)
			if len(p.Times) == len(p.Channels) {
				q.Times = append(q.Times, p.Times[j])
			}
		}
		out[i] = q
	}
	return out
}

// Aggregate merges paths with the same channel sequence into one path whose
// Conversions, Value and Nulls are the sums. Times and ConvTime are dropped
// (they differ between journeys). The order is that of first appearance.
func Aggregate(paths []Path) []Path {
	pos := map[string]int{}
	var out []Path
	for _, p := range paths {
		key := strings.Join(p.Channels, "\x00")
		i, ok := pos[key]
		if !ok {
			i = len(out)
			pos[key] = i
			out = append(out, Path{Channels: append([]string(nil), p.Channels...)})
		}
		out[i].Conversions += p.Conversions
		out[i].Value += p.Value
		out[i].Nulls += p.Nulls
	}
	return out
}
