package heatmap_test

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/heatmap"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// A transitions screen: values[a][b] counts customers whose event a was
// directly followed by b. Enter on a cell asks for the customers behind it.
func Example() {
	acts := []string{"web", "email", "store"}
	counts := [][]float64{{0, 120, 30}, {400, 0, 10}, {5, 60, 0}}
	m := heatmap.New(heatmap.WithStyles(styles.Plain()), heatmap.WithData(acts, acts, counts),
		heatmap.WithID("transitions"))
	m.SetSize(34, 6)
	m.Focus()
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyDown})
	m, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	show(m.View())
	sel := cmd().(chart.SelectedMsg)
	fmt.Printf("customers with %s: row %d col %d value %v\n", sel.Label, sel.Row, sel.Col, sel.Value)
	// Output:
	// |       ▾web   email store
	// | web          ▒▒▒▒▒ ░░░░░
	// |▸email [████]       ░░░░░
	// | store  ░░░░░ ░░░░░
	// | email → web  400
	// |
	// customers with email → web: row 1 col 0 value 400
}

// show prints a view without colour, one "|"-prefixed line per row with
// trailing padding removed.
func show(view string) {
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		fmt.Println("|" + strings.TrimRight(l, " "))
	}
}
