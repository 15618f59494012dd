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
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a KeySize-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
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

// Open decrypts a value from Seal with the same context.
func (s *Sealer) Open(sealed, context string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, sealVersion)
	if !ok {
		return nil, errUnseal
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, errUnseal
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
