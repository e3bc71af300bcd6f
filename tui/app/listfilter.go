package app

import (
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/tui/chart"
)

// ListFilter is the `/` filter of a list: a one-line input whose text keeps
// the rows containing it (case-insensitive). While it has focus the screen
// is Capturing; enter keeps the filter and returns to the list, esc clears
// it.
type ListFilter struct {
	in textinput.Model
}

// NewListFilter returns an empty, unfocused filter.
func NewListFilter() ListFilter {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "filter"
	in.CharLimit = 200
	return ListFilter{in: in}
}

// Focus starts editing the filter.
func (f *ListFilter) Focus() tea.Cmd { return f.in.Focus() }

// Focused reports whether the filter is being edited.
func (f ListFilter) Focused() bool { return f.in.Focused() }

// Value is the filter text.
func (f ListFilter) Value() string { return f.in.Value() }

// Active reports whether a filter text is set.
func (f ListFilter) Active() bool { return strings.TrimSpace(f.in.Value()) != "" }

// Clear removes the filter text and leaves editing.
func (f *ListFilter) Clear() { f.in.SetValue(""); f.in.Blur() }

// Match reports whether any of the texts contains the filter text
// (case-insensitive); everything matches an empty filter.
func (f ListFilter) Match(texts ...string) bool {
	q := strings.ToLower(strings.TrimSpace(f.in.Value()))
	if q == "" {
		return true
	}
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), q) {
			return true
		}
	}
	return false
}

// Update edits the filter while it has focus: enter keeps the text and
// leaves editing, esc clears it. changed reports whether the text changed.
func (f ListFilter) Update(msg tea.Msg) (nf ListFilter, cmd tea.Cmd, changed bool) {
	if !f.in.Focused() {
		return f, nil, false
	}
	before := f.in.Value()
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.String() {
		case "enter":
			f.in.Blur()
			return f, nil, false
		case "esc":
			f.Clear()
			return f, nil, before != ""
		}
	}
	f.in, cmd = f.in.Update(msg)
	return f, cmd, f.in.Value() != before
}

// View draws the filter line in w cells ("" when no filter is set or
// edited).
func (f ListFilter) View(w int) string {
	if !f.in.Focused() && !f.Active() {
		return ""
	}
	f.in.Width = max(w-3, 1)
	return chart.Truncate(f.in.View(), w)
}
