package sparkline_test

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/sparkline"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// Daily conversions summed into as many columns as fit; enter on a column
// gives the first day of its bucket so the screen can list those customers.
func Example() {
	days := []float64{3, 5, 2, 8, 13, 21, 8, 5, 3, 1, 1, 2}
	m := sparkline.New(sparkline.WithStyles(styles.Plain()), sparkline.WithData(days, nil),
		sparkline.WithAggregate(sparkline.Sum), sparkline.WithMinMax())
	m.SetSize(20, 3) // wide enough: one column per day
	show(m.View())

	m.SetSize(9, 2) // 3 cells of min/max labels leave 6 columns: 2 days each
	m.Focus()       // the focused view gives its last line to the caption
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRight})
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRight})
	m, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	show(m.View())
	sel := cmd().(chart.SelectedMsg)
	fmt.Printf("column %d starts at day %d, total %v\n", sel.Col, sel.Index+1, sel.Value)
	// Output:
	// |21      █
	// |      ▁▇█▁
	// | 1 ▃▆▂████▆▃▁▁▂
	// |34 ▂▃█▃▁▁
	// |     ▲
	// column 2 starts at day 5, total 34
}

// show prints a view without colour, one "|"-prefixed line per row with
// trailing padding removed.
func show(view string) {
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		fmt.Println("|" + strings.TrimRight(l, " "))
	}
}
