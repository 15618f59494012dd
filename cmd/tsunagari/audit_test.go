package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/postgres"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/sqlite"
)

// trailBackend makes databases holding a ten-entry audit trail and
// changes them behind the application's back, as someone with access to
// the database could.
type trailBackend struct {
	// create returns the --db value of a new database with the trail.
	create func(t *testing.T) string
	// tamper runs SQL on it directly.
	tamper func(t *testing.T, dsn string, sql ...string) error
	// unguard drops the database's refusal of changes to the trail.
	unguard []string
}

func appendTrail(t *testing.T, s tsunagari.AuditStore) {
	t.Helper()
	for i := range 10 {
		e := &tsunagari.AuditEvent{ActorID: tsunagari.NewID(), Action: tsunagari.AuditSignIn, Outcome: tsunagari.OutcomeSuccess,
			IP: "192.0.2.1", Detail: fmt.Sprintf("n=%d", i+1)}
		if err := s.AppendAudit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

var sqliteTrail = trailBackend{
	create: func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "audit.db")
		db, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		appendTrail(t, db.Stores().Audit)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	},
	tamper: func(t *testing.T, path string, stmts ...string) error {
		conn, err := sql.Open("sqlite", path) // the driver package sqlite registers
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, s := range stmts {
			if _, err := conn.Exec(s); err != nil {
				return err
			}
		}
		return nil
	},
	unguard: []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`},
}

var postgresTrail = trailBackend{
	create: func(t *testing.T) string {
		dsn := pgtest.MustCreateSchema(t)
		db, err := postgres.Open(context.Background(), dsn, postgres.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		appendTrail(t, db.Stores().Audit)
		return dsn
	},
	tamper: func(t *testing.T, dsn string, stmts ...string) error {
		return execPostgres(dsn, stmts...)
	},
	unguard: []string{`DROP TRIGGER audit_events_append_only ON audit_events`},
}

func TestAuditVerify(t *testing.T) {
	for name, b := range map[string]trailBackend{"sqlite": sqliteTrail, "postgres": postgresTrail} {
		t.Run(name, func(t *testing.T) {
			if name == "postgres" && !pgtest.Enabled() {
				t.Skip(pgtest.DSNEnv + " is not set")
			}
			verify := func(dsn string) (string, error) {
				var out bytes.Buffer
				err := runAudit(context.Background(), []string{"verify", "--db", dsn}, func(string) string { return "" }, &out)
				return out.String(), err
			}

			dsn := b.create(t)
			out, err := verify(dsn)
			if err != nil || !strings.Contains(out, "10 entries, chain intact") || !strings.Contains(out, "head: ") {
				t.Fatalf("verify of an intact trail = %q, %v", out, err)
			}
			// The database itself refuses changes to the trail.
			for _, s := range []string{`UPDATE audit_events SET detail = 'x' WHERE seq = 5`, `DELETE FROM audit_events WHERE seq = 5`} {
				if err := b.tamper(t, dsn, s); err == nil {
					t.Errorf("%s succeeded; the trail should be append-only", s)
				}
			}
			if out, err := verify(dsn); err != nil {
				t.Fatalf("verify after refused changes = %q, %v", out, err)
			}

			for _, tc := range []struct {
				name    string
				sql     []string
				wantSeq int64
			}{
				{"modified", []string{`UPDATE audit_events SET detail = 'n=500' WHERE seq = 5`}, 5},
				{"modified with its hash recomputed", nil, 6},
				{"deleted", []string{`DELETE FROM audit_events WHERE seq = 5`}, 6},
				{"reordered", []string{
					`UPDATE audit_events SET seq = 1000 WHERE seq = 4`,
					`UPDATE audit_events SET seq = 4 WHERE seq = 6`,
					`UPDATE audit_events SET seq = 6 WHERE seq = 1000`}, 4},
				{"last deleted", []string{`DELETE FROM audit_events WHERE seq = 10`}, 0},
			} {
				t.Run(tc.name, func(t *testing.T) {
					dsn := b.create(t)
					stmts := tc.sql
					if stmts == nil {
						stmts = []string{`UPDATE audit_events SET detail = 'n=500', hash = '` + rehash(t, b, dsn) + `' WHERE seq = 5`}
					}
					if err := b.tamper(t, dsn, append(b.unguard, stmts...)...); err != nil {
						t.Fatal(err)
					}
					out, err := verify(dsn)
					var ce *tsunagari.AuditChainError
					if tc.wantSeq == 0 {
						// A chain cannot show that its end is gone; the
						// head printed by an earlier run can.
						if err != nil || !strings.Contains(out, "9 entries") {
							t.Errorf("verify = %q, %v; want 9 intact entries", out, err)
						}
						return
					}
					if !errors.As(err, &ce) || ce.Seq != tc.wantSeq {
						t.Fatalf("verify = %q, %v; want the chain broken at entry %d", out, err, tc.wantSeq)
					}
					if !strings.Contains(err.Error(), fmt.Sprintf("entry %d", tc.wantSeq)) {
						t.Errorf("error %q does not name entry %d", err, tc.wantSeq)
					}
				})
			}
		})
	}
}

// rehash returns the hash entry 5 would have with detail "n=500": what a
// forger who knows the algorithm would write.
func rehash(t *testing.T, b trailBackend, dsn string) string {
	t.Helper()
	ctx := context.Background()
	var store tsunagari.AuditStore
	if strings.HasPrefix(dsn, "postgres") {
		db, err := postgres.Open(ctx, dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		store = db.Stores().Audit
	} else {
		db, err := sqlite.Open(ctx, dsn, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		store = db.Stores().Audit
	}
	es, err := store.AuditChain(ctx, 4, 1)
	if err != nil || len(es) != 1 {
		t.Fatalf("AuditChain(4, 1) = %v, %v", es, err)
	}
	es[0].Detail = "n=500"
	return es[0].ChainHash()
}

// execPostgres runs statements on a connection of its own and returns the
// first error.
func execPostgres(dsn string, stmts ...string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
