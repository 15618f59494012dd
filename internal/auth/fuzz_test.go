package auth

import (
	"strings"
	"testing"
	"time"
)

// FuzzNormalizeCode reads a second-step code as people type it (full-width,
// with spaces and hyphens): normalising is idempotent, leaves no upper
// case, full-width digit, space or hyphen, and only six ASCII digits make a
// TOTP code. The seed corpus is in testdata/fuzz/FuzzNormalizeCode.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"123 456", "１２３－４５６", "abcd-efgh-ijkl", "ＡＢＣＤ　ｅｆｇｈ", "12345６", "1234567", "\u0661\u0662"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := normalizeCode(s)
		if normalizeCode(got) != got {
			t.Fatalf("normalizeCode is not idempotent on %q: %q", s, got)
		}
		if strings.ContainsAny(got, " -　ー－ABCDEFGHIJKLMNOPQRSTUVWXYZ０１２３４５６７８９") {
			t.Fatalf("normalizeCode(%q) = %q", s, got)
		}
		if isTOTPCode(got) != (len(got) == TOTPDigits && strings.Trim(got, "0123456789") == "") {
			t.Fatalf("isTOTPCode(%q) is wrong", got)
		}
		if key := []byte("12345678901234567890"); isTOTPCode(got) {
			checkTOTP(key, got, time.Date(2026, 11, 1, 9, 0, 10, 0, time.UTC)) // must not panic whatever the code
		}
	})
}
