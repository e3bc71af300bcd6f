// Package keys defines the workbench's key bindings: the global keymap the
// root model handles and the navigation keymap shared by every chart
// component. Both implement help.KeyMap so the bubbles help view can list them.
package keys

import (
	"strconv"

	"github.com/charmbracelet/bubbles/key"
)

// Global holds the bindings active on every screen.
type Global struct {
	NextScreen key.Binding // tab
	PrevScreen key.Binding // shift+tab
	Screens    [9]key.Binding
	Help       key.Binding // ?
	Filter     key.Binding // /
	Back       key.Binding // esc: cancel the current input or go back
	Quit       key.Binding // q, ctrl+c
	Export     key.Binding // e: export the current chart or table
}

// DefaultGlobal returns the global keymap: tab/shift+tab cycle screens, 1–9
// jump to a screen, ? toggles help, / filters, esc cancels, q or ctrl+c
// quits and e exports.
func DefaultGlobal() Global {
	g := Global{
		NextScreen: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevScreen: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Export:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export")),
	}
	for i := range g.Screens {
		n := strconv.Itoa(i + 1)
		g.Screens[i] = key.NewBinding(key.WithKeys(n), key.WithHelp(n, "screen "+n))
	}
	return g
}

// ScreenIndex reports which screen number key (0-based) msg matches, or -1.
// msg is typically tea.KeyMsg; any fmt.Stringer works.
func (g Global) ScreenIndex(msg interface{ String() string }) int {
	for i, b := range g.Screens {
		if key.Matches(msg, b) {
			return i
		}
	}
	return -1
}

// ScreenKeys is one binding standing for all of 1–9 in help views.
func (g Global) ScreenKeys() key.Binding {
	return key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"),
		key.WithHelp("1-9", "go to screen"))
}

// ShortHelp implements help.KeyMap.
func (g Global) ShortHelp() []key.Binding {
	return []key.Binding{g.NextScreen, g.Help, g.Filter, g.Export, g.Quit}
}

// FullHelp implements help.KeyMap.
func (g Global) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{g.NextScreen, g.PrevScreen, g.ScreenKeys()},
		{g.Filter, g.Back, g.Export},
		{g.Help, g.Quit},
	}
}

// Chart holds the navigation bindings of the chart components. A component
// disables the bindings it does not use (see Vertical, Grid), so help views
// list only keys that do something.
type Chart struct {
	Up       key.Binding
	Down     key.Binding
	Left     key.Binding
	Right    key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Select   key.Binding // enter: list the customers behind the selection
}

// DefaultChart returns the chart navigation keymap: arrows or hjkl move the
// selection, pgup/pgdown page, home/g and end/G jump, enter selects.
func DefaultChart() Chart {
	return Chart{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Select:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "customers")),
	}
}

// Vertical returns k with left/right disabled (bars, tables).
func (k Chart) Vertical() Chart {
	k.Left.SetEnabled(false)
	k.Right.SetEnabled(false)
	return k
}

// Horizontal returns k with up/down and paging disabled (sparklines).
func (k Chart) Horizontal() Chart {
	k.Up.SetEnabled(false)
	k.Down.SetEnabled(false)
	k.PageUp.SetEnabled(false)
	k.PageDown.SetEnabled(false)
	return k
}

// ShortHelp implements help.KeyMap.
func (k Chart) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Left, k.Right, k.Select}
}

// FullHelp implements help.KeyMap.
func (k Chart) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right},
		{k.PageUp, k.PageDown, k.Home, k.End},
		{k.Select},
	}
}
