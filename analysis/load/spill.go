package load

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// This file holds the bounded-memory machinery of a load's single pass:
// a spool (the file's rows as compact binary records, in memory up to a
// limit and then in an unlinked temporary file), sorted runs and their
// k-way merge (an external sort), used to insert a file's events in the
// order of the events table's clustered key and to check its
// de-duplication keys in ascending order.

// spool is an append-only stream of length-prefixed records kept in
// memory up to limit bytes, then in a temporary file (removed from the
// directory as soon as it is created, so that a killed process leaves
// nothing behind).
type spool struct {
	dir   string
	limit int
	mem   []byte
	f     *os.File
	w     *bufio.Writer
	n     int64 // records written
}

func (s *spool) write(rec []byte) error {
	s.n++
	if s.f == nil && len(s.mem)+len(rec)+binary.MaxVarintLen64 <= s.limit {
		s.mem = binary.AppendUvarint(s.mem, uint64(len(rec)))
		s.mem = append(s.mem, rec...)
		return nil
	}
	if s.f == nil {
		f, err := tempFile(s.dir)
		if err != nil {
			return err
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 1<<20)
		if _, err := s.w.Write(s.mem); err != nil {
			return spillErr(err)
		}
		s.mem = nil
	}
	var hdr [binary.MaxVarintLen64]byte
	if _, err := s.w.Write(binary.AppendUvarint(hdr[:0], uint64(len(rec)))); err != nil {
		return spillErr(err)
	}
	if _, err := s.w.Write(rec); err != nil {
		return spillErr(err)
	}
	return nil
}

// reader returns a reader of the records written so far, from the first.
func (s *spool) reader() (*recReader, error) {
	if s.f == nil {
		return &recReader{r: bufio.NewReaderSize(bytes.NewReader(s.mem), 4096)}, nil
	}
	if err := s.w.Flush(); err != nil {
		return nil, spillErr(err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return &recReader{r: bufio.NewReaderSize(s.f, 1<<20)}, nil
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	s.mem = nil
}

func tempFile(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ".workbench-load-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("a load sorts large files on disk beside the database: %w (free some space or make the directory writable)", err)
	}
	os.Remove(f.Name()) // the open file stays readable; nothing is left behind
	return f, nil
}

func spillErr(err error) error {
	return fmt.Errorf("write the load's temporary sort file beside the database: %w (free some disk space and load the file again)", err)
}

// recReader reads length-prefixed records.
type recReader struct {
	r   *bufio.Reader
	buf []byte
}

// next returns the next record (valid until the next call), or io.EOF.
func (r *recReader) next() ([]byte, error) {
	n, err := binary.ReadUvarint(r.r)
	if err != nil {
		return nil, err
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return r.buf, nil
}

// dec decodes the fields of one record in the order enc wrote them.
type dec struct {
	b   []byte
	err bool
}

func (d *dec) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) u64() uint64 {
	if len(d.b) < 8 {
		d.err, d.b = true, nil
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *dec) f64() float64 { return math.Float64frombits(d.u64()) }

func (d *dec) byte() byte {
	if len(d.b) < 1 {
		d.err = true
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) str() string {
	n := d.uvarint()
	if uint64(len(d.b)) < n {
		d.err, d.b = true, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendF64(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// spEvent is one event of the file on its way to the events table.
type spEvent struct {
	cust, ident   uint32
	ch, typ, camp uint32
	hasRev        bool
	ts, seq, line int64
	rev           float64
	dedup         uint64
	props         string
}

// size is the memory an spEvent holds, for the sort budget.
func (e *spEvent) size() int { return 88 + len(e.props) }

// cmpEvent orders events by the clustered key of the events table:
// (customer, time, seq).
func cmpEvent(a, b *spEvent) int {
	if c := cmp.Compare(a.cust, b.cust); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ts, b.ts); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func appendEvent(b []byte, e *spEvent) []byte {
	b = binary.AppendUvarint(b, uint64(e.cust))
	b = binary.AppendUvarint(b, uint64(e.ident))
	b = binary.AppendVarint(b, e.ts)
	b = binary.AppendVarint(b, e.seq)
	b = binary.AppendUvarint(b, uint64(e.ch))
	b = binary.AppendUvarint(b, uint64(e.typ))
	b = binary.AppendUvarint(b, uint64(e.camp))
	b = appendBool(b, e.hasRev)
	if e.hasRev {
		b = appendF64(b, e.rev)
	}
	b = binary.AppendVarint(b, e.line)
	b = binary.LittleEndian.AppendUint64(b, e.dedup)
	return appendStr(b, e.props)
}

func decodeEvent(d *dec, e *spEvent) error {
	e.cust = uint32(d.uvarint())
	e.ident = uint32(d.uvarint())
	e.ts = d.varint()
	e.seq = d.varint()
	e.ch = uint32(d.uvarint())
	e.typ = uint32(d.uvarint())
	e.camp = uint32(d.uvarint())
	e.hasRev = d.byte() == 1
	e.rev = 0
	if e.hasRev {
		e.rev = d.f64()
	}
	e.line = d.varint()
	e.dedup = d.u64()
	e.props = d.str()
	if d.err {
		return errCorrupt
	}
	return nil
}

var errCorrupt = errors.New("the load's temporary sort file is corrupt (disk error?); load the file again")

// keySeq is one event's de-duplication key and seq, ordered by key (as
// the signed integer SQLite stores) and then seq, so that of equal keys
// the first loaded comes first.
type keySeq struct {
	key int64
	seq int64
}

// cmpKeySeq is cmpKeySeqVal on pointers.
func cmpKeySeq(a, b *keySeq) int { return cmpKeySeqVal(*a, *b) }

// cmpKeySeqVal orders by key, then seq (the file order of equal keys).
func cmpKeySeqVal(a, b keySeq) int {
	if a.key != b.key {
		return cmp.Compare(a.key, b.key)
	}
	return cmp.Compare(a.seq, b.seq)
}

func appendKeySeq(b []byte, k *keySeq) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(k.key))
	return binary.AppendVarint(b, k.seq)
}

func decodeKeySeq(d *dec, k *keySeq) error {
	k.key = int64(d.u64())
	k.seq = d.varint()
	if d.err {
		return errCorrupt
	}
	return nil
}

// sorter is an external sort: items are collected up to a memory budget,
// sorted, and written as a run to a temporary file; merge then yields all
// items in order, the last run straight from memory.
type sorter[T any] struct {
	dir    string
	budget int
	cmp    func(a, b *T) int
	// cmpVal, when set, is cmp on values: the items in memory are then
	// sorted in place (for small items such as keySeq, sorting values
	// beats sorting pointers that send every comparison to a random
	// place in memory).
	cmpVal func(a, b T) int
	size   func(*T) int
	enc    func([]byte, *T) []byte
	dec    func(*dec, *T) error

	items []T
	used  int
	runs  []*os.File
	n     int64
}

func (s *sorter[T]) add(x T) error {
	s.items = append(s.items, x)
	s.used += s.size(&x)
	s.n++
	if s.used >= s.budget {
		return s.spill()
	}
	return nil
}

// sorted returns pointers to the items in memory, in the order of cmp.
func (s *sorter[T]) sorted() []*T {
	if s.cmpVal != nil {
		slices.SortFunc(s.items, s.cmpVal)
	}
	ptrs := make([]*T, len(s.items))
	for i := range s.items {
		ptrs[i] = &s.items[i]
	}
	if s.cmpVal == nil {
		slices.SortFunc(ptrs, s.cmp)
	}
	return ptrs
}

func (s *sorter[T]) spill() error {
	ptrs := s.sorted()
	f, err := tempFile(s.dir)
	if err != nil {
		return err
	}
	s.runs = append(s.runs, f)
	w := bufio.NewWriterSize(f, 1<<20)
	var buf, hdr []byte
	for _, p := range ptrs {
		buf = s.enc(buf[:0], p)
		hdr = binary.AppendUvarint(hdr[:0], uint64(len(buf)))
		if _, err := w.Write(hdr); err != nil {
			return spillErr(err)
		}
		if _, err := w.Write(buf); err != nil {
			return spillErr(err)
		}
	}
	if err := w.Flush(); err != nil {
		return spillErr(err)
	}
	clear(s.items)
	s.items = s.items[:0]
	s.used = 0
	return nil
}

func (s *sorter[T]) close() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs = nil
	s.items = nil
}

// mergeSrc is one sorted input of a merge: a run file or the items in
// memory.
type mergeSrc[T any] struct {
	rr   *recReader
	mem  []*T
	cur  T
	done bool
}

func (m *mergeSrc[T]) advance(decode func(*dec, *T) error) error {
	if m.rr == nil {
		if len(m.mem) == 0 {
			m.done = true
			return nil
		}
		m.cur, m.mem = *m.mem[0], m.mem[1:]
		return nil
	}
	rec, err := m.rr.next()
	if err == io.EOF {
		m.done = true
		return nil
	} else if err != nil {
		return err
	}
	d := dec{b: rec}
	return decode(&d, &m.cur)
}

// merge calls fn with every item added, in the order of cmp (a k-way
// merge of the runs and the items still in memory, with a binary heap).
func (s *sorter[T]) merge(fn func(*T) error) error {
	srcs := make([]*mergeSrc[T], 0, len(s.runs)+1)
	for _, f := range s.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		srcs = append(srcs, &mergeSrc[T]{rr: &recReader{r: bufio.NewReaderSize(f, 64<<10)}})
	}
	srcs = append(srcs, &mergeSrc[T]{mem: s.sorted()})
	h := srcs[:0]
	for _, src := range srcs {
		if err := src.advance(s.dec); err != nil {
			return err
		}
		if !src.done {
			h = append(h, src)
		}
	}
	less := func(i, j int) bool { return s.cmp(&h[i].cur, &h[j].cur) < 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(r, l) {
				m = r
			}
			if !less(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		top := h[0]
		if err := fn(&top.cur); err != nil {
			return err
		}
		if err := top.advance(s.dec); err != nil {
			return err
		}
		if top.done {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return nil
}
