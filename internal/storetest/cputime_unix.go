//go:build unix

package storetest

import (
	"syscall"
	"time"
)

// CPUTime returns the processor time this process has used, user and
// system, or 0 where the system does not say.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
