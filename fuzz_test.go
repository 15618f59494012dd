package tsunagari_test

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"tsunagari"
)

// Fuzz targets for the outside input the domain parses. Each has a seed
// corpus in testdata/fuzz/<name>, which plain `go test` runs; see
// SECURITY.md for a longer run.

// FuzzInstrumentJSON reads an instrument as an author would upload it:
// decoding and validation never panic, and an instrument that validates
// survives a round trip through JSON, checks the answers it is given and
// scores them within 0–100.
func FuzzInstrumentJSON(f *testing.F) {
	seed, _ := json.Marshal(sample())
	f.Add(seed, []byte(`[{"item":"q1","value":4},{"item":"q2","value":2}]`))
	f.Add([]byte(`{"id":"x","version":1,"title":{"ja":"a","en":"a"},"sections":[{"id":"s","title":{"ja":"s","en":"s"},`+
		`"items":[{"id":"n","kind":"number","text":{"ja":"n","en":"n"},"min":-1e308,"max":1e308}]}]}`),
		[]byte(`[{"item":"n","value":1e308}]`))
	f.Add([]byte(`{"id":"x","version":1,"sections":[{"items":[{"when":{"item":"x"}}]}]}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, def, answers []byte) {
		var in tsunagari.Instrument
		if json.Unmarshal(def, &in) != nil || in.Validate() != nil {
			return
		}
		again, err := json.Marshal(&in)
		if err != nil {
			t.Fatalf("a valid instrument cannot be written: %v", err)
		}
		var back tsunagari.Instrument
		if err := json.Unmarshal(again, &back); err != nil || back.Validate() != nil {
			t.Fatalf("a valid instrument does not survive JSON: %v", err)
		}
		var as []tsunagari.Answer
		if json.Unmarshal(answers, &as) != nil {
			return
		}
		checkAnswers(t, &in, as)
	})
}

// checkAnswers checks answers against in and holds the result to what
// Check promises.
func checkAnswers(t *testing.T, in *tsunagari.Instrument, as []tsunagari.Answer) {
	t.Helper()
	clean, err := in.Check(as)
	if err != nil {
		var e *tsunagari.Error
		if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid || !asError(err, &e) || len(e.Details) == 0 {
			t.Fatalf("Check error = %v, want invalid with details", err)
		}
		for _, d := range e.Details {
			if d.Key == "" {
				t.Fatalf("a problem without a message: %+v", d)
			}
		}
		return
	}
	// What Check keeps, it keeps again unchanged.
	twice, err := in.Check(clean)
	if err != nil || !reflect.DeepEqual(twice, clean) {
		t.Fatalf("Check of its own output = %v, %v; want %v", twice, err, clean)
	}
	for _, a := range clean {
		it := in.Item(a.Item)
		if it == nil || a.Empty() {
			t.Fatalf("Check kept %+v", a)
		}
		if a.Value != nil && (math.IsNaN(*a.Value) || math.IsInf(*a.Value, 0)) {
			t.Fatalf("Check kept a value that is not a number: %+v", a)
		}
	}
	for _, s := range in.Score(clean) {
		if !(s.Value >= 0 && s.Value <= 100) || s.Items < 1 {
			t.Fatalf("score %+v is outside 0–100", s)
		}
	}
}

func asError(err error, e **tsunagari.Error) bool {
	for err != nil {
		if v, ok := err.(*tsunagari.Error); ok {
			*e = v
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// FuzzCheckAnswers sends any answers, as JSON, to the sample instrument,
// which has an item of every kind, a condition and an exclusive option.
func FuzzCheckAnswers(f *testing.F) {
	f.Add([]byte(`[{"item":"g1","value":5},{"item":"g2","value":1},{"item":"g3","value":7},{"item":"given_up","choices":["none"]}]`))
	f.Add([]byte(`[{"item":"g1","value":3},{"item":"given_up","choices":["other"],"other":"  介護 "},{"item":"why","choices":["time"]}]`))
	f.Add([]byte(`[{"item":"h","value":-0},{"item":"note","text":"\u0000\r\n"},{"item":"g1","value":3.5}]`))
	f.Add([]byte(`[{"item":"given_up","choices":["none","learning"]},{"item":"given_up","choices":["side_job"]}]`))
	in := sample()
	f.Fuzz(func(t *testing.T, answers []byte) {
		var as []tsunagari.Answer
		if json.Unmarshal(answers, &as) != nil {
			return
		}
		checkAnswers(t, in, as)
	})
}

// FuzzEmail normalises and validates addresses as sign-up does: a valid
// address is already normal, and normalising is idempotent.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"Hanako@Example.JP", " a@b.jp ", "a@b", "\"a b\"@x.jp", "ａ@ｂ.jp", "a@b.jp\n", "<a@b.jp>", "a@[127.0.0.1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := tsunagari.NormalizeEmail(s)
		if tsunagari.NormalizeEmail(n) != n {
			t.Fatalf("NormalizeEmail is not idempotent on %q", s)
		}
		if tsunagari.ValidateEmail("email", n) != nil {
			return
		}
		if n != strings.TrimSpace(n) || strings.ContainsAny(n, "\r\n<>") || utf8.RuneCountInString(n) > tsunagari.MaxEmailLen {
			t.Fatalf("ValidateEmail accepted %q", n)
		}
	})
}
