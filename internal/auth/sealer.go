package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the server's secret key: AES-256.
const KeySize = 32

// Sealer encrypts small secrets, such as TOTP secrets, with AES-256-GCM
// under the server's key, which lives in a file or the environment and
// never in the database. A stolen database therefore yields no secret.
//
// A Sealer may also hold previous keys, for rotation: it seals with the
// current key only and opens with any of them, so that values sealed
// before a rotation keep opening until Reseal has moved them to the
// current key.
type Sealer struct {
	aead     cipher.AEAD
	previous []cipher.AEAD
}

// NewSealer returns a Sealer for a KeySize-byte key and, optionally, the
// keys it replaced.
func NewSealer(key []byte, previous ...[]byte) (*Sealer, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	for i, k := range previous {
		old, err := newAEAD(k)
		if err != nil {
			return nil, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		s.previous = append(s.previous, old)
	}
	return s, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ParseKey reads a key written as base64 (standard or URL alphabet, with
// or without padding) or as hex, ignoring surrounding white space.
func ParseKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(text); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	if k, err := hex.DecodeString(text); err == nil && len(k) == KeySize {
		return k, nil
	}
	return nil, fmt.Errorf("secret key: want %d random bytes in base64 or hex", KeySize)
}

// NewKey returns a fresh random key in base64.
func NewKey() string {
	k := make([]byte, KeySize)
	rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// sealVersion prefixes sealed values, so that the format can change.
const sealVersion = "v1."

var errUnseal = errors.New("auth: sealed value cannot be opened: wrong key, wrong owner or damaged")

// Seal encrypts plaintext bound to context (such as the owning account),
// so that a sealed value copied to another owner does not open.
func (s *Sealer) Seal(plaintext []byte, context string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, plaintext, []byte(context))
	return sealVersion + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value from Seal with the same context, under the
// current key or a previous one.
func (s *Sealer) Open(sealed, context string) ([]byte, error) {
	plain, _, err := s.open(sealed, context)
	return plain, err
}

// open returns the plaintext and whether the current key opened it.
func (s *Sealer) open(sealed, context string) ([]byte, bool, error) {
	body, ok := strings.CutPrefix(sealed, sealVersion)
	if !ok {
		return nil, false, errUnseal
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, false, errUnseal
	}
	n := s.aead.NonceSize()
	if plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context)); err == nil {
		return plain, true, nil
	}
	for _, old := range s.previous {
		if plain, err := old.Open(nil, raw[:n], raw[n:], []byte(context)); err == nil {
			return plain, false, nil
		}
	}
	return nil, false, errUnseal
}

// Reseal returns sealed moved to the current key: "" if it is sealed
// under the current key already, or a new sealed value if a previous key
// opened it. It fails if no key opens it.
func (s *Sealer) Reseal(sealed, context string) (string, error) {
	plain, current, err := s.open(sealed, context)
	if err != nil || current {
		return "", err
	}
	return s.Seal(plain, context), nil
}
