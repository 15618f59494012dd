// Package sqlite implements the tsunagari stores on SQLite, through the
// pure-Go driver modernc.org/sqlite, so the binary needs no cgo.
//
// A DB holds two connection pools on one file: a writer with a single
// connection, whose transactions all begin with BEGIN IMMEDIATE so that a
// transaction never has to upgrade its lock half-way, and a read-only pool
// that serves reads concurrently under WAL. Times are stored as UTC Unix
// seconds.
package sqlite

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"tsunagari"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Errors from Open about the schema version. The returned errors wrap
// them and name the migrations concerned.
var (
	ErrSchemaOutOfDate = errors.New("database schema is out of date")
	ErrSchemaNewer     = errors.New("database schema is newer than this tsunagari binary")
)

// readerConns is the size of the read pool.
const readerConns = 6

// Options configure Open.
type Options struct {
	// Migrate applies pending migrations. Without it, Open refuses a
	// database whose schema is out of date.
	Migrate bool
}

// DB is an open tsunagari database.
type DB struct {
	write *sql.DB // one connection; every transaction is BEGIN IMMEDIATE
	read  *sql.DB // query_only connections

	// Now returns the current time. Stores use it for timestamps the
	// caller leaves zero.
	Now func() time.Time

	// group commits concurrent bookings together (group.go).
	group *groupCommitter
	// bookingStmts are the prepared statements of booking writes.
	bookingStmts bookingStatements
	// readStmts caches statements prepared on the read pool, by query.
	readStmts sync.Map
}

// Open opens, creating it if needed, the database file at path. With
// opt.Migrate it applies pending migrations; without, it fails if any are
// pending. It always fails if the database records a migration this
// binary does not know.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open database: unsupported path %q", path)
	}
	const pragmas = "_pragma=busy_timeout(10000)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)" +
		// Deleted content is overwritten, so that what a person erases
		// does not stay readable in free pages of the file.
		"&_pragma=secure_delete(1)" +
		"&_pragma=mmap_size(1073741824)"

	write, err := sql.Open("sqlite", path+"?_txlock=immediate&"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The writer connects first: it is the one that may switch a new file
	// to WAL.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}

	read, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	read.SetMaxOpenConns(readerConns)
	read.SetMaxIdleConns(readerConns)

	db := &DB{write: write, read: read, Now: time.Now}
	db.group = newGroupCommitter(db)
	if err := db.open(ctx, opt); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) open(ctx context.Context, opt Options) error {
	pending, err := db.pendingMigrations(ctx)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	if !opt.Migrate {
		return fmt.Errorf("%w (pending: %s); run `tsunagari migrate`",
			ErrSchemaOutOfDate, strings.Join(pending, ", "))
	}
	_, err = db.Migrate(ctx)
	return err
}

// Close closes both connection pools, after the group commit in
// progress, if any.
func (db *DB) Close() error {
	db.group.close()
	return errors.Join(db.read.Close(), db.write.Close())
}

// Ping checks that both pools can reach the database.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping writer: %w", err)
	}
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping reader: %w", err)
	}
	return nil
}

// Stores returns every store of db.
func (db *DB) Stores() tsunagari.Stores {
	return tsunagari.Stores{
		Accounts: &accountStore{db},
		Sessions: &sessionStore{db},
		Orgs:     &orgStore{db},
		Outbox:   &outboxStore{db},
		Surveys:  &surveyStore{db},
		Audit:    &auditStore{db},
		MFA:      &mfaStore{db},
		Personal: &personalStore{db},

		Consultation: &consultationStore{db},

		Communities: &communityStore{db},
		Events:      &eventStore{db},
		Probono:     &probonoStore{db},
		Ideas:       &ideaStore{db},

		Recommend: &recommendStore{db},

		Match:      &matchStore{db},
		Inventory:  &inventoryStore{db},
		Programmes: &programmeStore{db},
		Releases:   &releaseStore{db},
		Insights:   &insightStore{db},
	}
}

// now returns the current time as stored: UTC, whole seconds.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Second) }

// Migrations.

// migrationNames returns the embedded migrations in the order they apply.
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

// appliedMigrations returns the names recorded in schema_migrations, which
// may not exist yet.
func appliedMigrations(ctx context.Context, q querier) (map[string]bool, error) {
	var n int
	if err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`,
	).Scan(&n); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	applied := make(map[string]bool)
	if n == 0 {
		return applied, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		applied[name] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	return applied, nil
}

// pendingMigrations returns the embedded migrations not yet applied, or
// an error wrapping ErrSchemaNewer if the database records one this binary
// does not know.
func (db *DB) pendingMigrations(ctx context.Context) ([]string, error) {
	known, err := migrationNames()
	if err != nil {
		return nil, err
	}
	applied, err := appliedMigrations(ctx, db.write)
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

func checkKnown(applied map[string]bool, known []string) error {
	var unknown []string
	for name := range applied {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("%w (unknown migration %s); upgrade tsunagari",
			ErrSchemaNewer, strings.Join(unknown, ", "))
	}
	return nil
}

// Migrate applies, in name order, each embedded migration not yet recorded
// in schema_migrations, each in its own transaction, and returns the names
// of those it applied. It refuses a database that records a migration this
// binary does not know.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	if _, err := db.write.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			name       TEXT    PRIMARY KEY,
			applied_at INTEGER NOT NULL
		)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	pending, err := db.pendingMigrations(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range pending {
		ok, err := db.migrateFile(ctx, name)
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", name, err)
		}
		if ok {
			applied = append(applied, name)
		}
	}
	return applied, nil
}

// migrateFile applies one migration unless another process applied it
// first, and reports whether it did.
func (db *DB) migrateFile(ctx context.Context, name string) (bool, error) {
	body, err := migrationFS.ReadFile("migrations/" + name)
	if err != nil {
		return false, err
	}
	done := false
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx,
			`SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
			name, db.now().Unix()); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

// Inspection.

// userTables returns the names of every table but SQLite's own, in name
// order.
func userTables(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
		ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// TableCounts returns the number of rows of every table.
func (db *DB) TableCounts(ctx context.Context) (map[string]int, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	defer tx.Rollback()
	tables, err := userTables(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	counts := make(map[string]int, len(tables))
	for _, t := range tables {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+quoteIdent(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count rows of %s: %w", t, err)
		}
		counts[t] = n
	}
	return counts, nil
}

// Fingerprint returns a SHA-256, in hex, of the full contents of every
// table, read in one snapshot: table names in order, each table's rows
// sorted by all columns, and its row count. Two databases with the same
// fingerprint hold the same data. schema_migrations is left out: it
// records when the schema was built, which is not data.
func (db *DB) Fingerprint(ctx context.Context) (string, error) {
	return db.fingerprint(ctx, "schema_migrations")
}

// DataFingerprint is Fingerprint without the audit trail, which requests
// append to even when they change nothing else.
func (db *DB) DataFingerprint(ctx context.Context) (string, error) {
	return db.fingerprint(ctx, "schema_migrations", "audit_events")
}

func (db *DB) fingerprint(ctx context.Context, skip ...string) (string, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	defer tx.Rollback()
	tables, err := userTables(ctx, tx)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	h := sha256.New()
	for _, t := range tables {
		if slices.Contains(skip, t) {
			continue
		}
		if _, err := hashTable(ctx, tx, h, t); err != nil {
			return "", fmt.Errorf("fingerprint %s: %w", t, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashTable writes table t to h and returns its number of rows. Every
// value is written with its type and length, so that no two different
// tables hash the same bytes.
func hashTable(ctx context.Context, tx querier, h hash.Hash, t string) (uint64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+quoteIdent(t)+` LIMIT 0`)
	if err != nil {
		return 0, err
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		return 0, err
	}
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	rows, err = tx.QueryContext(ctx,
		`SELECT * FROM `+quoteIdent(t)+` ORDER BY `+strings.Join(order, ", "))
	if err != nil {
		return 0, err
	}
	defer rows.Close()

	writeString(h, 't', t)
	for _, c := range cols {
		writeString(h, 'c', c)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n uint64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		h.Write([]byte{'r'})
		for _, v := range vals {
			if err := writeValue(h, v); err != nil {
				return 0, err
			}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	h.Write([]byte{'n'})
	h.Write(binary.BigEndian.AppendUint64(nil, n))
	return n, nil
}

func writeString(h hash.Hash, tag byte, s string) {
	h.Write([]byte{tag})
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(s))))
	h.Write([]byte(s))
}

func writeValue(h hash.Hash, v any) error {
	switch v := v.(type) {
	case nil:
		h.Write([]byte{'0'})
	case int64:
		h.Write([]byte{'i'})
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(v)))
	case float64:
		h.Write([]byte{'f'})
		h.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
	case string:
		writeString(h, 's', v)
	case []byte:
		writeString(h, 'b', string(v))
	case bool:
		// Not produced for our column types; hashed as SQLite stores it.
		b := int64(0)
		if v {
			b = 1
		}
		return writeValue(h, b)
	case time.Time:
		writeString(h, 'd', v.UTC().Format(time.RFC3339Nano))
	default:
		return fmt.Errorf("unexpected value of type %T", v)
	}
	return nil
}

// Helpers shared by the stores.

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it if
// fn returns nil. Constraint violations come back as tsunagari.ErrConflict.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback() // no-op once committed
	if err := fn(tx); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// translate turns driver errors the stores' callers must tell apart into
// the tsunagari sentinels, by SQLite's extended result code.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return tsunagari.ErrNotFound
	}
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", tsunagari.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			// A reference to a row that does not exist, such as an
			// employment in an unknown org.
			return fmt.Errorf("%w: %v", tsunagari.ErrNotFound, err)
		}
	}
	return err
}

// checkAffected returns ErrNotFound if res changed no row.
func checkAffected(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return tsunagari.ErrNotFound
	}
	return nil
}

// limitClause returns " LIMIT n OFFSET m"; n <= 0 means no limit.
func limitClause(limit, offset int) string {
	if limit <= 0 && offset <= 0 {
		return ""
	}
	if limit <= 0 {
		limit = -1
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(offset, 0))
}

// Times are stored as UTC Unix seconds.

// stamp returns t as stored: UTC and truncated to the second.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// orNow returns the stored form of t, or of now if t is zero.
func (db *DB) orNow(t time.Time) time.Time {
	if t.IsZero() {
		return db.now()
	}
	return stamp(t)
}

func unixTime(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// nullUnix is the stored form of an optional time.
func nullUnix(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.Unix(), Valid: true}
}

// zeroNullUnix stores the zero time as NULL.
func zeroNullUnix(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.Unix(), Valid: true}
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := unixTime(n.Int64)
	return &t
}

func timeOrZero(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return unixTime(n.Int64)
}

// stampPtr returns a copy of *t as stored, or nil.
func stampPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

// nullString stores "" as NULL, for optional references.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// sortRoles puts roles in display order, unknown ones last by name.
func sortRoles(roles []tsunagari.Role) {
	rank := func(r tsunagari.Role) int {
		if i := slices.Index(tsunagari.Roles, r); i >= 0 {
			return i
		}
		return len(tsunagari.Roles)
	}
	slices.SortFunc(roles, func(a, b tsunagari.Role) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(string(a), string(b)))
	})
}

// Dump returns the contents of every table as text, read in one snapshot:
// for each table, its column names followed by its rows, sorted. NULL is
// written as the empty string. Tests use it to look at everything the
// database holds, whatever the table.
func (db *DB) Dump(ctx context.Context) (map[string][][]string, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	defer tx.Rollback()
	tables, err := userTables(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	out := make(map[string][][]string, len(tables))
	for _, t := range tables {
		rows, err := tx.QueryContext(ctx, `SELECT * FROM `+quoteIdent(t)+` ORDER BY 1`)
		if err != nil {
			return nil, fmt.Errorf("dump %s: %w", t, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return nil, err
		}
		table := [][]string{cols}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				switch v := v.(type) {
				case nil:
				case []byte:
					row[i] = string(v)
				default:
					row[i] = fmt.Sprint(v)
				}
			}
			table = append(table, row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out[t] = table
	}
	return out, nil
}
