package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

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

func readKeyFile(path string, logger *slog.Logger) ([]byte, error) {
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
	key, err := auth.ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}
