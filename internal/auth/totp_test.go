package auth

import (
	"bytes"
	"testing"
	"time"
)

// The test vectors of RFC 4226 (Appendix D) and RFC 6238 (Appendix B,
// SHA-1), whose shared secret is "12345678901234567890".
var rfcKey = []byte("12345678901234567890")

func TestHOTPVectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, w := range want {
		if got := hotp(rfcKey, int64(counter), 6); got != w {
			t.Errorf("hotp(counter %d) = %s, want %s", counter, got, w)
		}
	}
}

func TestTOTPVectors(t *testing.T) {
	for _, tt := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		at := time.Unix(tt.unix, 0)
		if got := hotp(rfcKey, totpStep(at), 8); got != tt.want {
			t.Errorf("TOTP at %d = %s, want %s", tt.unix, got, tt.want)
		}
		// Six digits are the last six of eight.
		code, _ := TOTPCode(secretEncoding.EncodeToString(rfcKey), at)
		if code != tt.want[2:] {
			t.Errorf("TOTPCode at %d = %s, want %s", tt.unix, code, tt.want[2:])
		}
	}
}

func TestCheckTOTPDrift(t *testing.T) {
	now := time.Date(2026, 11, 1, 9, 0, 10, 0, time.UTC)
	cur := totpStep(now)
	for offset, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code := hotp(rfcKey, cur+offset, TOTPDigits)
		step, ok := checkTOTP(rfcKey, code, now)
		if ok != want || (ok && step != cur+offset) {
			t.Errorf("code of step %+d: checkTOTP = %d, %v; want %v", offset, step-cur, ok, want)
		}
	}
	if _, ok := checkTOTP(rfcKey, "", now); ok {
		t.Error("an empty code passed")
	}
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{
		"123 456": "123456", "１２３４５６": "123456", "ABCD-efgh-ＩＪＫＬ-mnop": "abcdefghijklmnop", " 12-34-56 ": "123456",
	} {
		if got := normalizeCode(in); got != want {
			t.Errorf("normalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
	if !isTOTPCode("012345") || isTOTPCode("01234a") || isTOTPCode("1234567") {
		t.Error("isTOTPCode misjudges")
	}
}

func TestSealer(t *testing.T) {
	key, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal([]byte("the secret"), "account-1")
	if bytes.Contains([]byte(sealed), []byte("the secret")) || sealed == s.Seal([]byte("the secret"), "account-1") {
		t.Fatalf("Seal = %q: shows the plaintext or is not randomised", sealed)
	}
	if got, err := s.Open(sealed, "account-1"); err != nil || string(got) != "the secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{7}, KeySize))
	tampered := sealed[:len(sealed)-2] + "AA"
	for name, open := range map[string]func() ([]byte, error){
		"other owner":   func() ([]byte, error) { return s.Open(sealed, "account-2") },
		"other key":     func() ([]byte, error) { return other.Open(sealed, "account-1") },
		"tampered":      func() ([]byte, error) { return s.Open(tampered, "account-1") },
		"not sealed":    func() ([]byte, error) { return s.Open("the secret", "account-1") },
		"empty":         func() ([]byte, error) { return s.Open("v1.", "account-1") },
		"wrong version": func() ([]byte, error) { return s.Open("v2"+sealed[2:], "account-1") },
	} {
		if _, err := open(); err == nil {
			t.Errorf("Open (%s) succeeded", name)
		}
	}
	for _, text := range []string{"", "short", "AAAA", NewKey()[:20]} {
		if _, err := ParseKey(text); err == nil {
			t.Errorf("ParseKey(%q) accepted", text)
		}
	}
	hexKey := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	if k, err := ParseKey(" " + hexKey + "\n"); err != nil || len(k) != KeySize {
		t.Errorf("ParseKey(hex) = %v, %v", k, err)
	}
	if _, err := NewSealer(key[:16]); err == nil {
		t.Error("NewSealer accepted a 16-byte key")
	}
}
