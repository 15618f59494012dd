package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tsunagari"
	"tsunagari/internal/postgres"
)

// HR reports are read under a role that may read the release ledger and
// nothing else: not answers, bookings, notes, accounts, nor the private
// audits of releases.
func TestReportRole(t *testing.T) {
	ctx := context.Background()
	dsn := MustCreateSchema(t)
	db, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	rows, err := conn.Query(ctx, `
		SELECT tablename, has_table_privilege($1, format('%I.%I', schemaname, tablename), 'SELECT')
		FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`, postgres.ReportRole)
	if err != nil {
		t.Fatal(err)
	}
	readable := map[string]bool{}
	tables := 0
	for rows.Next() {
		var name string
		var ok bool
		if err := rows.Scan(&name, &ok); err != nil {
			t.Fatal(err)
		}
		tables++
		if ok {
			readable[name] = true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if tables < 20 || len(readable) != 1 || !readable["releases"] {
		t.Errorf("%s may read %v of %d tables; want the release ledger only", postgres.ReportRole, readable, tables)
	}

	// And the database enforces it: under the role, raw tables answer
	// "permission denied" (42501), the ledger answers.
	for _, table := range []string{"survey_pooled_answers", "survey_responses", "survey_participation", "accounts",
		"employments", "programme_enrolments", "release_audits", "audit_events"} {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL ROLE `+postgres.ReportRole); err != nil {
				return err
			}
			var n int
			return tx.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n)
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("SELECT from %s as %s: %v, want permission denied", table, postgres.ReportRole, err)
		}
	}

	// The store's report reads go through the role and still work.
	s := db.Stores()
	o := &tsunagari.Org{Name: "みなと精機", DeclaredEmployees: 100, MinGroupSize: 5}
	if err := s.Orgs.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	r := &tsunagari.Release{OrgID: o.ID, Kind: tsunagari.ReleasePeriod, Subject: "2026-Q1", K: 5, Body: []byte(`{"k":5}`)}
	if err := s.Releases.PublishRelease(ctx, r, []byte("exact sizes")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Releases.FindRelease(ctx, o.ID, tsunagari.ReleasePeriod, "2026-Q1"); err != nil || string(got.Body) != `{"k":5}` {
		t.Errorf("FindRelease as %s = %v, %v", postgres.ReportRole, got, err)
	}
	var role string
	if err := conn.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil || role == postgres.ReportRole {
		t.Errorf("the connection's own role changed to %q", role)
	}
}
