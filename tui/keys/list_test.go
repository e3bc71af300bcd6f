package keys

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestListMove(t *testing.T) {
	l := DefaultList()
	k := func(s string) tea.KeyMsg {
		switch s {
		case "up":
			return tea.KeyMsg{Type: tea.KeyUp}
		case "down":
			return tea.KeyMsg{Type: tea.KeyDown}
		case "pgup":
			return tea.KeyMsg{Type: tea.KeyPgUp}
		case "pgdown":
			return tea.KeyMsg{Type: tea.KeyPgDown}
		case "home":
			return tea.KeyMsg{Type: tea.KeyHome}
		case "end":
			return tea.KeyMsg{Type: tea.KeyEnd}
		}
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
	}
	for _, c := range []struct {
		key          string
		cur, n, page int
		want         int
		wantMoved    bool
	}{
		{"down", 0, 10, 5, 1, true},
		{"j", 9, 10, 5, 9, true},
		{"up", 0, 10, 5, 0, true},
		{"k", 4, 10, 5, 3, true},
		{"pgdown", 2, 10, 5, 7, true},
		{"pgdown", 7, 10, 5, 9, true},
		{"pgup", 7, 10, 5, 2, true},
		{"pgup", 3, 10, 0, 2, true}, // a page is at least one row
		{"home", 7, 10, 5, 0, true},
		{"g", 7, 10, 5, 0, true},
		{"end", 0, 10, 5, 9, true},
		{"G", 0, 10, 5, 9, true},
		{"end", 0, 0, 5, 0, true}, // empty list
		{"down", 0, 0, 5, 0, true},
		{"x", 4, 10, 5, 4, false},
		{"x", 12, 10, 5, 9, false}, // clamped even when not moved
	} {
		got, moved := l.Move(k(c.key), c.cur, c.n, c.page)
		if got != c.want || moved != c.wantMoved {
			t.Errorf("Move(%q, cur %d, n %d, page %d) = %d, %v; want %d, %v", c.key, c.cur, c.n, c.page, got, moved, c.want, c.wantMoved)
		}
	}
}
