package attribution_test

import (
	"fmt"
	"strings"

	"github.com/journeyworkbench/workbench/analysis/attribution"
)

// The ChannelAttribution vignette: three converting paths. Removing A
// loses every conversion (RE 1), removing B half of them (RE 0.5).
func ExampleMarkov() {
	file := "path;total_conversions;total_null\n" +
		"A > B > A > B > B > A;1;0\n" +
		"A > B > B > A > A;1;0\n" +
		"A > A;1;0\n"
	paths, err := attribution.ReadPaths(strings.NewReader(file), attribution.PathFileOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := attribution.Markov(paths, attribution.MarkovOptions{Order: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, row := range r.Rows {
		fmt.Printf("%s %.1f (removal effect %.2f)\n", row.Channel, row.Conversions, r.RemovalEffect[i])
	}
	// Output:
	// A 2.0 (removal effect 1.00)
	// B 1.0 (removal effect 0.50)
}

// Conversions by exact channel set (the published FOL example).
func ExampleShapley() {
	file := "channel_set;conversions\nF;20\nO;10\nL;17\nF+O;17\nF+L;30\nL+O;0\nF+L+O;6\n"
	paths, err := attribution.ReadPaths(strings.NewReader(file), attribution.PathFileOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := attribution.Shapley(paths, attribution.ShapleyOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range r.ByConversions() {
		fmt.Printf("%s %.1f\n", row.Channel, row.Conversions)
	}
	// Output:
	// F 45.5
	// L 34.0
	// O 20.5
}

func ExamplePositionBased() {
	paths := []attribution.Path{{Channels: []string{"Search", "Email", "Social", "Store"}, Conversions: 1, Value: 100}}
	r, _ := attribution.PositionBased(paths, attribution.PositionOptions{})
	for _, row := range r.Rows {
		fmt.Printf("%s %.0f\n", row.Channel, row.Value)
	}
	// Output:
	// Email 10
	// Search 40
	// Social 10
	// Store 40
}
