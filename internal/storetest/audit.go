package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

func auditEvent(action, actor string, at time.Time) *tsunagari.AuditEvent {
	return &tsunagari.AuditEvent{At: at, ActorID: actor, Action: action, Outcome: tsunagari.OutcomeSuccess,
		TargetType: "account", TargetID: actor, OrgID: "org-1", IP: "192.0.2.1", Detail: "via=web"}
}

// mustChain reads the whole trail in chain order and checks every link.
func mustChain(t *testing.T, s tsunagari.Stores) []*tsunagari.AuditEvent {
	t.Helper()
	all, err := s.Audit.AuditChain(context.Background(), 0, 0)
	if err != nil {
		t.Fatalf("AuditChain error = %v", err)
	}
	var prev *tsunagari.AuditEvent
	for _, e := range all {
		if err := e.Follows(prev); err != nil {
			t.Fatalf("stored chain: %v", err)
		}
		prev = e
	}
	return all
}

func testAudit(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("AppendChains", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		first := auditEvent(tsunagari.AuditSignIn, "acc-1", t0.Add(500*time.Millisecond))
		first.Outcome, first.TargetType, first.TargetID, first.OrgID, first.Detail = tsunagari.OutcomeFailure, "", "", "", ""
		if err := s.Audit.AppendAudit(ctx, first); err != nil {
			t.Fatalf("AppendAudit error = %v", err)
		}
		if first.Seq != 1 || first.PrevHash != "" || first.Hash != first.ChainHash() || !sameTime(first.At, t0) {
			t.Errorf("first entry = %+v, want seq 1, no previous hash, its own hash and At truncated to %v", first, t0)
		}
		batch := []*tsunagari.AuditEvent{
			auditEvent(tsunagari.AuditTokenCreate, "acc-2", t0.Add(time.Minute)),
			auditEvent(tsunagari.AuditTokenRevoke, "acc-2", time.Time{}),
		}
		if err := s.Audit.AppendAudit(ctx, batch...); err != nil {
			t.Fatalf("AppendAudit(batch) error = %v", err)
		}
		if batch[0].Seq != 2 || batch[1].Seq != 3 || batch[0].PrevHash != first.Hash || batch[1].PrevHash != batch[0].Hash {
			t.Errorf("batch seqs %d, %d, links %v %v; want 2 and 3 chained to the first",
				batch[0].Seq, batch[1].Seq, batch[0].PrevHash == first.Hash, batch[1].PrevHash == batch[0].Hash)
		}
		if batch[1].At.IsZero() || batch[1].At.Location() != time.UTC || batch[1].At.Nanosecond() != 0 {
			t.Errorf("At of an entry given none = %v, want the store's now in whole UTC seconds", batch[1].At)
		}
		all := mustChain(t, s)
		if len(all) != 3 {
			t.Fatalf("AuditChain returned %d entries, want 3", len(all))
		}
		for i, want := range []*tsunagari.AuditEvent{first, batch[0], batch[1]} {
			if got := all[i]; *got != *want {
				t.Errorf("AuditChain()[%d] = %+v, want %+v", i, got, want)
			}
		}
		if err := s.Audit.AppendAudit(ctx); err != nil {
			t.Errorf("AppendAudit() with no events error = %v", err)
		}
		if got, _ := s.Audit.AuditChain(ctx, 1, 1); len(got) != 1 || got[0].Seq != 2 {
			t.Errorf("AuditChain(after 1, limit 1) = %v, want entry 2", got)
		}
	})

	t.Run("Find", func(t *testing.T) {
		s := open(t).Stores()
		for i := range 6 {
			action := tsunagari.AuditSignIn
			if i%2 == 1 {
				action = tsunagari.AuditSignOut
			}
			if err := s.Audit.AppendAudit(ctx, auditEvent(action, fmt.Sprintf("acc-%d", i%3), t0)); err != nil {
				t.Fatal(err)
			}
		}
		seqs := func(f tsunagari.AuditFilter) []int64 {
			es, err := s.Audit.FindAuditEvents(ctx, f)
			if err != nil {
				t.Fatalf("FindAuditEvents(%+v) error = %v", f, err)
			}
			var out []int64
			for _, e := range es {
				out = append(out, e.Seq)
			}
			return out
		}
		for _, tt := range []struct {
			f    tsunagari.AuditFilter
			want string
		}{
			{tsunagari.AuditFilter{}, "[6 5 4 3 2 1]"},
			{tsunagari.AuditFilter{Limit: 2}, "[6 5]"},
			{tsunagari.AuditFilter{Before: 5, Limit: 2}, "[4 3]"},
			{tsunagari.AuditFilter{ActorID: "acc-1"}, "[5 2]"},
			{tsunagari.AuditFilter{Action: tsunagari.AuditSignOut}, "[6 4 2]"},
			{tsunagari.AuditFilter{Action: tsunagari.AuditSignOut, ActorID: "acc-0"}, "[4]"},
			{tsunagari.AuditFilter{ActorID: "nobody"}, "[]"},
		} {
			if got := fmt.Sprint(seqs(tt.f)); got != tt.want {
				t.Errorf("FindAuditEvents(%+v) = %s, want %s", tt.f, got, tt.want)
			}
		}
	})

	t.Run("ConcurrentAppendsMakeOneChain", func(t *testing.T) {
		s := open(t).Stores()
		const writers, each = 12, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					errs <- s.Audit.AppendAudit(ctx, auditEvent(tsunagari.AuditSignIn, fmt.Sprintf("w%d-%d", w, i), time.Time{}))
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent AppendAudit error = %v", err)
			}
		}
		if all := mustChain(t, s); len(all) != writers*each {
			t.Errorf("chain holds %d entries, want %d", len(all), writers*each)
		}
	})
}
