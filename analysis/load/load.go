// Package load is the load pipeline: file → ingest reader → validate →
// identity stitching → store, one transaction per file.
//
// A file is read once, inside its transaction. Goroutines parse rows
// (JSON Lines on two, see ingest.Parallel) and prepare them (validation,
// property JSON, de-duplication keys; two goroutines) while the caller's
// goroutine resolves identifiers, records links, rejects and profile
// rows, inserts the decisions of identities stored before the file (their
// customer is known), and spools events, and the new identities and their
// decisions, as compact binary records
// (in memory up to a quarter of SortMemory, then in unlinked temporary
// files beside the database); another goroutine sorts the events'
// de-duplication keys as they come. The identity graph is then stitched
// (package identity). While a goroutine reads the events back with
// their final customers and sorts them by the events table's clustered
// key (customer, time, seq), the caller's goroutine claims the file's
// keys in ascending order (store.WriteTx.ClaimEventKeys: a merge with
// the sorted runs of keys stored by earlier loads, the new keys appended
// as a run of their own, no row per key) and inserts the spooled
// identities and decisions; then the events go in, so that the inserts
// (multi-row INSERTs of store.BatchRows rows) sweep the events b-tree in
// order and write each page once. Events of earlier files whose customer
// changed are moved with one UPDATE per customer, and the file's pages
// are copied from the write-ahead log into the database file (a
// checkpoint, so that the next file starts with an empty log). Memory is
// bounded by the identity graph (about 40 bytes per identifier between
// files, 100 while stitching) and SortMemory, not by the file; the temporary files
// hold about twice the file's events in binary form. Row accounting:
// every row read is loaded, rejected (file, line, reason, raw text) or
// counted as a duplicate, and the store refuses to commit a file whose
// counts do not add up.
//
// De-duplication: an event with an id of its own (a Segment messageId, an
// export's event id) is keyed by a 64-bit hash of (channel, id, type);
// any other row by a hash of its content (kind, identifiers, time, channel, type,
// campaign, revenue, properties, traits). A key already stored makes the
// row a duplicate; of equal keys within one file the first row read is
// kept. A file whose SHA-256 matches a source already loaded is
// not read again: Load reports it as already loaded and adds no sources
// row (so read = loaded + rejected + duplicate holds for every row of
// sources). Hash collisions (probability about n²/2⁶⁵ for n keys) would
// drop a row as a duplicate.
package load

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/journeyworkbench/workbench/analysis/identity"
	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// Progress reports how far a load is. Phase is "checksum", "reading"
// (the pass over the file; Rows are rows read) or "loading" (storing
// what was read; Rows count the spooled records read back and sorted,
// then the events inserted in key order); Fraction is the share of the
// whole load done (reading and loading each weigh the file's size; the
// checksum is cheap and weighs a tenth).
type Progress struct {
	File       string
	Phase      string
	Rows       int64 // rows read in this phase
	Bytes      int64 // bytes read in this phase
	Size       int64
	Elapsed    time.Duration
	Fraction   float64
	RowsPerSec float64       // rows of the current phase per second
	ETA        time.Duration // remaining time at the current overall rate
}

// DefaultSortMemory is the memory a load gives its spool and sorts (the
// rows of a larger file go to temporary files).
const DefaultSortMemory = 32 << 20

// Record kinds of the spool.
const (
	spIdentity = 'i'
	spEvent0   = 'e'
	spDecision = 'd'
)

// Opener opens a file for reading; ingest.Open by default.
type Opener func(path string, opt ingest.Options) (ingest.Reader, *ingest.Detected, error)

// Loader loads files into one store. It keeps the identity graph in
// memory between files (identifier hash → id, type, customer, links:
// about 40 bytes per identifier) and re-reads it when another process
// changed the database. A Loader is not safe for concurrent use.
type Loader struct {
	st    *store.Store
	Guard identity.Guard
	Open  Opener

	// TempDir is where a load sorts a large file's rows (the
	// database's directory when empty); SortMemory bounds the memory of
	// that sort (DefaultSortMemory when 0).
	TempDir    string
	SortMemory int

	version   int64 // data version of the cache; -1 = no cache
	ids       map[uint64]uint32
	typeCode  map[string]uint8
	typeNames []string
	types     []uint8
	cust      []uint32
	shared    []bool
	links     []uint64 // sorted, unique

	sums map[string]chan checksum // checksums being computed ahead (Prefetch)
}

// checksum is a file's SHA-256 computed ahead of its load, with the size
// and modification time the file had when it was computed.
type checksum struct {
	sum   string
	size  int64
	mtime time.Time
	err   error
}

// Prefetch starts computing the checksum of the file at path in the
// background, so that a later Load of it does not read the file an
// extra time before its pass (call it with the next file while one
// loads). The result is used only when the file's size and modification
// time are unchanged at Load.
func (l *Loader) Prefetch(path string) {
	if l.sums == nil {
		l.sums = map[string]chan checksum{}
	}
	if _, ok := l.sums[path]; ok {
		return
	}
	ch := make(chan checksum, 1)
	l.sums[path] = ch
	go func() {
		var c checksum
		fi, err := os.Stat(path)
		if err == nil && !fi.IsDir() {
			c.mtime = fi.ModTime()
			c.sum, c.size, c.err = Checksum(path)
		} else {
			c.err = errors.New("not a file")
		}
		ch <- c
	}()
}

// fileChecksum returns the checksum of the file at path (described by
// fi), from Prefetch when it still matches the file.
func (l *Loader) fileChecksum(path string, fi os.FileInfo) (string, error) {
	if ch, ok := l.sums[path]; ok {
		delete(l.sums, path)
		c := <-ch
		if c.err == nil && c.size == fi.Size() && c.mtime.Equal(fi.ModTime()) {
			return c.sum, nil
		}
	}
	sum, _, err := Checksum(path)
	return sum, err
}

// New returns a Loader for st with the default guard and reader.
func New(st *store.Store) *Loader {
	return &Loader{st: st, Guard: identity.DefaultGuard(), Open: ingest.Open, version: -1}
}

// Report is the outcome of loading one file.
type Report struct {
	Source store.SourceStats
	// AlreadyLoaded is set when the file's checksum matched a source
	// already loaded; Source is then that earlier source and nothing was
	// added.
	AlreadyLoaded bool
	Detected      *ingest.Detected
	Stitch        StitchSummary
	Elapsed       time.Duration
}

// StitchSummary describes the identity graph after a load.
type StitchSummary struct {
	Identities, NewIdentities int
	Customers                 int
	Persons                   int // groups of person-anchoring identifiers
	Shared                    int // identifiers kept out of merging
	NewShared                 int // of which newly shared by this file
	MultiPerson               int // customers the guard could not keep to one person
	Moved                     int // identities of earlier files whose customer changed
	Elapsed                   time.Duration
}

// File loads one file with a fresh Loader (see Loader.Load).
func File(ctx context.Context, st *store.Store, path string, opt ingest.Options, progress func(Progress)) (store.SourceStats, error) {
	r, err := New(st).Load(ctx, path, opt, progress)
	return r.Source, err
}

// Checksum returns the hex SHA-256 of the file at path.
func Checksum(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// memStatus is the process's resident memory and its peak so far, from
// /proc/self/status (empty where there is none), for the load trace.
func memStatus() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	var out string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
			out += fmt.Sprintf(" %s %d MB", strings.TrimSuffix(f[0], ":"), atoiOr0(f[1])>>10)
		}
	}
	return out
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// rowCheck is how often (in rows) a pass checks the context and reports
// progress.
const rowCheck = 4096

// Load loads the file at path in one transaction: checksum, first pass
// (identifiers and links), stitching, second pass (events, decisions,
// profiles, consents, rejects), moves of earlier rows whose customer
// changed, and the sources row. Cancelling ctx rolls the file back.
// With the environment variable WORKBENCH_LOAD_TRACE set, the time of
// each phase (checksum, read, stitch, claims, identities, events,
// finish) is written to stderr.
func (l *Loader) Load(ctx context.Context, path string, opt ingest.Options, progress func(Progress)) (rep Report, err error) {
	start := time.Now()
	abs, _ := filepath.Abs(path)
	fi, err := os.Stat(path)
	if err != nil {
		return rep, err
	}
	if fi.IsDir() {
		return rep, fmt.Errorf("%s is a directory: pass the files in it (e.g. %s/*)", path, path)
	}
	size := fi.Size()
	if progress == nil {
		progress = func(Progress) {}
	}
	report := func(phase string, rows, bytes int64, base float64) {
		el := time.Since(start)
		weight := float64(size)
		frac := base
		if size > 0 {
			frac += float64(bytes) / weight
		}
		frac /= 2.1
		p := Progress{File: path, Phase: phase, Rows: rows, Bytes: bytes, Size: size, Elapsed: el, Fraction: min(frac, 1)}
		if el > 0 {
			p.RowsPerSec = float64(rows) / el.Seconds()
		}
		if frac > 0.01 {
			p.ETA = time.Duration(float64(el) * (1 - frac) / frac)
		}
		progress(p)
	}
	report("checksum", 0, 0, 0)
	// WORKBENCH_LOAD_TRACE=1 writes the time of each phase to stderr.
	tlast := time.Now()
	tracing := os.Getenv("WORKBENCH_LOAD_TRACE") != ""
	trace := func(what string) {
		if tracing {
			fmt.Fprintf(os.Stderr, "load trace: %s %s %.2fs%s\n", filepath.Base(path), what, time.Since(tlast).Seconds(), memStatus())
		}
		tlast = time.Now()
	}
	sum, err := l.fileChecksum(path, fi)
	if err != nil {
		return rep, err
	}
	if prev, err := l.st.SourceByChecksum(ctx, sum); err != nil {
		return rep, err
	} else if prev != nil {
		rep.Source = *prev
		rep.AlreadyLoaded = true
		rep.Elapsed = time.Since(start)
		return rep, nil
	}
	trace("checksum")

	r1, det, err := l.Open(path, opt)
	if err != nil {
		return rep, err
	}
	r1 = ingest.Parallel(r1, 2)
	defer closeReader(r1)
	rep.Detected = det
	tx, err := l.st.BeginLoad(ctx, store.SourceInfo{Path: abs, Name: filepath.Base(path), Kind: det.Kind, Checksum: sum, Size: size})
	if err != nil {
		return rep, err
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
			l.version = -1 // the in-memory graph may hold uncommitted identities
		}
	}()
	if err := l.ensureGraph(tx); err != nil {
		return rep, err
	}

	// The single pass. Producer goroutines read and prepare rows
	// (parsing, property JSON, de-duplication keys) while this one
	// resolves identifiers, records links, rejects, profile rows and the
	// decisions of stored identities, and spools new identities, events
	// and the other decisions (which need the customer that stitching
	// gives) as compact records.
	firstNew := uint32(len(l.types))
	nextNew := firstNew // identities up to here are spooled
	dir := l.TempDir
	if dir == "" {
		dir = filepath.Dir(l.st.Path())
	}
	budget := l.SortMemory
	if budget <= 0 {
		budget = DefaultSortMemory
	}
	// Events go to sp; identities and decisions to sp2 (they are
	// inserted while the events are read back and sorted, see below).
	// The de-duplication keys are sorted as they are read.
	sp := &spool{dir: dir, limit: budget / 4}
	defer sp.close()
	sp2 := &spool{dir: dir, limit: budget / 12}
	defer sp2.close()
	keys := &sorter[keySeq]{dir: dir, budget: budget / 6, cmp: cmpKeySeq, cmpVal: cmpKeySeqVal, size: func(*keySeq) int { return 16 }, enc: appendKeySeq, dec: decodeKeySeq}
	defer keys.close()
	// A goroutine sorts the keys (runs of keys.add) as they come.
	keyCh := make(chan []keySeq, 4)
	keyBuf := make([]keySeq, 0, 4096)
	keyDone := make(chan error, 1)
	go func() {
		var err error
		for b := range keyCh {
			for i := 0; i < len(b) && err == nil; i++ {
				err = keys.add(b[i])
			}
		}
		keyDone <- err
	}()
	keysOpen := true
	endKeys := func() error {
		if !keysOpen {
			return nil
		}
		keysOpen = false
		if len(keyBuf) > 0 {
			keyCh <- keyBuf
		}
		close(keyCh)
		return <-keyDone
	}
	defer endKeys() // before keys.close
	// Links new to the graph. A row's links mostly repeat those of the
	// rows before it (every event of a logged-in session links the same
	// cookie and user id), so a small direct-mapped cache of recent links
	// skips most repeats; the rest are removed by sorting (bounded memory,
	// no map of every link of the file).
	var recent [1 << 16]uint64
	var newLinks []uint64
	compactAt := 1 << 20
	items := make(chan []prepared, 4)
	stop := make(chan struct{})
	prodDone := make(chan struct{})
	var readErr error
	go func() {
		defer close(prodDone)
		defer close(items)
		readErr = produce(ctx, r1, items, stop)
	}()
	stopped := false
	stopProducer := func() {
		if !stopped {
			stopped = true
			close(stop)
			<-prodDone
		}
	}
	defer stopProducer() // on every return: stop the producer before the reader closes
	var read, nEvents, firstSeq int64
	var rec8 []byte
	for batch := range items {
		for i := range batch {
			it := &batch[i]
			read++
			if it.rowErr != nil {
				if err := addReject(tx, sum, it.rowErr.Line, it.rowErr.Reason, it.rowErr.Raw); err != nil {
					return rep, err
				}
				continue
			}
			rec := &it.rec
			if it.why != "" {
				if err := addReject(tx, sum, rec.Line, it.why, it.whyRaw); err != nil {
					return rep, err
				}
				continue
			}
			var idbuf [8]uint32
			ids, err := l.resolve(rec.IDs, idbuf[:0], true)
			if err != nil {
				return rep, err
			}
			for k, id := range ids {
				if id != nextNew { // created by this row, in the order of rec.IDs
					continue
				}
				nextNew++
				if _, err := tx.Label(store.LabelIDType, string(rec.IDs[k].Type)); err != nil {
					return rep, err
				}
				rec8 = append(rec8[:0], spIdentity)
				rec8 = binary.AppendUvarint(rec8, uint64(id))
				rec8 = appendStr(rec8, string(rec.IDs[k].Type))
				rec8 = appendStr(rec8, rec.IDs[k].Value)
				rec8 = binary.AppendVarint(rec8, rec.Line)
				rec8 = binary.AppendVarint(rec8, rec.Time)
				if err := sp2.write(rec8); err != nil {
					return rep, err
				}
			}
			if err := l.addLinks(tx, ids, rec, &recent, &newLinks, &compactAt); err != nil {
				return rep, err
			}
			primary := ids[0]
			switch rec.Kind {
			case ingest.KindEvent:
				e := spEvent{ident: primary, ts: rec.Time, rev: rec.Revenue, hasRev: rec.HasRevenue, line: rec.Line,
					props: it.props, dedup: it.dedup, seq: tx.NextSeq()}
				if nEvents == 0 {
					firstSeq = e.seq
				}
				nEvents++
				if e.ch, e.typ, e.camp, err = l.labels(tx, rec); err != nil {
					return rep, err
				}
				rec8 = appendEvent(append(rec8[:0], spEvent0), &e)
				if err := sp.write(rec8); err != nil {
					return rep, err
				}
				keyBuf = append(keyBuf, keySeq{key: int64(e.dedup), seq: e.seq})
				if len(keyBuf) == cap(keyBuf) {
					keyCh <- keyBuf
					keyBuf = make([]keySeq, 0, cap(keyBuf))
				}
			case ingest.KindDecision:
				d := *it.dec
				d.Identity = int64(primary)
				if primary < firstNew {
					// An identity stored before this file has its
					// customer now, so the decision is inserted while
					// the file is read. Should this file's links move
					// the identity to another customer, apply moves the
					// row with the identity's rows of earlier files.
					d.Customer = int64(l.cust[primary])
					if err := tx.AddDecision(&d); err != nil {
						return rep, err
					}
					continue
				}
				rec8 = appendDecision(append(rec8[:0], spDecision), &d)
				if err := sp2.write(rec8); err != nil {
					return rep, err
				}
			default: // profile and link rows
				ts := rec.Time
				if ts == 0 {
					ts = start.UnixMilli()
				}
				if err := tx.AddProfileRow(int64(primary), ts, rec.Line, it.props, it.dedup); err != nil {
					return rep, err
				}
				for ch, granted := range rec.Consents {
					if err := tx.AddConsent(int64(primary), ch, ts, granted, rec.Line); err != nil {
						return rep, err
					}
				}
			}
		}
		if read%rowCheck < int64(len(batch)) {
			report("reading", read, batch[len(batch)-1].offset, 0.1)
		}
	}
	stopProducer()
	trace("read")
	if readErr != nil {
		return rep, fmt.Errorf("%s: %w", path, readErr)
	}
	if err := endKeys(); err != nil {
		return rep, err
	}
	closeReader(r1)
	report("reading", read, size, 0.1)

	// Stitch.
	t0 := time.Now()
	slices.Sort(newLinks)
	newLinks = slices.Compact(newLinks)
	all := mergeSorted(l.links, newLinks)
	newLinks, l.links = nil, nil // free them before stitching (the cache is rebuilt if this load fails)
	g := &identity.Graph{Type: l.types, TypeNames: l.typeNames, Links: all}
	res := identity.Stitch(g, l.Guard)
	stitchTime := time.Since(t0)
	trace("stitch")

	// The spools with the final customers. A goroutine reads the events
	// back and sorts them by the clustered key (customer, time, seq) of
	// the events table while this one claims the file's de-duplication
	// keys in ascending order and inserts identities and decisions.
	events := &sorter[spEvent]{dir: dir, budget: budget / 2, cmp: cmpEvent, size: (*spEvent).size, enc: appendEvent, dec: decodeEvent}
	defer events.close()
	spooled := sp.n + sp2.n
	var readBack atomic.Int64
	var bgStop atomic.Bool
	bgDone := make(chan error, 1)
	bgRunning := true
	waitBG := func() error {
		if !bgRunning {
			return nil
		}
		bgRunning = false
		return <-bgDone
	}
	defer func() { // on every return: stop the sort before its files close
		bgStop.Store(true)
		waitBG()
	}()
	go func() {
		bgDone <- func() error {
			rr, err := sp.reader()
			if err != nil {
				return err
			}
			for n := int64(1); ; n++ {
				if n%rowCheck == 0 {
					if bgStop.Load() {
						return context.Canceled
					}
					readBack.Store(n)
				}
				b, err := rr.next()
				if err == io.EOF {
					return nil
				} else if err != nil {
					return fmt.Errorf("read back the load's temporary file: %w", err)
				}
				if b[0] != spEvent0 {
					return errCorrupt
				}
				d := dec{b: b[1:]}
				var e spEvent
				if err := decodeEvent(&d, &e); err != nil {
					return err
				}
				e.cust = res.Customer[e.ident]
				if err := events.add(e); err != nil {
					return err
				}
			}
		}()
	}()
	loading := func(n int64) {
		report("loading", readBack.Load()+n, size/2*min(spooled, readBack.Load()+n)/max(1, spooled), 1.1)
	}

	// Duplicates: of equal keys in the file the first loaded is kept;
	// the others, and those whose key is already stored, are marked.
	dup := make([]uint64, (nEvents+63)/64)
	var nDup int64
	mark := func(seq int64) {
		i := seq - firstSeq
		dup[i/64] |= 1 << (i % 64)
		nDup++
	}
	const claimBatch = 4096
	batchKeys := make([]uint64, 0, claimBatch)
	batchSeqs := make([]int64, 0, claimBatch)
	fresh := make([]bool, claimBatch)
	var claimed int64
	claim := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := tx.ClaimEventKeys(batchKeys, fresh); err != nil {
			return err
		}
		for i, ok := range fresh[:len(batchKeys)] {
			if !ok {
				mark(batchSeqs[i])
			}
		}
		claimed += int64(len(batchKeys))
		loading(0)
		batchKeys, batchSeqs = batchKeys[:0], batchSeqs[:0]
		return nil
	}
	var lastKey int64
	haveKey := false
	err = keys.merge(func(k *keySeq) error {
		if haveKey && k.key == lastKey {
			mark(k.seq)
			return nil
		}
		lastKey, haveKey = k.key, true
		batchKeys = append(batchKeys, uint64(k.key))
		batchSeqs = append(batchSeqs, k.seq)
		if len(batchKeys) == claimBatch {
			return claim()
		}
		return nil
	})
	if err == nil && len(batchKeys) > 0 {
		err = claim()
	}
	if err != nil {
		return rep, err
	}
	keys.close()
	trace("claims")

	// Identities and decisions.
	rr, err := sp2.reader()
	if err != nil {
		return rep, err
	}
	var dIn store.DecisionIn
	for n := int64(0); ; n++ {
		if n%rowCheck == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if n > 0 {
				loading(n)
			}
		}
		b, err := rr.next()
		if err == io.EOF {
			break
		} else if err != nil {
			return rep, fmt.Errorf("read back the load's temporary file: %w", err)
		}
		d := dec{b: b[1:]}
		switch b[0] {
		case spIdentity:
			id := uint32(d.uvarint())
			typ, val := d.str(), d.str()
			line, ts := d.varint(), d.varint()
			if d.err {
				return rep, errCorrupt
			}
			if err := tx.AddIdentity(int64(id), typ, val, int64(res.Customer[id]), res.Shared[id], line, ts); err != nil {
				return rep, err
			}
		case spDecision:
			if err := decodeDecision(&d, &dIn); err != nil {
				return rep, err
			}
			dIn.Customer = int64(res.Customer[dIn.Identity])
			if err := tx.AddDecision(&dIn); err != nil {
				return rep, err
			}
		default:
			return rep, errCorrupt
		}
	}
	sp2.close()
	trace("identities")
	if err := waitBG(); err != nil {
		return rep, err
	}
	trace("waitsort")
	sp.close()
	tx.AddDuplicates(nDup)

	// The events, in the order of the clustered key. A goroutine merges
	// the sorted runs and decodes them while this one inserts.
	type seqEvent struct {
		e   store.EventIn
		seq int64
	}
	evCh := make(chan []seqEvent, 4)
	mergeStop := make(chan struct{})
	mergeDone := make(chan struct{})
	var mergeErr error
	go func() {
		defer close(mergeDone)
		defer close(evCh)
		batch := make([]seqEvent, 0, prepBatch)
		send := func() error {
			select {
			case evCh <- batch:
				batch = make([]seqEvent, 0, prepBatch)
				return nil
			case <-mergeStop:
				return context.Canceled
			}
		}
		mergeErr = events.merge(func(e *spEvent) error {
			i := e.seq - firstSeq
			if dup[i/64]&(1<<(i%64)) != 0 {
				return nil
			}
			batch = append(batch, seqEvent{store.EventIn{Customer: int64(e.cust), Identity: int64(e.ident), Time: e.ts, Channel: int64(e.ch),
				Type: int64(e.typ), Campaign: int64(e.camp), Revenue: e.rev, HasRevenue: e.hasRev, Props: e.props, Line: e.line, Dedup: e.dedup}, e.seq})
			if len(batch) == cap(batch) {
				return send()
			}
			return nil
		})
		if mergeErr == nil && len(batch) > 0 {
			mergeErr = send()
		}
	}()
	mergeStopped := false
	stopMerge := func() {
		if !mergeStopped {
			mergeStopped = true
			close(mergeStop)
			<-mergeDone
		}
	}
	defer stopMerge() // before the runs are closed
	var done int64
	for batch := range evCh {
		for i := range batch {
			if err := tx.AddClaimedEvent(&batch[i].e, batch[i].seq); err != nil {
				return rep, err
			}
		}
		done += int64(len(batch))
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if done%rowCheck < int64(len(batch)) {
			report("loading", spooled+done, size/2+int64(float64(size/2)*float64(done)/float64(max(1, nEvents-nDup))), 1.1)
		}
	}
	stopMerge()
	if mergeErr != nil {
		return rep, mergeErr
	}
	events.close()
	trace("events")
	report("loading", spooled+done, size, 1.1)
	if err := tx.Flush(); err != nil {
		return rep, err
	}
	// Earlier rows whose customer changed, and the customers table.
	t1 := time.Now()
	sum2, err := l.apply(tx, firstNew, res)
	if err != nil {
		return rep, err
	}
	trace("apply")
	sum2.Elapsed = stitchTime + time.Since(t1)
	sum2.NewIdentities = int(nextNew - firstNew)

	fs := store.FinishStats{Kind: det.Kind, Read: read, Loaded: tx.Loaded, Rejected: tx.Rejected, Duplicate: tx.Duplicate}
	tx.NoCheckpoint = true
	if err := tx.Finish(fs); err != nil {
		return rep, err
	}
	committed = true
	trace("commit")
	// The checkpoint copies the file's pages into the database file now,
	// so that the next file starts with an empty log: leaving it to later
	// files made them slower (their page reads searched a longer log, and
	// the log could not start again from its beginning), more than the
	// checkpoints saved. The file is committed whatever it returns: its
	// pages are safe in the log, and the next checkpoint copies them (as
	// SQLite's own checkpoint at commit, which this one replaces, would).
	l.st.Checkpoint(ctx)
	trace("checkpoint")
	l.version++
	l.cust, l.shared, l.links = res.Customer, res.Shared, all

	rep.Stitch = sum2
	rep.Elapsed = time.Since(start)
	rep.Source = store.SourceStats{ID: tx.SourceID(), Path: abs, Name: filepath.Base(path), Kind: det.Kind, Checksum: sum, Size: size,
		Read: read, Loaded: fs.Loaded, Rejected: fs.Rejected, Duplicate: fs.Duplicate,
		StartedMs: start.UnixMilli(), FinishedMs: time.Now().UnixMilli(), Status: "loaded"}
	return rep, nil
}

// Restitch recomputes the customers of the whole identity graph (after an
// erase, or with another guard) in one transaction.
func (l *Loader) Restitch(ctx context.Context) (StitchSummary, error) {
	tx, err := l.st.BeginStitch(ctx)
	if err != nil {
		return StitchSummary{}, err
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
			l.version = -1
		}
	}()
	if err := l.ensureGraph(tx); err != nil {
		return StitchSummary{}, err
	}
	t0 := time.Now()
	g := &identity.Graph{Type: l.types, TypeNames: l.typeNames, Links: l.links}
	res := identity.Stitch(g, l.Guard)
	sum, err := l.apply(tx, uint32(len(l.types)), res)
	if err != nil {
		return sum, err
	}
	if err := tx.Commit(); err != nil {
		return sum, err
	}
	committed = true
	l.version++
	l.cust, l.shared = res.Customer, res.Shared
	sum.Elapsed = time.Since(t0)
	return sum, nil
}

// Restitch re-stitches the store's identity graph with the default guard.
func Restitch(ctx context.Context, st *store.Store) (StitchSummary, error) {
	return New(st).Restitch(ctx)
}

// apply writes the stitching result for identities older than firstNew
// (their rows are already stored): identity rows, moves of events and
// decisions, and the customers table.
func (l *Loader) apply(tx *store.WriteTx, firstNew uint32, res identity.Result) (StitchSummary, error) {
	n := len(l.types)
	var s StitchSummary
	oldSize := make([]uint32, n)
	newSize := make([]uint32, n)
	for id := 1; id < n; id++ {
		if l.types[id] == 0 {
			continue
		}
		s.Identities++
		newSize[res.Customer[id]]++
		if res.Shared[id] {
			s.Shared++
		}
		if uint32(id) < firstNew {
			oldSize[l.cust[id]]++
		}
	}
	// Identities that moved, grouped by their old customer (a sorted
	// slice, not a map: it can hold millions of moves).
	type move struct{ from, id, to uint32 }
	var moves []move
	for id := uint32(1); id < firstNew; id++ {
		if l.types[id] == 0 {
			continue
		}
		oc, nc := l.cust[id], res.Customer[id]
		if oc != nc || l.shared[id] != res.Shared[id] {
			if err := tx.UpdateIdentity(int64(id), int64(nc), res.Shared[id]); err != nil {
				return s, err
			}
			if res.Shared[id] && !l.shared[id] {
				s.NewShared++
			}
		}
		if oc != nc {
			s.Moved++
			moves = append(moves, move{oc, id, nc})
		}
	}
	slices.SortFunc(moves, func(a, b move) int { return cmp.Compare(a.from, b.from) })
	for i := 0; i < len(moves); {
		j := i
		for j < len(moves) && moves[j].from == moves[i].from {
			j++
		}
		ms := moves[i:j]
		oc := ms[0].from
		// When every identity of the old customer moved to one new
		// customer, its rows move with one statement.
		same := uint32(len(ms)) == oldSize[oc]
		for _, m := range ms {
			same = same && m.to == ms[0].to
		}
		if same {
			if err := tx.RemapCustomer(int64(oc), int64(ms[0].to)); err != nil {
				return s, err
			}
		} else {
			for _, m := range ms {
				if err := tx.RemapIdentity(int64(oc), int64(m.id), int64(m.to)); err != nil {
					return s, err
				}
			}
		}
		i = j
	}
	moves = nil
	for c := 1; c < n; c++ {
		if newSize[c] > 0 {
			s.Customers++
		}
		if newSize[c] > 0 && newSize[c] != oldSize[c] {
			if err := tx.PutCustomer(int64(c), int64(newSize[c])); err != nil {
				return s, err
			}
		} else if newSize[c] == 0 && oldSize[c] > 0 {
			if err := tx.DeleteCustomer(int64(c)); err != nil {
				return s, err
			}
		}
	}
	s.Persons, s.MultiPerson = res.Persons, res.MultiPerson
	return s, nil
}

// ensureGraph (re)reads the identity graph when the database changed
// since the cache was built.
func (l *Loader) ensureGraph(tx *store.WriteTx) error {
	v, err := tx.DataVersion()
	if err != nil {
		return err
	}
	if v == l.version && l.ids != nil {
		return nil
	}
	l.ids = map[uint64]uint32{}
	l.typeCode = map[string]uint8{}
	l.typeNames = []string{""}
	l.types = []uint8{0}
	l.cust = []uint32{0}
	l.shared = []bool{false}
	l.links = l.links[:0]
	err = tx.ScanIdentities(func(id int64, typ, value string, customer int64, shared bool) error {
		code, err := l.code(typ)
		if err != nil {
			return err
		}
		for int64(len(l.types)) <= id {
			l.types = append(l.types, 0)
			l.cust = append(l.cust, 0)
			l.shared = append(l.shared, false)
		}
		l.types[id] = code
		l.cust[id] = uint32(customer)
		l.shared[id] = shared
		l.ids[idKey(typ, value)] = uint32(id)
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.ScanLinks(func(a, b int64) error {
		l.links = append(l.links, identity.Link(uint32(a), uint32(b)))
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(l.links)
	l.version = v
	return nil
}

func (l *Loader) code(typ string) (uint8, error) {
	if c, ok := l.typeCode[typ]; ok {
		return c, nil
	}
	if len(l.typeNames) >= 255 {
		return 0, fmt.Errorf("more than 254 identifier types; map fewer columns as identifiers")
	}
	c := uint8(len(l.typeNames))
	l.typeNames = append(l.typeNames, typ)
	l.typeCode[typ] = c
	return c, nil
}

func idKey(typ, value string) uint64 { return hashStrings(typ, value) }

// resolve maps identifiers to identity ids, creating new ones (in memory)
// when create is set.
func (l *Loader) resolve(in []ingest.Identifier, out []uint32, create bool) ([]uint32, error) {
	for _, x := range in {
		k := idKey(string(x.Type), x.Value)
		id, ok := l.ids[k]
		if !ok {
			if !create {
				return nil, fmt.Errorf("identifier %s %q was not seen on the first pass; the file may be changing while it is loaded", x.Type, x.Value)
			}
			code, err := l.code(string(x.Type))
			if err != nil {
				return nil, err
			}
			id = uint32(len(l.types))
			l.types = append(l.types, code)
			l.cust = append(l.cust, id)
			l.shared = append(l.shared, false)
			l.ids[k] = id
		}
		out = append(out, id)
	}
	return out, nil
}

// addLinks records the links between the identities of one row that are
// new to the graph (a link a–b, a < b, once per file).
func (l *Loader) addLinks(tx *store.WriteTx, ids []uint32, rec *ingest.Record, recent *[1 << 16]uint64, newLinks *[]uint64, compactAt *int) error {
	reason := rec.LinkReason
	if reason == "" {
		reason = "seen together"
	}
	for i := 0; i < len(ids); i++ {
		for j := i + 1; j < len(ids); j++ {
			if ids[i] == ids[j] {
				continue
			}
			lk := identity.Link(ids[i], ids[j])
			if _, ok := slices.BinarySearch(l.links, lk); ok {
				continue
			}
			slot := &recent[(lk*0x9e3779b97f4a7c15)>>48]
			if *slot == lk {
				continue
			}
			*slot = lk
			*newLinks = append(*newLinks, lk)
			if len(*newLinks) >= *compactAt {
				slices.Sort(*newLinks)
				*newLinks = slices.Compact(*newLinks)
				*compactAt = max(*compactAt, 2*len(*newLinks))
			}
			if err := tx.AddLink(int64(lk>>32), int64(uint32(lk)), rec.Line, reason); err != nil {
				return err
			}
		}
	}
	return nil
}

// labels returns the label ids of an event's channel, type and campaign.
func (l *Loader) labels(tx *store.WriteTx, r *ingest.Record) (ch, typ, camp uint32, err error) {
	var c, t, k int64
	if c, err = tx.Label(store.LabelChannel, r.Channel); err != nil {
		return
	}
	if t, err = tx.Label(store.LabelType, r.Type); err != nil {
		return
	}
	k, err = tx.Label(store.LabelCampaign, r.Campaign)
	return uint32(c), uint32(t), uint32(k), err
}

func appendDecision(b []byte, d *store.DecisionIn) []byte {
	b = binary.AppendVarint(b, d.Identity)
	b = binary.AppendVarint(b, d.Time)
	for _, s := range []string{d.Key, d.Trigger, d.Context, d.Action} {
		b = appendStr(b, s)
	}
	for _, f := range []float64{d.Propensity, d.Reward, d.Revenue, d.Cost} {
		b = appendF64(b, f)
	}
	b = appendBool(b, d.Converted)
	b = binary.AppendVarint(b, d.Line)
	return binary.LittleEndian.AppendUint64(b, d.Dedup)
}

func decodeDecision(dc *dec, d *store.DecisionIn) error {
	*d = store.DecisionIn{Identity: dc.varint(), Time: dc.varint()}
	d.Key, d.Trigger, d.Context, d.Action = dc.str(), dc.str(), dc.str(), dc.str()
	d.Propensity, d.Reward, d.Revenue, d.Cost = dc.f64(), dc.f64(), dc.f64(), dc.f64()
	d.Converted = dc.byte() == 1
	d.Line = dc.varint()
	d.Dedup = dc.u64()
	if dc.err {
		return errCorrupt
	}
	return nil
}

// validate returns why a record cannot be loaded, or "".
func validate(r *ingest.Record) string {
	if len(r.IDs) == 0 {
		return "no customer identifier on the row"
	}
	for _, x := range r.IDs {
		if x.Value == "" || x.Type == "" {
			return "an identifier is empty"
		}
	}
	if r.Kind == ingest.KindDecision {
		if r.Decision == nil {
			return "decision row without decision fields"
		}
		if !(r.Decision.Propensity > 0 && r.Decision.Propensity <= 1) {
			return "propensity " + strconv.FormatFloat(r.Decision.Propensity, 'g', -1, 64) + " is not in (0, 1]"
		}
	}
	return ""
}

func addReject(tx *store.WriteTx, sum string, line int64, reason, raw string) error {
	var key uint64
	if raw != "" {
		key = hashStrings("reject", raw)
	} else {
		key = hashStrings("reject", sum, strconv.FormatInt(line, 10), reason)
	}
	return tx.AddReject(line, reason, raw, key)
}

// prepared is one row of the second pass, made ready by the producer:
// the record or its rejection, why validation refused it, and for events
// and profile rows the JSON (properties or traits) and de-duplication key.
type prepared struct {
	rec    ingest.Record
	rowErr *ingest.RowError
	why    string
	whyRaw string // the invalid record as JSON (the reject's raw text)
	props  string
	dedup  uint64
	dec    *store.DecisionIn // a decision's fields (Identity and Customer are set later)
	// offset is the reader's BytesRead after this row, taken by the
	// producer so that progress never reads the reader from another
	// goroutine.
	offset int64
}

// prepBatch is how many rows the producer hands over at a time.
const prepBatch = 512

// produce reads r to the end, sending prepared rows in batches; it
// returns a fatal reading error, or ctx's error when cancelled. Two
// goroutines share the work: this one reads and parses the rows, another
// validates them and computes their JSON and de-duplication keys; the
// batches keep the order of the file.
func produce(ctx context.Context, r ingest.Reader, out chan<- []prepared, stop <-chan struct{}) error {
	// prepWorkers goroutines validate and prepare the batches, dealt in
	// turn; a collector passes them on in the same order. (One goroutine
	// preparing every row was a stage of its own, about 31 CPU-s of the
	// 1,000,000-customer load, that the pipeline waited on.)
	const prepWorkers = 2
	var parsedW, readyW [prepWorkers]chan []prepared
	for w := range prepWorkers {
		parsedW[w] = make(chan []prepared, 2)
		readyW[w] = make(chan []prepared, 2)
		go func(in <-chan []prepared, ready chan<- []prepared) {
			defer close(ready)
			for batch := range in {
				for i := range batch {
					it := &batch[i]
					if it.rowErr != nil {
						continue
					}
					it.why = validate(&it.rec)
					if it.why == "" {
						prepare(it)
					} else {
						raw, _ := json.Marshal(&it.rec)
						it.whyRaw = string(raw)
					}
				}
				select {
				case ready <- batch:
				case <-stop:
					for range in { // let the reader finish its send
					}
					return
				}
			}
		}(parsedW[w], readyW[w])
	}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for j := 0; ; j++ {
			batch, ok := <-readyW[j%prepWorkers]
			if !ok {
				return
			}
			select {
			case out <- batch:
			case <-stop:
				for w := range prepWorkers {
					for range readyW[w] {
					}
				}
				return
			}
		}
	}()
	defer func() {
		for w := range prepWorkers {
			close(parsedW[w])
		}
		<-collected
	}()
	nBatch := 0
	batch := make([]prepared, 0, prepBatch)
	send := func() bool {
		select {
		case parsedW[nBatch%prepWorkers] <- batch:
			nBatch++
			batch = make([]prepared, 0, prepBatch)
			return true
		case <-stop:
			return false
		}
	}
	for n := 0; ; n++ {
		if n%rowCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		batch = append(batch, prepared{offset: r.BytesRead()})
		it := &batch[len(batch)-1]
		var rowErr *ingest.RowError
		if errors.As(err, &rowErr) {
			it.rowErr = rowErr
		} else if err != nil {
			return err
		} else {
			it.rec = rec
		}
		if len(batch) == prepBatch && !send() {
			return nil
		}
	}
	if len(batch) > 0 {
		send()
	}
	return nil
}

// prepare computes the JSON and de-duplication key of a valid row.
func prepare(it *prepared) {
	r := &it.rec
	switch r.Kind {
	case ingest.KindEvent:
		it.props = jsonObject(r.Props)
		if r.DedupKey != "" {
			// The id is combined with the event type: some exports
			// repeat their id on each status of one message (an SMS
			// sid that is sent, then delivered, then clicked).
			it.dedup = hashStrings("event", r.Channel, r.DedupKey, r.Type)
		} else {
			h := newHasher()
			h.str("event-content")
			hashCommon(&h, r)
			h.str(it.props)
			it.dedup = h.sum()
		}
	case ingest.KindDecision:
		it.dec = new(store.DecisionIn)
		fillDecision(it.dec, r, 0, 0)
	default:
		it.props = "{}"
		if len(r.Traits) > 0 {
			it.props = jsonObject(r.Traits)
		}
		it.dedup = profileKey(r)
	}
}

func hashCommon(h *hasher, r *ingest.Record) {
	for _, x := range r.IDs {
		h.str(string(x.Type))
		h.str(x.Value)
	}
	h.u64(uint64(r.Time))
	h.str(r.Channel)
	h.str(r.Type)
	h.str(r.Campaign)
	if r.HasRevenue {
		h.f64(r.Revenue)
	}
}

func fillDecision(d *store.DecisionIn, r *ingest.Record, cust, ident int64) {
	dec := r.Decision
	ctxJSON := "{}"
	if len(dec.Context) > 0 {
		ctxJSON = marshalMap(dec.Context)
	}
	*d = store.DecisionIn{Customer: cust, Identity: ident, Time: r.Time, Key: r.DedupKey, Trigger: dec.Trigger, Context: ctxJSON,
		Action: dec.Action, Propensity: dec.Propensity, Reward: dec.Reward, Converted: dec.Converted,
		Revenue: dec.Revenue, Cost: dec.Cost, Line: r.Line}
	if r.DedupKey != "" {
		d.Dedup = hashStrings("decision", r.DedupKey)
	} else {
		h := newHasher()
		h.str("decision-content")
		hashCommon(&h, r)
		h.str(dec.Action)
		h.str(ctxJSON)
		h.f64(dec.Propensity)
		h.f64(dec.Reward)
		d.Dedup = h.sum()
	}
}

// profileKey is the de-duplication key of a profile or link row.
func profileKey(r *ingest.Record) uint64 {
	h := newHasher()
	h.str("profile")
	h.u64(uint64(r.Kind))
	if r.DedupKey != "" {
		h.str(r.DedupKey)
		return h.sum()
	}
	hashCommon(&h, r)
	tkeys := make([]string, 0, len(r.Traits))
	for k := range r.Traits {
		tkeys = append(tkeys, k)
	}
	sort.Strings(tkeys)
	for _, k := range tkeys {
		h.str(k)
		h.str(r.Traits[k])
	}
	keys := make([]string, 0, len(r.Consents))
	for k := range r.Consents {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.str(k)
		h.str(strconv.FormatBool(r.Consents[k]))
	}
	return h.sum()
}

func mergeSorted(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func closeReader(r ingest.Reader) {
	if c, ok := r.(io.Closer); ok {
		c.Close()
	}
}
