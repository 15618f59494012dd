package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"unicode"

	"tsunagari/internal/auth"
)

var errNoSecretKey = errors.New("no secret key: set TSUNAGARI_SECRET_KEY, or --secret-key-file to a file with 32 random bytes " +
	"in base64 (create one with: openssl rand -base64 32 > tsunagari.key && chmod 600 tsunagari.key); " +
	"--demo with a SQLite database creates one by itself")

// loadSecretKey returns the server's secret key: from --secret-key-file,
// else from TSUNAGARI_SECRET_KEY, else, in demo mode on SQLite, from a key
// file next to the database, created if missing. Keep the key apart from
// the database and its backups: whoever holds both can read the secrets.
func loadSecretKey(c Config, logger *slog.Logger) ([]byte, error) {
	switch {
	case c.SecretKeyFile != "":
		return readKeyFile(c.SecretKeyFile, logger)
	case c.SecretKey != "":
		return auth.ParseKey(c.SecretKey)
	case c.Demo && !isPostgres(c.DB):
		path := c.DB + ".key"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case errors.Is(err, fs.ErrExist):
			return readKeyFile(path, logger)
		case err != nil:
			return nil, fmt.Errorf("create demo secret key: %w", err)
		}
		_, werr := f.WriteString(auth.NewKey() + "\n")
		if err := errors.Join(werr, f.Close()); err != nil {
			return nil, fmt.Errorf("create demo secret key: %w", err)
		}
		logger.Info("demo mode: created a secret key file next to the database", "path", path)
		return readKeyFile(path, logger)
	}
	return nil, errNoSecretKey
}

// readKeyFile returns the current key of a key file: its first key.
func readKeyFile(path string, logger *slog.Logger) ([]byte, error) {
	keys, err := readKeyFileAll(path, logger)
	if err != nil {
		return nil, err
	}
	return keys[0], nil
}

// readKeyFileAll returns every key of a key file, one per line, blank
// lines and lines starting with # skipped: the current key first, then
// the previous keys that a rotation keeps until "tsunagari rekey" has
// moved everything to the current one.
func readKeyFileAll(path string, logger *slog.Logger) ([][]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		logger.Warn("the secret key file can be read by others; chmod 600 it", "path", path, "mode", info.Mode().Perm().String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	var keys [][]byte
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := auth.ParseKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s, line %d: %w", path, i+1, err)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errNoKeyInFile)
	}
	return keys, nil
}

var errNoKeyInFile = errors.New("secret key: the file holds no key")

// loadSealer returns the sealer of the server's key: the current key from
// loadSecretKey, and the previous keys of a rotation, from the further
// lines of --secret-key-file or from TSUNAGARI_PREVIOUS_SECRET_KEYS
// (separated by commas or white space).
func loadSealer(c Config, logger *slog.Logger) (*auth.Sealer, error) {
	key, err := loadSecretKey(c, logger)
	if err != nil {
		return nil, err
	}
	var previous [][]byte
	if c.SecretKeyFile != "" {
		all, err := readKeyFileAll(c.SecretKeyFile, logger)
		if err != nil {
			return nil, err
		}
		previous = all[1:]
	}
	for _, text := range strings.FieldsFunc(c.PreviousSecretKeys, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		k, err := auth.ParseKey(text)
		if err != nil {
			return nil, fmt.Errorf("TSUNAGARI_PREVIOUS_SECRET_KEYS: %w", err)
		}
		previous = append(previous, k)
	}
	return auth.NewSealer(key, previous...)
}
