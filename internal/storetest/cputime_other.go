//go:build !unix

package storetest

import "time"

// CPUTime returns 0: this system does not say.
func CPUTime() time.Duration { return 0 }
