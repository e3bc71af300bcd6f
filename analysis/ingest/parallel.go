package ingest

import (
	"fmt"
	"io"
	"sync"
)

// parChunk is how many lines a parallel reader hands a worker at a time.
const parChunk = 256

// Parallel returns a reader that yields exactly the rows of r (records,
// row errors with their line numbers, the final io.EOF or read error), in
// the same order, with RowsRead and BytesRead as r would report them
// after each row; JSON Lines (Segment) lines are parsed by workers
// goroutines while one goroutine reads the lines. Other readers, and
// workers < 2, return r itself. Close stops the goroutines and closes
// the file; a reader abandoned before io.EOF must be closed.
func Parallel(r Reader, workers int) Reader {
	sr, ok := r.(*segmentReader)
	if !ok || workers < 2 || sr.done || sr.rows > 0 {
		return r
	}
	p := &parReader{src: sr, stop: make(chan struct{}), in: make([]chan *parBatch, workers), out: make([]chan *parBatch, workers)}
	for i := range workers {
		p.in[i] = make(chan *parBatch, 2)
		p.out[i] = make(chan *parBatch, 2)
		conv := &segmentReader{lr: &lineReader{max: sr.lr.max}, file: sr.file, opt: sr.opt, intern: map[string]string{}}
		p.wg.Add(1)
		go func(in <-chan *parBatch, out chan<- *parBatch) {
			defer p.wg.Done()
			defer close(out)
			for b := range in {
				b.recs = make([]Record, len(b.lines))
				b.errs = make([]error, len(b.lines))
				for j, l := range b.lines {
					b.recs[j], b.errs[j] = conv.parseLine(l)
				}
				b.lines = nil
				select {
				case out <- b:
				case <-p.stop:
					return
				}
			}
		}(p.in[i], p.out[i])
	}
	p.wg.Add(1)
	go p.split()
	return p
}

// parBatch is a run of consecutive non-blank lines, then their rows.
type parBatch struct {
	lines []physLine
	bytes []int64 // BytesRead after each line
	recs  []Record
	errs  []error
	end   error // after the batch: io.EOF or the read error (nil: more follow)
}

type parReader struct {
	src  *segmentReader
	stop chan struct{}
	in   []chan *parBatch
	out  []chan *parBatch
	wg   sync.WaitGroup

	cur    *parBatch
	i      int // next row of cur
	w      int // worker of the next batch
	rows   int64
	bytes  int64
	done   bool
	closed bool
}

// split reads the lines, skipping blank ones as segmentReader.Next does,
// and deals them to the workers in turn.
func (p *parReader) split() {
	defer p.wg.Done()
	defer func() {
		for _, c := range p.in {
			close(c)
		}
	}()
	sr := p.src
	last := 0 // bytes of the previous batch: the next one's buffer starts that large
	for w := 0; ; w = (w + 1) % len(p.in) {
		b := &parBatch{lines: make([]physLine, 0, parChunk), bytes: make([]int64, 0, parChunk)}
		buf := make([]byte, 0, last+last/8)
		for len(b.lines) < parChunk {
			l, err := sr.lr.next()
			if err != nil {
				b.end = err
				break
			}
			if isBlank(string(l.data)) {
				continue
			}
			buf = append(buf, l.data...)
			b.lines = append(b.lines, l) // data is re-pointed into buf below
			b.bytes = append(b.bytes, sr.lr.bytes+sr.bom)
		}
		last = len(buf)
		// The lines were appended to one buffer that may have moved as
		// it grew: point them into its final backing array.
		off := 0
		for j := range b.lines {
			n := len(b.lines[j].data)
			b.lines[j].data = buf[off : off+n : off+n]
			off += n
		}
		select {
		case p.in[w] <- b:
		case <-p.stop:
			return
		}
		if b.end != nil {
			return
		}
	}
}

func (p *parReader) Next() (Record, error) {
	for {
		if p.done {
			return Record{}, io.EOF
		}
		if p.closed {
			return Record{}, fmt.Errorf("%s: read: the reader was closed", p.src.file)
		}
		if p.cur != nil && p.i < len(p.recs()) {
			i := p.i
			p.i++
			p.rows++
			p.bytes = p.cur.bytes[i]
			return p.cur.recs[i], p.cur.errs[i]
		}
		if p.cur != nil && p.cur.end != nil {
			end := p.cur.end
			p.done = true
			p.Close()
			if end == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, fmt.Errorf("%s: read: %w", p.src.file, end)
		}
		b, ok := <-p.out[p.w]
		if !ok {
			p.done = true
			return Record{}, fmt.Errorf("%s: read: the reader was closed", p.src.file)
		}
		p.w = (p.w + 1) % len(p.out)
		p.cur, p.i = b, 0
	}
}

func (p *parReader) recs() []Record { return p.cur.recs }

// RowsRead counts the non-blank lines returned so far.
func (p *parReader) RowsRead() int64 { return p.rows }

// BytesRead is how far into the file the last row returned ends.
func (p *parReader) BytesRead() int64 { return p.bytes }

// Close stops the goroutines and closes the file.
func (p *parReader) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	close(p.stop)
	p.wg.Wait()
	return p.src.Close()
}
