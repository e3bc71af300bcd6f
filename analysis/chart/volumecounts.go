package chart

import (
	"sort"

	"github.com/journeyworkbench/workbench/analysis/store"
)

// VolumeFromCounts lays the store's per-channel daily counts out as a
// DailyVolume: every day from the first to the last present in rows (days
// without events count 0), channels ordered by total events, largest first
// (drawn at the bottom of the stack), ties by name. Rows may come in any
// order.
func VolumeFromCounts(rows []store.ChannelDayCount) DailyVolume {
	var v DailyVolume
	if len(rows) == 0 {
		return v
	}
	const dayMs = 86400000
	first, last := rows[0].Day, rows[0].Day
	total := map[string]int64{}
	for _, r := range rows {
		total[r.Channel] += r.Events
		first, last = min(first, r.Day), max(last, r.Day)
	}
	for c := range total {
		v.Channel = append(v.Channel, c)
	}
	sort.Slice(v.Channel, func(i, j int) bool {
		a, b := v.Channel[i], v.Channel[j]
		return total[a] > total[b] || (total[a] == total[b] && a < b)
	})
	idx := make(map[string]int, len(v.Channel))
	for i, c := range v.Channel {
		idx[c] = i
	}
	n := int((last-first)/dayMs) + 1
	for d := 0; d < n; d++ {
		v.Day = append(v.Day, first+int64(d)*dayMs)
	}
	v.Count = make([][]float64, len(v.Channel))
	for i := range v.Count {
		v.Count[i] = make([]float64, n)
	}
	for _, r := range rows {
		v.Count[idx[r.Channel]][(r.Day-first)/dayMs] += float64(r.Events)
	}
	return v
}
