package customers_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/chart/charttest"
	"github.com/journeyworkbench/workbench/tui/screens/customers"
	"github.com/journeyworkbench/workbench/tui/styles"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

const wait = 60 * time.Second

func key(s string) tea.KeyMsg { return charttest.Key(s) }

func view(s app.Screen) string { return ansi.Strip(s.View()) }

// firstCRM returns the CRM id of the first fixture person in the CRM.
func firstCRM(t *testing.T) string {
	sd, _ := backendtest.Fixture(t)
	truth, err := sample.ReadTruth(sd)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range truth.Persons {
		if p.CRMID != "" {
			return p.CRMID
		}
	}
	t.Fatal("no CRM person")
	return ""
}

func newScreen(t *testing.T, w, h int) (app.Screen, *app.Common) {
	c := app.NewCommon(styles.Plain(), backendtest.Open(t))
	s := customers.New(c)
	s.SetSize(w, h)
	s.Init()
	return s, c
}

// search types q into the search box and feeds the debounced search.
func search(t *testing.T, s app.Screen, q string) {
	t.Helper()
	s.Update(key("/"))
	if !s.Capturing() {
		t.Fatal("/ did not focus the search box")
	}
	for _, r := range q {
		s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	_, cmd := s.Update(key("enter"))
	for _, m := range backendtest.Drain(t, cmd, wait, customers.KindSearch) {
		s.Update(m)
	}
}

func open(t *testing.T, s app.Screen) {
	t.Helper()
	_, cmd := s.Update(key("enter"))
	for _, m := range backendtest.Drain(t, cmd, wait, customers.KindProfile) {
		s.Update(m)
	}
}

func TestSearchListsKeyFactsAndOpensProfile(t *testing.T) {
	s, _ := newScreen(t, 120, 70)
	if v := view(s); !strings.Contains(v, "Press / and type any identifier") {
		t.Errorf("empty screen hint:\n%s", v)
	}
	crm := firstCRM(t)
	search(t, s, crm)
	if s.Capturing() {
		t.Error("enter did not leave the search box")
	}
	v := view(s)
	for _, want := range []string{"customer", "identifier", "name", "region", "events", "last seen", "crm_id:" + crm} {
		if !strings.Contains(v, want) {
			t.Errorf("list lacks %q:\n%s", want, v)
		}
	}
	open(t, s)
	v = view(s)
	for _, want := range []string{"Customer ", "Identifiers (", "crm_id", crm, "Why they are one customer", "Consents", "Traits", "first_name", "lines 1–"} {
		if !strings.Contains(v, want) {
			t.Errorf("profile lacks %q:\n%s", want, v)
		}
	}
	// t jumps to the timeline; it lists events by time with channel glyphs.
	s.Update(key("t"))
	v = view(s)
	if !strings.Contains(v, "Timeline (") {
		t.Fatalf("t did not scroll to the timeline:\n%s", v)
	}
	// Scrolling moves the window by one line.
	before := view(s)
	s.Update(key("up"))
	if after := view(s); after == before {
		t.Error("up did not scroll")
	}
	s.Update(key("esc"))
	if v := view(s); !strings.Contains(v, "crm_id:"+crm) || strings.Contains(v, "Identifiers (") {
		t.Errorf("esc did not return to the list:\n%s", v)
	}
}

func TestTimelineFollowsFilters(t *testing.T) {
	s, c := newScreen(t, 120, 36)
	search(t, s, firstCRM(t))
	open(t, s)
	s.Update(key("t"))
	all := view(s)
	c.Filters.Channels = []string{"no-such-channel"}
	s.Update(app.FiltersChangedMsg{})
	v := view(s)
	if !strings.Contains(v, "; 0 in the filters") && !strings.Contains(v, "no events") {
		t.Errorf("a filter that keeps nothing still shows events:\n%s", v)
	}
	if v == all {
		t.Error("the view did not change with the filter")
	}
}

func TestSearchByTraitAndNoMatch(t *testing.T) {
	s, _ := newScreen(t, 100, 30)
	search(t, s, "Midlands")
	v := view(s)
	if !strings.Contains(v, "Midlands") {
		t.Errorf("trait search for a region found nothing:\n%s", v)
	}
	s.Update(key("esc")) // clears the search
	search(t, s, "zzzz-nobody")
	if v := view(s); !strings.Contains(v, "no customer has an identifier starting with") {
		t.Errorf("no-match message:\n%s", v)
	}
}

func TestTypingIsDebounced(t *testing.T) {
	s, _ := newScreen(t, 100, 30)
	s.Update(key("/"))
	_, cmd := s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("C")})
	if cmd == nil {
		t.Fatal("a keystroke scheduled no search")
	}
	// q and digits are typed, not global, while the box has focus.
	if !s.Capturing() {
		t.Error("search box lost focus")
	}
	s.Update(key("esc"))
	if s.Capturing() {
		t.Error("esc did not leave the search box")
	}
}

func TestViewFitsEverySizeAndMode(t *testing.T) {
	s, _ := newScreen(t, 80, 20)
	sizes := [][2]int{{80, 20}, {120, 36}, {20, 5}, {20, 1}, {1, 1}, {40, 10}, {200, 56}}
	check := func(mode string) {
		for _, sz := range sizes {
			s.SetSize(sz[0], sz[1])
			charttest.Fit(t, s.View(), sz[0], sz[1], fmt.Sprintf("%s %dx%d", mode, sz[0], sz[1]))
			s.Update(key("down"))
		}
		s.SetSize(80, 20)
	}
	check("empty")
	search(t, s, "C")
	check("list")
	open(t, s)
	check("profile")
}

func TestGolden(t *testing.T) {
	crm := firstCRM(t)
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		c := app.NewCommon(styles.Plain(), backendtest.Open(t))
		s := customers.New(c)
		m := app.New(c, app.Entry{Slot: app.SlotCustomers, Screen: s})
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		m.Init()
		search(t, s, crm[:len(crm)-1])
		backendtest.Golden(t, fmt.Sprintf("list_%dx%d", sz[0], sz[1]), m.View())
		open(t, s)
		backendtest.Golden(t, fmt.Sprintf("profile_%dx%d", sz[0], sz[1]), m.View())
		s.Update(key("t"))
		backendtest.Golden(t, fmt.Sprintf("timeline_%dx%d", sz[0], sz[1]), m.View())
	}
}
