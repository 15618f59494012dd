// Package pgtest opens throw-away PostgreSQL databases for the tests of
// other packages: each in a fresh schema of the database named by
// TSUNAGARI_TEST_POSTGRES_DSN, dropped when the test ends. Without that
// variable the tests that use it are skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"tsunagari/internal/postgres"
)

// DSNEnv names the variable holding the DSN of a PostgreSQL database the
// tests may create schemas in.
const DSNEnv = "TSUNAGARI_TEST_POSTGRES_DSN"

// Enabled reports whether PostgreSQL tests can run.
func Enabled() bool { return os.Getenv(DSNEnv) != "" }

// MustOpenDB opens a migrated database in a fresh schema, closed and
// dropped when the test ends. It skips the test unless DSNEnv is set.
func MustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), MustCreateSchema(tb), postgres.Options{Migrate: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustCreateSchema creates an empty schema t_<random>, drops it when the
// test ends, and returns a DSN whose search path is that schema. It skips
// the test unless DSNEnv is set.
func MustCreateSchema(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		tb.Skip(DSNEnv + " is not set")
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{schema}.Sanitize()
	Exec(tb, dsn, "CREATE SCHEMA "+ident)
	// Registered before any Close, so it runs after the DB is closed.
	tb.Cleanup(func() { Exec(tb, dsn, "DROP SCHEMA "+ident+" CASCADE") })
	return WithSearchPath(dsn, schema)
}

// WithSearchPath adds a search_path run-time parameter to a URL or
// key=value DSN.
func WithSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + url.QueryEscape(schema)
	}
	return dsn + " search_path=" + schema
}

// Exec runs statements on a connection of its own.
func Exec(tb testing.TB, dsn string, sql ...string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range sql {
		if _, err := conn.Exec(ctx, s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
}
