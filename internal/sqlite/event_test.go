package sqlite_test

import (
	"testing"

	"tsunagari/internal/storetest"
)

// BenchmarkRSVP measures concurrent requests for seats on SQLite.
//
//	go test ./internal/sqlite -run XXX -bench RSVP -count 5
func BenchmarkRSVP(b *testing.B) {
	storetest.BenchmarkRSVP(b, MustOpenDB(b))
}
