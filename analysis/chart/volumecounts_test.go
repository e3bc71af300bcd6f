package chart

import (
	"reflect"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/store"
)

func TestVolumeFromCounts(t *testing.T) {
	const day = 86400000
	rows := []store.ChannelDayCount{ // out of order, a gap day, a repeated cell
		{Day: 3 * day, Channel: "email", Events: 4},
		{Day: 1 * day, Channel: "web", Events: 5},
		{Day: 1 * day, Channel: "email", Events: 1},
		{Day: 3 * day, Channel: "web", Events: 2},
		{Day: 3 * day, Channel: "web", Events: 1},
		{Day: 1 * day, Channel: "app", Events: 5},
	}
	v := VolumeFromCounts(rows)
	want := DailyVolume{
		Day:     []int64{1 * day, 2 * day, 3 * day},
		Channel: []string{"web", "app", "email"}, // web 8, then app 5 and email 5 by name
		Count:   [][]float64{{5, 0, 3}, {5, 0, 0}, {1, 0, 4}},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("VolumeFromCounts = %+v, want %+v", v, want)
	}
	if v := VolumeFromCounts(nil); len(v.Day) != 0 || len(v.Channel) != 0 {
		t.Errorf("no rows gave %+v", v)
	}
}
