// Package app is the workbench's interactive shell: the root bubbletea model
// that owns the screens, the header (program, database, screen tabs and the
// active filters), the status line, the footer with the short help, the full
// help overlay, the filter editor, the first-run progress view and the error
// screen.
//
// Screens implement Screen and share one *Common: the styles, the global
// keys, the backend that runs every query off the UI thread, the filters
// chosen on any screen and the size of the screen area. A screen is placed
// in a numbered slot (SlotData … SlotSimulate); only registered slots
// appear in the tab bar and answer their number key.
package app

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/journeyworkbench/workbench/tui/keys"
	"github.com/journeyworkbench/workbench/tui/styles"
)

// Screen is one screen of the workbench.
type Screen interface {
	// Init starts the screen's first queries; it runs once the database is
	// ready (after a first-run load).
	Init() tea.Cmd
	// Update handles a message. Keys arrive only while the screen is the
	// active one; every other message (backend results, FiltersChangedMsg,
	// size changes) reaches every screen.
	Update(tea.Msg) (Screen, tea.Cmd)
	// View draws the screen in exactly the size given by SetSize.
	View() string
	// SetSize sets the screen area: the terminal minus the header, status
	// line and footer.
	SetSize(w, h int)
	// Title is the tab name.
	Title() string
	// KeyMap lists the screen's keys: ShortHelp in the footer, FullHelp in
	// the ? overlay.
	KeyMap() help.KeyMap
	// Capturing is true while a text input of the screen has focus: then
	// every key but ctrl+c goes to the screen (q, digits, tab, ? and f are
	// typed, esc leaves the input).
	Capturing() bool
}

// Activator is implemented by screens that want to know when they become
// the active screen (to refresh stale results).
type Activator interface {
	Activated() tea.Cmd
}

// Backer is implemented by screens that can show a view above their top
// level (a list of customers over a chart, a profile over a list, a
// sub-mode). While CanGoBack reports true, esc goes to the screen, which
// steps back (and cancels its own queries of the view it leaves), even
// while queries run; the root model cancels every running query on esc
// only when the active screen is at its top level. Without it, a query
// of another screen still running in the background (the Data screen's
// first counts) would swallow the esc meant to close a list.
type Backer interface {
	CanGoBack() bool
}

// The navigation slots: number key n opens slot n.
const (
	SlotData      = 1
	SlotCustomers = 2
	SlotJourneys  = 3
	SlotSegments  = 4
	SlotSimulate  = 5
)

// Common is what every screen shares.
type Common struct {
	Styles  *styles.Styles
	Keys    keys.Global
	Backend *backend.Backend
	Filters *Filters
	// ExportDir is the directory the export prompt proposes ("" is the
	// current directory).
	ExportDir string
	// Width and Height are the size of the screen area (kept up to date
	// by the root model before it calls SetSize).
	Width, Height int
}

// NewCommon returns a Common with the default keys and empty filters.
func NewCommon(st *styles.Styles, b *backend.Backend) *Common {
	if st == nil {
		st = styles.Default()
	}
	return &Common{Styles: st, Keys: keys.DefaultGlobal(), Backend: b, Filters: &Filters{}}
}

// Factory builds a screen for a Common.
type Factory func(c *Common) Screen

// Entry is a screen in its slot.
type Entry struct {
	Slot   int
	Screen Screen
}

var (
	regMu    sync.Mutex
	registry = map[int]Factory{}
)

// Register makes a screen factory available in a slot (1–9) for
// NewRegistered; screen packages call it from init. Registering a slot
// twice panics (a programming error).
func Register(slot int, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if slot < 1 || slot > 9 {
		panic(fmt.Sprintf("app: slot %d out of range 1–9", slot))
	}
	if _, dup := registry[slot]; dup {
		panic(fmt.Sprintf("app: slot %d registered twice", slot))
	}
	registry[slot] = f
}

// Registered builds every registered screen for c, in slot order.
func Registered(c *Common) []Entry {
	regMu.Lock()
	defer regMu.Unlock()
	slots := make([]int, 0, len(registry))
	for s := range registry {
		slots = append(slots, s)
	}
	sort.Ints(slots)
	out := make([]Entry, len(slots))
	for i, s := range slots {
		out[i] = Entry{Slot: s, Screen: registry[s](c)}
	}
	return out
}

// Filters are the global filters: chosen on any screen (the f editor),
// shown in the header and applied by every screen where they mean
// something. Zero values select everything.
type Filters struct {
	// From and To bound event times, From ≤ time < To, in UTC
	// milliseconds; 0 means unbounded.
	From, To int64
	// Channels keeps only events of the listed channels (none: all).
	Channels []string
	// Segment names a saved segment or holds a segment expression.
	Segment string
}

// Active reports whether any filter is set.
func (f *Filters) Active() bool {
	return f.From != 0 || f.To != 0 || len(f.Channels) > 0 || f.Segment != ""
}

// InRange reports whether the time ms lies in [From, To).
func (f *Filters) InRange(ms int64) bool {
	return (f.From == 0 || ms >= f.From) && (f.To == 0 || ms < f.To)
}

// HasChannel reports whether events of channel ch pass the channel filter.
func (f *Filters) HasChannel(ch string) bool {
	if len(f.Channels) == 0 {
		return true
	}
	for _, c := range f.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// Keep reports whether an event at time ms on channel ch passes the time
// and channel filters.
func (f *Filters) Keep(ms int64, ch string) bool { return f.InRange(ms) && f.HasChannel(ch) }

// Describe returns the filters in words for the header: the time range
// (dates, To shown inclusive as the day before), the channels and the
// segment; "no filters" when none is set.
func (f *Filters) Describe() string {
	if !f.Active() {
		return "no filters"
	}
	var parts []string
	if f.From != 0 || f.To != 0 {
		from, to := "…", "…"
		if f.From != 0 {
			from = time.UnixMilli(f.From).UTC().Format("2006-01-02")
		}
		if f.To != 0 {
			to = time.UnixMilli(f.To - 1).UTC().Format("2006-01-02")
		}
		parts = append(parts, from+" → "+to)
	}
	if len(f.Channels) > 0 {
		parts = append(parts, "channels "+strings.Join(f.Channels, ","))
	}
	if f.Segment != "" {
		parts = append(parts, "segment "+f.Segment)
	}
	return strings.Join(parts, " · ")
}

// FiltersChangedMsg is sent to every screen after the global filters
// changed.
type FiltersChangedMsg struct{}

// StatusMsg puts a message in the status line.
type StatusMsg struct {
	Text string
	Err  bool
}

// FatalMsg replaces the screens with the error screen.
type FatalMsg struct{ Err error }

// Status returns a command that shows text in the status line.
func Status(text string) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text} }
}

// Error returns a command that shows err in the status line.
func Error(err error) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: err.Error(), Err: true} }
}

// Fatal returns a command that shows err on the error screen.
func Fatal(err error) tea.Cmd {
	return func() tea.Msg { return FatalMsg{Err: err} }
}

// DataChangedMsg is sent to every screen after a load committed new data.
type DataChangedMsg struct{}
