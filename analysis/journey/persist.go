package journey

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// datasetMagic starts an encoded Dataset file; the last byte is the format
// version.
var datasetMagic = [8]byte{'J', 'W', 'J', 'D', 'S', 0, 0, 1}

// WriteTo writes the Dataset in a compact little-endian binary form that
// ReadDataset reads back, so that a Dataset need not be rebuilt from the
// store by every process.
func (d *Dataset) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	e := &enc{w: bw}
	e.bytes(datasetMagic[:])
	e.u64(uint64(d.Version))
	e.strs(d.channels)
	e.strs(d.types)
	e.strs(d.campaigns)
	e.strs(d.propKeys)
	for _, v := range d.propVals {
		e.strs(v)
	}
	e.u64(uint64(len(d.customers)))
	for _, c := range d.customers {
		e.u64(uint64(c))
	}
	for _, o := range d.off {
		e.u32(o)
	}
	n := len(d.time)
	e.u64(uint64(n))
	for _, t := range d.time {
		e.u64(uint64(t))
	}
	for _, c := range d.channel {
		e.u16(c)
	}
	for _, t := range d.typ {
		e.u32(t)
	}
	for _, c := range d.campaign {
		e.u32(c)
	}
	for _, col := range d.props {
		for _, p := range col {
			e.u32(p)
		}
	}
	e.u64(uint64(len(d.revPos)))
	for i, p := range d.revPos {
		e.u32(p)
		e.u64(math.Float64bits(d.revVal[i]))
	}
	if e.err == nil {
		e.err = bw.Flush()
	}
	return e.n, e.err
}

// ReadDataset reads a Dataset written by WriteTo.
func ReadDataset(r io.Reader) (*Dataset, error) {
	dec := &dec{r: bufio.NewReaderSize(r, 1<<16)}
	var magic [8]byte
	dec.read(magic[:])
	if dec.err != nil {
		return nil, fmt.Errorf("journey: reading a dataset: %w", dec.err)
	}
	if magic != datasetMagic {
		return nil, errors.New("journey: not an encoded journey dataset (or one of another version); rebuild it from the store")
	}
	d := &Dataset{Version: int64(dec.u64())}
	d.channels = dec.strs()
	d.types = dec.strs()
	d.campaigns = dec.strs()
	d.propKeys = dec.strs()
	d.propVals = make([][]string, len(d.propKeys))
	for i := range d.propVals {
		d.propVals[i] = dec.strs()
	}
	nc := dec.count()
	d.customers = readCol(dec, nc, func() int64 { return int64(dec.u64()) })
	if nc > 0 {
		d.off = readCol(dec, nc+1, dec.u32)
	}
	n := dec.count()
	d.time = readCol(dec, n, func() int64 { return int64(dec.u64()) })
	d.channel = readCol(dec, n, dec.u16)
	d.typ = readCol(dec, n, dec.u32)
	d.campaign = readCol(dec, n, dec.u32)
	d.props = make([][]uint32, len(d.propKeys))
	for k := range d.props {
		d.props[k] = readCol(dec, n, dec.u32)
	}
	nr := dec.count()
	for i := 0; i < nr && dec.err == nil; i++ {
		d.revPos = append(d.revPos, dec.u32())
		d.revVal = append(d.revVal, math.Float64frombits(dec.u64()))
	}
	if dec.err != nil {
		return nil, fmt.Errorf("journey: reading a dataset: %w (the file is truncated or damaged; rebuild it)", dec.err)
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// check verifies the invariants a scan relies on.
func (d *Dataset) check() error {
	bad := func(what string) error {
		return fmt.Errorf("journey: damaged dataset: %s; rebuild it from the store", what)
	}
	n := len(d.time)
	if len(d.customers) > 0 && (d.off[0] != 0 || int(d.off[len(d.off)-1]) != n) {
		return bad("customer offsets do not cover the events")
	}
	for i := 1; i < len(d.off); i++ {
		if d.off[i] <= d.off[i-1] {
			return bad("customer offsets out of order")
		}
	}
	for i := 0; i < n; i++ {
		if int(d.channel[i]) >= len(d.channels) || int(d.typ[i]) >= len(d.types) || int(d.campaign[i]) >= len(d.campaigns) {
			return bad("label id out of range")
		}
	}
	for k, col := range d.props {
		for _, p := range col {
			if int(p) > len(d.propVals[k]) {
				return bad("property value id out of range")
			}
		}
	}
	for _, p := range d.revPos {
		if int(p) >= n {
			return bad("revenue position out of range")
		}
	}
	return nil
}

type enc struct {
	w   *bufio.Writer
	n   int64
	err error
	b   [8]byte
}

func (e *enc) bytes(p []byte) {
	if e.err != nil {
		return
	}
	k, err := e.w.Write(p)
	e.n += int64(k)
	e.err = err
}
func (e *enc) u64(v uint64) { binary.LittleEndian.PutUint64(e.b[:], v); e.bytes(e.b[:8]) }
func (e *enc) u32(v uint32) { binary.LittleEndian.PutUint32(e.b[:], v); e.bytes(e.b[:4]) }
func (e *enc) u16(v uint16) { binary.LittleEndian.PutUint16(e.b[:], v); e.bytes(e.b[:2]) }
func (e *enc) strs(s []string) {
	e.u64(uint64(len(s)))
	for _, x := range s {
		e.u64(uint64(len(x)))
		e.bytes([]byte(x))
	}
}

type dec struct {
	r   *bufio.Reader
	err error
	b   [8]byte
}

func (d *dec) read(p []byte) {
	if d.err != nil {
		return
	}
	_, d.err = io.ReadFull(d.r, p)
}
func (d *dec) u64() uint64 { d.read(d.b[:8]); return binary.LittleEndian.Uint64(d.b[:8]) }
func (d *dec) u32() uint32 { d.read(d.b[:4]); return binary.LittleEndian.Uint32(d.b[:4]) }
func (d *dec) u16() uint16 { d.read(d.b[:2]); return binary.LittleEndian.Uint16(d.b[:2]) }

// count reads a length and rejects one that cannot be real.
func (d *dec) count() int {
	v := d.u64()
	if d.err == nil && v > maxEvents {
		d.err = fmt.Errorf("implausible length %d", v)
	}
	if d.err != nil {
		return 0
	}
	return int(v)
}

// readCol reads n values with get, growing the slice as it reads so that a
// damaged length cannot allocate more than the file holds.
func readCol[T any](d *dec, n int, get func() T) []T {
	out := make([]T, 0, min(n, 1<<20))
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, get())
	}
	return out
}

func (d *dec) strs() []string {
	n := d.count()
	out := make([]string, 0, min(n, 1<<16))
	for i := 0; i < n && d.err == nil; i++ {
		l := d.u64()
		if d.err == nil && l > 1<<30 {
			d.err = fmt.Errorf("implausible string length %d", l)
		}
		if d.err != nil {
			break
		}
		b := make([]byte, l)
		d.read(b)
		out = append(out, string(b))
	}
	return out
}

// PeekVersion reads only the data version of an encoded Dataset.
func PeekVersion(r io.Reader) (int64, error) {
	var h [16]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, fmt.Errorf("journey: reading a dataset: %w", err)
	}
	if [8]byte(h[:8]) != datasetMagic {
		return 0, errors.New("journey: not an encoded journey dataset (or one of another version); rebuild it from the store")
	}
	return int64(binary.LittleEndian.Uint64(h[8:])), nil
}
