package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. Hashes record their parameters in
// PHC format, so the defaults can be raised without invalidating old hashes.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
}

// DefaultParams is RFC 9106's second recommended option: t=3, 64 MiB, p=4.
// It takes about 185 ms on one of our 2-core machines.
var DefaultParams = Params{Time: 3, Memory: 64 * 1024, Threads: 4, KeyLen: 32}

// Hasher hashes and verifies passwords with argon2id. It caps concurrent
// hashes so a burst of sign-ins cannot exhaust memory.
type Hasher struct {
	Params Params
	sem    chan struct{}
	dummy  string
}

// NewHasher returns a Hasher allowing at most concurrency hashes at once.
func NewHasher(p Params, concurrency int) *Hasher {
	h := &Hasher{Params: p, sem: make(chan struct{}, max(concurrency, 1))}
	h.dummy, _ = h.Hash(context.Background(), "tsunagari: no such account")
	return h
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of password under a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	var salt [16]byte
	rand.Read(salt[:])
	key, err := h.key(ctx, password, salt[:], h.Params)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.Params.Memory, h.Params.Time, h.Params.Threads, b64.EncodeToString(salt[:]), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.key(ctx, password, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyNothing spends the time of one verification and always fails. It
// answers sign-ins for unknown accounts, so that they take as long as a
// wrong password for a known one.
func (h *Hasher) VerifyNothing(ctx context.Context, password string) {
	_, _ = h.Verify(ctx, h.dummy, password)
}

func (h *Hasher) key(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

var errBadHash = errors.New("auth: malformed password hash")

func parsePHC(s string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.Memory == 0 || p.Memory > 1<<21 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return p, nil, nil, errBadHash
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, errBadHash
	}
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}
