package tsunagari_test

import (
	"errors"
	"testing"
	"time"

	"tsunagari"
)

func chain(n int) []*tsunagari.AuditEvent {
	var out []*tsunagari.AuditEvent
	prev := ""
	for i := range n {
		e := &tsunagari.AuditEvent{Seq: int64(i + 1), At: time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC),
			ActorID: "a", Action: tsunagari.AuditSignIn, Outcome: tsunagari.OutcomeSuccess, PrevHash: prev}
		e.Hash = e.ChainHash()
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// brokenAt returns the entry at which es stops being a chain, or 0.
func brokenAt(es []*tsunagari.AuditEvent) int64 {
	var prev *tsunagari.AuditEvent
	for _, e := range es {
		if err := e.Follows(prev); err != nil {
			var ce *tsunagari.AuditChainError
			if !errors.As(err, &ce) {
				return -1
			}
			return ce.Seq
		}
		prev = e
	}
	return 0
}

func TestAuditChain(t *testing.T) {
	if got := brokenAt(chain(5)); got != 0 {
		t.Fatalf("an intact chain breaks at %d", got)
	}
	tests := []struct {
		name   string
		change func([]*tsunagari.AuditEvent) []*tsunagari.AuditEvent
		want   int64
	}{
		{"field changed", func(es []*tsunagari.AuditEvent) []*tsunagari.AuditEvent { es[2].Detail = "x"; return es }, 3},
		{"time changed", func(es []*tsunagari.AuditEvent) []*tsunagari.AuditEvent {
			es[1].At = es[1].At.Add(time.Second)
			return es
		}, 2},
		{"outcome changed and rehashed", func(es []*tsunagari.AuditEvent) []*tsunagari.AuditEvent {
			es[1].Outcome = tsunagari.OutcomeFailure
			es[1].Hash = es[1].ChainHash()
			return es
		}, 3},
		{"removed", func(es []*tsunagari.AuditEvent) []*tsunagari.AuditEvent { return append(es[:2], es[3:]...) }, 4},
		{"first removed", func(es []*tsunagari.AuditEvent) []*tsunagari.AuditEvent { return es[1:] }, 2},
		{"swapped", func(es []*tsunagari.AuditEvent) []*tsunagari.AuditEvent { es[1], es[2] = es[2], es[1]; return es }, 3},
		{"seq swapped", func(es []*tsunagari.AuditEvent) []*tsunagari.AuditEvent {
			es[1].Seq, es[2].Seq = 3, 2
			es[1], es[2] = es[2], es[1]
			return es
		}, 2},
	}
	for _, tt := range tests {
		if got := brokenAt(tt.change(chain(5))); got != tt.want {
			t.Errorf("%s: chain breaks at %d, want %d", tt.name, got, tt.want)
		}
	}
}
