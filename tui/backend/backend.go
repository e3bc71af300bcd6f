// Package backend runs the workbench's store, load and sample calls off the
// UI thread: every call becomes a tea.Cmd whose result arrives as a typed
// message, with a context the user can cancel (esc) and a sequence number so
// that a result overtaken by a newer query of the same kind is dropped.
//
// The package holds no analytics and no SQL: it only adapts the calls of
// analysis/store, analysis/load and sample to bubbletea.
package backend

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// ResultMsg is the outcome of one query started with Run (or of a job
// started with a job method such as LoadFiles). Kind is the name the caller
// gave (namespaced by screen, e.g. "data.counts"); Seq orders the queries
// of a Backend, so a result is current only when its Seq is the last one
// issued for its Kind (see Current).
type ResultMsg struct {
	Kind    string
	Seq     uint64
	Value   any
	Err     error
	Elapsed time.Duration
}

// Cancelled reports whether the query ended because it was cancelled.
func (r ResultMsg) Cancelled() bool {
	return errors.Is(r.Err, context.Canceled)
}

type running struct {
	kind   string
	label  string
	cancel context.CancelFunc
	start  time.Time
}

// Backend adapts one store to the UI. It is safe for concurrent use.
type Backend struct {
	st *store.Store

	mu      sync.Mutex
	seq     uint64
	latest  map[string]uint64
	running map[uint64]*running

	cacheMu  sync.Mutex
	counts   *store.Counts
	countsAt int64 // data version of counts
}

// New returns a Backend over st.
func New(st *store.Store) *Backend {
	return &Backend{st: st, latest: map[string]uint64{}, running: map[uint64]*running{}}
}

// Store is the store the backend reads.
func (b *Backend) Store() *store.Store { return b.st }

// Path is the database file ("" without a store).
func (b *Backend) Path() string {
	if b.st == nil {
		return ""
	}
	return b.st.Path()
}

// register records a new query of kind, cancelling a running query of the
// same kind (its result would be stale anyway).
func (b *Backend) register(parent context.Context, kind, label string) (uint64, context.Context) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.running {
		if r.kind == kind {
			r.cancel()
		}
	}
	b.seq++
	b.latest[kind] = b.seq
	b.running[b.seq] = &running{kind: kind, label: label, cancel: cancel, start: time.Now()}
	return b.seq, ctx
}

func (b *Backend) finish(seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r, ok := b.running[seq]; ok {
		r.cancel()
		delete(b.running, seq)
	}
}

// Run registers a query of the given kind and returns the command that
// runs f with a cancellable context derived from ctx (nil means
// context.Background) and delivers a ResultMsg. Registration happens at
// once, so Running counts the query from the moment Run returns; a running
// query of the same kind is cancelled.
func (b *Backend) Run(ctx context.Context, kind string, f func(ctx context.Context) (any, error)) tea.Cmd {
	return b.RunLabel(ctx, kind, kind, f)
}

// RunLabel is Run with a label the status line shows while the query runs
// ("counting events").
func (b *Backend) RunLabel(ctx context.Context, kind, label string, f func(ctx context.Context) (any, error)) tea.Cmd {
	seq, qctx := b.register(ctx, kind, label)
	return func() tea.Msg {
		defer b.finish(seq)
		start := time.Now()
		v, err := f(qctx)
		if err == nil && qctx.Err() != nil {
			err = qctx.Err()
		}
		return ResultMsg{Kind: kind, Seq: seq, Value: v, Err: err, Elapsed: time.Since(start)}
	}
}

// Current reports whether r is the result of the last query issued for its
// kind; older results are stale and should be dropped.
func (b *Backend) Current(r ResultMsg) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.latest[r.Kind] == r.Seq
}

// Cancel cancels every running query and job and returns how many there
// were. Their results still arrive, with a context.Canceled error.
func (b *Backend) Cancel() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.running {
		r.cancel()
	}
	return len(b.running)
}

// CancelKind cancels the running queries of one kind.
func (b *Backend) CancelKind(kind string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.running {
		if r.kind == kind {
			r.cancel()
		}
	}
}

// Running returns the number of queries and jobs not yet finished.
func (b *Backend) Running() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.running)
}

// Labels lists the labels of the running queries, oldest first.
func (b *Backend) Labels() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	seqs := make([]uint64, 0, len(b.running))
	for s := range b.running {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	out := make([]string, len(seqs))
	for i, s := range seqs {
		out[i] = b.running[s].label
	}
	return out
}
