package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/store"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/chart"
)

const filterKind = "app.filter-labels"

const dayMs = int64(24 * time.Hour / time.Millisecond)

// Preset time ranges of the filter editor, relative to the last day with
// data: "last N days" is [lastDay+1d−N·1d, lastDay+1d).
var presetDays = []int{0, 7, 30, 90}

func presetName(days int) string {
	if days == 0 {
		return "all time"
	}
	return fmt.Sprintf("last %d days", days)
}

type filterEditor struct {
	c    *Common
	w, h int
	row  int // 0 time range, 1 channels, 2 segment

	preset   int // index in presetDays; -1 keeps a custom range
	from, to int64
	lastDay  int64

	channels []string
	on       map[string]bool
	chCur    int

	seg     textinput.Model
	loading bool
	err     error
}

func newFilterEditor(c *Common) *filterEditor {
	f := &filterEditor{c: c, on: map[string]bool{}, from: c.Filters.From, to: c.Filters.To, preset: -1}
	for _, ch := range c.Filters.Channels {
		f.on[ch] = true
	}
	f.seg = textinput.New()
	f.seg.Prompt = ""
	f.seg.Placeholder = "saved segment name or expression"
	f.seg.CharLimit = 256
	f.seg.SetValue(c.Filters.Segment)
	if f.from == 0 && f.to == 0 {
		f.preset = 0
	}
	return f
}

func (f *filterEditor) init() tea.Cmd {
	if f.c.Backend == nil {
		return nil
	}
	if c, _ := f.c.Backend.CachedCounts(); c != nil {
		f.fill(c)
		return nil
	}
	f.loading = true
	b := f.c.Backend
	return b.RunLabel(context.Background(), filterKind, "reading channels", func(ctx context.Context) (any, error) {
		c, _, err := b.Counts(ctx)
		return c, err
	})
}

func (f *filterEditor) result(msg backend.ResultMsg) {
	f.loading = false
	if msg.Err != nil {
		f.err = msg.Err
		return
	}
	if c, ok := msg.Value.(*store.Counts); ok {
		f.fill(c)
	}
}

func (f *filterEditor) fill(c *store.Counts) {
	f.channels = f.channels[:0]
	for _, lc := range c.ByChannel {
		f.channels = append(f.channels, lc.Channel)
	}
	for _, d := range c.ByDay {
		if d.Day > f.lastDay {
			f.lastDay = d.Day
		}
	}
	if f.preset == -1 {
		for i, n := range presetDays {
			if n > 0 && f.from == f.lastDay+dayMs-int64(n)*dayMs && f.to == f.lastDay+dayMs {
				f.preset = i
			}
		}
	}
}

func (f *filterEditor) setSize(w, h int) { f.w, f.h = w, h; f.seg.Width = max(w-20, 1) }

func (f *filterEditor) rangeOf(i int) (int64, int64) {
	n := presetDays[i]
	if n == 0 || f.lastDay == 0 {
		return 0, 0
	}
	end := f.lastDay + dayMs
	return end - int64(n)*dayMs, end
}

// result2 is the Filters the editor describes.
func (f *filterEditor) result2() Filters {
	out := Filters{From: f.from, To: f.to, Segment: strings.TrimSpace(f.seg.Value())}
	if f.preset >= 0 {
		out.From, out.To = f.rangeOf(f.preset)
	}
	for _, ch := range f.channels {
		if f.on[ch] {
			out.Channels = append(out.Channels, ch)
		}
	}
	// Channels chosen earlier that the data no longer has are kept.
	for _, ch := range f.c.Filters.Channels {
		if f.on[ch] && !contains(f.channels, ch) {
			out.Channels = append(out.Channels, ch)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (f *filterEditor) update(msg tea.Msg) (tea.Cmd, bool) {
	if f.row != 2 {
		return nil, false
	}
	var cmd tea.Cmd
	f.seg, cmd = f.seg.Update(msg)
	return cmd, cmd != nil
}

func (f *filterEditor) focusRow(r int) tea.Cmd {
	f.row = chart.Clamp(r, 0, 2)
	if f.row == 2 {
		return f.seg.Focus()
	}
	f.seg.Blur()
	return nil
}

// key handles a key; done says the editor closes, apply that its filters
// become the global ones.
func (f *filterEditor) key(msg tea.KeyMsg) (done, apply bool, cmd tea.Cmd) {
	s := msg.String()
	switch s {
	case "esc":
		return true, false, nil
	case "enter":
		return true, true, nil
	case "up", "shift+tab":
		return false, false, f.focusRow(f.row - 1)
	case "down", "tab":
		return false, false, f.focusRow(f.row + 1)
	}
	if f.row == 2 {
		var c tea.Cmd
		f.seg, c = f.seg.Update(msg)
		return false, false, c
	}
	switch s {
	case "k":
		return false, false, f.focusRow(f.row - 1)
	case "j":
		return false, false, f.focusRow(f.row + 1)
	case "c":
		f.preset, f.from, f.to = 0, 0, 0
		f.on = map[string]bool{}
		f.seg.SetValue("")
		return false, false, nil
	case "left", "h", "right", "l":
		d := 1
		if s == "left" || s == "h" {
			d = -1
		}
		if f.row == 0 {
			p := f.preset
			if p < 0 {
				p = 0
			}
			f.preset = (p + d + len(presetDays)) % len(presetDays)
		} else if len(f.channels) > 0 {
			f.chCur = (f.chCur + d + len(f.channels)) % len(f.channels)
		}
	case " ", "x":
		if f.row == 1 && len(f.channels) > 0 {
			ch := f.channels[f.chCur]
			f.on[ch] = !f.on[ch]
		}
	}
	return false, false, nil
}

func (f *filterEditor) shortHelp() []key.Binding {
	b := func(k, d string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, d)) }
	if f.row == 2 {
		return []key.Binding{b("↑/↓", "row"), b("enter", "apply"), b("esc", "cancel")}
	}
	return []key.Binding{b("↑/↓", "row"), b("←/→", "choose"), b("space", "toggle channel"), b("c", "clear"), b("enter", "apply"), b("esc", "cancel")}
}

func (f *filterEditor) view() string {
	st := f.c.Styles
	mark := func(r int) string {
		if r == f.row {
			return st.Render(st.Cursor, "▸ ")
		}
		return "  "
	}
	lines := []string{st.Render(st.Title, "Filters") + st.Render(st.Muted, " — apply to every screen"), ""}
	// time range
	var opts []string
	for i, n := range presetDays {
		label := presetName(n)
		if i == f.preset {
			opts = append(opts, st.Render(st.Selected, "(•) "+label))
		} else {
			opts = append(opts, "( ) "+label)
		}
	}
	if f.preset < 0 {
		opts = append(opts, st.Render(st.Selected, "(•) "+(&Filters{From: f.from, To: f.to}).Describe()))
	}
	lines = append(lines, mark(0)+st.Render(st.Header, "time range  ")+strings.Join(opts, "  "))
	if f.lastDay != 0 {
		lines = append(lines, "              "+st.Render(st.Muted, "relative to the last day with data, "+time.UnixMilli(f.lastDay).UTC().Format("2006-01-02")))
	} else {
		lines = append(lines, "")
	}
	// channels
	var chs []string
	switch {
	case f.loading:
		chs = []string{st.Render(st.Muted, "reading the channels…")}
	case f.err != nil:
		chs = []string{st.Render(st.Error, chart.Sanitize(f.err.Error()))}
	case len(f.channels) == 0:
		chs = []string{st.Render(st.Muted, "no events loaded")}
	}
	for i, ch := range f.channels {
		box := "[ ]"
		if f.on[ch] {
			box = "[x]"
		}
		item := box + " " + chart.Sanitize(ch)
		if f.row == 1 && i == f.chCur {
			item = st.Render(st.Selected, item)
		}
		chs = append(chs, item)
	}
	prefix := mark(1) + st.Render(st.Header, "channels    ")
	cur := ""
	for _, c := range chs {
		if cur != "" && chart.Width(cur)+2+chart.Width(c) > f.w-14 {
			lines = append(lines, prefix+cur)
			prefix, cur = "              ", ""
		}
		if cur != "" {
			cur += "  "
		}
		cur += c
	}
	lines = append(lines, prefix+cur)
	lines = append(lines, "              "+st.Render(st.Muted, "none ticked means every channel"))
	lines = append(lines, mark(2)+st.Render(st.Header, "segment     ")+f.seg.View())
	lines = append(lines, "", st.Render(st.Muted, "Now: "+chart.Sanitize(f.c.Filters.Describe())))
	return chart.Block(lines, f.w, f.h)
}
