package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"tsunagari/internal/auth"
	"tsunagari/internal/consulting"
	journeys "tsunagari/internal/journey" // the package name is taken by the browser test's journey type
)

// keyFileFlag registers --secret-key-file for the commands that seal or
// open records.
func keyFileFlag(fs *flag.FlagSet, dst *string) {
	fs.StringVar(dst, "secret-key-file", "", "file holding the secret key, current key first and previous keys on further lines; or set TSUNAGARI_SECRET_KEY")
}

// runRekey runs "tsunagari rekey": after a key rotation, it re-seals every
// consultation note and reflection and every two-step sign-in secret under
// the current key, so that the previous keys can be dropped. It is safe to run while the server runs
// and to run again: a record that changed meanwhile is left for the next
// run, and records under the current key are left alone.
func runRekey(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	var dsn, keyFile string
	fs := flag.NewFlagSet("rekey", flag.ContinueOnError)
	dbFlag(fs, &dsn)
	keyFileFlag(fs, &keyFile)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	c := Config{DB: dsn, SecretKeyFile: keyFile, SecretKey: getenv("TSUNAGARI_SECRET_KEY"),
		PreviousSecretKeys: getenv("TSUNAGARI_PREVIOUS_SECRET_KEYS")}
	sealer, err := loadSealer(c, logger)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &consulting.Service{Store: db.Stores().Consultation, Sealer: sealer, Now: time.Now}
	n, err := svc.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("rekey: %d consultation records moved before: %w", n, err)
	}
	k, err := auth.ResealTOTP(ctx, db.Stores().MFA, sealer)
	if err != nil {
		return fmt.Errorf("rekey: %d authenticators moved before: %w", k, err)
	}
	fmt.Fprintf(out, "%d consultation records and %d authenticator secrets of %s moved to the current key\n", n, k, redactDSN(dsn))
	inventories := &journeys.Service{Store: db.Stores().Inventory, Sealer: sealer, Now: time.Now}
	m, err := inventories.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("rekey: %d career inventories moved before: %w", m, err)
	}
	fmt.Fprintf(out, "%d career inventories moved to the current key\n", m)
	return nil
}
