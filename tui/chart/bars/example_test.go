package bars_test

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/bars"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// A funnel screen: the solid bar is the customers reaching each step, the
// lighter remainder those lost since the previous step. The screen forwards
// keys to the focused chart and lists customers when it gets SelectedMsg.
func Example() {
	counts := []float64{1200, 700, 310}
	steps := []string{"visit", "cart", "purchase"}
	items := make([]bars.Item, len(steps))
	for i := range steps {
		prev := counts[0]
		if i > 0 {
			prev = counts[i-1]
		}
		items[i] = bars.Item{Label: steps[i], Value: counts[i], Remainder: prev - counts[i],
			Note: chart.FormatPercent(counts[i] / counts[0])}
	}
	m := bars.New(bars.WithStyles(styles.Plain()), bars.WithItems(items), bars.WithID("funnel"))
	m.SetSize(40, 3) // from the screen's layout, on every tea.WindowSizeMsg
	m.Focus()

	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyDown})
	m, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	show(m.View())
	if sel, ok := cmd().(chart.SelectedMsg); ok && sel.ID == "funnel" {
		fmt.Printf("list customers at step %d (%s): %s\n", sel.Index, sel.Label, chart.FormatCount(sel.Value))
	}
	// Output:
	// |  visit    ████████████████ 1,200 100.0%
	// |▸ cart     █████████▍░░░░░░   700 58.3%
	// |  purchase ████▏░░░░          310 25.8%
	// list customers at step 1 (cart): 700
}

// show prints a view without colour, one "|"-prefixed line per row with
// trailing padding removed.
func show(view string) {
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		fmt.Println("|" + strings.TrimRight(l, " "))
	}
}
