package store

import (
	"syscall"
	"time"
)

// cpuTime is the process's user + system CPU time: on a shared machine
// a benchmark's rows per CPU-second is steadier than per wall second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
