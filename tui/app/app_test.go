package app_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/chart/charttest"
	"github.com/journeyworkbench/workbench/tui/styles"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

// fake is a screen that records what reaches it.
type fake struct {
	title     string
	w, h      int
	keys      []string
	msgs      []tea.Msg
	capturing bool
	back      bool // CanGoBack
	inited    int
	activated int
}

type fakeKeys struct{}

func (fakeKeys) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "do x"))}
}
func (k fakeKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

func (f *fake) Init() tea.Cmd { f.inited++; return nil }
func (f *fake) Update(msg tea.Msg) (app.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		if k.String() == "P" {
			var m map[string]int
			m["boom"]++ // a nil-map write: the root must survive it
		}
		f.keys = append(f.keys, k.String())
		return f, nil
	}
	f.msgs = append(f.msgs, msg)
	return f, nil
}
func (f *fake) View() string {
	lines := []string{f.title + " body"}
	for len(lines) < f.h {
		lines = append(lines, "")
	}
	return strings.Join(lines[:max(f.h, 0)], "\n")
}
func (f *fake) SetSize(w, h int)    { f.w, f.h = w, h }
func (f *fake) Title() string       { return f.title }
func (f *fake) KeyMap() help.KeyMap { return fakeKeys{} }
func (f *fake) Capturing() bool     { return f.capturing }
func (f *fake) CanGoBack() bool     { return f.back }
func (f *fake) Activated() tea.Cmd  { f.activated++; return nil }
func (f *fake) got(m tea.Msg) bool  { return contains(f.msgs, m) }
func contains(xs []tea.Msg, m tea.Msg) bool {
	for _, x := range xs {
		if fmt.Sprintf("%T", x) == fmt.Sprintf("%T", m) {
			return true
		}
	}
	return false
}

func newModel(t *testing.T, b *backend.Backend) (*app.Model, *fake, *fake) {
	c := app.NewCommon(styles.Plain(), b)
	a, d := &fake{title: "Alpha"}, &fake{title: "Delta"}
	m := app.New(c, app.Entry{Slot: 1, Screen: a}, app.Entry{Slot: 4, Screen: d})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m, a, d
}

func send(m *app.Model, msgs ...tea.Msg) tea.Cmd {
	var last tea.Cmd
	for _, msg := range msgs {
		_, last = m.Update(msg)
	}
	return last
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestNavigationBySlotAndTab(t *testing.T) {
	m, a, d := newModel(t, backendtest.Empty(t))
	if a.inited != 1 || d.inited != 1 {
		t.Fatalf("Init ran %d/%d times, want once each", a.inited, d.inited)
	}
	if a.w != 80 || a.h != 20 || d.h != 20 {
		t.Fatalf("screen size %dx%d, want 80x20 (24 minus 4 lines of chrome)", a.w, a.h)
	}
	tests := []struct {
		key  tea.KeyMsg
		want string
	}{
		{runes("4"), "Delta"},
		{runes("1"), "Alpha"},
		{tea.KeyMsg{Type: tea.KeyTab}, "Delta"},
		{tea.KeyMsg{Type: tea.KeyTab}, "Alpha"},
		{tea.KeyMsg{Type: tea.KeyShiftTab}, "Delta"},
		{runes("2"), "Delta"}, // an empty slot keeps the screen
	}
	for i, tc := range tests {
		send(m, tc.key)
		s, _ := m.Active()
		if s.Title() != tc.want {
			t.Fatalf("step %d (%s): active %s, want %s", i, tc.key, s.Title(), tc.want)
		}
	}
	if txt, _ := m.Status(); !strings.Contains(txt, "no screen 2") {
		t.Errorf("status after an empty slot: %q", txt)
	}
	if d.activated == 0 {
		t.Error("Activated not called on switching")
	}
	view := ansi.Strip(m.View())
	if !strings.Contains(view, "[4 Delta]") || !strings.Contains(view, " 1 Alpha ") || strings.Contains(view, "Customers") {
		t.Errorf("tab bar should list exactly the registered screens, active in brackets:\n%s", view)
	}
}

func TestKeysReachScreenUnlessGlobal(t *testing.T) {
	m, a, _ := newModel(t, backendtest.Empty(t))
	send(m, runes("x"), tea.KeyMsg{Type: tea.KeyEnter})
	if strings.Join(a.keys, ",") != "x,enter" {
		t.Errorf("keys reaching the screen: %v", a.keys)
	}
	if cmd := send(m, runes("q")); !isQuit(cmd) {
		t.Error("q does not quit")
	}
	a.capturing = true
	a.keys = nil
	cmd := send(m, runes("q"), runes("4"), runes("?"), runes("f"), tea.KeyMsg{Type: tea.KeyTab})
	if isQuit(cmd) {
		t.Error("q quit while the screen captures typing")
	}
	if s, _ := m.Active(); s.Title() != "Alpha" || strings.Join(a.keys, ",") != "q,4,?,f,tab" {
		t.Errorf("while capturing: active %s, keys %v", s.Title(), a.keys)
	}
	if cmd := send(m, tea.KeyMsg{Type: tea.KeyCtrlC}); !isQuit(cmd) {
		t.Error("ctrl+c does not quit while capturing")
	}
}

func TestHelpOverlayListsScreenAndGlobalKeys(t *testing.T) {
	m, _, _ := newModel(t, backendtest.Empty(t))
	send(m, runes("?"))
	v := ansi.Strip(m.View())
	for _, want := range []string{"Alpha screen", "do x", "Everywhere", "next screen", "filters", "quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	send(m, tea.KeyMsg{Type: tea.KeyEsc})
	if v := ansi.Strip(m.View()); strings.Contains(v, "Everywhere") || !strings.Contains(v, "Alpha body") {
		t.Errorf("esc did not close the help:\n%s", v)
	}
	// The footer shows the screen's short help and the global keys.
	if v := ansi.Strip(m.View()); !strings.Contains(v, "x do x") || !strings.Contains(v, "? help") {
		t.Errorf("footer:\n%s", v)
	}
}

func TestPanickingScreenShowsErrorScreen(t *testing.T) {
	m, _, _ := newModel(t, backendtest.Empty(t))
	send(m, runes("P"))
	if m.Err() == nil {
		t.Fatal("a panic in a screen did not reach the error screen")
	}
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "stopped on an error") || !strings.Contains(v, "Alpha screen failed") {
		t.Errorf("error screen:\n%s", v)
	}
	charttest.Fit(t, m.View(), 80, 24, "error screen")
	if !isQuit(send(m, runes("q"))) {
		t.Error("q does not quit the error screen")
	}
}

func TestFatalAndStatusMessages(t *testing.T) {
	m, _, _ := newModel(t, backendtest.Empty(t))
	send(m, app.StatusMsg{Text: "hello"})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "hello") {
		t.Errorf("status line missing:\n%s", v)
	}
	send(m, app.StatusMsg{Text: "bad thing", Err: true})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "! bad thing") {
		t.Errorf("error status missing:\n%s", v)
	}
	send(m, app.FatalMsg{Err: errors.New("disk gone")})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "disk gone") {
		t.Errorf("fatal error not shown:\n%s", v)
	}
}

func TestResultsBroadcastStaleDroppedEscCancels(t *testing.T) {
	b := backendtest.Empty(t)
	m, a, d := newModel(t, b)
	old := b.Run(context.Background(), "q", func(ctx context.Context) (any, error) { return 1, nil })
	fresh := b.Run(context.Background(), "q", func(ctx context.Context) (any, error) { return 2, nil })
	send(m, old())
	if len(a.msgs) != 0 {
		t.Fatalf("stale result reached a screen: %v", a.msgs)
	}
	send(m, fresh())
	if len(a.msgs) != 1 || len(d.msgs) != 1 || a.msgs[0].(backend.ResultMsg).Value != 2 {
		t.Fatalf("current result not broadcast to every screen: %v / %v", a.msgs, d.msgs)
	}
	// esc while a query runs cancels it instead of reaching the screen.
	slow := b.Run(context.Background(), "slow", func(ctx context.Context) (any, error) { <-ctx.Done(); return nil, ctx.Err() })
	cmd := send(m, tea.KeyMsg{Type: tea.KeyEsc})
	_ = cmd
	if len(a.keys) != 0 {
		t.Errorf("esc reached the screen while a query ran: %v", a.keys)
	}
	r := slow().(backend.ResultMsg)
	if !r.Cancelled() {
		t.Fatalf("esc did not cancel: %+v", r)
	}
	send(m, r)
	if txt, isErr := m.Status(); txt != "cancelled" || isErr {
		t.Errorf("status after a cancel: %q (error %v)", txt, isErr)
	}
	// With nothing running, esc goes to the screen.
	send(m, tea.KeyMsg{Type: tea.KeyEsc})
	if strings.Join(a.keys, ",") != "esc" {
		t.Errorf("esc with nothing running: keys %v", a.keys)
	}
	// A screen with a view to step back from gets esc even while a query
	// (of any screen) runs, and the query goes on.
	a.keys, a.back = nil, true
	bg := b.Run(context.Background(), "background", func(ctx context.Context) (any, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
			return 3, nil
		}
	})
	send(m, tea.KeyMsg{Type: tea.KeyEsc})
	if strings.Join(a.keys, ",") != "esc" {
		t.Errorf("esc with a view to close and a query running: keys %v", a.keys)
	}
	if r := bg().(backend.ResultMsg); r.Err != nil || r.Value != 3 {
		t.Errorf("esc meant for the screen cancelled a running query: %+v", r)
	}
	a.back = false
	// An error result appears in the status line.
	fail := b.Run(context.Background(), "f", func(ctx context.Context) (any, error) { return nil, errors.New("no such table") })
	send(m, fail())
	if txt, isErr := m.Status(); txt != "no such table" || !isErr {
		t.Errorf("status after an error: %q %v", txt, isErr)
	}
}

func TestSpinnerShowsWhileQueryRuns(t *testing.T) {
	b := backendtest.Empty(t)
	m, _, _ := newModel(t, b)
	release := make(chan struct{})
	q := b.RunLabel(context.Background(), "q", "counting things", func(ctx context.Context) (any, error) { <-release; return nil, nil })
	send(m, runes("x")) // any update notices the running query
	if v := ansi.Strip(m.View()); !strings.Contains(v, "counting things") || !strings.Contains(v, "esc cancels") {
		t.Errorf("no running-query indicator:\n%s", v)
	}
	close(release)
	send(m, q())
	if v := ansi.Strip(m.View()); strings.Contains(v, "counting things") {
		t.Errorf("indicator stays after the result:\n%s", v)
	}
}

func TestFilterEditorAppliesAcrossScreens(t *testing.T) {
	b := backendtest.Open(t)
	if _, _, err := b.Counts(context.Background()); err != nil { // warm the cache the editor reads
		t.Fatal(err)
	}
	m, a, d := newModel(t, b)
	send(m, runes("f"))
	if v := ansi.Strip(m.View()); !strings.Contains(v, "time range") || !strings.Contains(v, "[ ] web") {
		t.Fatalf("filter editor:\n%s", v)
	}
	// last 30 days, tick the first channel (the busiest), apply.
	send(m, tea.KeyMsg{Type: tea.KeyRight}, tea.KeyMsg{Type: tea.KeyRight},
		tea.KeyMsg{Type: tea.KeyDown}, runes(" "), tea.KeyMsg{Type: tea.KeyEnter})
	f := m.Common().Filters
	if f.To-f.From != 30*24*3600*1000 || len(f.Channels) != 1 {
		t.Fatalf("filters after the editor: %+v", f)
	}
	if !a.got(app.FiltersChangedMsg{}) || !d.got(app.FiltersChangedMsg{}) {
		t.Error("FiltersChangedMsg not sent to every screen")
	}
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "filters: "+f.Describe()) || !strings.Contains(v, "channels "+f.Channels[0]) {
		t.Errorf("header does not show the filters %q:\n%s", f.Describe(), v)
	}
	// esc leaves the filters as they were.
	send(m, runes("f"), runes("c"), tea.KeyMsg{Type: tea.KeyEsc})
	if !m.Common().Filters.Active() {
		t.Error("esc in the editor cleared the filters")
	}
	send(m, runes("f"), runes("c"), tea.KeyMsg{Type: tea.KeyEnter})
	if m.Common().Filters.Active() {
		t.Errorf("c then enter did not clear: %+v", m.Common().Filters)
	}
}

func TestFiltersDescribe(t *testing.T) {
	day := int64(24 * time.Hour / time.Millisecond)
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	tests := []struct {
		f    app.Filters
		want string
	}{
		{app.Filters{}, "no filters"},
		{app.Filters{From: jan1, To: jan1 + 31*day}, "2026-01-01 → 2026-01-31"},
		{app.Filters{From: jan1}, "2026-01-01 → …"},
		{app.Filters{Channels: []string{"web", "sms"}}, "channels web,sms"},
		{app.Filters{To: jan1, Segment: "loyal"}, "… → 2025-12-31 · segment loyal"},
	}
	for _, tc := range tests {
		if got := tc.f.Describe(); got != tc.want {
			t.Errorf("Describe(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
	f := app.Filters{From: jan1, To: jan1 + day, Channels: []string{"web"}}
	keep := []struct {
		ms   int64
		ch   string
		want bool
	}{{jan1, "web", true}, {jan1 + day - 1, "web", true}, {jan1 + day, "web", false}, {jan1 - 1, "web", false}, {jan1, "sms", false}}
	for _, k := range keep {
		if got := f.Keep(k.ms, k.ch); got != k.want {
			t.Errorf("Keep(%d, %s) = %v, want %v", k.ms, k.ch, got, k.want)
		}
	}
}

func TestViewFitsEverySize(t *testing.T) {
	m, _, _ := newModel(t, backendtest.Empty(t))
	send(m, app.StatusMsg{Text: strings.Repeat("long status 購物車 ", 20), Err: true})
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {20, 5}, {10, 3}, {1, 1}, {200, 60}, {40, 8}} {
		send(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for _, mode := range []string{"screen", "help"} {
			if mode == "help" {
				send(m, runes("?"))
			}
			v := m.View()
			charttest.Fit(t, v, sz[0], sz[1], fmt.Sprintf("%dx%d %s", sz[0], sz[1], mode))
			if n := strings.Count(v, "\n") + 1; n != sz[1] {
				t.Errorf("%dx%d %s: %d lines, want exactly %d", sz[0], sz[1], mode, n, sz[1])
			}
			if mode == "help" {
				send(m, runes("?"))
			}
		}
	}
}

func TestStartupShowsProgressThenScreens(t *testing.T) {
	b := backendtest.Empty(t)
	sd, _ := backendtest.Fixture(t)
	c := app.NewCommon(styles.Plain(), b)
	a := &fake{title: "Alpha"}
	m := app.New(c, app.Entry{Slot: 1, Screen: a})
	job := b.LoadFiles(context.Background(), app.StartupKind, []string{sd + "/crm_customers.csv", sd + "/sms_events.csv"}, ingestOptions())
	m.WithStartup("Loading 2 file(s)", job)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Init()
	if a.inited != 0 {
		t.Fatal("screens started before the startup job ended")
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "Loading 2 file(s)") || !strings.Contains(v, "esc cancels") {
		t.Errorf("startup view:\n%s", v)
	}
	// Keys other than esc and ctrl+c are ignored meanwhile.
	if isQuit(send(m, runes("q"))) {
		t.Error("q quit during the startup job")
	}
	msgs := backendtest.Drain(t, job, 60*time.Second, app.StartupKind)
	sawProgress := false
	for _, msg := range msgs {
		if p, ok := msg.(backend.ProgressMsg); ok {
			m.Update(p)
			sawProgress = true
			v := ansi.Strip(m.View())
			charttest.Fit(t, m.View(), 80, 24, "startup progress")
			if !strings.Contains(v, "of 2:") || !strings.Contains(v, "rows/s") {
				t.Errorf("progress view lacks the file and rate:\n%s", v)
			}
			continue
		}
		m.Update(msg)
	}
	if !sawProgress {
		t.Error("no progress message")
	}
	if a.inited != 1 || !a.got(app.DataChangedMsg{}) {
		t.Errorf("after the startup job: inited %d, DataChanged %v", a.inited, a.got(app.DataChangedMsg{}))
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "Alpha body") {
		t.Errorf("screens not shown after startup:\n%s", v)
	}
}

func TestRegistryOrdersSlots(t *testing.T) {
	// The registry is global: use slots the product leaves free.
	app.Register(9, func(c *app.Common) app.Screen { return &fake{title: "Nine"} })
	app.Register(8, func(c *app.Common) app.Screen { return &fake{title: "Eight"} })
	es := app.Registered(app.NewCommon(styles.Plain(), nil))
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%d:%s", e.Slot, e.Screen.Title()))
	}
	if strings.Join(got, ",") != "8:Eight,9:Nine" {
		t.Errorf("Registered = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a slot twice did not panic")
		}
	}()
	app.Register(9, func(c *app.Common) app.Screen { return nil })
}

func ingestOptions() ingest.Options { return ingest.Options{} }

// TestHeaderKeepsEveryTabAt80Columns: with five screens at 80 columns the
// database name gives way so that every tab shows.
func TestHeaderKeepsEveryTabAt80Columns(t *testing.T) {
	c := app.NewCommon(styles.Plain(), backendtest.Empty(t))
	var entries []app.Entry
	for i, title := range []string{"Data", "Customers", "Journeys", "Segments", "Simulate"} {
		entries = append(entries, app.Entry{Slot: i + 1, Screen: &fake{title: title}})
	}
	m := app.New(c, entries...)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	head := strings.Split(ansi.Strip(m.View()), "\n")[0]
	if !strings.Contains(head, "5 Simulate") || strings.Contains(head, "…") {
		t.Errorf("header at 80 columns cuts tabs: %q", head)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 24})
	head = strings.Split(ansi.Strip(m.View()), "\n")[0]
	if !strings.Contains(head, "· ") || !strings.Contains(head, "5 Simulate") {
		t.Errorf("header at 160 columns should name the database and every tab: %q", head)
	}
}
