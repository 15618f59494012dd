package postgres

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// Backups of a PostgreSQL database are pg_dump archives (custom format)
// of the schema tsunagari lives in. The sums of every table are computed
// in a transaction whose snapshot pg_dump then reuses (--snapshot), so the
// archive and the sums describe the same moment while the server goes on
// writing.

// ErrNoPgTools is returned when pg_dump or pg_restore is not installed.
// BackupInstructions says what to run by hand.
var ErrNoPgTools = errors.New("pg_dump and pg_restore are not installed (Debian: apt-get install postgresql-client)")

// BackupInstructions explains how to back up and restore a tsunagari
// PostgreSQL database without this binary's help.
const BackupInstructions = `Back up and restore a tsunagari PostgreSQL database by hand:

  # a consistent online backup of the schema tsunagari uses (custom format)
  pg_dump --format=custom --no-owner --no-privileges --schema=SCHEMA \
          --file=tsunagari.dump 'postgres://USER@HOST:5432/DBNAME'

  # restore into a fresh database made with a UTF-8 ctype
  createdb -T template0 -E UTF8 --locale=C.UTF-8 tsunagari_restored
  pg_restore --no-owner --no-privileges --exit-on-error \
          --dbname='postgres://USER@HOST:5432/tsunagari_restored' tsunagari.dump

SCHEMA is the first schema of the connection's search_path (usually public).
pg_dump must be of the server's major version or newer. Put the password in
~/.pgpass or PGPASSWORD, never on the command line.
`

// TableSums returns the row count and SHA-256 of every table of the
// current schema, read in one snapshot.
func (db *DB) TableSums(ctx context.Context) (tsunagari.TableSums, error) {
	var sums tsunagari.TableSums
	err := db.snapshot(ctx, func(tx pgx.Tx) error {
		var err error
		sums, err = tableSums(ctx, tx)
		return err
	})
	return sums, err
}

func tableSums(ctx context.Context, tx pgx.Tx) (tsunagari.TableSums, error) {
	schema, names, err := tables(ctx, tx)
	if err != nil {
		return nil, err
	}
	sums := make(tsunagari.TableSums, len(names))
	for _, name := range names {
		h := sha256.New()
		n, err := hashTable(ctx, tx, h, schema, name)
		if err != nil {
			return nil, fmt.Errorf("table sums of %s: %w", name, err)
		}
		sums[name] = tsunagari.TableSum{Rows: int64(n), SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	return sums, nil
}

// libpqDSN turns a URL DSN into one pg_dump understands: parameters only
// pgx knows (search_path, timezone, pool settings) are dropped, and the
// password is moved out of it, to be passed in PGPASSWORD, so that no
// process listing shows it.
func libpqDSN(dsn string) (clean, password string, err error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return "", "", errors.New("backups of PostgreSQL need --db as a postgres:// URL")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", err
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), password, nil
}

// libpqParams are the URL parameters libpq accepts.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"channel_binding": true, "connect_timeout": true, "client_encoding": true, "options": true,
	"application_name": true, "fallback_application_name": true, "keepalives": true, "keepalives_idle": true,
	"keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true, "sslmode": true,
	"requiressl": true, "sslcompression": true, "sslcert": true, "sslkey": true, "sslpassword": true,
	"sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true, "requirepeer": true,
	"ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "gssencmode": true,
	"krbsrvname": true, "gsslib": true, "service": true, "target_session_attrs": true, "load_balance_hosts": true,
}

// pgTool runs a PostgreSQL client program with the password in its
// environment and returns its standard output; its standard error becomes
// part of the error.
func pgTool(ctx context.Context, password, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, ErrNoPgTools
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Backup writes a pg_dump archive of the current schema, as one snapshot
// taken while others keep writing, to a new file at path, and returns the
// schema's name and the sums of every table in that snapshot. It fails if
// path exists, and with ErrNoPgTools if pg_dump is not installed.
func (db *DB) Backup(ctx context.Context, path string) (schema string, sums tsunagari.TableSums, err error) {
	return Backup(ctx, db.dsn, path)
}

// Backup is DB.Backup for the database at dsn, which it opens without
// looking at its schema version: a database can be backed up before it is
// migrated.
func Backup(ctx context.Context, dsn, path string) (schema string, sums tsunagari.TableSums, err error) {
	if err := mustNotExist(path); err != nil {
		return "", nil, fmt.Errorf("backup: %w", err)
	}
	clean, password, err := libpqDSN(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := exec.LookPath("pg_dump"); err != nil {
		return "", nil, ErrNoPgTools
	}
	conn, err := connectUTC(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			var snapshot string
			var current *string
			if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot(), current_schema()`).Scan(&snapshot, &current); err != nil {
				return err
			}
			if current == nil {
				return errors.New("no schema of the search path exists: nothing to back up")
			}
			schema = *current
			if sums, err = tableSums(ctx, tx); err != nil {
				return err
			}
			// The transaction stays open until pg_dump is done: the
			// snapshot lives as long as it does.
			_, err := pgTool(ctx, password, "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
				"--snapshot="+snapshot, "--schema="+quotePattern(schema), "--file="+path, "--dbname="+clean)
			return err
		})
	if err != nil {
		os.Remove(path)
		return "", nil, fmt.Errorf("backup: %w", err)
	}
	return schema, sums, nil
}

// connectUTC opens one connection that renders times in UTC, as sums
// must be computed alike on both ends of a backup.
func connectUTC(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	for k := range cfg.RuntimeParams {
		if strings.EqualFold(k, "timezone") {
			delete(cfg.RuntimeParams, k)
		}
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	return pgx.ConnectConfig(ctx, cfg)
}

// quotePattern makes a schema name a pg_dump pattern that matches exactly it.
func quotePattern(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func mustNotExist(path string) error {
	switch _, err := os.Stat(path); {
	case err == nil:
		return fmt.Errorf("%s exists already; give a new file", path)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return nil
}

// Restore loads the pg_dump archive at from into the database at dsn and
// returns the schema it restored and the sums of every table in it. The
// schema must not exist there yet, or be empty: a restore never
// overwrites data. It fails with ErrNoPgTools if pg_restore is not
// installed.
func Restore(ctx context.Context, from, dsn string) (schema string, sums tsunagari.TableSums, err error) {
	clean, password, err := libpqDSN(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(from); err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}
	list, err := pgTool(ctx, password, "pg_restore", "--list", from)
	if err != nil {
		return "", nil, fmt.Errorf("restore: %s is not a readable pg_dump archive: %w", from, err)
	}
	schema, err = archiveSchema(list)
	if err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}

	conn, err := connectUTC(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	var tableCount int
	if err := conn.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
		       (SELECT count(*) FROM pg_tables WHERE schemaname = $1)`, schema).Scan(&exists, &tableCount); err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}
	if tableCount > 0 {
		return "", nil, fmt.Errorf("restore: schema %s of the target database holds %d tables; restore into a fresh database", schema, tableCount)
	}
	args := []string{"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname=" + clean}
	if exists {
		// The empty schema is there already: restore everything but the
		// statement that would create it.
		listFile := filepath.Join(os.TempDir(), fmt.Sprintf("tsunagari-restore-%d.list", os.Getpid()))
		if err := os.WriteFile(listFile, withoutSchema(list, schema), 0o600); err != nil {
			return "", nil, fmt.Errorf("restore: %w", err)
		}
		defer os.Remove(listFile)
		args = append(args, "--use-list="+listFile)
	}
	if _, err := pgTool(ctx, password, "pg_restore", append(args, from)...); err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}

	if _, err := conn.Exec(ctx, `SELECT set_config('search_path', $1, false)`, pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			var err error
			sums, err = tableSums(ctx, tx)
			return err
		})
	if err != nil {
		return "", nil, fmt.Errorf("restore: %w", err)
	}
	return schema, sums, nil
}

// archiveSchema returns the one schema whose tables an archive's table of
// contents (pg_restore --list) lists.
func archiveSchema(list []byte) (string, error) {
	schemas := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(list))
	for sc.Scan() {
		// e.g. "215; 1259 16385 TABLE t_abc accounts postgres"
		f := strings.Fields(sc.Text())
		if len(f) >= 6 && !strings.HasPrefix(f[0], ";") && f[3] == "TABLE" && f[4] != "DATA" {
			schemas[f[4]] = true
		}
	}
	if len(schemas) != 1 {
		return "", fmt.Errorf("the archive holds tables of %d schemas, want those of one tsunagari schema", len(schemas))
	}
	for s := range schemas {
		return s, nil
	}
	return "", nil
}

// withoutSchema comments out the entry that creates schema in an
// archive's table of contents.
func withoutSchema(list []byte, schema string) []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(list))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) >= 6 && !strings.HasPrefix(f[0], ";") && f[3] == "SCHEMA" && f[5] == schema {
			line = ";" + line
		}
		out.WriteString(line + "\n")
	}
	return out.Bytes()
}
