package store

import (
	"database/sql"
	"unsafe"

	sqlite3 "modernc.org/sqlite/lib"
)

// serialOff turns SQLite's connection mutex off on conn, the connection a
// write transaction holds for its whole life, and returns the function
// that turns it back on (call it before the connection goes back to the
// pool).
//
// The driver opens every connection with SQLITE_OPEN_FULLMUTEX, so that
// each call into SQLite on it (every sqlite3_bind_*, every step) enters
// and leaves a recursive mutex. A transaction's connection is only ever
// used by one goroutine at a time (database/sql hands it out under its
// own lock, and the driver's state is not safe for concurrent use
// anyway), so that mutex protects nothing there; at 1,000,000 customers
// entering and leaving it took about 30 CPU-s of the load's single
// writing thread, nine tenths of it in the binds of the multi-row
// INSERTs. With the connection's mutex pointer cleared, SQLite behaves as
// for a connection opened with SQLITE_OPEN_NOMUTEX (the "multi-thread"
// mode: sqlite3_mutex_enter of a null mutex does nothing); the global
// mutexes (memory, page cache, VFS) are untouched, and so are the other
// connections. sqlite3_interrupt, which the driver calls from another
// goroutine when a context ends, takes no mutex.
//
// The handle is the one openRaw found (rawexec.go, connHandle); the
// change is made only when the handle's mutex field holds the mutex that
// sqlite3_db_mutex reports, so a handle laid out otherwise is left as it
// was (TestSerialOff says when that happens).
func (r *rawConn) serialOff(conn *sql.Conn) (restore func(), ok bool) {
	restore = func() {}
	if !serialOffEnabled {
		return restore, false
	}
	mu := sqlite3.Xsqlite3_db_mutex(r.tls, r.db)
	if mu == 0 {
		return restore, false
	}
	slot := (*uintptr)(unsafe.Add(cptr(r.db), unsafe.Offsetof((*sqlite3.Tsqlite3)(nil).Fmutex)))
	conn.Raw(func(any) error {
		if *slot == mu {
			*slot = 0
			ok = true
		}
		return nil
	})
	if !ok {
		return restore, false
	}
	return func() {
		conn.Raw(func(any) error {
			*slot = mu
			return nil
		})
	}, true
}

// serialOffEnabled lets BenchmarkInsertEvents measure the inserts with the
// mutex.
var serialOffEnabled = true
