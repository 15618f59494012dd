package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Errors from Open and Migrate about the schema version. The returned
// errors wrap them and name the migrations concerned.
var (
	ErrSchemaOutOfDate = errors.New("database schema is out of date")
	ErrSchemaNewer     = errors.New("database schema is newer than this tsunagari binary")
)

// migrationNames returns the names of the embedded migrations, in the
// order they apply.
func migrationNames() ([]string, error) {
	paths, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = path.Base(p)
	}
	slices.Sort(names)
	return names, nil
}

// appliedMigrations returns the migrations recorded in the current
// schema, none if schema_migrations does not exist yet.
func appliedMigrations(ctx context.Context, q querier) (map[string]bool, error) {
	var exists bool
	if err := q.QueryRow(ctx, `
		SELECT EXISTS (
			SELECT 1 FROM pg_tables
			WHERE schemaname = current_schema() AND tablename = 'schema_migrations'
		)`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	applied := make(map[string]bool)
	if !exists {
		return applied, nil
	}
	rows, err := q.Query(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	for _, name := range names {
		applied[name] = true
	}
	return applied, nil
}

// checkKnown returns an error wrapping ErrSchemaNewer if applied holds a
// migration that is not in known.
func checkKnown(applied map[string]bool, known []string) error {
	var unknown []string
	for name := range applied {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("%w (unknown migration %s); upgrade tsunagari",
		ErrSchemaNewer, strings.Join(unknown, ", "))
}

// pendingMigrations returns the embedded migrations the database has not
// recorded, or an error wrapping ErrSchemaNewer.
func (db *DB) pendingMigrations(ctx context.Context) ([]string, error) {
	known, err := migrationNames()
	if err != nil {
		return nil, err
	}
	applied, err := appliedMigrations(ctx, db.pool)
	if err != nil {
		return nil, err
	}
	if err := checkKnown(applied, known); err != nil {
		return nil, err
	}
	var pending []string
	for _, name := range known {
		if !applied[name] {
			pending = append(pending, name)
		}
	}
	return pending, nil
}

// Migrate applies, in name order, each embedded migration not yet
// recorded in schema_migrations, each in its own transaction, and returns
// the names of those it applied. Several processes may migrate the same
// schema at once: an advisory lock lets one apply each migration while
// the others wait and then skip it. Migrate refuses a database that
// records a migration this binary does not know.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	known, err := migrationNames()
	if err != nil {
		return nil, err
	}
	for _, name := range known {
		ok, err := db.migrateFile(ctx, name, known)
		if err != nil {
			if errors.Is(err, ErrSchemaNewer) {
				return applied, err
			}
			return applied, fmt.Errorf("migrate %s: %w", name, err)
		}
		if ok {
			applied = append(applied, name)
		}
	}
	return applied, nil
}

// migrateFile applies one migration unless it is already recorded, and
// reports whether it did.
func (db *DB) migrateFile(ctx context.Context, name string, known []string) (bool, error) {
	body, err := migrationFS.ReadFile("migrations/" + name)
	if err != nil {
		return false, err
	}
	done := false
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockMigrations(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			CREATE TABLE IF NOT EXISTS schema_migrations (
				name       text        PRIMARY KEY,
				applied_at timestamptz NOT NULL
			)`); err != nil {
			return err
		}
		applied, err := appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkKnown(applied, known); err != nil {
			return err
		}
		if applied[name] {
			return nil
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`,
			name, db.now()); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

// lockMigrations takes, until the end of tx, the advisory lock that
// serialises migrations of the current schema. Schemas of one database
// have distinct locks, so they migrate independently.
func lockMigrations(ctx context.Context, tx pgx.Tx) error {
	var schema *string
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if schema == nil {
		return errors.New("no schema to migrate: the search path names no existing schema")
	}
	h := fnv.New64a()
	h.Write([]byte("tsunagari schema_migrations " + *schema))
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64()))
	return err
}
