package tsunagari

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// idEncoding is lower-case base32 without padding: IDs are safe in URLs
// and file names and contain no look-alike upper-case letters.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random 128-bit identifier of 26 characters. IDs reveal
// nothing: not how many objects exist nor which was created first.
func NewID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails on supported platforms
	return idEncoding.EncodeToString(b[:])
}

// ValidID reports whether s has the shape of an ID from NewID. Handlers use
// it to reject junk before it reaches a store.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") == ""
}

// NewSecret returns a random 256-bit token for sessions, invitations and
// password resets, with the given prefix. Only its hash is ever stored.
func NewSecret(prefix string) string {
	var b [32]byte
	rand.Read(b[:])
	return prefix + idEncoding.EncodeToString(b[:])
}
