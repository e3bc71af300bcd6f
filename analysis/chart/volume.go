package chart

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"image/color"
)

// DailyVolume is a count per channel per day: Day[d] is the start of day d
// in UTC milliseconds, Count[c][d] the count of channel Channel[c] on that
// day.
type DailyVolume struct {
	Day     []int64
	Channel []string
	Count   [][]float64
}

// Volume draws daily counts as stacked areas, one per channel in the
// order given (the first at the bottom), each in its channel's colour,
// over a date axis: the top edge of the stack on day d is
// Σ_c Count[c][d]. Days must be increasing; counts finite and ≥ 0.
func Volume(v DailyVolume, m Meta) (*plot.Plot, error) {
	nd, nc := len(v.Day), len(v.Channel)
	if nd == 0 || nc == 0 {
		return nil, errors.New("chart: no daily volume to draw: no days or no channels; widen the date range or remove filters")
	}
	if len(v.Count) != nc {
		return nil, fmt.Errorf("chart: daily volume has %d channels but %d rows of counts", nc, len(v.Count))
	}
	for d := 1; d < nd; d++ {
		if v.Day[d] <= v.Day[d-1] {
			return nil, fmt.Errorf("chart: the days of the daily volume must increase (day %d)", d+1)
		}
	}
	for c, row := range v.Count {
		if len(row) != nd {
			return nil, fmt.Errorf("chart: channel %q has %d daily counts for %d days", v.Channel[c], len(row), nd)
		}
		for d, x := range row {
			if err := checkFinite(fmt.Sprintf("the count of %s on %s", v.Channel[c], day(v.Day[d])), x); err != nil {
				return nil, err
			}
			if x < 0 {
				return nil, fmt.Errorf("chart: the count of %s on %s is negative (%g)", v.Channel[c], day(v.Day[d]), x)
			}
		}
	}
	p := newPlot(m, "Day (UTC)", "Events per day", "")
	addGrid(p, false)
	p.X.Tick.Marker = dayTicks{}
	colors := labelColors(v.Channel)
	xs := make([]float64, nd)
	for d, ms := range v.Day {
		xs[d] = float64(ms) / 1000
	}
	lower := make([]float64, nd)
	type entry struct {
		name string
		c    color.Color
	}
	var entries []entry
	for c, row := range v.Count {
		poly := make(plotter.XYs, 0, 2*nd)
		upper := make([]float64, nd)
		for d := range row {
			upper[d] = lower[d] + row[d]
			poly = append(poly, plotter.XY{X: xs[d], Y: upper[d]})
		}
		for d := nd - 1; d >= 0; d-- {
			poly = append(poly, plotter.XY{X: xs[d], Y: lower[d]})
		}
		col := colors[v.Channel[c]]
		if nd == 1 {
			// A single day is a stacked bar.
			poly = plotter.XYs{{X: xs[0] - 43200, Y: lower[0]}, {X: xs[0] - 43200, Y: upper[0]}, {X: xs[0] + 43200, Y: upper[0]}, {X: xs[0] + 43200, Y: lower[0]}}
		}
		pg, err := plotter.NewPolygon(poly)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		pg.Color = col
		pg.LineStyle = draw.LineStyle{Color: color.White, Width: vg.Points(0.6)}
		p.Add(pg)
		entries = append(entries, entry{Truncate(v.Channel[c], MaxLabel), col})
		lower = upper
	}
	var names []string
	for i := len(entries) - 1; i >= 0; i-- { // legend top-down like the stack
		p.Legend.Add(entries[i].name, swatch{entries[i].c})
		names = append(names, entries[i].name)
	}
	legendOutside(p, names)
	p.Y.Min = 0
	if nd == 1 {
		p.X.Min, p.X.Max = xs[0]-86400, xs[0]+86400
	} else {
		p.X.Min, p.X.Max = xs[0], xs[nd-1]
	}
	return p, nil
}

func day(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02") }

// dayTicks puts date ticks on whole UTC days (x in Unix seconds): every
// day up to two weeks; up to two months Mondays labelled and days as
// minor ticks; up to seven months the 1st and 15th labelled and Mondays
// as minor ticks; up to two years the 1st of each month; beyond, the 1st
// of each quarter labelled and of each month as minor ticks.
type dayTicks struct{}

func (dayTicks) Ticks(min, max float64) []plot.Tick {
	t0 := time.Unix(int64(math.Ceil(min)), 0).UTC()
	t0 = time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, time.UTC)
	if float64(t0.Unix()) < min {
		t0 = t0.AddDate(0, 0, 1)
	}
	span := (max - min) / 86400
	var ts []plot.Tick
	for t := t0; float64(t.Unix()) <= max; t = t.AddDate(0, 0, 1) {
		label, minor := "", false
		switch {
		case span <= 14:
			label = t.Format("2 Jan")
		case span <= 62:
			if t.Weekday() == time.Monday {
				label = t.Format("2 Jan")
			}
			minor = true
		case span <= 214:
			if t.Day() == 1 || t.Day() == 15 {
				label = t.Format("2 Jan")
			}
			minor = t.Weekday() == time.Monday
		case span <= 750:
			if t.Day() == 1 {
				label = t.Format("Jan 2006")
			}
		default:
			if t.Day() == 1 && (t.Month()-1)%3 == 0 {
				label = t.Format("Jan 2006")
			}
			minor = t.Day() == 1
		}
		if label != "" || minor {
			ts = append(ts, plot.Tick{Value: float64(t.Unix()), Label: label})
		}
	}
	return ts
}
