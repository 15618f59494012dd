// Package postgres implements the tsunagari stores on PostgreSQL (15 or
// later) through pgx and one pgxpool connection pool.
//
// All tables live in the first schema of the connection's search path, so
// several instances, or test runs, can share one database in separate
// schemas. Times are timestamptz values holding whole seconds; they are
// truncated on write and returned in UTC.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"tsunagari"
)

// Options configure Open.
type Options struct {
	// Migrate applies pending migrations. Without it, Open refuses a
	// database whose schema is out of date.
	Migrate bool
}

// DB is an open tsunagari database on PostgreSQL.
type DB struct {
	pool *pgxpool.Pool

	// Now returns the current time. Stores use it for timestamps the
	// caller leaves zero.
	Now func() time.Time

	// migrated lists the migrations Open applied.
	migrated []string
	// dsn is what Open was given, for pg_dump.
	dsn string
}

// Open connects to the database at dsn, a PostgreSQL URL or key=value
// connection string. With opt.Migrate it applies pending migrations;
// without, it fails if any are pending. It always fails if the database
// records a migration this binary does not know.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Rows rendered as text, as Fingerprint does, must not depend on the
	// server's time zone. A time zone set in the DSN is kept.
	zoneSet := false
	for k := range cfg.ConnConfig.RuntimeParams {
		zoneSet = zoneSet || strings.EqualFold(k, "timezone")
	}
	if !zoneSet {
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := &DB{pool: pool, Now: time.Now, dsn: dsn}
	if err := db.open(ctx, opt); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) open(ctx context.Context, opt Options) error {
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if opt.Migrate {
		applied, err := db.Migrate(ctx)
		db.migrated = applied
		return err
	}
	pending, err := db.pendingMigrations(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w (%d pending, from %s); run `tsunagari migrate`",
			ErrSchemaOutOfDate, len(pending), pending[0])
	}
	return nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.pool.Ping(ctx)
}

// Stores returns the stores of db.
func (db *DB) Stores() tsunagari.Stores {
	return tsunagari.Stores{
		Accounts: &AccountStore{db: db},
		Sessions: &SessionStore{db: db},
		Orgs:     &OrgStore{db: db},
		Outbox:   &OutboxStore{db: db},
		Surveys:  &SurveyStore{db: db},
		Audit:    &AuditStore{db: db},
		MFA:      &MFAStore{db: db},
		Personal: &PersonalStore{db: db},

		Consultation: &ConsultationStore{db: db},

		Communities: &CommunityStore{db: db},
		Events:      &EventStore{db: db},
		Probono:     &ProbonoStore{db: db},
		Ideas:       &IdeaStore{db: db},

		Recommend: &RecommendStore{db: db},

		Match:      &MatchStore{db: db},
		Inventory:  &InventoryStore{db: db},
		Programmes: &ProgrammeStore{db: db},
		Releases:   &ReleaseStore{db: db},
		Insights:   &InsightStore{db: db},
	}
}

// now returns the current time as stored: UTC, whole seconds.
func (db *DB) now() time.Time { return stamp(db.Now()) }

// orNow returns t as stored, or the current time if t is zero.
func (db *DB) orNow(t time.Time) time.Time {
	if t.IsZero() {
		return db.now()
	}
	return stamp(t)
}

// inTx runs fn in a transaction, committed if fn returns nil and rolled
// back otherwise.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// querier is what the pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// scanner is a single row or the current row of a result set.
type scanner interface {
	Scan(dest ...any) error
}

// SQLSTATE codes the stores translate.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// translate turns driver errors into the store vocabulary: a missing row
// into tsunagari.ErrNotFound, a unique violation into
// tsunagari.ErrConflict and a reference to a missing row into
// tsunagari.ErrNotFound. It decides by SQLSTATE, never by message text.
func translate(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return tsunagari.ErrNotFound
	case !errors.As(err, &pgErr):
		return err
	case pgErr.Code == codeUniqueViolation:
		return fmt.Errorf("%w: %s", tsunagari.ErrConflict, pgErr.ConstraintName)
	case pgErr.Code == codeForeignKeyViolation:
		return fmt.Errorf("%w: %s", tsunagari.ErrNotFound, pgErr.ConstraintName)
	}
	return err
}

// wrap translates err and prefixes it with what was being done.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, translate(err))
}

// affectedOne returns ErrNotFound if a write touched no row.
func affectedOne(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return tsunagari.ErrNotFound
	}
	return nil
}

// Time conversions. Every stored time is UTC and whole seconds.

// stamp returns t as stored.
func stamp(t time.Time) time.Time { return t.Truncate(time.Second).UTC() }

// stampPtr returns *t as stored, or nil.
func stampPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := stamp(*t)
	return &v
}

// zeroNull stores a zero time as NULL.
func zeroNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := stamp(t)
	return &v
}

// utcPtr returns *t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// nullZero returns *t in UTC, or the zero time for NULL.
func nullZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// emptyNull stores "" as NULL.
func emptyNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullEmpty returns *s, or "" for NULL.
func nullEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// limitOffset returns LIMIT and OFFSET clauses; a zero limit is no limit.
func limitOffset(limit, offset int) string {
	var s string
	if limit > 0 {
		s += fmt.Sprintf(" LIMIT %d", limit)
	}
	if offset > 0 {
		s += fmt.Sprintf(" OFFSET %d", offset)
	}
	return s
}
