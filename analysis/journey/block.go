package journey

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"unsafe"
)

// A block holds the events of a run of whole customers, column by column:
// customer k of the block (dense index first+k) has the events at local
// positions off[k] ≤ e < off[k+1], ordered by time with ties in load order;
// local position e is dataset position base+e. Revenue is sparse: revPos
// are the ascending local positions of the events that carry one.
type block struct {
	first int // dense index of the block's first customer
	base  int // dataset position of the block's first event

	off      []uint32
	time     []int64
	channel  []uint16
	typ      []uint32
	campaign []uint32
	props    [][]uint32 // per kept property: value id + 1 (0 = absent)
	revPos   []uint32
	revVal   []float64
}

func (b *block) numCustomers() int { return len(b.off) - 1 }

// revenue is the revenue of the event at local position e and whether it
// has one.
func (b *block) revenue(e int) (float64, bool) {
	i, ok := slices.BinarySearch(b.revPos, uint32(e))
	if !ok {
		return 0, false
	}
	return b.revVal[i], true
}

// bytes is the size of the block's columns in memory.
func (b *block) bytes() int64 {
	n := int64(len(b.time))
	return int64(len(b.off))*4 + n*(8+2+4+4) + int64(len(b.props))*n*4 + int64(len(b.revPos))*12
}

// blockInfo locates a block: its customers and events, and for a
// file-backed Dataset its bytes in the file with their CRC-32C.
type blockInfo struct {
	first, nCust int
	base, n      int
	off, size    int64
	sum          uint32
}

// DefaultBlockEvents is the number of events after which Build and
// BuildFile close a block (at the end of a customer: a block holds whole
// customers). A scan holds one decoded block per worker.
const DefaultBlockEvents = 1 << 16

// blockBuilder cuts a stream of encoded events, grouped by customer in
// ascending id order, into blocks of whole customers and hands each
// finished block to emit. Events of one customer out of time order are
// sorted (stably) when the customer ends. It records the customers, the
// block index and the time range in d.
type blockBuilder struct {
	d      *Dataset
	target int
	nprops int
	cur    *block
	// reuse says that emit does not keep the block, so its columns are
	// reused for the next one.
	reuse     bool
	emit      func(b *block, info *blockInfo) error
	started   bool
	last      int64
	custStart int
	inOrder   bool
}

func newBlockBuilder(d *Dataset, target int, reuse bool, emit func(*block, *blockInfo) error) *blockBuilder {
	if target <= 0 {
		target = DefaultBlockEvents
	}
	bb := &blockBuilder{d: d, target: target, nprops: len(d.propKeys), reuse: reuse, emit: emit}
	bb.cur = &block{props: make([][]uint32, bb.nprops)}
	d.minTime, d.maxTime = math.MaxInt64, math.MinInt64
	return bb
}

var errNotGrouped = errors.New("journey: the source is not grouped by customer in ascending id order; use Build, which sorts")

func (bb *blockBuilder) add(c, t int64, ch uint16, ty, ca uint32, props []uint32, rev float64, hasRev bool) error {
	b := bb.cur
	if !bb.started || c != bb.last {
		if bb.started {
			if c < bb.last {
				return errNotGrouped
			}
			if err := bb.endCustomer(); err != nil {
				return err
			}
			b = bb.cur
		}
		bb.started, bb.last = true, c
		bb.d.customers = append(bb.d.customers, c)
		b.off = append(b.off, uint32(len(b.time)))
		bb.custStart, bb.inOrder = len(b.time), true
	} else if t < b.time[len(b.time)-1] {
		bb.inOrder = false
	}
	if hasRev {
		b.revPos = append(b.revPos, uint32(len(b.time)))
		b.revVal = append(b.revVal, rev)
	}
	b.time = append(b.time, t)
	b.channel = append(b.channel, ch)
	b.typ = append(b.typ, ty)
	b.campaign = append(b.campaign, ca)
	for k := range b.props {
		b.props[k] = append(b.props[k], props[k])
	}
	return nil
}

func (bb *blockBuilder) endCustomer() error {
	if !bb.inOrder {
		bb.cur.sortFrom(bb.custStart)
	}
	if len(bb.cur.time) >= bb.target {
		return bb.flush()
	}
	return nil
}

// finish ends the last customer and block.
func (bb *blockBuilder) finish() error {
	if bb.started {
		if !bb.inOrder {
			bb.cur.sortFrom(bb.custStart)
		}
		if err := bb.flush(); err != nil {
			return err
		}
	}
	if bb.d.nEvents == 0 {
		bb.d.minTime, bb.d.maxTime = 0, 0
	}
	return nil
}

func (bb *blockBuilder) flush() error {
	b := bb.cur
	if len(b.off) == 0 {
		return nil
	}
	d := bb.d
	b.off = append(b.off, uint32(len(b.time)))
	b.first, b.base = len(d.customers)-b.numCustomers(), d.nEvents
	for k := 0; k < b.numCustomers(); k++ {
		d.minTime = min(d.minTime, b.time[b.off[k]])
		d.maxTime = max(d.maxTime, b.time[b.off[k+1]-1])
	}
	info := blockInfo{first: b.first, nCust: b.numCustomers(), base: b.base, n: len(b.time)}
	if err := bb.emit(b, &info); err != nil {
		return err
	}
	d.blocks = append(d.blocks, info)
	d.nEvents += len(b.time)
	if bb.reuse {
		b.off, b.time, b.channel, b.typ, b.campaign = b.off[:0], b.time[:0], b.channel[:0], b.typ[:0], b.campaign[:0]
		for k := range b.props {
			b.props[k] = b.props[k][:0]
		}
		b.revPos, b.revVal = b.revPos[:0], b.revVal[:0]
	} else {
		bb.cur = &block{props: make([][]uint32, bb.nprops)}
	}
	return nil
}

// sortFrom sorts the events from local position lo to the end by time,
// stably, carrying every column and the revenue.
func (b *block) sortFrom(lo int) {
	n := len(b.time) - lo
	perm := make([]int, n)
	for i := range perm {
		perm[i] = lo + i
	}
	sort.SliceStable(perm, func(x, y int) bool { return b.time[perm[x]] < b.time[perm[y]] })
	inv := make([]uint32, n) // old local position - lo → new
	for k, p := range perm {
		inv[p-lo] = uint32(lo + k)
	}
	time2 := make([]int64, n)
	ch2 := make([]uint16, n)
	ty2 := make([]uint32, n)
	ca2 := make([]uint32, n)
	for k, p := range perm {
		time2[k], ch2[k], ty2[k], ca2[k] = b.time[p], b.channel[p], b.typ[p], b.campaign[p]
	}
	copy(b.time[lo:], time2)
	copy(b.channel[lo:], ch2)
	copy(b.typ[lo:], ty2)
	copy(b.campaign[lo:], ca2)
	for _, col := range b.props {
		c2 := make([]uint32, n)
		for k, p := range perm {
			c2[k] = col[p]
		}
		copy(col[lo:], c2)
	}
	// Revenue entries of the sorted range are the tail of revPos.
	r := sort.Search(len(b.revPos), func(i int) bool { return int(b.revPos[i]) >= lo })
	type rv struct {
		pos uint32
		v   float64
	}
	rs := make([]rv, 0, len(b.revPos)-r)
	for i := r; i < len(b.revPos); i++ {
		rs = append(rs, rv{inv[int(b.revPos[i])-lo], b.revVal[i]})
	}
	slices.SortFunc(rs, func(a, b rv) int { return int(a.pos) - int(b.pos) })
	for i, x := range rs {
		b.revPos[r+i], b.revVal[r+i] = x.pos, x.v
	}
}

// Block encoding, little-endian: a header of four uint32 (customers c,
// events n, revenue entries r, property columns p), then the columns
// off (c+1 × u32), time (n × i64), channel (n × u16), type (n × u32),
// campaign (n × u32), p property columns (n × u32 each), revenue positions
// (r × u32) and values (r × f64 bits).

// encodedSize is the number of bytes appendTo writes.
func (b *block) encodedSize() int {
	n := len(b.time)
	return 16 + 4*len(b.off) + n*(8+2+4+4) + 4*n*len(b.props) + 12*len(b.revPos)
}

func (b *block) appendTo(buf []byte) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(b.numCustomers()))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(b.time)))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(b.revPos)))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(b.props)))
	buf = appendLE(buf, b.off)
	buf = appendLE(buf, b.time)
	buf = appendLE(buf, b.channel)
	buf = appendLE(buf, b.typ)
	buf = appendLE(buf, b.campaign)
	for _, col := range b.props {
		buf = appendLE(buf, col)
	}
	buf = appendLE(buf, b.revPos)
	buf = appendLE(buf, b.revVal)
	return buf
}

// decode reads an encoded block into b, reusing b's columns, and checks it
// against info and the dictionaries of d.
func (b *block) decode(buf []byte, info *blockInfo, d *Dataset) error {
	bad := func(what string) error {
		return fmt.Errorf("journey: damaged dataset block %d–%d: %s; rebuild the dataset (delete the .journeys file)", info.base, info.base+info.n, what)
	}
	if len(buf) < 16 {
		return bad("short block")
	}
	nc := int(binary.LittleEndian.Uint32(buf))
	n := int(binary.LittleEndian.Uint32(buf[4:]))
	nr := int(binary.LittleEndian.Uint32(buf[8:]))
	np := int(binary.LittleEndian.Uint32(buf[12:]))
	if nc != info.nCust || n != info.n || np != len(d.propKeys) || nr > n {
		return bad("header does not match the index")
	}
	b.first, b.base = info.first, info.base
	if need := 16 + 4*(nc+1) + n*(8+2+4+4) + 4*n*np + 12*nr; need != len(buf) {
		return bad("size does not match its header")
	}
	p := 16
	b.off = readLE(b.off, nc+1, buf, &p)
	b.time = readLE(b.time, n, buf, &p)
	b.channel = readLE(b.channel, n, buf, &p)
	b.typ = readLE(b.typ, n, buf, &p)
	b.campaign = readLE(b.campaign, n, buf, &p)
	if len(b.props) != np {
		b.props = make([][]uint32, np)
	}
	for k := range b.props {
		b.props[k] = readLE(b.props[k], n, buf, &p)
	}
	b.revPos = readLE(b.revPos, nr, buf, &p)
	b.revVal = readLE(b.revVal, nr, buf, &p)
	return b.check(d, bad)
}

// check verifies the invariants a scan relies on: customers have at least
// one event, ids are within the dictionaries, revenue positions ascend.
func (b *block) check(d *Dataset, bad func(string) error) error {
	n := uint32(len(b.time))
	if b.off[0] != 0 || b.off[len(b.off)-1] != n {
		return bad("customer offsets do not cover the events")
	}
	for i := 1; i < len(b.off); i++ {
		if b.off[i] <= b.off[i-1] {
			return bad("customer offsets out of order")
		}
	}
	if int(maxOf(b.channel)) >= len(d.channels) || int(maxOf(b.typ)) >= len(d.types) ||
		int(maxOf(b.campaign)) >= len(d.campaigns) {
		return bad("label id out of range")
	}
	for k, col := range b.props {
		if int(maxOf(col)) > len(d.propVals[k]) {
			return bad("property value id out of range")
		}
	}
	for i, p := range b.revPos {
		if p >= n || i > 0 && p <= b.revPos[i-1] {
			return bad("revenue positions out of order")
		}
	}
	return nil
}

func maxOf[T uint16 | uint32](s []T) T {
	var m T
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// littleEndian is true on machines that store integers little-endian, where
// columns are copied to and from the encoding as raw memory.
var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

type fixed interface {
	uint16 | uint32 | int64 | float64
}

// asBytes is the memory of s as bytes.
func asBytes[T fixed](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

func appendLE[T fixed](buf []byte, s []T) []byte {
	if littleEndian {
		return append(buf, asBytes(s)...)
	}
	for _, v := range s {
		switch x := any(v).(type) {
		case uint16:
			buf = binary.LittleEndian.AppendUint16(buf, x)
		case uint32:
			buf = binary.LittleEndian.AppendUint32(buf, x)
		case int64:
			buf = binary.LittleEndian.AppendUint64(buf, uint64(x))
		case float64:
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
		}
	}
	return buf
}

// readLE reads n values at buf[*p:] into dst (reusing its memory) and
// advances *p. The caller has checked that buf holds them.
func readLE[T fixed](dst []T, n int, buf []byte, p *int) []T {
	if cap(dst) < n {
		dst = make([]T, n)
	}
	dst = dst[:n]
	var z T
	size := int(unsafe.Sizeof(z))
	src := buf[*p : *p+n*size]
	*p += n * size
	if littleEndian {
		copy(asBytes(dst), src)
		return dst
	}
	for i := range dst {
		var v any
		switch any(z).(type) {
		case uint16:
			v = binary.LittleEndian.Uint16(src[2*i:])
		case uint32:
			v = binary.LittleEndian.Uint32(src[4*i:])
		case int64:
			v = int64(binary.LittleEndian.Uint64(src[8*i:]))
		case float64:
			v = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
		}
		dst[i] = v.(T)
	}
	return dst
}
