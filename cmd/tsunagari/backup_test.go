package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari/internal/postgres/pgtest"
)

// testKey returns a fresh secret key in the form TSUNAGARI_SECRET_KEY takes.
func testKey() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// serveOn runs the serve command in-process on the database dsn, without
// demo data, and stops it when the test ends.
func serveOn(t *testing.T, dsn string) *Main {
	t.Helper()
	m := NewMain()
	key := testKey()
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--db", dsn},
		func(k string) string { return map[string]string{"TSUNAGARI_SECRET_KEY": key}[k] }); err != nil {
		t.Fatal(err)
	}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Cleanup(func() { m.Close() })
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return m
}

// signUps keeps signing up new members through the API until stop is
// closed, and counts those the server acknowledged.
func signUps(t *testing.T, base string, stop <-chan struct{}, acked *atomic.Int64) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		body := fmt.Sprintf(`{"email":"load%d@example.jp","name":"負荷 %d","password":"correct horse battery"}`, i, i)
		res, err := http.Post(base+"/api/v1/signup", "application/json", strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusCreated:
			acked.Add(1)
		case http.StatusTooManyRequests:
			// Sign-ups per address are limited; the load goes on with
			// other writes of the server's own.
		default:
			t.Errorf("sign-up %d: %s", i, res.Status)
			return
		}
	}
}

// TestBackupCommandWhileServing runs `tsunagari backup` against the
// database a server is writing to, then `tsunagari restore` into a fresh
// database, which must match the backup's sums table by table.
func TestBackupCommandWhileServing(t *testing.T) {
	for _, tc := range []struct {
		name          string
		live, restore func(t *testing.T) string
	}{
		{"sqlite",
			func(t *testing.T) string { return filepath.Join(t.TempDir(), "live.db") },
			func(t *testing.T) string { return filepath.Join(t.TempDir(), "restored.db") }},
		{"postgres",
			func(t *testing.T) string { return pgtest.MustCreateSchema(t) },
			func(t *testing.T) string { return freshPostgresDatabase(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.name == "postgres" && !pgtest.Enabled() {
				t.Skip(pgtest.DSNEnv + " is not set")
			}
			live := tc.live(t)
			m := serveOn(t, live)
			stop := make(chan struct{})
			var acked atomic.Int64
			var wg sync.WaitGroup
			wg.Go(func() { signUps(t, m.URL(), stop, &acked) })
			for acked.Load() < 5 && !t.Failed() {
				time.Sleep(5 * time.Millisecond)
			}

			backup := filepath.Join(t.TempDir(), "tsunagari.backup")
			var out bytes.Buffer
			err := runBackup(ctx, []string{"--db", live, "--out", backup}, noEnv, &out)
			close(stop)
			wg.Wait()
			if err != nil {
				t.Fatalf("backup: %v\n%s", err, out.String())
			}
			for _, want := range []string{"accounts", "audit_events", "tables,", "sums written"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("backup output lacks %q:\n%s", want, out.String())
				}
			}
			var sums sumsFile
			b, err := os.ReadFile(sumsPath(backup))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &sums); err != nil {
				t.Fatal(err)
			}
			if sums.Tables["accounts"].Rows < 5 {
				t.Errorf("the backup holds %d accounts, want the ones signed up before it", sums.Tables["accounts"].Rows)
			}

			target := tc.restore(t)
			out.Reset()
			if err := runRestore(ctx, []string{"--from", backup, "--db", target}, noEnv, &out); err != nil {
				t.Fatalf("restore: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "every table matches the backup") || strings.Contains(out.String(), "DIFFERS") {
				t.Errorf("restore output:\n%s", out.String())
			}
			t.Logf("%s: %d sign-ups acknowledged while serving; the backup holds %d accounts",
				tc.name, acked.Load(), sums.Tables["accounts"].Rows)

			// A changed sums file makes the restore fail loudly.
			accounts := sums.Tables["accounts"]
			accounts.Rows++
			sums.Tables["accounts"] = accounts
			b, _ = json.Marshal(sums)
			os.WriteFile(sumsPath(backup), b, 0o600)
			out.Reset()
			err = runRestore(ctx, []string{"--from", backup, "--db", tc.restore(t)}, noEnv, &out)
			if err == nil || !strings.Contains(out.String(), "DIFFERS") {
				t.Errorf("restore against wrong sums: error = %v, output:\n%s", err, out.String())
			}
		})
	}
}

func noEnv(string) string { return "" }

// freshPostgresDatabase creates an empty database next to the test
// database, dropped when the test ends, and returns its URL.
func freshPostgresDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv(pgtest.DSNEnv)
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL", pgtest.DSNEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "tsunagari_restore_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	pgtest.Exec(t, base, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
	t.Cleanup(func() { pgtest.Exec(t, base, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)") })
	u.Path = "/" + name
	return u.String()
}
