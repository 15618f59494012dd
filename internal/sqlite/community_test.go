package sqlite_test

import (
	"context"
	"testing"

	"tsunagari"
	"tsunagari/internal/storetest"
)

// BenchmarkSearchCommunities measures the first page of a ranked search
// over 100,000 communities, for two-character and longer queries.
//
//	go test ./internal/sqlite -run XXX -bench SearchCommunities -benchtime 200x
func BenchmarkSearchCommunities(b *testing.B) {
	db := MustOpenDB(b)
	storetest.SeedCommunities(b, db, 100_000, func(ctx context.Context) error {
		return db.Exec(ctx, `UPDATE communities SET member_count = abs(random()) % 500`)
	})
	for _, q := range storetest.BenchQueries {
		b.Run(q.Name, func(b *testing.B) {
			storetest.BenchmarkSearch(b, db, q.Query, tsunagari.CommunitySearch{})
		})
	}
	b.Run("filtered/転職+online+free", func(b *testing.B) {
		free := 0
		storetest.BenchmarkSearch(b, db, "転職", tsunagari.CommunitySearch{Online: true, MaxFee: &free})
	})
	b.Run("browse/no query", func(b *testing.B) {
		storetest.BenchmarkSearch(b, db, "", tsunagari.CommunitySearch{})
	})
}
