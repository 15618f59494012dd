package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle limits attempts per key (an email address or a client IP). Keys
// idle for longer than the time to refill their bucket are forgotten.
type Throttle struct {
	every time.Duration
	burst int

	mu       sync.Mutex
	limiters map[string]*limiterEntry
	swept    time.Time
}

type limiterEntry struct {
	l    *rate.Limiter
	seen time.Time
}

// NewThrottle allows burst attempts per key at once, then one every every.
func NewThrottle(every time.Duration, burst int) *Throttle {
	return &Throttle{every: every, burst: burst, limiters: make(map[string]*limiterEntry)}
}

// Allow reports whether key may make an attempt at now, and counts it.
func (t *Throttle) Allow(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	full := t.every * time.Duration(t.burst)
	if now.Sub(t.swept) > full {
		for k, e := range t.limiters {
			if now.Sub(e.seen) > full {
				delete(t.limiters, k)
			}
		}
		t.swept = now
	}
	e := t.limiters[key]
	if e == nil {
		e = &limiterEntry{l: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.limiters[key] = e
	}
	e.seen = now
	return e.l.AllowN(now, 1)
}
