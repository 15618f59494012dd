package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/community"
	"tsunagari/internal/i18n"
)

// runImport runs "tsunagari import communities FILE.jsonl": it checks the
// whole file and imports its communities only if every line is good,
// printing every bad line with its number otherwise.
func runImport(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 || args[0] != "communities" {
		return usageError{errors.New(`import: the only kind of data is "communities"`)}
	}
	var dsn, lang string
	fs := flag.NewFlagSet("import communities", flag.ContinueOnError)
	dbFlag(fs, &dsn)
	fs.StringVar(&lang, "lang", "ja", "language of the messages: ja or en")
	args = args[1:]
	if len(args) == 0 || strings.HasPrefix(args[len(args)-1], "-") {
		return usageError{errors.New("import communities: give one JSONL file, after the flags")}
	}
	file := args[len(args)-1]
	if err := parse(fs, args[:len(args)-1], getenv); err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	catalog, err := i18n.New()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	stores := db.Stores()
	svc := &community.Service{Store: stores.Communities, Accounts: stores.Accounts, Orgs: stores.Orgs,
		Audit: &audit.Service{Store: stores.Audit, Now: time.Now}, Now: time.Now}
	// Whoever runs the command on the server is the operator.
	operator := &tsunagari.Account{Name: "tsunagari import", Roles: []tsunagari.Role{tsunagari.RoleOperator}}
	n, err := svc.Import(ctx, operator, f)
	var e *tsunagari.Error
	if errors.As(err, &e) {
		p := catalog.Printer(lang)
		fmt.Fprintln(out, p.T(e.Key, e.Args...))
		for _, d := range e.Details {
			field := ""
			if d.Field != "" {
				field = d.Field + ": "
			}
			fmt.Fprintf(out, "%s:%d: %s%s\n", file, d.Line, field, p.T(d.Key, d.Args...))
		}
		return fmt.Errorf("import communities: nothing imported")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "imported %d communities into %s\n", n, redactDSN(dsn))
	return nil
}
