package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// TestTUIHelpListsEveryScreen checks that the help of the interactive
// workbench names every screen the program registers, with its number.
func TestTUIHelpListsEveryScreen(t *testing.T) {
	entries := app.Registered(app.NewCommon(styles.Plain(), nil))
	if len(entries) < 5 {
		t.Fatalf("%d screens registered, want Data … Simulate", len(entries))
	}
	for _, e := range entries {
		if want := fmt.Sprintf("%d %s", e.Slot, e.Screen.Title()); !strings.Contains(tuiHelp, want) {
			t.Errorf("the help does not list screen %q:\n%s", want, tuiHelp)
		}
	}
}
