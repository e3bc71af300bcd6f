package decisionlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/sim/policy"
)

// minSplitBytes is the smallest file ReadCSV splits over goroutines.
const minSplitBytes = 8 << 20

// ReadCSV reads a decision-log CSV in the documented format through the
// ingest reader: required columns customer_id, timestamp, action,
// propensity and reward; every ctx_* column is context; optional
// decision_id, trigger, converted, revenue and cost. Rows the reader
// rejects are counted in Rejected (the first few messages kept), not
// fatal.
//
// A large file is read in parts on up to GOMAXPROCS goroutines: it is cut
// at line ends into byte ranges, each range is parsed by its own ingest
// reader (with the file's header, delimiter and date order) into a log of
// its own, and the parts are joined in file order — a decision whose id
// an earlier part holds is a duplicate, customers and text values are
// renumbered. The result is the log a single pass gives, line numbers in
// messages included. A file in exactly the documented layout (fastLayout)
// converts its plain rows without the ingest reader and hands every other
// row to it, once its first rows show both agree. A file with a double
// quote anywhere (a quoted field
// may span lines, so a line end is no safe cut), or where a part meets a
// row the single pass could treat differently (an error, a date order of
// its own), is read in one pass instead.
func ReadCSV(path string, actions *policy.Actions) (*Log, error) {
	parts := runtime.GOMAXPROCS(0)
	if st, err := os.Stat(path); err == nil && st.Size() >= minSplitBytes && parts > 1 {
		data, err := readWhole(path, parts)
		if err != nil {
			return nil, err
		}
		if l, ok := readParts(path, data, actions, parts); ok {
			return l, l.Finish()
		}
	}
	return readSerial(path, actions)
}

// readWhole returns the contents of the file at path, read in parts
// (byte ranges) concurrently; a file that is not the size it was when
// opened is read again with os.ReadFile.
func readWhole(path string, parts int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return os.ReadFile(path)
	}
	size := st.Size()
	data := make([]byte, size)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for k := 0; k < parts; k++ {
		lo, hi := size*int64(k)/int64(parts), size*int64(k+1)/int64(parts)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = f.ReadAt(data[lo:hi], lo)
		}()
	}
	wg.Wait()
	var one [1]byte
	if _, err := f.ReadAt(one[:], size); err != io.EOF || errors.Join(errs...) != nil {
		return os.ReadFile(path) // it grew, shrank or failed: read it whole
	}
	return data, nil
}

// readParts reads data (the whole file) in parts; ok is false when the
// file must be read in one pass (see ReadCSV).
func readParts(path string, data []byte, actions *policy.Actions, parts int) (*Log, bool) {
	if bytes.IndexByte(data, '"') >= 0 {
		return nil, false
	}
	body := bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	nl := bytes.IndexByte(body, '\n')
	if nl < 0 {
		return nil, false
	}
	header := body[:nl+1]
	start := len(data) - len(body) + nl + 1
	// Cut points at line starts.
	cuts := []int{start}
	for p := 1; p < parts; p++ {
		c := start + (len(data)-start)*p/parts
		c = max(c, cuts[len(cuts)-1])
		j := bytes.IndexByte(data[c:], '\n')
		if j < 0 {
			break
		}
		if c+j+1 < len(data) && c+j+1 > cuts[len(cuts)-1] {
			cuts = append(cuts, c+j+1)
		}
	}
	cuts = append(cuts, len(data))
	if len(cuts) < 3 {
		return nil, false
	}
	// The first part is read as the file's own prefix, so it detects
	// the delimiter and date order that the others are told.
	first, det, err := ingest.NewReader(bytes.NewReader(data[:cuts[1]]), path, ingest.Options{Kind: ingest.KindDecisions})
	if err != nil {
		return nil, false
	}
	order := ""
	for _, note := range det.Notes {
		switch {
		case strings.Contains(note, "read day-first"):
			order = "dmy"
		case strings.Contains(note, "read month-first"):
			order = "mdy"
		}
	}
	// A file in exactly the documented layout converts its plain rows
	// without the ingest reader (fastRow), once a sample of its first
	// rows shows both give the same log.
	fast := newFastLayout(bytes.TrimSuffix(header, []byte{'\n'}))
	if fast != nil {
		fast.header = header
		end := cuts[0]
		for k := 0; k < 300 && end < cuts[1]; k++ {
			end += bytes.IndexByte(data[end:cuts[1]], '\n') + 1 // cuts[1] follows a line end
		}
		sample := append(append([]byte(nil), header...), data[cuts[0]:end]...)
		if det.Delimiter != ',' || !fastAgrees(fast, sample, path, actions, order) {
			fast = nil
		}
	}
	n := len(cuts) - 1
	logs := make([]*Log, n)
	oks := make([]bool, n)
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if fast != nil {
				// The first part's log receives the others' decisions
				// (join), so it has room for the whole file's.
				end := cuts[k+1]
				if k == 0 {
					end = len(data)
				}
				l := newSized(actions, bytes.Count(data[cuts[k]:end], []byte{'\n'})+1)
				l.seen = newIDSet(bytes.Count(data[cuts[k]:cuts[k+1]], []byte{'\n'}) + 1) // this part's ids only
				firstLine := int64(bytes.Count(data[:cuts[k]], []byte{'\n'})) + 1
				ok, err := fillFast(l, fast, data[cuts[k]:cuts[k+1]], firstLine, path, order)
				oks[k], logs[k] = ok && err == nil, l
				return
			}
			r := first
			var lineOff int64
			if k > 0 {
				rr, d, err := ingest.NewReader(io.MultiReader(bytes.NewReader(header), bytes.NewReader(data[cuts[k]:cuts[k+1]])),
					path, ingest.Options{Kind: ingest.KindDecisions, Delimiter: det.Delimiter, DateOrder: order})
				if err != nil || order == "" && dateNote(d.Notes) {
					return
				}
				r = rr
				// Line L of the part (header = 1) is line L−1+before of the file.
				lineOff = int64(bytes.Count(data[:cuts[k]], []byte{'\n'})) - 1
			}
			l := newSized(actions, bytes.Count(data[cuts[k]:cuts[k+1]], []byte{'\n'})+1)
			oks[k] = fill(l, r, path, lineOff) == nil
			logs[k] = l
		}()
	}
	wg.Wait()
	for _, ok := range oks {
		if !ok {
			return nil, false
		}
	}
	return join(logs), true
}

// fill adds every record of r to l; lineOff is added to line numbers.
func fill(l *Log, r ingest.Reader, path string, lineOff int64) error {
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			l.Rejected++
			if len(l.FirstRejects) < 5 {
				e := *re
				e.Line += lineOff
				l.FirstRejects = append(l.FirstRejects, e.Error())
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := l.addRecord(&rec, path, lineOff); err != nil {
			return err
		}
	}
}

// addRecord adds one decision record of the ingest reader.
func (l *Log) addRecord(rec *ingest.Record, path string, lineOff int64) error {
	d := rec.Decision
	cust := ""
	if len(rec.IDs) > 0 {
		cust = string(rec.IDs[0].Type) + ":" + rec.IDs[0].Value
	}
	// The id is copied: as read it shares the memory of the whole row.
	if err := l.Add(strings.Clone(rec.DedupKey), cust, rec.Time, d.Trigger, d.Context, d.Action, d.Propensity, d.Reward, d.Converted); err != nil {
		return fmt.Errorf("%s:%d: %w", path, rec.Line+lineOff, err)
	}
	return nil
}

// join concatenates unfinished logs read from consecutive parts of one
// file into the log one pass over the file would have built: a decision
// whose non-empty id an earlier part holds is dropped as a duplicate,
// customers and text values are renumbered, and the columns (every part
// has the same, from the file's header) are concatenated.
func join(parts []*Log) *Log {
	l := parts[0]
	// Room for every part's decisions, so the appends below do not
	// reallocate.
	total := 0
	for _, p := range parts {
		total += p.N()
	}
	more := total - l.N()
	l.ID = slices.Grow(l.ID, more)
	l.Customer = slices.Grow(l.Customer, more)
	l.cust = slices.Grow(l.cust, more)
	l.Time = slices.Grow(l.Time, more)
	l.Action = slices.Grow(l.Action, more)
	l.Propensity = slices.Grow(l.Propensity, more)
	l.Reward = slices.Grow(l.Reward, more)
	l.Converted = slices.Grow(l.Converted, more)
	for _, c := range l.cols {
		c.kind = slices.Grow(c.kind, more)
		c.num = slices.Grow(c.num, more)
	}
	for k, p := range parts[1:] {
		earlier := parts[:k+1]
		l.Rejected += p.Rejected
		l.Duplicates += p.Duplicates
		for _, m := range p.FirstRejects {
			if len(l.FirstRejects) < 5 {
				l.FirstRejects = append(l.FirstRejects, m)
			}
		}
		// Text values and customers, renumbered.
		dmap := make([]float64, len(p.dict))
		for j, s := range p.dict {
			d, ok := l.dictI[s]
			if !ok {
				d = len(l.dict)
				l.dict = append(l.dict, s)
				l.dictI[s] = d
			}
			dmap[j] = float64(d)
		}
		cmap := make([]int32, len(p.custI))
		for s, c := range p.custI {
			g, ok := l.custI[s]
			if !ok {
				g = int32(len(l.custI))
				l.custI[s] = g
			}
			cmap[c] = g
		}
		keep := make([]bool, p.N())
		for i, id := range p.ID {
			keep[i] = true
			if id == "" {
				continue
			}
			for _, e := range earlier {
				if e.seen.has(id) {
					keep[i] = false
					l.Duplicates++
					break
				}
			}
		}
		n0 := l.N()
		for i, ok := range keep {
			if !ok {
				continue
			}
			l.ID = append(l.ID, p.ID[i])
			l.Customer = append(l.Customer, p.Customer[i])
			l.cust = append(l.cust, cmap[p.cust[i]])
			l.Time = append(l.Time, p.Time[i])
			l.Action = append(l.Action, p.Action[i])
			l.Propensity = append(l.Propensity, p.Propensity[i])
			l.Reward = append(l.Reward, p.Reward[i])
			l.Converted = append(l.Converted, p.Converted[i])
		}
		// Columns by name; one the part lacks is missing there, one new
		// is missing before.
		for _, c := range p.cols {
			dst := l.column(c.name, n0)
			for i, ok := range keep {
				if !ok {
					continue
				}
				x := c.num[i]
				if c.kind[i] == kStr {
					x = dmap[int(x)]
				}
				dst.kind = append(dst.kind, c.kind[i])
				dst.num = append(dst.num, x)
			}
		}
		for _, c := range l.cols {
			for len(c.kind) < l.N() {
				c.kind = append(c.kind, kMissing)
				c.num = append(c.num, 0)
			}
		}
	}
	// Later parts' ids are not needed any more (Finish drops l.seen).
	return l
}

// dateNote reports whether the reader inferred a date order of its own.
func dateNote(notes []string) bool {
	for _, n := range notes {
		if strings.Contains(n, "read day-first") || strings.Contains(n, "read month-first") {
			return true
		}
	}
	return false
}
