package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tables returns the tables of the current schema by name.
func tables(ctx context.Context, q querier) (schema string, names []string, err error) {
	if err := q.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", nil, fmt.Errorf("list tables: %w", err)
	}
	rows, err := q.Query(ctx, `
		SELECT tablename FROM pg_tables
		WHERE schemaname = $1
		ORDER BY tablename COLLATE "C"`, schema)
	if err != nil {
		return "", nil, fmt.Errorf("list tables: %w", err)
	}
	names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", nil, fmt.Errorf("list tables: %w", err)
	}
	return schema, names, nil
}

// snapshot runs fn in a read-only transaction that sees one snapshot of
// the whole database.
func (db *DB) snapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool,
		pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// TableCounts returns the number of rows of every table in the current
// schema.
func (db *DB) TableCounts(ctx context.Context) (map[string]int, error) {
	counts := make(map[string]int)
	err := db.snapshot(ctx, func(tx pgx.Tx) error {
		schema, names, err := tables(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			var n int
			if err := tx.QueryRow(ctx,
				`SELECT count(*) FROM `+pgx.Identifier{schema, name}.Sanitize(),
			).Scan(&n); err != nil {
				return fmt.Errorf("count %s: %w", name, err)
			}
			counts[name] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// Fingerprint returns a SHA-256, in hex, of the full contents of every
// table in the current schema: each table's name, its rows as text in the
// order of all their columns, and its row count. Two calls return the same
// value exactly when no table changed in between, which tests use to check
// that reads and rejected writes leave the database alone. schema_migrations
// is left out: when the schema was built is not data.
func (db *DB) Fingerprint(ctx context.Context) (string, error) {
	return db.fingerprint(ctx, "schema_migrations")
}

// DataFingerprint is Fingerprint without the audit trail, which requests
// append to even when they change nothing else.
func (db *DB) DataFingerprint(ctx context.Context) (string, error) {
	return db.fingerprint(ctx, "schema_migrations", "audit_events")
}

func (db *DB) fingerprint(ctx context.Context, skip ...string) (string, error) {
	h := sha256.New()
	err := db.snapshot(ctx, func(tx pgx.Tx) error {
		schema, names, err := tables(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			if slices.Contains(skip, name) {
				continue
			}
			if _, err := hashTable(ctx, tx, h, schema, name); err != nil {
				return fmt.Errorf("fingerprint %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashTable writes one table to h and returns its number of rows.
func hashTable(ctx context.Context, tx pgx.Tx, h hash.Hash, schema, table string) (uint64, error) {
	writeString(h, "table", table)
	// Rows are sorted by their text in byte order, which no collation
	// of the database changes: a restored copy hashes the same.
	rows, err := tx.Query(ctx, `SELECT t FROM (SELECT ROW(r.*)::text AS t FROM `+
		pgx.Identifier{schema, table}.Sanitize()+` AS r) AS s ORDER BY t COLLATE "C"`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n uint64
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return 0, err
		}
		writeString(h, "row", text)
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	writeString(h, "count", fmt.Sprint(n))
	return n, nil
}

// writeString writes a tagged, length-prefixed string to h, so that no two
// different sequences of strings hash alike.
func writeString(h hash.Hash, tag, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write([]byte(tag))
	h.Write(n[:])
	h.Write([]byte(s))
}

// Dump returns the contents of every table of the current schema as text,
// read in one snapshot: for each table, its column names followed by its
// rows. NULL is written as the empty string. Tests use it to look at
// everything the database holds, whatever the table.
func (db *DB) Dump(ctx context.Context) (map[string][][]string, error) {
	out := make(map[string][][]string)
	err := db.snapshot(ctx, func(tx pgx.Tx) error {
		schema, names, err := tables(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			rows, err := tx.Query(ctx, `
				SELECT column_name FROM information_schema.columns
				WHERE table_schema = $1 AND table_name = $2
				ORDER BY ordinal_position`, schema, name)
			if err != nil {
				return err
			}
			columns, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			exprs := make([]string, len(columns))
			for i, c := range columns {
				exprs[i] = "coalesce(" + pgx.Identifier{c}.Sanitize() + "::text, '')"
			}
			rows, err = tx.Query(ctx, `SELECT `+strings.Join(exprs, ", ")+` FROM `+
				pgx.Identifier{schema, name}.Sanitize()+` ORDER BY 1`)
			if err != nil {
				return fmt.Errorf("dump %s: %w", name, err)
			}
			table := [][]string{columns}
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					rows.Close()
					return err
				}
				row := make([]string, len(vals))
				for i, v := range vals {
					row[i], _ = v.(string)
				}
				table = append(table, row)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			out[name] = table
		}
		return nil
	})
	return out, err
}
