//go:build race

package load

// Under the race detector modernc.org/sqlite runs about 20 times slower:
// the end-to-end tests use a smaller sample to stay within a minute.
const raceEnabled = true
