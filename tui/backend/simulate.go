package backend

import (
	"context"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/sim/compare"
	"github.com/journeyworkbench/workbench/sim/decisionlog"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// SimProgressMsg carries the progress of a comparison started with
// Simulate. The receiver must return Next() to keep receiving the run's
// messages (its progress, then its ResultMsg).
type SimProgressMsg struct {
	Kind string
	compare.Progress
	// Elapsed is the time since the run started.
	Elapsed time.Duration
	next    tea.Cmd
}

// Next returns the command that waits for the run's next message.
func (m SimProgressMsg) Next() tea.Cmd { return m.next }

// Fraction is the share of the run's current group of stages done:
// (Step − 1 + Customers/CustomersOf) / Steps, 0 for a stage without steps
// (reading the log, fitting).
func (m SimProgressMsg) Fraction() float64 {
	if m.Steps <= 0 {
		return 0
	}
	f := float64(m.Step - 1)
	if m.CustomersOf > 0 {
		f += float64(m.Customers) / float64(m.CustomersOf)
	}
	return min(max(f/float64(m.Steps), 0), 1)
}

// logCache keeps the decision log of one backend for one data version and
// action set, so the Simulate screen's checks and runs read the store once.
type logCache struct {
	mu      sync.Mutex
	version int64
	actions string
	log     *decisionlog.Log
}

var logCaches sync.Map // *Backend → *logCache

// DecisionLog returns every logged decision of the store indexed in
// actions (decisionlog.ReadStore), cached while the data version and the
// action set stay the same. Call it inside Run/RunLabel, never on the UI
// thread.
func (b *Backend) DecisionLog(ctx context.Context, actions *policy.Actions) (*decisionlog.Log, error) {
	v, err := b.st.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	key := strings.Join(actions.Names, "\x00")
	for _, n := range actions.Names {
		key += "\x01" + actions.Channel[n]
	}
	c0, _ := logCaches.LoadOrStore(b, &logCache{})
	c := c0.(*logCache)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.log != nil && c.version == v && c.actions == key {
		return c.log, nil
	}
	l, err := decisionlog.ReadStore(ctx, b.st, actions)
	if err != nil {
		return nil, err
	}
	c.version, c.actions, c.log = v, key, l
	return l, nil
}

// PolicyCheck is the outcome of CheckPolicyFile.
type PolicyCheck struct {
	File *compare.PolicyFile
	// Decisions is the number of logged decisions the policies were
	// built with (0: the database holds no decision log).
	Decisions int
	// Err is the first policy that does not build (with its line), or
	// nil; File is set even then.
	Err error
}

// CheckPolicyFile reads the policy file at path (data, when not nil, is
// its content) and builds its policies with the store's decision log, as
// a run would. A file that does not parse is the returned error; a policy
// that does not build is PolicyCheck.Err.
func (b *Backend) CheckPolicyFile(ctx context.Context, path string, data []byte) (*PolicyCheck, error) {
	pf, err := compare.ReadPolicyFile(path, data)
	if err != nil {
		return nil, err
	}
	l, err := b.DecisionLog(ctx, pf.Actions)
	if err != nil {
		return nil, err
	}
	pc := &PolicyCheck{File: pf, Decisions: l.N()}
	if l.N() == 0 {
		l = nil
	}
	pc.Err = pf.CheckPolicies(l)
	return pc, nil
}

// Simulate runs compare.RunAll on the store's decision log (read through
// DecisionLog) off the UI thread, streaming a SimProgressMsg per stage and
// Monte Carlo shard (the latest replaces one not yet received) and ending
// with a ResultMsg of kind whose Value is the *compare.RunResult. esc
// (Cancel) answers with a cancelled ResultMsg at once; the Monte Carlo
// shard being simulated stops at its end.
func (b *Backend) Simulate(ctx context.Context, kind, label, policyFile string, opt compare.RunOptions) tea.Cmd {
	seq, jctx := b.register(ctx, kind, label)
	ch := make(chan tea.Msg, 1)
	var wait tea.Cmd
	wait = func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		if p, isP := m.(SimProgressMsg); isP {
			p.next = wait
			return p
		}
		return m
	}
	go func() {
		start := time.Now()
		var mu sync.Mutex
		closed := false
		send := func(m tea.Msg) {
			// Latest wins: replace a message the UI has not taken yet.
			select {
			case <-ch:
			default:
			}
			ch <- m
		}
		report := func(p compare.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if !closed {
				send(SimProgressMsg{Kind: kind, Progress: p, Elapsed: time.Since(start)})
			}
		}
		type outcome struct {
			v   *compare.RunResult
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			v, err := b.simulate(jctx, policyFile, opt, report)
			done <- outcome{v, err}
		}()
		// A cancelled run answers at once; the shard being simulated
		// finishes in the background and its result is dropped.
		var o outcome
		select {
		case o = <-done:
		case <-jctx.Done():
		}
		if o.err == nil && jctx.Err() != nil {
			o = outcome{nil, jctx.Err()}
		}
		b.finish(seq)
		mu.Lock()
		closed = true
		send(ResultMsg{Kind: kind, Seq: seq, Value: o.v, Err: o.err, Elapsed: time.Since(start)})
		close(ch)
		mu.Unlock()
	}()
	return wait
}

func (b *Backend) simulate(ctx context.Context, policyFile string, opt compare.RunOptions, report func(compare.Progress)) (*compare.RunResult, error) {
	if opt.Log == nil && opt.LogPath == "" {
		pf, err := compare.ReadPolicyFile(policyFile, opt.PolicyData)
		if err != nil {
			return nil, err
		}
		report(compare.Progress{Stage: "reading the decision log"})
		if opt.Log, err = b.DecisionLog(ctx, pf.Actions); err != nil {
			return nil, err
		}
	}
	return compare.RunAll(ctx, b.st, policyFile, opt, report)
}
