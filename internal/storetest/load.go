package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tsunagari"
)

// Load writes to a database through its stores, for as long as a test
// needs a database that changes under it (a backup taken while the server
// writes, for one): one writer signs up numbered members, each in one
// transaction, and answers an attributed round for each, in another; a
// second writer keeps renaming members who exist. What a snapshot of the
// database may hold follows from the order: members 1..k and the answers
// of 1..k or of 1..k-1.
type Load struct {
	s     tsunagari.Stores
	org   *tsunagari.Org
	round *tsunagari.Round

	started, acked atomic.Int64 // sign-ups begun and committed
	stop           chan struct{}
	wg             sync.WaitGroup
	mu             sync.Mutex
	err            error
}

// StartLoad starts writing to s, which must be a migrated, empty database.
func StartLoad(t *testing.T, s tsunagari.Stores) *Load {
	t.Helper()
	l := &Load{s: s, stop: make(chan struct{})}
	l.org = mustCreateOrg(t, s, "負荷試験株式会社")
	mustSaveInstrument(t, s, pulse(1))
	l.round = mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: l.org.ID})
	l.wg.Add(2)
	go l.signUps()
	go l.renames()
	t.Cleanup(l.Stop)
	return l
}

func loadEmail(n int64) string { return fmt.Sprintf("load%07d@example.jp", n) }

func (l *Load) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

func (l *Load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

func (l *Load) signUps() {
	defer l.wg.Done()
	ctx := context.Background()
	for n := int64(1); !l.stopped(); n++ {
		l.started.Store(n)
		a := account(loadEmail(n))
		a.Employment = &tsunagari.Employment{OrgID: l.org.ID, StartedAt: t0}
		if err := l.s.Accounts.CreateAccount(ctx, a); err != nil {
			l.fail(fmt.Errorf("sign-up %d: %w", n, err))
			return
		}
		resp := &tsunagari.Response{RoundID: l.round.ID, InstrumentID: "pulse", InstrumentVersion: 1, AccountID: a.ID,
			Segments: tsunagari.Segments{SizeBand: l.org.SizeBand(), AgeBand: "30s"}, Answers: answers(float64(1+n%5), 3)}
		if err := l.s.Surveys.SubmitResponse(ctx, resp); err != nil {
			l.fail(fmt.Errorf("answer %d: %w", n, err))
			return
		}
		l.acked.Store(n)
	}
}

func (l *Load) renames() {
	defer l.wg.Done()
	ctx := context.Background()
	for i := 0; !l.stopped(); i++ {
		n := l.acked.Load()
		if n == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		a, err := l.s.Accounts.FindAccountByEmail(ctx, loadEmail(1+rand.Int64N(n)))
		if err != nil {
			l.fail(fmt.Errorf("rename: %w", err))
			return
		}
		name := fmt.Sprintf("改名 %d", i)
		if _, err := l.s.Accounts.UpdateAccount(ctx, a.ID, tsunagari.AccountUpdate{Name: &name}); err != nil {
			l.fail(fmt.Errorf("rename: %w", err))
			return
		}
	}
}

// Acked returns how many sign-ups, with their answers, have committed.
func (l *Load) Acked() int64 { return l.acked.Load() }

// Started returns how many sign-ups have begun.
func (l *Load) Started() int64 { return l.started.Load() }

// WaitFor waits until n sign-ups have committed, failing t after a minute.
func (l *Load) WaitFor(t testing.TB, n int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for l.Acked() < n {
		if err := l.Err(); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load committed %d sign-ups in a minute, want %d", l.Acked(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Err returns the first error a writer met.
func (l *Load) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Stop stops the writers and waits for them.
func (l *Load) Stop() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// CheckSnapshot checks that s, a copy of the loaded database taken at one
// moment, holds what a single moment can: members 1..k, with k at least
// ackedBefore (committed before the copy began) and at most startedAfter
// (begun before it ended); each with their role and employment; and the
// answers of exactly members 1..k or 1..k-1, each answer with its
// participation. It returns k.
func (l *Load) CheckSnapshot(t testing.TB, s tsunagari.Stores, ackedBefore, startedAfter int64) int64 {
	t.Helper()
	ctx := context.Background()
	accounts, total, err := s.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{OrgID: l.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	k := int64(total)
	if k < ackedBefore || k > startedAfter {
		t.Errorf("the snapshot holds %d members; %d had committed before it began and %d had begun when it ended",
			k, ackedBefore, startedAfter)
	}
	seen := make(map[int64]bool, len(accounts))
	for _, a := range accounts {
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(a.Email, "load"), "@example.jp"), 10, 64)
		if err != nil || n < 1 || n > k || seen[n] {
			t.Errorf("the snapshot holds %s, which is not one of members 1..%d, or twice", a.Email, k)
			continue
		}
		seen[n] = true
		if len(a.Roles) != 1 || a.Roles[0] != tsunagari.RoleMember || a.OrgID() != l.org.ID {
			t.Errorf("member %d is half there: roles %v, org %q", n, a.Roles, a.OrgID())
		}
	}
	answered := int64(0)
	for n := int64(1); n <= k; n++ {
		a, err := s.Accounts.FindAccountByEmail(ctx, loadEmail(n))
		if err != nil {
			t.Fatalf("member %d: %v", n, err)
		}
		ok, err := s.Surveys.Participated(ctx, l.round.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case ok && n == answered+1:
			answered = n
		case ok:
			t.Errorf("member %d answered, but member %d did not", n, answered+1)
		}
	}
	if answered < k-1 {
		t.Errorf("only members 1..%d of 1..%d answered; a snapshot misses at most the last answer", answered, k)
	}
	var pooled int64
	if err := s.Surveys.EachAnswerSet(ctx, l.round.ID, func(tsunagari.Segments, []tsunagari.Answer) error {
		pooled++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if pooled != answered {
		t.Errorf("the snapshot holds %d answers and %d participations: an answer is half there", pooled, answered)
	}
	return k
}
