package keys

import (
	"testing"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

var (
	_ help.KeyMap = Global{}
	_ help.KeyMap = Chart{}
)

func press(s string) tea.KeyMsg {
	switch s {
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func TestGlobalBindings(t *testing.T) {
	g := DefaultGlobal()
	cases := []struct {
		key  string
		want key.Binding
		name string
	}{
		{"tab", g.NextScreen, "next"},
		{"shift+tab", g.PrevScreen, "prev"},
		{"?", g.Help, "help"},
		{"/", g.Filter, "filter"},
		{"esc", g.Back, "back"},
		{"q", g.Quit, "quit q"},
		{"ctrl+c", g.Quit, "quit ctrl+c"},
		{"e", g.Export, "export"},
	}
	for _, c := range cases {
		if !key.Matches(press(c.key), c.want) {
			t.Errorf("%s: key %q does not match", c.name, c.key)
		}
	}
	if key.Matches(press("x"), g.Quit) {
		t.Error("x must not quit")
	}
	for i := 0; i < 9; i++ {
		if got := g.ScreenIndex(press(string(rune('1' + i)))); got != i {
			t.Errorf("screen key %d: ScreenIndex = %d", i+1, got)
		}
	}
	if got := g.ScreenIndex(press("0")); got != -1 {
		t.Errorf("0: ScreenIndex = %d, want -1", got)
	}
}

func TestChartBindingsAndDisabling(t *testing.T) {
	k := DefaultChart()
	for _, c := range []struct {
		key string
		b   key.Binding
	}{{"up", k.Up}, {"k", k.Up}, {"j", k.Down}, {"left", k.Left}, {"h", k.Left}, {"l", k.Right}, {"g", k.Home}, {"G", k.End}, {"enter", k.Select}} {
		if !key.Matches(press(c.key), c.b) {
			t.Errorf("key %q does not match its binding", c.key)
		}
	}
	v := k.Vertical()
	if key.Matches(press("left"), v.Left) || v.Left.Enabled() {
		t.Error("Vertical must disable left")
	}
	if !v.Up.Enabled() {
		t.Error("Vertical must keep up")
	}
	h := k.Horizontal()
	if h.Up.Enabled() || h.PageDown.Enabled() || !h.Right.Enabled() {
		t.Error("Horizontal must disable up/paging and keep right")
	}
}

func TestHelpLists(t *testing.T) {
	hm := help.New()
	hm.Width = 200
	short := hm.ShortHelpView(DefaultGlobal().ShortHelp())
	for _, want := range []string{"tab", "help", "quit", "export", "filter"} {
		if !contains(short, want) {
			t.Errorf("short help %q lacks %q", short, want)
		}
	}
	full := hm.FullHelpView(DefaultChart().Vertical().FullHelp())
	if contains(full, "←/h") {
		t.Errorf("disabled binding listed in full help: %q", full)
	}
	if !contains(full, "customers") {
		t.Errorf("full help lacks enter: %q", full)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
