package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters: RFC 6238 with HMAC-SHA-1, 30-second steps and six
// digits, as every authenticator app supports. A code is accepted for
// the current step and one step either side, to allow for clock drift.
const (
	TOTPPeriod   = 30 * time.Second
	TOTPDigits   = 6
	totpSkew     = 1
	totpKeyBytes = 20 // 160 bits, the length RFC 4226 recommends
)

// secretEncoding is how secrets are shown to people and put in otpauth
// URIs: RFC 4648 base32, upper case, without padding.
var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTOTPKey returns a random shared secret.
func newTOTPKey() []byte {
	k := make([]byte, totpKeyBytes)
	rand.Read(k)
	return k
}

// totpStep returns the RFC 6238 time step of t.
func totpStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// hotp returns the RFC 4226 one-time password of counter, with digits
// digits: HMAC-SHA-1 of the counter, dynamically truncated.
func hotp(key []byte, counter int64, digits int) string {
	mac := hmac.New(sha1.New, key)
	mac.Write(binary.BigEndian.AppendUint64(nil, uint64(counter)))
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPCode returns the code an authenticator with the base32 secret
// shows at t. Tests and the demo use it; sign-in uses checkTOTP.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := secretEncoding.DecodeString(strings.ToUpper(strings.ReplaceAll(secret, " ", "")))
	if err != nil {
		return "", fmt.Errorf("totp secret: %w", err)
	}
	return hotp(key, totpStep(t), TOTPDigits), nil
}

// checkTOTP returns the step within the allowed drift of now whose code
// is code, and whether there is one. Every candidate is compared in
// constant time.
func checkTOTP(key []byte, code string, now time.Time) (int64, bool) {
	cur := totpStep(now)
	var (
		found int64
		ok    bool
	)
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		if subtle.ConstantTimeCompare([]byte(hotp(key, step, TOTPDigits)), []byte(code)) == 1 {
			found, ok = step, true
		}
	}
	return found, ok
}

// normalizeCode turns what a person typed into the form codes are
// compared in: full-width digits and letters become ASCII, spaces and
// hyphens go, letters become lower case.
func normalizeCode(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'a'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'a'
		case r >= 'A' && r <= 'Z':
			r = r - 'A' + 'a'
		}
		if r == ' ' || r == '-' || r == '　' || r == 'ー' || r == '－' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isTOTPCode reports whether a normalised code has the shape of a TOTP
// code rather than of a recovery code.
func isTOTPCode(s string) bool {
	if len(s) != TOTPDigits {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// OTPAuthURI returns the otpauth:// URI that authenticator apps import,
// labelled with the issuer and the account's address.
func OTPAuthURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(TOTPDigits)}, "period": {fmt.Sprint(int(TOTPPeriod / time.Second))}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}
