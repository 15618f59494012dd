package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// Group commit. With synchronous=FULL every commit waits for the disk, so
// one writer commits a few hundred transactions a second whatever their
// size. Writes that arrive together, such as many members booking at
// once, are therefore run as one BEGIN IMMEDIATE transaction: each in a
// savepoint of its own, so that one that fails is rolled back alone and
// the next sees what the earlier ones wrote, exactly as if they had run
// one after another. One commit then makes them all durable, and only
// after it does any of them return. A lone write waits for no one: the
// batch is whatever has queued while the previous one committed.

// maxGroup bounds how many writes share one commit.
const maxGroup = 64

type groupWrite struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

type groupCommitter struct {
	db    *DB
	queue chan *groupWrite
	start sync.Once
	stop  chan struct{}
	once  sync.Once // closes stop
	wg    sync.WaitGroup
}

// inGroupTx runs fn like inTx, possibly in one transaction with other
// writes that arrive at the same time, each in a savepoint. It returns
// once the transaction that holds fn's writes has committed, or fn's
// error.
func (db *DB) inGroupTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	g := db.group
	g.start.Do(func() {
		g.wg.Add(1)
		go g.run()
	})
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.queue <- w:
	case <-g.stop:
		return sql.ErrConnDone
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the write runs: wait for its outcome even if ctx ends,
	// so that the caller never reports failure for a committed write.
	return <-w.done
}

func newGroupCommitter(db *DB) *groupCommitter {
	return &groupCommitter{db: db, queue: make(chan *groupWrite), stop: make(chan struct{})}
}

// close stops the committer after the batch in progress. Closing twice
// is harmless, as closing a DB twice is.
func (g *groupCommitter) close() {
	g.once.Do(func() { close(g.stop) })
	g.wg.Wait()
}

func (g *groupCommitter) run() {
	defer g.wg.Done()
	for {
		var first *groupWrite
		select {
		case first = <-g.queue:
		case <-g.stop:
			return
		}
		batch := []*groupWrite{first}
	more:
		for len(batch) < maxGroup {
			select {
			case w := <-g.queue:
				batch = append(batch, w)
			default:
				break more
			}
		}
		g.commit(batch)
	}
}

// commit runs a batch in one transaction and tells each write its outcome.
func (g *groupCommitter) commit(batch []*groupWrite) {
	errs := make([]error, len(batch))
	fail := func(err error) {
		for _, w := range batch {
			w.done <- translate(err)
		}
	}
	tx, err := g.db.write.BeginTx(context.Background(), nil)
	if err != nil {
		fail(err)
		return
	}
	for i, w := range batch {
		if _, err := tx.ExecContext(w.ctx, `SAVEPOINT grouped`); err != nil {
			errs[i] = err
			continue
		}
		if errs[i] = w.fn(tx); errs[i] != nil {
			if _, err := tx.Exec(`ROLLBACK TO grouped`); err != nil {
				tx.Rollback()
				fail(err)
				return
			}
		}
		if _, err := tx.Exec(`RELEASE grouped`); err != nil {
			tx.Rollback()
			fail(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(err)
		return
	}
	for i, w := range batch {
		w.done <- translate(errs[i])
	}
}
