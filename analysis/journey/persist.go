package journey

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// datasetMagic starts an encoded Dataset file; the last byte is the format
// version. Version 2 stores the events in blocks of whole customers with
// the index at the end; files of version 1 (one column per field over all
// events) are not read: they are a cache, rebuilt from the store.
var datasetMagic = [8]byte{'J', 'W', 'J', 'D', 'S', 0, 0, 2}

// File layout, little-endian:
//
//	header   magic (8 bytes), data version (u64)
//	blocks   each block's encoding (see block.appendTo)
//	footer   the dictionaries (channels, types, campaigns, property keys,
//	         each property's values: a u64 count, then u64 length + bytes
//	         per string), the customer ids (u64 count, i64 each), the
//	         block index (u64 count; per block first customer, customers,
//	         first event, events, byte offset, byte size as u64 and its
//	         CRC-32C as u32), events (u64), first and last time (i64)
//	trailer  footer offset (u64), footer size (u64), footer CRC-32C
//	         (u32), 4 zero bytes, magic (8 bytes)
const (
	headerSize  = 16
	trailerSize = 32
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileWriter writes the layout above.
type fileWriter struct {
	w   *bufio.Writer
	n   int64
	buf []byte
	err error
}

func newFileWriter(w io.Writer, version int64) *fileWriter {
	fw := &fileWriter{w: bufio.NewWriterSize(w, 1<<20)}
	h := append(datasetMagic[:], make([]byte, 8)...)
	binary.LittleEndian.PutUint64(h[8:], uint64(version))
	fw.write(h)
	return fw
}

func (fw *fileWriter) write(p []byte) {
	if fw.err != nil {
		return
	}
	k, err := fw.w.Write(p)
	fw.n += int64(k)
	fw.err = err
}

// block writes b and records where in info.
func (fw *fileWriter) block(b *block, info *blockInfo) error {
	fw.buf = b.appendTo(fw.buf[:0])
	info.off, info.size, info.sum = fw.n, int64(len(fw.buf)), crc32.Checksum(fw.buf, castagnoli)
	fw.write(fw.buf)
	return fw.err
}

// finish writes the footer and trailer of d, whose block index records
// the blocks written, and flushes.
func (fw *fileWriter) finish(d *Dataset) error {
	var f []byte
	u64 := func(v uint64) { f = binary.LittleEndian.AppendUint64(f, v) }
	strs := func(s []string) {
		u64(uint64(len(s)))
		for _, x := range s {
			u64(uint64(len(x)))
			f = append(f, x...)
		}
	}
	strs(d.channels)
	strs(d.types)
	strs(d.campaigns)
	strs(d.propKeys)
	for _, v := range d.propVals {
		strs(v)
	}
	u64(uint64(len(d.customers)))
	f = appendLE(f, d.customers)
	u64(uint64(len(d.blocks)))
	for _, b := range d.blocks {
		u64(uint64(b.first))
		u64(uint64(b.nCust))
		u64(uint64(b.base))
		u64(uint64(b.n))
		u64(uint64(b.off))
		u64(uint64(b.size))
		f = binary.LittleEndian.AppendUint32(f, b.sum)
	}
	u64(uint64(d.nEvents))
	u64(uint64(d.minTime))
	u64(uint64(d.maxTime))
	off := fw.n
	fw.write(f)
	t := binary.LittleEndian.AppendUint64(nil, uint64(off))
	t = binary.LittleEndian.AppendUint64(t, uint64(len(f)))
	t = binary.LittleEndian.AppendUint32(t, crc32.Checksum(f, castagnoli))
	t = append(t, 0, 0, 0, 0)
	fw.write(append(t, datasetMagic[:]...))
	if fw.err == nil {
		fw.err = fw.w.Flush()
	}
	return fw.err
}

// WriteTo writes the Dataset in the file format that OpenDataset and
// ReadDataset read, one block at a time.
func (d *Dataset) WriteTo(w io.Writer) (int64, error) {
	fw := newFileWriter(w, d.Version)
	// The same data with the block index of the new file.
	out := &Dataset{Version: d.Version, customers: d.customers, nEvents: d.nEvents, minTime: d.minTime, maxTime: d.maxTime,
		channels: d.channels, types: d.types, campaigns: d.campaigns, propKeys: d.propKeys, propVals: d.propVals,
		blocks: make([]blockInfo, len(d.blocks))}
	var buf []byte
	var tmp block
	for bi := range d.blocks {
		b := &tmp
		if d.mem != nil {
			b = d.mem[bi]
		} else if err := d.readBlock(bi, &buf, b); err != nil {
			return fw.n, err
		}
		out.blocks[bi] = d.blocks[bi]
		if err := fw.block(b, &out.blocks[bi]); err != nil {
			return fw.n, err
		}
	}
	err := fw.finish(out)
	return fw.n, err
}

// BuildFile encodes every event src yields into the Dataset file at path
// (created or truncated) and returns the Dataset reading from it. src must
// yield the events grouped by customer in ascending customer id order, as
// the store's scan does; events of a customer out of time order are sorted
// (stably). Memory holds the dictionaries, the customer ids and one block
// at a time, never all the events. On error the file is removed.
func BuildFile(ctx context.Context, src Source, path string, opts BuildOptions) (d *Dataset, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("journey: create the dataset file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	en := newEncoder(opts.Properties)
	d = &Dataset{Version: opts.Version, propKeys: en.pkeys, file: f}
	fw := newFileWriter(f, opts.Version)
	bb := newBlockBuilder(d, opts.BlockEvents, true, fw.block)
	n := 0
	err = src(func(e Event) error {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if n >= maxEvents {
			return fmt.Errorf("journey: more than %d events; filter the data before building", maxEvents)
		}
		ch, ty, ca, props, err := en.encode(&e)
		if err != nil {
			return err
		}
		n++
		return bb.add(e.Customer, e.Time, ch, ty, ca, props, e.Revenue, e.HasRevenue)
	})
	if err == nil {
		err = bb.finish()
	}
	if err != nil {
		return nil, err
	}
	en.dictionaries(d)
	if err := fw.finish(d); err != nil {
		return nil, fmt.Errorf("journey: write the dataset file: %w", err)
	}
	return d, nil
}

// OpenDataset opens the Dataset file at path, as BuildFile or WriteTo
// wrote it. It reads the dictionaries, customer ids and block index; scans
// read the blocks from the file. Close releases the file.
func OpenDataset(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	d, err := readIndex(f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	d.file = f
	return d, nil
}

// Close releases the file of a file-backed Dataset; it must not be
// scanned afterwards. It does nothing for a Dataset in memory.
func (d *Dataset) Close() error {
	if d.file == nil {
		return nil
	}
	return d.file.Close()
}

// ReadDataset reads a whole Dataset written by WriteTo or BuildFile into
// memory.
func ReadDataset(r io.Reader) (*Dataset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("journey: reading a dataset: %w", err)
	}
	br := bytes.NewReader(data)
	d, err := readIndex(br, int64(len(data)))
	if err != nil {
		return nil, err
	}
	d.mem = make([]*block, len(d.blocks))
	for bi, info := range d.blocks {
		b := &block{}
		if err := d.decodeBytes(bi, data[info.off:info.off+info.size], b); err != nil {
			return nil, err
		}
		d.mem[bi] = b
	}
	return d, nil
}

// readBlock reads block bi of a file-backed Dataset into b, using *buf
// for the bytes.
func (d *Dataset) readBlock(bi int, buf *[]byte, b *block) error {
	info := &d.blocks[bi]
	if int64(cap(*buf)) < info.size {
		*buf = make([]byte, info.size)
	}
	p := (*buf)[:info.size]
	if _, err := d.file.ReadAt(p, info.off); err != nil {
		return fmt.Errorf("journey: reading the dataset file: %w; rebuild the dataset (delete the .journeys file)", err)
	}
	return d.decodeBytes(bi, p, b)
}

// decodeBytes checks the CRC of block bi's bytes p and decodes them into b.
func (d *Dataset) decodeBytes(bi int, p []byte, b *block) error {
	info := &d.blocks[bi]
	if crc32.Checksum(p, castagnoli) != info.sum {
		return fmt.Errorf("journey: damaged dataset block %d–%d (checksum); rebuild the dataset (delete the .journeys file)", info.base, info.base+info.n)
	}
	return b.decode(p, info, d)
}

var errNotDataset = errors.New("journey: not an encoded journey dataset (or one of another version); rebuild it from the store")

// readIndex reads the header, trailer and footer of a Dataset file of
// size bytes and checks the block index against them.
func readIndex(r io.ReaderAt, size int64) (*Dataset, error) {
	damaged := func(what string) error {
		return fmt.Errorf("journey: damaged dataset file: %s; rebuild it from the store", what)
	}
	if size < headerSize+trailerSize {
		return nil, errNotDataset
	}
	var h [headerSize]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("journey: reading a dataset: %w", err)
	}
	if [8]byte(h[:8]) != datasetMagic {
		return nil, errNotDataset
	}
	var t [trailerSize]byte
	if _, err := r.ReadAt(t[:], size-trailerSize); err != nil {
		return nil, fmt.Errorf("journey: reading a dataset: %w", err)
	}
	if [8]byte(t[24:]) != datasetMagic {
		return nil, damaged("no trailer (the file is truncated)")
	}
	foff := int64(binary.LittleEndian.Uint64(t[:]))
	flen := int64(binary.LittleEndian.Uint64(t[8:]))
	if foff < headerSize || flen < 0 || foff+flen != size-trailerSize {
		return nil, damaged("footer out of place")
	}
	f := make([]byte, flen)
	if _, err := r.ReadAt(f, foff); err != nil {
		return nil, fmt.Errorf("journey: reading a dataset: %w", err)
	}
	if crc32.Checksum(f, castagnoli) != binary.LittleEndian.Uint32(t[16:]) {
		return nil, damaged("footer checksum")
	}
	dec := footerDec{b: f}
	d := &Dataset{Version: int64(binary.LittleEndian.Uint64(h[8:]))}
	d.channels = dec.strs()
	d.types = dec.strs()
	d.campaigns = dec.strs()
	d.propKeys = dec.strs()
	d.propVals = make([][]string, len(d.propKeys))
	for i := range d.propVals {
		d.propVals[i] = dec.strs()
	}
	nc := dec.count(8)
	if dec.ok() {
		d.customers = readLE([]int64(nil), nc, dec.b, &dec.p)
	}
	nb := dec.count(52)
	d.blocks = make([]blockInfo, 0, nb)
	for i := 0; i < nb && dec.ok(); i++ {
		d.blocks = append(d.blocks, blockInfo{first: int(dec.u64()), nCust: int(dec.u64()), base: int(dec.u64()),
			n: int(dec.u64()), off: int64(dec.u64()), size: int64(dec.u64()), sum: dec.u32()})
	}
	d.nEvents = int(dec.u64())
	d.minTime, d.maxTime = int64(dec.u64()), int64(dec.u64())
	if !dec.ok() || dec.p != len(dec.b) {
		return nil, damaged("footer does not parse")
	}
	if len(d.channels) == 0 || len(d.types) == 0 || len(d.campaigns) == 0 {
		return nil, damaged("empty dictionaries")
	}
	for i := 1; i < len(d.customers); i++ {
		if d.customers[i] <= d.customers[i-1] {
			return nil, damaged("customer ids out of order")
		}
	}
	first, base, off := 0, 0, int64(headerSize)
	for _, b := range d.blocks {
		if b.first != first || b.base != base || b.off != off || b.nCust <= 0 || b.n < b.nCust || b.size < 16 || b.off+b.size > foff {
			return nil, damaged("block index")
		}
		first, base, off = first+b.nCust, base+b.n, off+b.size
	}
	if first != len(d.customers) || base != d.nEvents || off != foff || d.nEvents > maxEvents {
		return nil, damaged("block index does not cover the data")
	}
	return d, nil
}

// footerDec reads the footer's values, remembering the first overrun.
type footerDec struct {
	b   []byte
	p   int
	bad bool
}

func (f *footerDec) ok() bool { return !f.bad }

func (f *footerDec) take(n int) []byte {
	if f.bad || n < 0 || n > len(f.b)-f.p {
		f.bad = true
		return nil
	}
	s := f.b[f.p : f.p+n]
	f.p += n
	return s
}

func (f *footerDec) u64() uint64 {
	if s := f.take(8); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (f *footerDec) u32() uint32 {
	if s := f.take(4); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

// count reads a count of items of at least unit bytes each, refusing one
// the rest of the footer cannot hold.
func (f *footerDec) count(unit int) int {
	v := f.u64()
	if f.bad || v > uint64(len(f.b)-f.p)/uint64(unit) {
		f.bad = true
		return 0
	}
	return int(v)
}

func (f *footerDec) strs() []string {
	n := f.count(8)
	out := make([]string, 0, n)
	for i := 0; i < n && !f.bad; i++ {
		l := f.count(1)
		out = append(out, string(f.take(l)))
	}
	return out
}

// PeekVersion reads only the data version of an encoded Dataset.
func PeekVersion(r io.Reader) (int64, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, fmt.Errorf("journey: reading a dataset: %w", err)
	}
	if [8]byte(h[:8]) != datasetMagic {
		return 0, errNotDataset
	}
	return int64(binary.LittleEndian.Uint64(h[8:])), nil
}
