package data_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
	"github.com/journeyworkbench/workbench/tui/chart/charttest"
	"github.com/journeyworkbench/workbench/tui/screens/data"
	"github.com/journeyworkbench/workbench/tui/styles"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.Cleanup()
	os.Exit(code)
}

const wait = 60 * time.Second

// open returns the screen at w×h with its overview read.
func open(t *testing.T, b *backend.Backend, w, h int) (app.Screen, *app.Common) {
	t.Helper()
	c := app.NewCommon(styles.Plain(), b)
	s := data.New(c)
	s.SetSize(w, h)
	feed(t, s, s.Init(), data.KindOverview)
	return s, c
}

// feed drains cmd until the results of kinds arrived and passes every
// backend message to s.
func feed(t *testing.T, s app.Screen, cmd tea.Cmd, kinds ...string) {
	t.Helper()
	for _, m := range backendtest.Drain(t, cmd, wait, kinds...) {
		s.Update(m)
	}
}

func key(s string) tea.KeyMsg { return charttest.Key(s) }

func typeText(s app.Screen, text string) {
	for _, r := range text {
		s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func view(s app.Screen) string { return ansi.Strip(s.View()) }

func TestOverviewListsSourcesWithAccounting(t *testing.T) {
	b := backendtest.Open(t)
	s, _ := open(t, b, 120, 36)
	v := view(s)
	ov, err := b.Overview(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var read, loaded int64
	for _, src := range ov.Sources {
		read += src.Read
		loaded += src.Loaded
		if !strings.Contains(v, src.Name) {
			t.Errorf("source %s missing", src.Name)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("%d files", len(ov.Sources)),
		"2026-01-01 → ",
		"total", "✓", "daily events", "channels", "event types (top 12)", "web", "page_view",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("overview lacks %q:\n%s", want, v)
		}
	}
	totalLine := ""
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "total") {
			totalLine = l
		}
	}
	if !strings.Contains(totalLine, commas(read)) || !strings.Contains(totalLine, commas(loaded)) {
		t.Errorf("total line %q lacks read %d and loaded %d", totalLine, read, loaded)
	}
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestChannelFilterNarrowsMixes(t *testing.T) {
	b := backendtest.Open(t)
	s, c := open(t, b, 120, 36)
	c.Filters.Channels = []string{"email"}
	s.Update(app.FiltersChangedMsg{})
	v := view(s)
	mix := v[strings.Index(v, "channels"):]
	if strings.Contains(mix, "page_view") || strings.Contains(mix, " web ") {
		t.Errorf("web rows shown under an email filter:\n%s", mix)
	}
	if !strings.Contains(mix, "email") || !strings.Contains(mix, "100.0%") || !strings.Contains(mix, "delivered") {
		t.Errorf("email mix missing:\n%s", mix)
	}
	c.Filters.Channels = nil
	s.Update(app.FiltersChangedMsg{})
	if v := view(s); !strings.Contains(v, "page_view") {
		t.Error("clearing the filter did not bring web back")
	}
}

func TestRejectsBrowseAndFilter(t *testing.T) {
	b := backendtest.Open(t)
	s, _ := open(t, b, 120, 36)
	ov, _ := b.Overview(t.Context())
	// Select the source with most rejects.
	best := 0
	for i, src := range ov.Sources {
		if src.Rejected > ov.Sources[best].Rejected {
			best = i
		}
	}
	if ov.Sources[best].Rejected == 0 {
		t.Skip("the fixture has no rejected rows")
	}
	for i := 0; i < best; i++ {
		s.Update(key("down"))
	}
	_, cmd := s.Update(key("enter"))
	feed(t, s, cmd, data.KindRejects)
	rej, _ := b.Rejects(t.Context(), ov.Sources[best].ID, 0)
	v := view(s)
	if !strings.Contains(v, "Rejects of "+ov.Sources[best].Name) {
		t.Fatalf("rejects view title:\n%s", v)
	}
	first := rej[0]
	if !strings.Contains(v, fmt.Sprintf("line %d: %s", first.Line, first.Reason)) {
		t.Errorf("detail of the first reject (line %d, %s) missing:\n%s", first.Line, first.Reason, v)
	}
	// Filter on the first reject's reason: every row shown has it.
	_, _ = s.Update(key("/"))
	if !s.Capturing() {
		t.Fatal("/ did not start the filter")
	}
	needle := first.Reason
	if len(needle) > 12 {
		needle = needle[:12] // the list truncates long reasons
	}
	typeText(s, needle)
	s.Update(key("enter"))
	v = view(s)
	want := 0
	for _, r := range rej {
		if strings.Contains(r.Reason, needle) || strings.Contains(r.Raw, needle) {
			want++
		}
	}
	// Rows plus the filter line and the detail line of the selected row.
	if got := strings.Count(v, needle); got != want+2 {
		t.Errorf("filter %q shows %d rows, want %d:\n%s", needle, got-2, want, v)
	}
	s.Update(key("/"))
	typeText(s, "zzz-nothing")
	s.Update(key("enter"))
	if v := view(s); !strings.Contains(v, "no rejected rows match") {
		t.Errorf("a filter matching nothing:\n%s", v)
	}
	s.Update(key("esc")) // clears the filter
	s.Update(key("esc")) // back
	if v := view(s); !strings.Contains(v, "Sources") {
		t.Errorf("esc did not return to the sources:\n%s", v)
	}
}

func TestSourceListFilter(t *testing.T) {
	b := backendtest.Open(t)
	s, _ := open(t, b, 120, 36)
	s.Update(key("/"))
	typeText(s, "sms")
	s.Update(key("enter"))
	v := view(s)
	if !strings.Contains(v, "sms_events.csv") || strings.Contains(v, "web_events.jsonl") {
		t.Errorf("source filter sms:\n%s", v)
	}
	if s.Capturing() {
		t.Error("enter did not leave the filter input")
	}
}

func TestLoadFileWithProgressThenRefresh(t *testing.T) {
	b := backendtest.Empty(t)
	sd, _ := backendtest.Fixture(t)
	s, _ := open(t, b, 100, 30)
	if v := view(s); !strings.Contains(v, "0 files") {
		t.Fatalf("empty database overview:\n%s", v)
	}
	s.Update(key("l"))
	if !s.Capturing() {
		t.Fatal("l did not open the path prompt")
	}
	// Tab completes a unique prefix.
	typeText(s, filepath.Join(sd, "crm_cus"))
	s.Update(key("tab"))
	if v := view(s); !strings.Contains(v, "crm_customers.csv") {
		t.Fatalf("tab did not complete:\n%s", v)
	}
	_, cmd := s.Update(key("enter"))
	if v := view(s); !strings.Contains(v, "Loading into") {
		t.Fatalf("no progress view:\n%s", v)
	}
	msgs := backendtest.Drain(t, cmd, wait, data.KindLoad)
	var after tea.Cmd
	for _, m := range msgs {
		if _, ok := m.(backend.ProgressMsg); ok {
			s.Update(m)
			charttest.Fit(t, s.View(), 100, 30, "progress")
			continue
		}
		_, after = s.Update(m)
	}
	// The result asks every screen to refresh.
	var sawChange bool
	for _, m := range collect(after) {
		if _, ok := m.(app.DataChangedMsg); ok {
			sawChange = true
		}
		if st, ok := m.(app.StatusMsg); ok && !strings.Contains(st.Text, "loaded 1 file(s)") {
			t.Errorf("status %q", st.Text)
		}
	}
	if !sawChange {
		t.Fatal("no DataChangedMsg after the load")
	}
	_, cmd = s.Update(app.DataChangedMsg{})
	feed(t, s, cmd, data.KindOverview)
	if v := view(s); !strings.Contains(v, "crm_customers.csv") || !strings.Contains(v, "1 files") {
		t.Errorf("overview after the load:\n%s", v)
	}
}

// collect runs a command tree without waiting on slow commands.
func collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case m := <-ch:
		if b, ok := m.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, collect(c)...)
			}
			return out
		}
		return []tea.Msg{m}
	case <-time.After(time.Second):
		return nil
	}
}

func TestPromptErrorsOnMissingPath(t *testing.T) {
	b := backendtest.Empty(t)
	s, _ := open(t, b, 80, 20)
	s.Update(key("l"))
	typeText(s, "/no/such/file.csv")
	_, cmd := s.Update(key("enter"))
	var got string
	for _, m := range collect(cmd) {
		if st, ok := m.(app.StatusMsg); ok && st.Err {
			got = st.Text
		}
	}
	if !strings.Contains(got, "/no/such/file.csv") {
		t.Errorf("status %q, want an error naming the path", got)
	}
	s.Update(key("esc"))
	if s.Capturing() {
		t.Error("esc did not close the prompt")
	}
}

func TestViewFitsEverySizeAndMode(t *testing.T) {
	b := backendtest.Open(t)
	s, _ := open(t, b, 80, 20)
	sizes := [][2]int{{80, 20}, {120, 36}, {20, 1}, {20, 5}, {1, 1}, {40, 10}, {200, 56}}
	check := func(mode string) {
		for _, sz := range sizes {
			s.SetSize(sz[0], sz[1])
			charttest.Fit(t, s.View(), sz[0], sz[1], fmt.Sprintf("%s %dx%d", mode, sz[0], sz[1]))
		}
		s.SetSize(80, 20)
	}
	check("overview")
	_, cmd := s.Update(key("enter"))
	feed(t, s, cmd, data.KindRejects)
	check("rejects")
	s.Update(key("esc"))
	s.Update(key("l"))
	check("prompt")
	s.Update(key("esc"))
}

func TestGolden(t *testing.T) {
	b := backendtest.Open(t)
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		c := app.NewCommon(styles.Plain(), b)
		s := data.New(c)
		m := app.New(c, app.Entry{Slot: app.SlotData, Screen: s})
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		feed(t, s, m.Init(), data.KindOverview)
		backendtest.Golden(t, fmt.Sprintf("data_%dx%d", sz[0], sz[1]), m.View())
		_, cmd := s.Update(key("down"))
		_ = cmd
		_, cmd = s.Update(key("enter"))
		feed(t, s, cmd, data.KindRejects)
		backendtest.Golden(t, fmt.Sprintf("rejects_%dx%d", sz[0], sz[1]), m.View())
	}
}
