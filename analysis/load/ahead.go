package load

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// This file reads files ahead of their load. While one file's rows go
// into the database (one connection, the loads' critical path), the
// files after it are checksummed and, unless already loaded, parsed,
// validated and prepared (property JSON, de-duplication keys) by the
// producer goroutines of a normal read, one file after another; the
// prepared rows are kept as compact records in a spool per file (memory
// up to aheadMemory, then an unlinked temporary file beside the
// database). When a file's Load starts it reads the spooled rows first
// and then takes over the producer's live output, so rows reach it in
// file order either way, and the file's transaction, identities and row
// accounting are exactly those of a load without read-ahead. Parsing
// does not depend on the database, so the rows stay valid whatever the
// loads before them do (fail, or are cancelled).

// aheadMemory is the memory a read-ahead spool keeps before it spills to
// its temporary file.
var aheadMemory = 4 << 20

// AheadDisk bounds the bytes that read-ahead keeps in temporary files
// for files whose load has not started: a spool that reaches it waits
// for its load to take it over.
var AheadDisk int64 = 4 << 30

// ahead is one file being read ahead (see Loader.Prefetch).
type ahead struct {
	path   string
	optKey string
	ctx    context.Context
	cancel context.CancelFunc
	queue  *aheadQueue

	sumDone chan struct{} // closed when sum is set
	sum     checksum

	// Set before parseDone is closed: parse is false when the file was
	// not parsed ahead (already loaded, unreadable, cancelled, or opened
	// with an error that Load will report itself).
	parseDone chan struct{}
	parse     bool
	det       *ingest.Detected

	takeover chan struct{} // closed by Load: stop spooling, hand batches over live
	handed   chan struct{} // closed by the spooler once it saw takeover or stopped spooling

	sp      *spool
	spBytes int64           // bytes counted in queue.bytes
	live    chan []prepared // batches after the takeover; closed at the end
	readErr error           // the producer's error, set before live is closed
	spErr   error           // the spooler's error, set before handed is closed
	done    chan struct{}   // closed when the file's read-ahead has returned
}

// aheadQueue is the files read ahead, in the order they will be loaded.
type aheadQueue struct {
	list   []*ahead
	cancel context.CancelFunc
	bytes  atomic.Int64 // spooled by files not taken over yet
}

// Prefetch starts reading the files at paths ahead of their loads, in
// that order: each one's checksum and, when no source with that checksum
// is loaded yet, the pass over its rows with opt (the options Load will
// be called with). Call it with the files that follow the one about to
// load; the read-ahead stops when ctx is cancelled or Prefetch is called
// again. A later Load of one of the paths uses its work when the file's
// size and modification time are unchanged and opt is the same (files
// before it in the list are discarded); a Load of a file not in the list
// leaves the read-ahead running. Read-ahead holds aheadMemory per
// file and the producer's batches in memory, and up to AheadDisk bytes in
// temporary files.
func (l *Loader) Prefetch(ctx context.Context, paths []string, opt ingest.Options) {
	l.stopAhead()
	if len(paths) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	q := &aheadQueue{cancel: cancel}
	dir := l.TempDir
	if dir == "" {
		dir = filepath.Dir(l.st.Path())
	}
	key := fmt.Sprint(opt)
	for _, p := range paths {
		actx, acancel := context.WithCancel(ctx)
		q.list = append(q.list, &ahead{path: p, optKey: key, ctx: actx, cancel: acancel, queue: q,
			sumDone: make(chan struct{}), parseDone: make(chan struct{}), takeover: make(chan struct{}),
			handed: make(chan struct{}), done: make(chan struct{})})
	}
	l.aheads = q
	open, st := l.Open, l.st
	list := slices.Clone(q.list) // takeAhead shortens q.list
	go func() {
		for _, a := range list {
			a.run(st, open, opt, dir)
		}
	}()
}

// stopAhead discards every read-ahead.
func (l *Loader) stopAhead() {
	if l.aheads == nil {
		return
	}
	q := l.aheads
	l.aheads = nil
	q.cancel()
	for _, a := range q.list {
		a.discard()
	}
}

// run reads the file ahead: checksum, then the rows into the spool until
// its load takes over.
func (a *ahead) run(st *store.Store, open Opener, opt ingest.Options, dir string) {
	defer close(a.done)
	r, ok := a.begin(st, open, opt, dir)
	close(a.parseDone)
	if !ok {
		close(a.handed)
		return
	}
	defer closeReader(r)
	items := make(chan []prepared, 4)
	prodDone := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(prodDone)
		defer close(items)
		a.readErr = produce(a.ctx, r, items, stop)
	}()
	a.spool(a.ctx, items)
	close(stop)
	for range items { // let the producer finish its send
	}
	<-prodDone
	close(a.live)
}

// begin computes the file's checksum (closing sumDone) and, when the
// file is not loaded yet, opens it for the pass; it reports whether the
// rows are to be read ahead.
func (a *ahead) begin(st *store.Store, open Opener, opt ingest.Options, dir string) (ingest.Reader, bool) {
	ctx := a.ctx
	var c checksum
	fi, err := os.Stat(a.path)
	switch {
	case ctx.Err() != nil:
		c.err = ctx.Err()
	case err == nil && !fi.IsDir():
		c.mtime = fi.ModTime()
		c.sum, c.size, c.err = Checksum(a.path)
	default:
		c.err = errors.New("not a file")
	}
	a.sum = c
	close(a.sumDone)
	if c.err != nil || ctx.Err() != nil {
		return nil, false
	}
	if prev, err := st.SourceByChecksum(ctx, c.sum); err != nil || prev != nil {
		return nil, false
	}
	r, det, err := open(a.path, opt)
	if err != nil {
		return nil, false // Load opens it again and reports the error
	}
	a.det, a.parse = det, true
	a.sp = &spool{dir: dir, limit: aheadMemory}
	a.live = make(chan []prepared, 4)
	return ingest.Parallel(r, 2), true
}

// spool writes batches to the spool until Load takes over (or the
// read-ahead's disk budget is spent, when it waits for the takeover),
// then passes them on live; it returns when items is closed or ctx is
// cancelled.
func (a *ahead) spool(ctx context.Context, items <-chan []prepared) {
	var rec []byte
	spooling := true
	goLive := func() {
		spooling = false
		a.queue.bytes.Add(-a.spBytes)
		close(a.handed)
	}
	for batch := range items {
		if spooling {
			if a.queue.bytes.Load() > AheadDisk {
				select {
				case <-a.takeover:
				case <-ctx.Done():
					goLive()
					return
				}
			}
			select {
			case <-a.takeover:
				goLive()
			default:
			}
		}
		if !spooling {
			select {
			case a.live <- batch:
				continue
			case <-ctx.Done():
				return
			}
		}
		for i := range batch {
			rec = appendPrepared(rec[:0], &batch[i])
			if err := a.sp.write(rec); err != nil {
				a.spErr = err
				goLive()
				return
			}
			n := int64(len(rec) + 2)
			a.spBytes += n
			a.queue.bytes.Add(n)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if spooling {
		goLive()
	}
}

// discard stops the read-ahead of the file and frees its spool.
func (a *ahead) discard() {
	a.cancel()
	<-a.done
	if a.sp != nil {
		a.sp.close()
	}
}

// takeAhead returns the read-ahead of path when it was started with the
// same options, after discarding those queued before it; nil when path
// is not queued (the queue is then left as it is) or was read ahead with
// other options (it is then discarded too).
func (l *Loader) takeAhead(path string, opt ingest.Options) *ahead {
	q := l.aheads
	if q == nil {
		return nil
	}
	for i, a := range q.list {
		if a.path != path {
			continue
		}
		for _, b := range q.list[:i] {
			b.discard()
		}
		q.list = q.list[i+1:]
		if a.optKey != fmt.Sprint(opt) {
			a.discard()
			return nil
		}
		return a
	}
	return nil
}

// checksumFor returns the checksum of the file at path (described by fi),
// from the read-ahead a when it still matches the file.
func checksumFor(a *ahead, path string, fi os.FileInfo) (string, error) {
	if a != nil {
		<-a.sumDone
		c := a.sum
		if c.err == nil && c.size == fi.Size() && c.mtime.Equal(fi.ModTime()) {
			return c.sum, nil
		}
	}
	sum, _, err := Checksum(path)
	return sum, err
}

// rowStream is where a load's pass takes the file's prepared rows from:
// a producer started by the load itself, or a read-ahead (its spooled
// rows, then its live batches).
type rowStream struct {
	spooled *recReader
	buf     []prepared
	live    <-chan []prepared
	stop    func()       // stops the producer (idempotent); the stream ends
	err     func() error // the producer's error, after the stream ended
}

// next returns the next batch of rows in file order, or false at the end.
func (s *rowStream) next() ([]prepared, bool, error) {
	if s.spooled != nil {
		s.buf = s.buf[:0]
		for len(s.buf) < prepBatch {
			b, err := s.spooled.next()
			if err == io.EOF {
				s.spooled = nil
				break
			} else if err != nil {
				return nil, false, fmt.Errorf("read back the load's temporary file: %w", err)
			}
			s.buf = append(s.buf, prepared{})
			if err := decodePrepared(b, &s.buf[len(s.buf)-1]); err != nil {
				return nil, false, err
			}
		}
		if len(s.buf) > 0 {
			return s.buf, true, nil
		}
	}
	b, ok := <-s.live
	return b, ok, nil
}

// startRows starts the producer of a load that was not read ahead.
func startRows(ctx context.Context, r ingest.Reader) *rowStream {
	items := make(chan []prepared, 4)
	stop := make(chan struct{})
	prodDone := make(chan struct{})
	var readErr error
	go func() {
		defer close(prodDone)
		defer close(items)
		readErr = produce(ctx, r, items, stop)
	}()
	stopped := false
	return &rowStream{live: items,
		stop: func() {
			if !stopped {
				stopped = true
				close(stop)
				<-prodDone
			}
		},
		err: func() error { return readErr }}
}

// stream takes over the read-ahead a (which parsed its file): the spooled
// rows, then the live batches. Cancelling ctx (the load's) stops it.
func (a *ahead) stream(ctx context.Context) (*rowStream, error) {
	close(a.takeover)
	<-a.handed
	if a.spErr != nil {
		a.discard()
		return nil, a.spErr
	}
	rr, err := a.sp.reader()
	if err != nil {
		a.discard()
		return nil, err
	}
	stopCtx := context.AfterFunc(ctx, a.cancel)
	stopped := false
	return &rowStream{spooled: rr, live: a.live,
		stop: func() {
			if !stopped {
				stopped = true
				stopCtx()
				a.discard()
			}
		},
		err: func() error { return a.readErr }}, nil
}

// Record tags of a prepared row in a read-ahead spool.
const (
	prepRowErr = iota
	prepInvalid
	prepValid
)

// appendPrepared encodes the fields of a prepared row that the load's
// pass reads (see Load): a row error, an invalid row's reason and JSON,
// or a valid row's kind, line, time, identifiers, link reason, labels,
// revenue, consents, JSON, key and decision.
func appendPrepared(b []byte, it *prepared) []byte {
	b = binary.AppendVarint(b, it.offset)
	switch {
	case it.rowErr != nil:
		b = append(b, prepRowErr)
		b = appendStr(b, it.rowErr.File)
		b = binary.AppendVarint(b, it.rowErr.Line)
		b = appendStr(b, it.rowErr.Reason)
		return appendStr(b, it.rowErr.Raw)
	case it.why != "":
		b = append(b, prepInvalid)
		b = binary.AppendVarint(b, it.rec.Line)
		b = appendStr(b, it.why)
		return appendStr(b, it.whyRaw)
	}
	r := &it.rec
	b = append(b, prepValid, byte(r.Kind))
	b = binary.AppendVarint(b, r.Line)
	b = binary.AppendVarint(b, r.Time)
	b = binary.AppendUvarint(b, uint64(len(r.IDs)))
	for _, x := range r.IDs {
		b = appendStr(b, string(x.Type))
		b = appendStr(b, x.Value)
	}
	for _, s := range [...]string{r.LinkReason, r.Channel, r.Type, r.Campaign, it.props} {
		b = appendStr(b, s)
	}
	b = appendBool(b, r.HasRevenue)
	b = appendF64(b, r.Revenue)
	b = binary.LittleEndian.AppendUint64(b, it.dedup)
	b = binary.AppendUvarint(b, uint64(len(r.Consents)))
	for ch, granted := range r.Consents {
		b = appendStr(b, ch)
		b = appendBool(b, granted)
	}
	if it.dec != nil {
		b = append(b, 1)
		return appendDecision(b, it.dec)
	}
	return append(b, 0)
}

// decodePrepared decodes a record of appendPrepared into it.
func decodePrepared(b []byte, it *prepared) error {
	d := dec{b: b}
	it.offset = d.varint()
	switch d.byte() {
	case prepRowErr:
		e := &ingest.RowError{File: d.str()}
		e.Line = d.varint()
		e.Reason, e.Raw = d.str(), d.str()
		it.rowErr = e
	case prepInvalid:
		it.rec.Line = d.varint()
		it.why, it.whyRaw = d.str(), d.str()
	case prepValid:
		r := &it.rec
		r.Kind = ingest.Kind(d.byte())
		r.Line, r.Time = d.varint(), d.varint()
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return errCorrupt
		}
		r.IDs = make([]ingest.Identifier, n)
		for i := range r.IDs {
			r.IDs[i] = ingest.Identifier{Type: ingest.IDType(d.str()), Value: d.str()}
		}
		r.LinkReason, r.Channel, r.Type, r.Campaign, it.props = d.str(), d.str(), d.str(), d.str(), d.str()
		r.HasRevenue = d.byte() == 1
		r.Revenue = d.f64()
		it.dedup = d.u64()
		if n := d.uvarint(); n > 0 {
			if n > uint64(len(d.b)) {
				return errCorrupt
			}
			r.Consents = make(map[string]bool, n)
			for range n {
				ch := d.str()
				r.Consents[ch] = d.byte() == 1
			}
		}
		if d.byte() == 1 {
			it.dec = new(store.DecisionIn)
			if err := decodeDecision(&d, it.dec); err != nil {
				return err
			}
			return nil
		}
	default:
		return errCorrupt
	}
	if d.err {
		return errCorrupt
	}
	return nil
}
