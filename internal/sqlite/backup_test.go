package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/storetest"
)

// TestBackupUnderLoad takes a backup while two writers keep changing the
// database, restores it into a fresh file, and checks that the restored
// tables have exactly the row counts and checksums of the snapshot the
// backup was taken from, and that the snapshot is one moment of the load.
func TestBackupUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "live.db"))
	load := storetest.StartLoad(t, db.Stores())
	load.WaitFor(t, 300)

	backup := filepath.Join(dir, "backup.db")
	before := load.Acked()
	sums, err := db.Backup(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	after := load.Started()
	load.WaitFor(t, after+50) // the load went on after the backup
	load.Stop()
	if err := load.Err(); err != nil {
		t.Fatal(err)
	}
	if n := sums["accounts"].Rows; n < before {
		t.Fatalf("the snapshot's sums count %d accounts; %d had committed before the backup began", n, before)
	}

	// The backup file is one file: no journal beside it.
	if _, err := os.Stat(backup + "-wal"); err == nil {
		t.Errorf("the backup left %s-wal beside it", backup)
	}
	file, err := sqlite.FileSums(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sums.Compare(file); len(diff) > 0 {
		t.Errorf("the backup file differs from the snapshot in %d tables, first %s", len(diff), diff[0].Table)
	}

	restored := filepath.Join(dir, "restored.db")
	got, err := sqlite.Restore(ctx, backup, restored)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sums.Compare(got); len(diff) > 0 {
		for _, d := range diff {
			t.Errorf("restored table %s: %+v, want %+v", d.Table, d.Got, d.Want)
		}
	}
	if len(got) < 10 {
		t.Errorf("the restore has %d tables, want every table", len(got))
	}
	rdb, err := sqlite.Open(ctx, restored, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := rdb.CheckIntegrity(ctx); err != nil {
		t.Error(err)
	}
	k := load.CheckSnapshot(t, rdb.Stores(), before, after)
	live, err := db.TableSums(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if live["accounts"].Rows <= k {
		t.Errorf("the live database holds %d accounts, the backup %d; the load did not go on", live["accounts"].Rows, k)
	}
	t.Logf("backup under load: %d members in the snapshot (%d committed before it began, %d begun when it ended), %d tables",
		k, before, after, len(sums))
}

func TestBackupAndRestoreRefuseToOverwrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "live.db"))
	taken := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(taken, []byte("something precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Backup(ctx, taken); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("Backup onto an existing file: error = %v, want it refused", err)
	}
	if _, err := sqlite.Restore(ctx, filepath.Join(dir, "live.db"), taken); err == nil {
		t.Error("Restore onto an existing file succeeded, want it refused")
	}
	if b, _ := os.ReadFile(taken); string(b) != "something precious" {
		t.Errorf("the existing file was changed to %q", b)
	}
	// A file that is not a database is no backup.
	if _, err := sqlite.Restore(ctx, taken, filepath.Join(dir, "new.db")); err == nil {
		t.Error("Restore from a file that is not a database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); err == nil {
		t.Error("a failed restore left a file behind")
	}
}

// TestIntegrityCheckFindsDamage damages a copy of a database and expects
// the check to say so.
func TestIntegrityCheckFindsDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "live.db"))
	load := storetest.StartLoad(t, db.Stores())
	load.WaitFor(t, 100)
	load.Stop()
	if err := db.CheckIntegrity(ctx); err != nil {
		t.Fatalf("CheckIntegrity of a sound database: %v", err)
	}
	copyPath := filepath.Join(dir, "copy.db")
	if _, err := db.Backup(ctx, copyPath); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the middle of the file, past the header and schema.
	for i := len(b) / 2; i < len(b)/2+4096 && i < len(b); i++ {
		b[i] = 0xa5
	}
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.FileSums(ctx, copyPath); err == nil {
		t.Error("FileSums of a damaged file succeeded, want the damage reported")
	} else {
		t.Logf("damage reported: %v", err)
	}
}

// TestErasureWithALongReader erases an account while another connection
// holds a read transaction open: the erasure finishes promptly, and the
// write-ahead log is emptied once the reader is gone.
func TestErasureWithALongReader(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "live.db")
	db := mustOpen(t, path)
	a := &tsunagari.Account{Email: "reader@example.jp", Name: "読み手カナリア", Roles: []tsunagari.Role{tsunagari.RoleMember}}
	if err := db.Stores().Accounts.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	reader, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := db.Stores().Personal.ErasePersonalData(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an erasure waited %v for a reader", d)
	}
	tx.Rollback()
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal"} {
		b, _ := os.ReadFile(path + suffix)
		if strings.Contains(string(b), "読み手カナリア") {
			t.Errorf("%s still holds the erased name", filepath.Base(path+suffix))
		}
	}
}
