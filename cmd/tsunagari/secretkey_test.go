package main

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"tsunagari/internal/auth"
)

func TestLoadSecretKey(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	key := auth.NewKey()
	file := filepath.Join(dir, "tsunagari.key")
	if err := os.WriteFile(file, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want, _ := auth.ParseKey(key)

	for name, c := range map[string]Config{
		"file": {SecretKeyFile: file, DB: filepath.Join(dir, "x.db")},
		"env":  {SecretKey: key, DB: "postgres://db/x"},
	} {
		got, err := loadSecretKey(c, logger)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: loadSecretKey = %x, %v; want the key", name, got, err)
		}
	}
	if _, err := loadSecretKey(Config{DB: filepath.Join(dir, "x.db")}, logger); !errors.Is(err, errNoSecretKey) {
		t.Errorf("no key, not demo: %v, want errNoSecretKey", err)
	}
	if _, err := loadSecretKey(Config{Demo: true, DB: "postgres://db/x"}, logger); !errors.Is(err, errNoSecretKey) {
		t.Errorf("no key, demo on PostgreSQL: %v, want errNoSecretKey", err)
	}
	if _, err := loadSecretKey(Config{SecretKey: "too short"}, logger); err == nil {
		t.Error("a malformed key was accepted")
	}

	// Demo mode on SQLite makes a key file next to the database, private
	// to its owner, and uses the same key next time.
	db := filepath.Join(dir, "demo.db")
	first, err := loadSecretKey(Config{Demo: true, DB: db}, logger)
	if err != nil || len(first) != auth.KeySize {
		t.Fatalf("demo key = %x, %v", first, err)
	}
	info, err := os.Stat(db + ".key")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("demo key file: %v, %v; want mode 0600", info, err)
	}
	again, err := loadSecretKey(Config{Demo: true, DB: db}, logger)
	if err != nil || string(again) != string(first) {
		t.Errorf("second demo start used another key")
	}
}
