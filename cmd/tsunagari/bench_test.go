package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"tsunagari/internal/postgres/pgtest"
)

// runAsMainEnv makes the test binary run main instead of the tests: the
// bench command starts os.Executable() as `tsunagari serve`, which in a
// test is this binary.
const runAsMainEnv = "TSUNAGARI_TEST_RUN_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// benchMeasures are the beginnings of the rows every run prints.
var benchMeasures = []string{
	"community recommendation top-10",
	"consultant shortlist top-10",
	"search 「転職」 (2 characters)",
	"search 「介護福祉士」 (5 characters)",
	"text mining (jatext",
	"HTTP community page",
	"HTTP search API",
	"HTTP recommendation API",
	"RSVP race",
	"booking, 64 goroutines",
	"serve start-up",
	"serve peak RSS",
	"serve RSS when ready",
}

// TestBenchQuick runs `tsunagari bench --quick` on SQLite, and on
// PostgreSQL when it is configured, and checks the table: every row, each
// with positive numbers, and a ratio wherever there is an anchor. Speed
// is reported, never asserted.
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("the bench command generates data and loads a server")
	}
	t.Setenv(runAsMainEnv, "1")
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			args := []string{"--quick"}
			if engine == "postgres" {
				if !pgtest.Enabled() {
					t.Skip(pgtest.DSNEnv + " is not set")
				}
				args = append(args, "--db", os.Getenv(pgtest.DSNEnv))
			} else {
				args = append(args, "--db", t.TempDir()+"/bench.db")
			}
			var out bytes.Buffer
			if err := runBench(context.Background(), args, &out); err != nil {
				t.Fatalf("bench %q: %v\n%s", args, err, out.String())
			}
			t.Logf("bench %q:\n%s", args, out.String())
			checkBenchTable(t, out.String())
		})
	}
}

func checkBenchTable(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{"- engine: ", "- data: ", "- GOMAXPROCS: ", "the whole command took",
		"| measure | median | p99 | anchor | anchor median | ratio |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	rows := map[string][]string{}
	for line := range strings.SplitSeq(out, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| measure ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) != 6 {
			t.Errorf("row %q has %d cells, want 6", line, len(cells))
			continue
		}
		rows[cells[0]] = cells
	}
	positive := func(row, col, cell string) {
		t.Helper()
		f := strings.Fields(cell)
		if len(f) == 0 {
			t.Errorf("%s: %s is empty", row, col)
			return
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || v <= 0 {
			t.Errorf("%s: %s = %q, want a positive number", row, col, cell)
		}
	}
	for _, want := range benchMeasures {
		var cells []string
		for measure, c := range rows {
			if strings.HasPrefix(measure, want) {
				cells = c
			}
		}
		if cells == nil {
			t.Errorf("no row %q in the table", want)
			continue
		}
		positive(want, "median", cells[1])
		positive(want, "p99", cells[2])
		if cells[3] != "—" {
			positive(want, "anchor median", cells[4])
			positive(want, "ratio", cells[5])
		}
	}
	if len(rows) != len(benchMeasures) {
		t.Errorf("the table has %d rows, want %d", len(rows), len(benchMeasures))
	}
}
