package sankey_test

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/journeyworkbench/workbench/tui/chart"
	"github.com/journeyworkbench/workbench/tui/chart/sankey"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// A paths screen converts its flow analysis (nodes per step and links
// between adjacent steps) into sankey.Node and sankey.Link. Right from a
// node selects its largest outgoing band; enter asks for its customers.
func Example() {
	nodes := []sankey.Node{
		{Step: 0, Label: "home", Value: 100},
		{Step: 1, Label: "cart", Value: 60},
		{Step: 1, Label: "other", Value: 15, Kind: sankey.Other},
		{Step: 1, Label: "drop-off", Value: 25, Kind: sankey.DropOff},
	}
	links := []sankey.Link{{From: 0, To: 1, Value: 60}, {From: 0, To: 2, Value: 15}, {From: 0, To: 3, Value: 25}}
	m := sankey.New(sankey.WithStyles(styles.Plain()), sankey.WithData(nodes, links),
		sankey.WithStepTitles([]string{"start", "next"}), sankey.WithID("paths"))
	m.SetSize(40, 10)
	m.Focus()
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRight})
	m, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	show(m.View())
	sel := cmd().(chart.SelectedMsg)
	fmt.Printf("link %d: %s, %v customers\n", sel.Index, sel.Label, sel.Value)
	// Output:
	// |start                       next
	// |█ home      ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓█ cart
	// |█ 100       ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓█ 60
	// |█           ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓█
	// |█           ▓▓▓▓▓▓▓▓
	// |█           ░░░░░░░░░░░░░░░░▒ other  15
	// |█           ········
	// |                 ···········✕ drop-off
	// |                       ·····✕ 25
	// |home → cart: 60 (60.0% of home)
	// link 0: home → cart, 60 customers
}

// show prints a view without colour, one "|"-prefixed line per row with
// trailing padding removed.
func show(view string) {
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		fmt.Println("|" + strings.TrimRight(l, " "))
	}
}
