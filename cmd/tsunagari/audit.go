package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"tsunagari"
	"tsunagari/internal/audit"
)

// runAudit runs "tsunagari audit verify": it walks the audit trail and
// fails, naming the first broken entry, if any entry was changed, removed
// or reordered.
func runAudit(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{errors.New(`audit: the only subcommand is "verify"`)}
	}
	var dsn string
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	dbFlag(fs, &dsn)
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	// The schema must be current, but verifying never migrates.
	db, err := openDB(ctx, dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := audit.Verify(ctx, db.Stores().Audit)
	var ce *tsunagari.AuditChainError
	if errors.As(err, &ce) {
		fmt.Fprintf(out, "audit trail of %s: checked %d entries before entry %d\n", redactDSN(dsn), r.Entries, ce.Seq)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audit trail of %s: %d entries, chain intact\nhead: %s\n", redactDSN(dsn), r.Entries, r.Head)
	return nil
}
