package store

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// A cell is one value bound to a batched statement: NULL, an integer, a
// real or a text.
type cell struct {
	kind byte // 0 NULL, 'i' integer, 'f' real, 's' text
	i    int64
	f    float64
	s    string
}

func cInt(v int64) cell    { return cell{kind: 'i', i: v} }
func cReal(v float64) cell { return cell{kind: 'f', f: v} }
func cText(v string) cell  { return cell{kind: 's', s: v} }

// cBool is 1 for true and 0 for false.
func cBool(v bool) cell {
	if v {
		return cInt(1)
	}
	return cInt(0)
}

// connHandle is the sqlite3* handle of the driver connection under conn,
// read from the driver's unexported field db (modernc.org/sqlite keeps it
// there; TestSerialOff fails when a driver version does not).
func connHandle(conn *sql.Conn) (db uintptr, err error) {
	err = conn.Raw(func(dc any) error {
		v := reflect.ValueOf(dc)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return errNoHandle
		}
		f := v.Elem().FieldByName("db")
		if !f.IsValid() || f.Kind() != reflect.Uintptr || f.Uint() == 0 {
			return errNoHandle
		}
		db = uintptr(f.Uint())
		return nil
	})
	return db, err
}

var errNoHandle = errors.New("store: the SQLite driver's connection handle is not reachable (driver version changed?)")

// cptr is the C address u as a pointer (the memory is SQLite's or
// libc's, outside the Go heap).
func cptr(u uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&u)) }

// rawConn runs statements on a write transaction's SQLite handle
// directly, through the transpiled C API, on a thread-local state of its
// own. It is used only inside sql.Conn.Raw of the transaction's
// connection, so that database/sql's lock on the connection orders its
// calls with the driver's.
type rawConn struct {
	db      uintptr
	tls     *libc.TLS
	scratch uintptr // 8 bytes of C memory for out parameters
	buf     uintptr // C buffer of the texts of a statement
	bufCap  int
}

func openRaw(conn *sql.Conn) (rawConn, error) {
	db, err := connHandle(conn)
	if err != nil {
		return rawConn{}, err
	}
	r := rawConn{db: db, tls: libc.NewTLS()}
	if r.scratch = libc.Xmalloc(r.tls, 8); r.scratch == 0 {
		r.tls.Close()
		return rawConn{}, errors.New("store: out of memory")
	}
	return r, nil
}

// close frees the C memory and the thread-local state (once).
func (r *rawConn) close() {
	if r.tls == nil {
		return
	}
	libc.Xfree(r.tls, r.scratch)
	if r.buf != 0 {
		libc.Xfree(r.tls, r.buf)
	}
	r.tls.Close()
	*r = rawConn{}
}

// errmsg is SQLite's message for the handle's last error, with the code.
func (r *rawConn) errmsg(rc int32) error {
	return fmt.Errorf("%s (%d)", libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db)), rc)
}

// prepare compiles q (one statement).
func (r *rawConn) prepare(q string) (uintptr, error) {
	zq, err := libc.CString(q)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(r.tls, zq)
	*(*uintptr)(cptr(r.scratch)) = 0
	if rc := sqlite3.Xsqlite3_prepare_v2(r.tls, r.db, zq, -1, r.scratch, 0); rc != sqlite3.SQLITE_OK {
		return 0, r.errmsg(rc)
	}
	st := *(*uintptr)(cptr(r.scratch))
	if st == 0 {
		return 0, fmt.Errorf("store: empty statement %q", q)
	}
	return st, nil
}

func (r *rawConn) finalize(st uintptr) { sqlite3.Xsqlite3_finalize(r.tls, st) }

// exec binds vals to the parameters of st in order, runs it to completion
// and resets it; it returns sqlite3_changes64 and
// sqlite3_last_insert_rowid. The texts are copied into one C buffer and
// bound as SQLITE_STATIC: st reads them only while it runs.
func (r *rawConn) exec(st uintptr, vals []cell) (changes, last int64, err error) {
	n := 1
	for i := range vals {
		if vals[i].kind == 's' {
			n += len(vals[i].s)
		}
	}
	if n > r.bufCap {
		c := max(n, 2*r.bufCap, 64<<10)
		p := libc.Xrealloc(r.tls, r.buf, types.Size_t(c))
		if p == 0 {
			return 0, 0, errors.New("store: out of memory")
		}
		r.buf, r.bufCap = p, c
	}
	buf := unsafe.Slice((*byte)(cptr(r.buf)), r.bufCap)
	off := 0
	for i := range vals {
		v := &vals[i]
		idx := int32(i + 1)
		var rc int32
		switch v.kind {
		case 'i':
			rc = sqlite3.Xsqlite3_bind_int64(r.tls, st, idx, v.i)
		case 'f':
			rc = sqlite3.Xsqlite3_bind_double(r.tls, st, idx, v.f)
		case 's':
			copy(buf[off:], v.s)
			rc = sqlite3.Xsqlite3_bind_text(r.tls, st, idx, r.buf+uintptr(off), int32(len(v.s)), 0)
			off += len(v.s)
		default:
			rc = sqlite3.Xsqlite3_bind_null(r.tls, st, idx)
		}
		if rc != sqlite3.SQLITE_OK {
			err := r.errmsg(rc)
			sqlite3.Xsqlite3_reset(r.tls, st)
			return 0, 0, err
		}
	}
	if rc := sqlite3.Xsqlite3_step(r.tls, st); rc != sqlite3.SQLITE_DONE {
		err := r.errmsg(rc)
		sqlite3.Xsqlite3_reset(r.tls, st)
		return 0, 0, err
	}
	changes = sqlite3.Xsqlite3_changes64(r.tls, r.db)
	last = sqlite3.Xsqlite3_last_insert_rowid(r.tls, r.db)
	if rc := sqlite3.Xsqlite3_reset(r.tls, st); rc != sqlite3.SQLITE_OK {
		return 0, 0, r.errmsg(rc)
	}
	return changes, last, nil
}
