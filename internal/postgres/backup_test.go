package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"tsunagari/internal/postgres"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/storetest"
)

// freshDatabase creates an empty database next to the test database,
// dropped when the test ends, and returns its DSN.
func freshDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv(pgtest.DSNEnv)
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL; the restore tests need one", pgtest.DSNEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "tsunagari_restore_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	exec(t, base, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
	t.Cleanup(func() { exec(t, base, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)") })
	u.Path = "/" + name
	return u.String()
}

// TestBackupUnderLoad takes a pg_dump backup while two writers keep
// changing the database, restores it into a fresh database, and checks
// that every restored table has the row count and checksum of the
// snapshot the backup was taken from, and that the snapshot is one moment
// of the load.
func TestBackupUnderLoad(t *testing.T) {
	dsn := MustCreateSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	load := storetest.StartLoad(t, db.Stores())
	load.WaitFor(t, 200)

	path := filepath.Join(t.TempDir(), "tsunagari.dump")
	before := load.Acked()
	schema, sums, err := db.Backup(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	after := load.Started()
	load.WaitFor(t, after+20)
	load.Stop()
	if err := load.Err(); err != nil {
		t.Fatal(err)
	}

	target := freshDatabase(t)
	gotSchema, got, err := postgres.Restore(ctx, path, target)
	if err != nil {
		t.Fatal(err)
	}
	if gotSchema != schema {
		t.Errorf("Restore restored schema %q, want %q", gotSchema, schema)
	}
	for _, d := range sums.Compare(got) {
		t.Errorf("restored table %s: %+v, want %+v", d.Table, d.Got, d.Want)
	}
	rdb, err := postgres.Open(ctx, pgtest.WithSearchPath(target, schema), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	k := load.CheckSnapshot(t, rdb.Stores(), before, after)
	t.Logf("pg_dump backup under load: %d members in the snapshot (%d committed before it began, %d begun when it ended), %d tables",
		k, before, after, len(sums))

	// Into a database where the schema exists but is empty: fine.
	second := freshDatabase(t)
	exec(t, second, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	if _, got, err := postgres.Restore(ctx, path, second); err != nil {
		t.Errorf("Restore into an empty existing schema: %v", err)
	} else if diff := sums.Compare(got); len(diff) > 0 {
		t.Errorf("Restore into an empty existing schema differs in %d tables", len(diff))
	}

	// Over the live data: refused, and the data is untouched.
	fp, err := db.Fingerprint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := postgres.Restore(ctx, path, dsn); err == nil || !strings.Contains(err.Error(), "fresh database") {
		t.Errorf("Restore over the live schema: error = %v, want it refused", err)
	}
	if again, _ := db.Fingerprint(ctx); again != fp {
		t.Error("a refused restore changed the live database")
	}
	if _, _, err := db.Backup(ctx, path); err == nil {
		t.Error("Backup onto an existing file succeeded, want it refused")
	}
}
