package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"modernc.org/sqlite"

	"tsunagari"
)

// Backups, restores and the checks that compare them.
//
// A backup is one consistent snapshot of the database, taken while the
// server keeps writing: a read transaction on one connection pins the
// snapshot, the sums of every table are computed in it, and SQLite's
// online backup API then copies the pages of that same snapshot (it uses
// the read transaction already open on its source connection). Under WAL,
// readers never block the writer, so serving goes on meanwhile.

// TableSums returns the row count and SHA-256 of every table, read in one
// snapshot.
func (db *DB) TableSums(ctx context.Context) (tsunagari.TableSums, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("table sums: %w", err)
	}
	defer tx.Rollback()
	return tableSums(ctx, tx)
}

// tableSums hashes every table q sees, each on its own.
func tableSums(ctx context.Context, q querier) (tsunagari.TableSums, error) {
	tables, err := userTables(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("table sums: %w", err)
	}
	sums := make(tsunagari.TableSums, len(tables))
	for _, t := range tables {
		h := sha256.New()
		n, err := hashTable(ctx, q, h, t)
		if err != nil {
			return nil, fmt.Errorf("table sums of %s: %w", t, err)
		}
		sums[t] = tsunagari.TableSum{Rows: int64(n), SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	return sums, nil
}

// backuper is the part of the modernc driver's connection that starts an
// online backup.
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// Backup copies the database, as one snapshot, into a new file at path
// while others keep reading and writing, and returns the sums of every
// table in that snapshot. The copy is a single file in rollback-journal
// mode, ready to be moved elsewhere. It fails if path exists.
func (db *DB) Backup(ctx context.Context, path string) (tsunagari.TableSums, error) {
	if err := mustNotExist(path); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	sums, err := snapshotCopy(ctx, conn, path)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := settle(ctx, path); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return sums, nil
}

// BackupFile is DB.Backup for the database file at from, which it opens
// without looking at its schema version: a database can be backed up
// before it is migrated.
func BackupFile(ctx context.Context, from, to string) (tsunagari.TableSums, error) {
	if err := mustNotExist(to); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(from); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	src, err := sql.Open("sqlite", from+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	conn, err := src.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	sums, err := snapshotCopy(ctx, conn, to)
	if err != nil {
		os.Remove(to)
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := settle(ctx, to); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return sums, nil
}

// snapshotCopy opens a read transaction on conn, sums every table in it
// and copies the same snapshot to a new database file at path.
func snapshotCopy(ctx context.Context, conn *sql.Conn, path string) (tsunagari.TableSums, error) {
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	// The first read starts the transaction's snapshot.
	sums, err := tableSums(ctx, conn)
	if err != nil {
		return nil, err
	}
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("the SQLite driver (%T) offers no online backup", dc)
		}
		bk, err := b.NewBackup(path)
		if err != nil {
			return err
		}
		for more := true; more; {
			if err := ctx.Err(); err != nil {
				bk.Finish()
				return err
			}
			if more, err = bk.Step(-1); err != nil {
				bk.Finish()
				return err
			}
		}
		return bk.Finish()
	})
	if err != nil {
		return nil, err
	}
	return sums, nil
}

// settle turns the copy at path into a single self-contained file: the
// copied header may still say WAL, which would make a reader of the copy
// create side files next to it.
func settle(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode); err != nil {
		return fmt.Errorf("settle %s: %w", path, err)
	}
	return db.Close()
}

func mustNotExist(path string) error {
	switch _, err := os.Stat(path); {
	case err == nil:
		return fmt.Errorf("%s exists already; give a new file", path)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return nil
}

// FileSums opens the database file at path for reading only, checks its
// integrity, and returns the sums of every table. It fails for a file
// that does not exist or is not an intact SQLite database.
func FileSums(ctx context.Context, path string) (tsunagari.TableSums, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := checkIntegrity(ctx, db); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer tx.Rollback()
	return tableSums(ctx, tx)
}

// Restore copies the backup file at from into a new database file at to,
// after checking that the backup is intact, and returns the sums of the
// tables of the copy. It fails if to exists: a restore never overwrites a
// database. The copy keeps the schema of the backup; serve or migrate
// bring it up to date.
func Restore(ctx context.Context, from, to string) (tsunagari.TableSums, error) {
	if err := mustNotExist(to); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if _, err := FileSums(ctx, from); err != nil {
		return nil, fmt.Errorf("restore: the backup: %w", err)
	}
	src, err := sql.Open("sqlite", from+"?_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer src.Close()
	conn, err := src.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	_, err = snapshotCopy(ctx, conn, to)
	conn.Close()
	if err != nil {
		os.Remove(to)
		return nil, fmt.Errorf("restore: %w", err)
	}
	if err := settle(ctx, to); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	sums, err := FileSums(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("restore: the copy: %w", err)
	}
	return sums, nil
}

// CheckIntegrity runs SQLite's integrity and foreign key checks on the
// database and returns what they report, if anything.
func (db *DB) CheckIntegrity(ctx context.Context) error {
	return checkIntegrity(ctx, db.read)
}

func checkIntegrity(ctx context.Context, q querier) error {
	var problems []string
	rows, err := q.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return err
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	rows, err = q.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			table, parent string
			rowid         sql.NullInt64
			fkid          int
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		problems = append(problems, fmt.Sprintf("a row of %s refers to a missing row of %s", table, parent))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	if len(problems) > 0 {
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
		}
		return fmt.Errorf("the database is damaged: %s", strings.Join(problems, "; "))
	}
	return nil
}
