package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/consulting"
	"tsunagari/internal/sqlite"
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

func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "rotate.db")
	oldKey, newKey := auth.NewKey(), auth.NewKey()
	oldFile := filepath.Join(dir, "old.key")
	if err := os.WriteFile(oldFile, []byte(oldKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// A note and a reflection sealed under the old key.
	db, err := sqlite.Open(ctx, dbPath, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	st := db.Stores()
	mk := func(email string, roles ...tsunagari.Role) *tsunagari.Account {
		a := &tsunagari.Account{Email: email, Name: "鍵 交換", Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...)}
		if err := st.Accounts.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	c, m := mk("c@example.jp", tsunagari.RoleConsultant), mk("m@example.jp")
	if err := st.Consultation.SaveConsultant(ctx, &tsunagari.Consultant{AccountID: c.ID, DisplayName: "鍵 交換",
		RegistrationNumber: "16000001", Languages: []string{"ja"}, Online: true}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Hour)
	b := &tsunagari.Booking{ConsultantID: c.ID, MemberID: m.ID, Start: start, End: start.Add(time.Hour), BlockedUntil: start.Add(time.Hour),
		Status: tsunagari.BookingConfirmed, Themes: []string{"learning"}}
	if _, err := st.Consultation.CreateBooking(ctx, b, tsunagari.WeekCap{}, nil); err != nil {
		t.Fatal(err)
	}
	oldSealer, err := loadSealer(Config{SecretKeyFile: oldFile}, logger)
	if err != nil {
		t.Fatal(err)
	}
	svc := &consulting.Service{Store: st.Consultation, Accounts: st.Accounts, Sealer: oldSealer, Now: time.Now}
	if err := svc.WriteNote(ctx, c, b.ID, "旧い鍵で封をしたメモ", nil); err != nil {
		t.Fatal(err)
	}
	if err := svc.WriteReflection(ctx, m, b.ID, &tsunagari.Reflection{Items: []tsunagari.ReflectionItem{{ID: "feeling", Text: "安心した"}}}); err != nil {
		t.Fatal(err)
	}
	// And an authenticator secret, sealed as enrolment seals it.
	if err := st.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: c.ID, Secret: oldSealer.Seal([]byte("totp-secret"), "tsunagari totp "+c.ID)}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The rotation: the new key first, the old one on the next line.
	rotated := filepath.Join(dir, "rotated.key")
	if err := os.WriteFile(rotated, []byte("# rotated\n"+newKey+"\n"+oldKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	env := func(string) string { return "" }
	if err := runRekey(ctx, []string{"--db", dbPath, "--secret-key-file", rotated}, env, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "2 consultation records and 1 authenticator secrets") {
		t.Errorf("rekey said %q, want 2 records and 1 secret moved", out.String())
	}
	out.Reset()
	if err := runRekey(ctx, []string{"--db", dbPath, "--secret-key-file", rotated}, env, &out); err != nil || !strings.HasPrefix(out.String(), "0 ") {
		t.Errorf("rekey again: %q, %v; want nothing left to move", out.String(), err)
	}

	// The new key alone now opens both; the old alone opens neither.
	db, err = sqlite.Open(ctx, dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, c2 := range map[string]Config{"new": {SecretKey: newKey}, "old": {SecretKey: oldKey}} {
		sl, err := loadSealer(c2, logger)
		if err != nil {
			t.Fatal(err)
		}
		svc := &consulting.Service{Store: db.Stores().Consultation, Accounts: db.Stores().Accounts, Sealer: sl, Now: time.Now}
		n, nerr := svc.Note(ctx, c, b.ID)
		_, rerr := svc.Reflection(ctx, m, b.ID)
		if name == "new" && (nerr != nil || rerr != nil || n.Text != "旧い鍵で封をしたメモ") {
			t.Errorf("with the new key: %v, %v, %v", n, nerr, rerr)
		}
		if name == "old" && (nerr == nil || rerr == nil) {
			t.Error("the old key still opens the records after rekey")
		}
		totp, _ := db.Stores().MFA.FindTOTP(ctx, c.ID)
		secret, terr := sl.Open(totp.Secret, "tsunagari totp "+c.ID)
		if name == "new" && (terr != nil || string(secret) != "totp-secret") {
			t.Errorf("the authenticator secret with the new key: %q, %v", secret, terr)
		}
		if name == "old" && terr == nil {
			t.Error("the old key still opens the authenticator secret after rekey")
		}
	}

	// Previous keys from the environment too; a malformed one is refused.
	if _, err := loadSealer(Config{SecretKey: newKey, PreviousSecretKeys: oldKey + ", " + auth.NewKey()}, logger); err != nil {
		t.Errorf("previous keys from the environment: %v", err)
	}
	if _, err := loadSealer(Config{SecretKey: newKey, PreviousSecretKeys: "nonsense"}, logger); err == nil {
		t.Error("a malformed previous key was accepted")
	}
	empty := filepath.Join(dir, "empty.key")
	os.WriteFile(empty, []byte("# nothing\n\n"), 0o600)
	if _, err := loadSealer(Config{SecretKeyFile: empty}, logger); !errors.Is(err, errNoKeyInFile) {
		t.Errorf("a key file without a key: %v", err)
	}
}
