package keys

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// List is the cursor movement of a vertical list or a scrolled text: one
// row, one page, the first row and the last. Every list in the workbench
// moves with the same keys.
type List struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
}

// DefaultList returns the list movement keymap: ↑/k and ↓/j one row,
// pgup/ctrl+u and pgdown/ctrl+d one page, home/g and end/G to the ends.
func DefaultList() List {
	return List{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),
	}
}

// Bindings returns the six bindings in the order help lists them.
func (l List) Bindings() []key.Binding {
	return []key.Binding{l.Up, l.Down, l.PageUp, l.PageDown, l.Home, l.End}
}

// Move returns the position after msg in a list of n rows of which page
// rows are shown at once: up and down move one row, page up and down move
// page rows, home and end go to rows 0 and n−1. The result is clamped to
// [0, n−1] (0 when the list is empty); moved reports whether msg is one of
// the list's keys (pos is cur, clamped, when it is not).
func (l List) Move(msg tea.KeyMsg, cur, n, page int) (pos int, moved bool) {
	page = max(page, 1)
	pos, moved = cur, true
	switch {
	case key.Matches(msg, l.Up):
		pos--
	case key.Matches(msg, l.Down):
		pos++
	case key.Matches(msg, l.PageUp):
		pos -= page
	case key.Matches(msg, l.PageDown):
		pos += page
	case key.Matches(msg, l.Home):
		pos = 0
	case key.Matches(msg, l.End):
		pos = n - 1
	default:
		moved = false
	}
	return min(max(pos, 0), max(n-1, 0)), moved
}
