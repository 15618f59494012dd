package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"tsunagari"
	"tsunagari/internal/postgres"
	"tsunagari/internal/sqlite"
)

// sumsFile is the manifest written next to a backup: the row count and
// checksum of every table in the snapshot the backup holds. A restore
// compares the restored database with it.
type sumsFile struct {
	Format   string              `json:"format"`
	Kind     string              `json:"kind"` // "sqlite" or "postgres"
	Schema   string              `json:"schema,omitempty"`
	TakenAt  time.Time           `json:"takenAt"`
	Version  string              `json:"version"`
	Tables   tsunagari.TableSums `json:"tables"`
	Backup   string              `json:"backup"`
	Database string              `json:"database"`
}

const sumsFormat = "tsunagari-backup-sums/1"

func sumsPath(backup string) string { return backup + ".sums.json" }

// runBackup runs "tsunagari backup": a consistent online backup of the
// database, taken while the server may go on writing, with the sums of
// its snapshot beside it.
func runBackup(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	var dsn, to string
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	dbFlag(fs, &dsn)
	fs.StringVar(&to, "out", "", "the new file to write the backup to (required); the table sums go to <out>.sums.json")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if to == "" {
		return usageError{errors.New("backup: --out is required")}
	}
	if _, err := os.Stat(sumsPath(to)); err == nil {
		return fmt.Errorf("backup: %s exists already; give a new file", sumsPath(to))
	}
	m := sumsFile{Format: sumsFormat, TakenAt: time.Now().UTC().Truncate(time.Second), Version: version,
		Backup: to, Database: redactDSN(dsn)}
	var err error
	if isPostgres(dsn) {
		m.Kind = "postgres"
		m.Schema, m.Tables, err = postgres.Backup(ctx, dsn, to)
		if errors.Is(err, postgres.ErrNoPgTools) {
			fmt.Fprint(out, postgres.BackupInstructions)
			return err
		}
	} else {
		m.Kind = "sqlite"
		m.Tables, err = sqlite.BackupFile(ctx, dsn, to)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backup of %s to %s, one snapshot taken at %s\n", m.Database, to, m.TakenAt.Format(time.RFC3339))
	if m.Kind == "sqlite" {
		// The copy is read back and compared with the snapshot it was
		// taken from; a PostgreSQL archive is compared at restore.
		got, err := sqlite.FileSums(ctx, to)
		if err != nil {
			return fmt.Errorf("backup: reading the copy back: %w", err)
		}
		if err := reportSums(out, m.Tables, got); err != nil {
			return fmt.Errorf("backup: the copy differs from its snapshot: %w", err)
		}
	} else {
		reportSums(out, m.Tables, m.Tables)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(sumsPath(to), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(out, "table sums written to %s; keep it with the backup\n", sumsPath(to))
	return nil
}

// runRestore runs "tsunagari restore": it loads a backup into a fresh
// database and checks every table against the sums taken with the backup.
func runRestore(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	var dsn, from, sums string
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	dbFlag(fs, &dsn)
	fs.StringVar(&from, "from", "", "the backup to restore (required)")
	fs.StringVar(&sums, "sums", "", "the table sums of the backup (default <from>.sums.json)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if from == "" {
		return usageError{errors.New("restore: --from is required")}
	}
	if sums == "" {
		sums = sumsPath(from)
	}
	var want tsunagari.TableSums
	switch b, err := os.ReadFile(sums); {
	case err == nil:
		var m sumsFile
		if err := json.Unmarshal(b, &m); err != nil || m.Format != sumsFormat {
			return fmt.Errorf("restore: %s is not a tsunagari sums file", sums)
		}
		if (m.Kind == "postgres") != isPostgres(dsn) {
			return fmt.Errorf("restore: the backup is of a %s database; --db names another kind", m.Kind)
		}
		want = m.Tables
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(out, "warning: %s is missing, so the restore is compared with the backup file only\n", sums)
	default:
		return fmt.Errorf("restore: %w", err)
	}

	var got tsunagari.TableSums
	var err error
	if isPostgres(dsn) {
		var schema string
		schema, got, err = postgres.Restore(ctx, from, dsn)
		if errors.Is(err, postgres.ErrNoPgTools) {
			fmt.Fprint(out, postgres.BackupInstructions)
			return err
		}
		if err == nil {
			fmt.Fprintf(out, "restored %s into schema %s of %s\n", from, schema, redactDSN(dsn))
		}
	} else {
		if want == nil {
			if want, err = sqlite.FileSums(ctx, from); err != nil {
				return fmt.Errorf("restore: the backup: %w", err)
			}
		}
		got, err = sqlite.Restore(ctx, from, dsn)
		if err == nil {
			fmt.Fprintf(out, "restored %s into %s\n", from, dsn)
		}
	}
	if err != nil {
		return err
	}
	if want == nil {
		reportSums(out, got, got)
		return nil
	}
	if err := reportSums(out, want, got); err != nil {
		return fmt.Errorf("restore: the restored database differs from the backup: %w", err)
	}
	fmt.Fprintln(out, `every table matches the backup; "tsunagari serve" applies any pending migrations`)
	return nil
}

// reportSums prints one line per table, comparing got with want, and returns
// an error naming the tables that differ.
func reportSums(out io.Writer, want, got tsunagari.TableSums) error {
	bad := map[string]bool{}
	for _, m := range want.Compare(got) {
		bad[m.Table] = true
	}
	var rows int64
	names := want.Tables()
	for _, name := range got.Tables() {
		if _, ok := want[name]; !ok {
			names = append(names, name)
		}
	}
	for _, name := range names {
		w, g := want[name], got[name]
		status := "ok"
		switch {
		case !bad[name]:
		case w.SHA256 == "":
			status = "NOT IN THE BACKUP"
		case g.SHA256 == "":
			status = "MISSING"
		default:
			status = fmt.Sprintf("DIFFERS (want %d rows, %.12s…)", w.Rows, w.SHA256)
		}
		fmt.Fprintf(out, "  %-28s %9d rows  sha256 %.12s…  %s\n", name, g.Rows, g.SHA256, status)
		rows += g.Rows
	}
	fmt.Fprintf(out, "%d tables, %d rows\n", len(names), rows)
	if len(bad) > 0 {
		return fmt.Errorf("%d of %d tables", len(bad), len(names))
	}
	return nil
}
