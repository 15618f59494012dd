package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

// TestWatchAfterPrune checks that a watch that falls behind the change log
// by more than it keeps reads everything again, and that the log stays
// bounded.
func TestWatchAfterPrune(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "test.db")
	db := mustOpen(t, path)

	var (
		mu   sync.Mutex
		alls int
		rest int
	)
	done := make(chan error, 1)
	go func() {
		done <- db.Stores().Recommend.WatchRecommendChanges(ctx, func(cs []tsunagari.RecommendChange) error {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cs {
				if c.All {
					alls++
				} else {
					rest++
				}
			}
			return nil
		})
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 3s (alls %d, other changes %d)", what, alls, rest)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the first full read", func() bool { return alls == 1 })

	// Another process writes 12,000 changes in one go, more than the log
	// keeps, before the watch polls again.
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for range 12_000 {
		if _, err := tx.Exec(`INSERT INTO recommend_changes (what, community_id) VALUES ('community', ?)`, tsunagari.NewID()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	waitFor("a full read after the gap", func() bool { return alls == 2 })
	mu.Lock()
	if rest != 0 {
		t.Errorf("%d single changes reported besides the full read; the gap should replace them", rest)
	}
	mu.Unlock()
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM recommend_changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 10_000 {
		t.Errorf("the change log holds %d rows, want the latest 10000", n)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("watch ended with %v, want context.Canceled", err)
	}
}
