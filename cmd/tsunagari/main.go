// Command tsunagari runs the tsunagari career mutual-aid platform: one
// binary that serves the web site and API, migrates its database and loads
// demo data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "tsunagari:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

const usage = `tsunagari — キャリアの共助プラットフォーム (a career mutual-aid platform)

Usage:
  tsunagari serve   [--addr 127.0.0.1:8080] [--db tsunagari.db | --db postgres://…] [--demo]
  tsunagari migrate [--db …]
  tsunagari demo    [--db …] [--seed N] [--scale N]
  tsunagari audit verify [--db …]
  tsunagari backup  [--db …] --out FILE
  tsunagari restore --from FILE [--db NEW-FILE | --db postgres://…]
  tsunagari rekey   [--db …] [--secret-key-file …]
  tsunagari import communities [--db …] [--lang ja|en] FILE.jsonl
  tsunagari bench   [--db FILE | --db postgres://…] [--communities N] [--members N]
                    [--consultants N] [--duration D] [--quick]
  tsunagari version

Every flag can also be set with an environment variable: --db is
TSUNAGARI_DB, --base-url is TSUNAGARI_BASE_URL, and so on.

serve needs a secret key, which encrypts two-step sign-in secrets and is
never stored in the database: TSUNAGARI_SECRET_KEY, or a file named by
--secret-key-file, holding 32 random bytes in base64 (for example from
"openssl rand -base64 32"). With --demo and a SQLite database, a key file
is created next to the database if none is given.

The same key encrypts consultation notes and reflections. To rotate it,
put the new key on the first line of the key file and keep the old one on
the next line (or set TSUNAGARI_PREVIOUS_SECRET_KEYS), restart, run
"tsunagari rekey", then remove the old key.
Run "tsunagari COMMAND --help" for the flags of a command.
`

func run(ctx context.Context, args []string, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return usageError{errors.New("no command given")}
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		m := NewMain()
		if err := m.ParseFlags(args, getenv); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			m.Close()
			return err
		}
		fmt.Fprintf(os.Stderr, "tsunagari: serving on %s\n", m.URL())
		<-ctx.Done()
		return m.Close()
	case "migrate":
		return runMigrate(ctx, args, getenv)
	case "demo":
		return runDemo(ctx, args, getenv)
	case "audit":
		return runAudit(ctx, args, getenv, os.Stdout)
	case "backup":
		return runBackup(ctx, args, getenv, os.Stdout)
	case "restore":
		return runRestore(ctx, args, getenv, os.Stdout)
	case "rekey":
		return runRekey(ctx, args, getenv, os.Stdout)
	case "import":
		return runImport(ctx, args, getenv, os.Stdout)
	case "bench":
		return runBench(ctx, args, os.Stdout)
	case "version", "--version", "-v":
		fmt.Println("tsunagari", version)
		return nil
	case "help", "--help", "-h":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}
