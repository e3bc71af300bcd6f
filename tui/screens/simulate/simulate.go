// Package simulate is the Simulate screen of the workbench: pick a policy
// file (the one next to the database, any file typed in, or the built-in
// example), tick the policies to compare, choose the method (simulation on
// an environment fitted from the decision log, off-policy evaluation on the
// logged decisions, or both), the horizon, the population and the refits,
// and run with a progress bar that esc cancels. The results are the
// comparison table with the verdict in plain words, a chart of each
// policy's value with its 95% interval, and the learning curves of the
// policies that learn. E opens the policy file in $EDITOR and reloads it
// when the editor exits, showing the first error with its line; e (the
// global export) writes what is on screen: the policy list, or the
// comparison table as CSV and JSON with the chart of values and intervals
// (see Export).
//
// The runs are compare.RunAll (the same wiring as `workbench simulate`),
// off the UI thread through backend.Simulate.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/policy"
	"github.com/journeyworkbench/workbench/tui/app"
	"github.com/journeyworkbench/workbench/tui/backend"
	"github.com/muesli/termenv"
)

// Backend kinds of the screen's queries.
const (
	KindCheck = "simulate.check"
	KindRun   = "simulate.run"
)

// Builtin is how the screen names the built-in example policy file.
const Builtin = "built-in example"

// DefaultFileNames are the policy files looked for next to the database,
// in this order.
var DefaultFileNames = []string{"policies.yaml", "policies.yml", "policies.json"}

// Method is what a run compares with.
type Method int

// The methods, in the order m cycles through them.
const (
	Both Method = iota
	SimOnly
	OPEOnly
)

func (m Method) String() string {
	switch m {
	case SimOnly:
		return "simulation"
	case OPEOnly:
		return "off-policy evaluation"
	}
	return "both"
}

// Settings are the run's options.
type Settings struct {
	Method      Method
	HorizonDays int
	// Customers is the simulated population; 0 means one per customer
	// of the decision log.
	Customers int
	// Refits is the number of environments refitted on resampled
	// customers for the intervals (0: simulation noise only).
	Refits int
	Seed   uint64
}

// Choices the setting keys cycle through.
var (
	HorizonChoices  = []int{30, 60, 90, 180, 365}
	CustomerChoices = []int{0, 1000, 10000, 100000}
	RefitChoices    = []int{0, 5, 20}
)

// DefaultSettings are both methods over 90 days, one simulated customer
// per customer of the log, 5 refits and seed 1 (the seed of `workbench
// simulate`).
func DefaultSettings() Settings {
	return Settings{Method: Both, HorizonDays: 90, Refits: 5, Seed: 1}
}

// EditedMsg arrives when the editor started with E exits.
type EditedMsg struct {
	Path string
	Err  error
}

type mode int

const (
	modeSetup mode = iota
	modeResults
)

// Screen is the Simulate screen. Create it with New.
type Screen struct {
	c    *app.Common
	w, h int
	mode mode

	// the policy file
	path     string // Builtin for the example
	data     []byte // content when Builtin
	file     *compare.PolicyFile
	fileErr  error // the file does not parse
	buildErr error // a policy does not build with the log
	decided  int   // decisions in the log (from the check)
	checking bool
	checked  bool
	notice   error // shown instead of the check's status when it passes
	shown    bool
	stale    bool

	selected map[string]bool
	cur, off int

	picker  textinput.Model
	picking bool

	set Settings

	// the run
	running  bool
	prog     *backend.SimProgressMsg
	bar      progress.Model
	result   *compare.RunResult
	resSet   Settings
	resNames []string
	resTypes map[string]string
	runErr   error
	elapsed  time.Duration
	scroll   int

	km keyset
}

type keyset struct {
	up, down, pgup, pgdn, home, end key.Binding
	toggle, all, method, horizon    key.Binding
	customers, refits, run, results key.Binding
	edit, open, back, reload        key.Binding
}

func bind(keys, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(strings.Split(keys, ",")...), key.WithHelp(k, desc))
}

func defaultKeys() keyset {
	return keyset{
		up: bind("up,k", "↑/k", "up"), down: bind("down,j", "↓/j", "down"),
		pgup: bind("pgup", "pgup", "page up"), pgdn: bind("pgdown", "pgdn", "page down"),
		home: bind("home,g", "g", "first"), end: bind("end,G", "G", "last"),
		toggle:    bind(" ", "space", "tick/untick policy"),
		all:       bind("a", "a", "tick all / none"),
		method:    bind("m", "m", "method: both, sim, ope"),
		horizon:   bind("h", "h", "horizon"),
		customers: bind("n", "n", "customers"),
		refits:    bind("R", "R", "refits"),
		run:       bind("r", "r", "run"),
		results:   bind("v", "v", "last results"),
		edit:      bind("E", "E", "edit policy file in $EDITOR"),
		open:      bind("o", "o", "open another policy file"),
		reload:    bind("L", "L", "reload policy file"),
		back:      bind("esc", "esc", "cancel run / back"),
	}
}

// New returns the Simulate screen.
func New(c *app.Common) app.Screen {
	pk := textinput.New()
	pk.Prompt = "policy file: "
	pk.Placeholder = "path of a YAML or JSON policy file (tab completes)"
	pk.CharLimit = 4096
	s := &Screen{c: c, set: DefaultSettings(), selected: map[string]bool{}, picker: pk, stale: true, km: defaultKeys()}
	s.bar = progress.New(progress.WithoutPercentage(), progress.WithSolidFill("#5A56E0"))
	if c.Styles != nil && c.Styles.Plain {
		s.bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'), progress.WithColorProfile(termenv.Ascii))
	}
	s.path, s.data = DefaultPolicyFile(c.Backend)
	return s
}

func init() { app.Register(app.SlotSimulate, New) }

// DefaultPolicyFile returns the policy file the screen opens first: the
// first of DefaultFileNames in the database's directory, else Builtin with
// policy.ExamplePolicies as its content.
func DefaultPolicyFile(b *backend.Backend) (path string, data []byte) {
	if dir := dbDir(b); dir != "" {
		for _, n := range DefaultFileNames {
			p := filepath.Join(dir, n)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p, nil
			}
		}
	}
	return Builtin, policy.ExamplePolicies
}

// dbDir is the database's directory ("" for an in-memory database).
func dbDir(b *backend.Backend) string {
	if b == nil || b.Path() == "" || b.Path() == ":memory:" {
		return ""
	}
	return filepath.Dir(b.Path())
}

// Title implements app.Screen.
func (s *Screen) Title() string { return "Simulate" }

// Capturing implements app.Screen.
func (s *Screen) Capturing() bool { return s.picking }

// Init implements app.Screen.
func (s *Screen) Init() tea.Cmd { return nil }

// Activated implements app.Activator: the policy file is read and checked
// against the decision log on first showing and after the data changed.
func (s *Screen) Activated() tea.Cmd {
	s.shown = true
	if s.stale && !s.checking {
		return s.check()
	}
	return nil
}

// SetSize implements app.Screen.
func (s *Screen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.picker.Width = max(w-len(s.picker.Prompt)-2, 1)
}

// Settings returns the run's options.
func (s *Screen) Settings() Settings { return s.set }

// SetSettings replaces the run's options.
func (s *Screen) SetSettings(x Settings) { s.set = x }

// PolicyFile returns the path of the policy file (Builtin for the
// example) and its policies as read (nil when it does not parse).
func (s *Screen) PolicyFile() (string, *compare.PolicyFile) { return s.path, s.file }

// FileErr returns why the policy file cannot be used: it does not parse,
// or a policy does not build with the decision log (nil when it can).
func (s *Screen) FileErr() error {
	if s.fileErr != nil {
		return s.fileErr
	}
	return s.buildErr
}

// Selected returns the ticked policies in file order.
func (s *Screen) Selected() []string {
	if s.file == nil {
		return nil
	}
	var out []string
	for _, n := range s.file.Names {
		if s.selected[n] {
			out = append(out, n)
		}
	}
	return out
}

// Running reports whether a run is in progress.
func (s *Screen) Running() bool { return s.running }

// Progress returns the last progress of the run (nil before the first).
func (s *Screen) Progress() *backend.SimProgressMsg { return s.prog }

// Result returns the last completed run (nil before one) and the error
// of the last run that failed.
func (s *Screen) Result() (*compare.RunResult, error) { return s.result, s.runErr }

// ShowResult shows r as the results of a run with settings set (the
// policies' types, for the off-policy uplift against do nothing, come from
// the policy file read).
func (s *Screen) ShowResult(r *compare.RunResult, set Settings) {
	s.result, s.resSet, s.runErr = r, set, nil
	s.resNames = nil
	for _, row := range r.Comparison.Rows {
		s.resNames = append(s.resNames, row.Policy)
	}
	s.resTypes = map[string]string{}
	if s.file != nil {
		for i, n := range s.file.Names {
			s.resTypes[n] = s.file.Types[i]
		}
	}
	s.mode, s.scroll = modeResults, 0
}

// ShowingResults reports whether the results view is shown.
func (s *Screen) ShowingResults() bool { return s.mode == modeResults }

func (s *Screen) check() tea.Cmd {
	if s.c.Backend == nil {
		return nil
	}
	s.checking, s.stale = true, false
	b, path, data := s.c.Backend, s.path, s.data
	return b.RunLabel(context.Background(), KindCheck, "reading the policy file", func(ctx context.Context) (any, error) {
		return b.CheckPolicyFile(ctx, path, data)
	})
}

// Update implements app.Screen.
func (s *Screen) Update(msg tea.Msg) (app.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case backend.ResultMsg:
		return s, s.resultMsg(msg)
	case backend.SimProgressMsg:
		if msg.Kind != KindRun {
			return s, nil
		}
		if s.running {
			p := msg
			s.prog = &p
		}
		return s, msg.Next()
	case EditedMsg:
		return s, s.edited(msg)
	case app.DataChangedMsg:
		s.stale = true
		if s.shown {
			return s, s.check()
		}
		return s, nil
	case tea.KeyMsg:
		if s.picking {
			return s, s.pickerKey(msg)
		}
		return s, s.key(msg)
	}
	if s.picking {
		var cmd tea.Cmd
		s.picker, cmd = s.picker.Update(msg)
		return s, cmd
	}
	return s, nil
}

func (s *Screen) resultMsg(msg backend.ResultMsg) tea.Cmd {
	if s.c.Backend != nil && !s.c.Backend.Current(msg) {
		return nil
	}
	switch msg.Kind {
	case KindCheck:
		s.checking, s.checked = false, true
		s.fileErr, s.buildErr = nil, nil
		if msg.Err != nil {
			s.file, s.fileErr = nil, msg.Err
			if msg.Cancelled() {
				s.stale = true
				return nil
			}
			return app.Error(fmt.Errorf("%v — fix it with E (edit) or open another file with o", msg.Err))
		}
		pc := msg.Value.(*backend.PolicyCheck)
		s.setFile(pc.File)
		s.decided = pc.Decisions
		s.buildErr = pc.Err
		if pc.Err != nil {
			return app.Error(fmt.Errorf("%v — fix it with E (edit) or open another file with o", pc.Err))
		}
		if n := s.notice; n != nil {
			s.notice = nil
			return app.Error(n)
		}
		return app.Status(fmt.Sprintf("%s: %d policies", s.pathLabel(), len(pc.File.Names)))
	case KindRun:
		s.running = false
		s.prog = nil
		s.elapsed = msg.Elapsed
		switch {
		case msg.Cancelled():
			return app.Status("run cancelled; nothing was kept from it")
		case msg.Err != nil:
			s.runErr = msg.Err
			return app.Error(msg.Err)
		}
		s.runErr = nil
		s.result = msg.Value.(*compare.RunResult)
		s.mode, s.scroll = modeResults, 0
		return app.Status(fmt.Sprintf("compared %d policies in %.1f s; esc goes back to the setup", len(s.resNames), msg.Elapsed.Seconds()))
	}
	return nil
}

// setFile replaces the policy list, keeping the ticks of policies that
// are still there and ticking new ones.
func (s *Screen) setFile(pf *compare.PolicyFile) {
	old := s.file
	s.file = pf
	keep := map[string]bool{}
	for _, n := range pf.Names {
		known := false
		if old != nil {
			for _, m := range old.Names {
				known = known || m == n
			}
		}
		keep[n] = !known || s.selected[n]
	}
	s.selected = keep
	s.cur = min(s.cur, max(len(pf.Names)-1, 0))
}

func (s *Screen) pathLabel() string {
	if s.path == Builtin {
		return Builtin
	}
	return s.path
}

func (s *Screen) key(msg tea.KeyMsg) tea.Cmd {
	k := s.km
	if s.running {
		if key.Matches(msg, k.back) && s.c.Backend != nil {
			s.c.Backend.CancelKind(KindRun)
			return app.Status("cancelling…")
		}
		return nil
	}
	if s.mode == modeResults {
		switch {
		case key.Matches(msg, k.back):
			s.mode = modeSetup
			return nil
		case key.Matches(msg, k.up):
			s.scroll--
		case key.Matches(msg, k.down):
			s.scroll++
		case key.Matches(msg, k.pgup):
			s.scroll -= max(s.h-2, 1)
		case key.Matches(msg, k.pgdn):
			s.scroll += max(s.h-2, 1)
		case key.Matches(msg, k.home):
			s.scroll = 0
		case key.Matches(msg, k.end):
			s.scroll = 1 << 30
		case key.Matches(msg, k.run):
			return s.run()
		case key.Matches(msg, k.edit):
			return s.edit()
		case key.Matches(msg, k.method):
			s.mode = modeSetup
			return s.key(msg)
		}
		return nil
	}
	n := 0
	if s.file != nil {
		n = len(s.file.Names)
	}
	switch {
	case key.Matches(msg, k.up):
		s.cur--
	case key.Matches(msg, k.down):
		s.cur++
	case key.Matches(msg, k.pgup):
		s.cur -= max(s.listRows(), 1)
	case key.Matches(msg, k.pgdn):
		s.cur += max(s.listRows(), 1)
	case key.Matches(msg, k.home):
		s.cur = 0
	case key.Matches(msg, k.end):
		s.cur = n - 1
	case key.Matches(msg, k.toggle):
		if n > 0 {
			name := s.file.Names[s.cur]
			s.selected[name] = !s.selected[name]
		}
	case key.Matches(msg, k.all):
		if n > 0 {
			all := len(s.Selected()) == n
			for _, name := range s.file.Names {
				s.selected[name] = !all
			}
		}
	case key.Matches(msg, k.method):
		s.set.Method = (s.set.Method + 1) % 3
		return app.Status("method: " + s.set.Method.String())
	case key.Matches(msg, k.horizon):
		s.set.HorizonDays = next(HorizonChoices, s.set.HorizonDays)
		return app.Status(fmt.Sprintf("horizon: %d days", s.set.HorizonDays))
	case key.Matches(msg, k.customers):
		s.set.Customers = next(CustomerChoices, s.set.Customers)
		return app.Status("customers: " + customersText(s.set.Customers))
	case key.Matches(msg, k.refits):
		s.set.Refits = next(RefitChoices, s.set.Refits)
		return app.Status(fmt.Sprintf("refits: %d", s.set.Refits))
	case key.Matches(msg, k.run):
		return s.run()
	case key.Matches(msg, k.results):
		if s.result == nil {
			return app.Status("no results yet: press r to run")
		}
		s.mode = modeResults
	case key.Matches(msg, k.edit):
		return s.edit()
	case key.Matches(msg, k.open):
		s.picking = true
		if s.path != Builtin {
			s.picker.SetValue(s.path)
		} else if d := dbDir(s.c.Backend); d != "" {
			s.picker.SetValue(filepath.Join(d, DefaultFileNames[0]))
		} else {
			s.picker.SetValue("")
		}
		s.picker.CursorEnd()
		return s.picker.Focus()
	case key.Matches(msg, k.reload):
		return s.check()
	}
	s.cur = max(min(s.cur, n-1), 0)
	return nil
}

func next(choices []int, v int) int {
	for i, c := range choices {
		if c == v {
			return choices[(i+1)%len(choices)]
		}
	}
	return choices[0]
}

func customersText(n int) string {
	if n == 0 {
		return "as in the log"
	}
	return fmt.Sprintf("%d", n)
}

func (s *Screen) pickerKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.picking = false
		s.picker.Blur()
		return nil
	case "enter":
		p := strings.TrimSpace(s.picker.Value())
		s.picking = false
		s.picker.Blur()
		if p == "" || p == Builtin {
			s.path, s.data = Builtin, policy.ExamplePolicies
		} else {
			s.path, s.data = backend.ExpandHome(p), nil
		}
		s.mode = modeSetup
		return s.check()
	case "tab":
		if c := backend.Complete(s.picker.Value(), 2); len(c) > 0 {
			s.picker.SetValue(commonPrefix(c))
			s.picker.CursorEnd()
		}
		return nil
	}
	var cmd tea.Cmd
	s.picker, cmd = s.picker.Update(msg)
	return cmd
}

func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// run starts a comparison of the ticked policies with the settings.
func (s *Screen) run() tea.Cmd {
	switch {
	case s.c.Backend == nil:
		return nil
	case s.checking:
		return app.Status("still reading the policy file; press r again in a moment")
	case s.fileErr != nil || s.buildErr != nil:
		return app.Error(fmt.Errorf("cannot run: %v — fix it with E (edit) or open another file with o", s.FileErr()))
	case s.file == nil:
		return s.check()
	}
	sel := s.Selected()
	if len(sel) == 0 {
		return app.Error(errors.New("no policy ticked: tick at least one with space (a ticks all)"))
	}
	set := s.set
	opt := compare.RunOptions{
		Simulate: set.Method != OPEOnly, OPE: set.Method != SimOnly,
		Only: sel, PolicyData: s.data,
		Customers: set.Customers, HorizonDays: set.HorizonDays, Seed: set.Seed,
		Refits: set.Refits,
	}
	s.running, s.prog, s.runErr = true, nil, nil
	s.resSet, s.resNames = set, sel
	s.resTypes = map[string]string{}
	for i, n := range s.file.Names {
		s.resTypes[n] = s.file.Types[i]
	}
	// The running view says what runs and that esc cancels; a status
	// message sent beside the run could arrive after a run that ends at
	// once (cancelled, failed) and hide its outcome.
	return s.c.Backend.Simulate(context.Background(), KindRun, "simulating policies", s.path, opt)
}

// edit opens the policy file in $VISUAL or $EDITOR; the built-in example
// is first copied next to the database (or into the working directory).
func (s *Screen) edit() tea.Cmd {
	ed := strings.TrimSpace(os.Getenv("VISUAL"))
	if ed == "" {
		ed = strings.TrimSpace(os.Getenv("EDITOR"))
	}
	path := s.path
	if path == Builtin {
		dir := dbDir(s.c.Backend)
		if dir == "" {
			dir = "."
		}
		path = filepath.Join(dir, DefaultFileNames[0])
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(path, policy.ExamplePolicies, 0o644); err != nil {
				return app.Error(fmt.Errorf("cannot copy the example policy file to %s: %v (open a writable file with o)", path, err))
			}
		}
		s.path, s.data = path, nil
	}
	if ed == "" {
		s.notice = fmt.Errorf("no editor: set $EDITOR (for example export EDITOR=nano) and press E again; the policy file is %s", path)
		return s.check()
	}
	args := strings.Fields(ed)
	cmd := exec.Command(args[0], append(args[1:], path)...)
	return tea.ExecProcess(cmd, func(err error) tea.Msg { return EditedMsg{Path: path, Err: err} })
}

// edited reloads the policy file after the editor exits.
func (s *Screen) edited(msg EditedMsg) tea.Cmd {
	if msg.Err != nil {
		s.notice = fmt.Errorf("the editor failed: %v (check $EDITOR)", msg.Err)
		return s.check()
	}
	s.path, s.data = msg.Path, nil
	s.mode = modeSetup
	return s.check()
}

// KeyMap implements app.Screen.
func (s *Screen) KeyMap() help.KeyMap { return keyMap{s} }

type keyMap struct{ s *Screen }

func (m keyMap) ShortHelp() []key.Binding {
	k := m.s.km
	switch {
	case m.s.picking:
		return []key.Binding{bind("enter", "enter", "open"), bind("tab", "tab", "complete"), bind("esc", "esc", "cancel")}
	case m.s.running:
		return []key.Binding{bind("esc", "esc", "cancel run")}
	case m.s.mode == modeResults:
		return []key.Binding{k.down, bind("esc", "esc", "setup"), k.run, k.edit}
	}
	return []key.Binding{k.toggle, k.method, k.horizon, k.customers, k.run, k.edit, k.open}
}

func (m keyMap) FullHelp() [][]key.Binding {
	k := m.s.km
	return [][]key.Binding{
		{k.up, k.down, k.pgup, k.pgdn, k.home, k.end},
		{k.toggle, k.all, k.method, k.horizon, k.customers, k.refits},
		{k.run, k.results, k.back, k.edit, k.open, k.reload},
	}
}
