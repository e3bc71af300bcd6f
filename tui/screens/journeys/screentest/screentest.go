// Package screentest runs a screen's commands in tests the way the root
// model would: commands run concurrently, and the messages a screen acts on
// (backend results, chart selections, status lines, filter changes and
// any message of the screens' own types) are fed back to it until nothing
// is pending. Cursor blinks and other timers are dropped.
package screentest

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
)

// Runner feeds a screen the messages its commands produce.
type Runner struct {
	T      testing.TB
	Screen app.Screen
	// Status is the last status line text and whether it was an error.
	Status    string
	StatusErr bool
	// Seen lists every message fed back, in order.
	Seen []tea.Msg
	// Timeout bounds one Run (default 60 s).
	Timeout time.Duration
	// Backend, when set, keeps Run waiting while any of its queries runs.
	Backend *backend.Backend
	// Extra are other screens that receive the messages too (as the root
	// model broadcasts them), e.g. a Segments screen listening to
	// FunnelStepsMsg.
	Extra []app.Screen
}

// feed reports whether m is a message the runner hands back.
func feed(m tea.Msg) bool {
	switch m.(type) {
	case nil, tea.BatchMsg:
		return false
	case backend.ResultMsg, app.StatusMsg, app.FiltersChangedMsg, app.DataChangedMsg:
		return true
	}
	// Messages declared by the workbench's own packages (chart selections,
	// the screens' messages); bubbles' timers are left out.
	p := reflect.TypeOf(m).PkgPath()
	return strings.HasPrefix(p, "github.com/journeyworkbench/")
}

// Grace is how long Run waits for a command that is not a backend query
// (a debounce tick is delivered, a cursor blink abandoned).
const Grace = 250 * time.Millisecond

// Run executes cmd and every command that follows from the messages fed
// back, until none is pending.
func (r *Runner) Run(cmd tea.Cmd) {
	r.T.Helper()
	if cmd == nil {
		return
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	stop := make(chan struct{})
	defer close(stop)
	pending := map[int]time.Time{}
	next := 0
	type result struct {
		id int
		m  tea.Msg
	}
	res := make(chan result, 64)
	var launch func(c tea.Cmd)
	launch = func(c tea.Cmd) {
		if c == nil {
			return
		}
		id := next
		next++
		pending[id] = time.Now()
		go func() {
			m := c()
			select {
			case res <- result{id, m}:
			case <-stop:
			}
		}()
	}
	launch(cmd)
	deadline := time.After(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(pending) > 0 {
		select {
		case <-tick.C:
			// Only timers of the bubbles components (cursor blinks) are
			// left when every pending command is older than the grace
			// and no backend query runs: stop waiting for them.
			if r.Backend != nil && r.Backend.Running() > 0 {
				continue
			}
			old := true
			for _, at := range pending {
				if time.Since(at) < Grace {
					old = false
				}
			}
			if old {
				return
			}
		case rm := <-res:
			delete(pending, rm.id)
			m := rm.m
			if b, ok := m.(tea.BatchMsg); ok {
				for _, c := range b {
					launch(c)
				}
				continue
			}
			if !feed(m) {
				continue
			}
			r.Seen = append(r.Seen, m)
			if st, ok := m.(app.StatusMsg); ok {
				r.Status, r.StatusErr = st.Text, st.Err
				continue
			}
			var c tea.Cmd
			r.Screen, c = r.Screen.Update(m)
			launch(c)
			for i, e := range r.Extra {
				var ec tea.Cmd
				r.Extra[i], ec = e.Update(m)
				launch(ec)
			}
		case <-deadline:
			r.T.Fatalf("commands still pending after %s", timeout)
		}
	}
}

// Key sends a key to the screen and runs what follows.
func (r *Runner) Key(k string) {
	r.T.Helper()
	var c tea.Cmd
	r.Screen, c = r.Screen.Update(KeyMsg(k))
	r.Run(c)
}

// Keys sends several keys in turn.
func (r *Runner) Keys(ks ...string) {
	r.T.Helper()
	for _, k := range ks {
		r.Key(k)
	}
}

// Send sends a message to the screen (and the extra screens) and runs what
// follows.
func (r *Runner) Send(m tea.Msg) {
	r.T.Helper()
	var c tea.Cmd
	r.Screen, c = r.Screen.Update(m)
	r.Run(c)
	for i, e := range r.Extra {
		var ec tea.Cmd
		r.Extra[i], ec = e.Update(m)
		r.Run(ec)
	}
}

// KeyMsg returns the key message of a key name as bubbletea prints it
// ("enter", "esc", "up", "space", "ctrl+c") or of literal runes ("j", "E").
func KeyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "space", " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// Type sends each rune of s as a key, as fast typing would (the commands
// of all the keystrokes run together afterwards).
func (r *Runner) Type(s string) {
	r.T.Helper()
	var cmds []tea.Cmd
	for _, c := range s {
		var cmd tea.Cmd
		r.Screen, cmd = r.Screen.Update(KeyMsg(string(c)))
		cmds = append(cmds, cmd)
	}
	r.Run(tea.Batch(cmds...))
}

var trailing = regexp.MustCompile(`[ \t]+\n`)

// Strip removes escape sequences and trailing spaces of every line, for
// golden files.
func Strip(view string) string {
	s := ansi.Strip(view)
	s = trailing.ReplaceAllString(s+"\n", "\n")
	return strings.TrimRight(s, "\n") + "\n"
}

// WaitFor waits up to 60 s until a whole-program test's output holds every
// one of what.
func WaitFor(t testing.TB, tm *teatest.TestModel, what ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range what {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// SendKeys sends a whole-program test each key in turn, named as KeyMsg
// names them.
func SendKeys(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		tm.Send(KeyMsg(k))
	}
}
