package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tsunagari"
	"tsunagari/internal/postgres"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/storetest"
)

// mustCreateDatabase creates a database of its own, with a UTF-8 ctype so
// that pg_trgm sees Japanese, drops it when the benchmark ends, and
// returns its DSN. Extensions are per database, so this keeps pg_trgm out
// of the database the tests share.
func mustCreateDatabase(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(pgtest.DSNEnv)
	if dsn == "" {
		tb.Skip(pgtest.DSNEnv + " is not set")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Skip("the benchmark needs a postgres:// URL in " + pgtest.DSNEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "tsunagari_bench_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	pgtest.Exec(tb, dsn, `CREATE DATABASE `+ident+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`)
	tb.Cleanup(func() { pgtest.Exec(tb, dsn, `DROP DATABASE `+ident+` WITH (FORCE)`) })
	u.Path = "/" + name
	return u.String()
}

// BenchmarkSearchCommunities measures the first page of a ranked search
// over 100,000 communities, for two-character and longer queries, and,
// side by side, the same page found by a plain pg_trgm LIKE '%…%' query
// (GIN trigram index, ranked by members only).
//
//	go test ./internal/postgres -run XXX -bench SearchCommunities -benchtime 200x
func BenchmarkSearchCommunities(b *testing.B) {
	ctx := context.Background()
	dsn := mustCreateDatabase(b)
	db, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	storetest.SeedCommunities(b, db, 100_000, func(ctx context.Context) error {
		pgtest.Exec(b, dsn, `UPDATE communities SET member_count = floor(random() * 500)`,
			`CREATE EXTENSION pg_trgm`,
			`CREATE INDEX search_docs_trgm ON search_docs USING gin ((title || ' ' || tags || ' ' || body) gin_trgm_ops)`,
			`VACUUM ANALYZE`)
		return nil
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

	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	for _, q := range []string{"転職", "新潟", "介護福祉士"} {
		b.Run("pg_trgm LIKE/"+q, func(b *testing.B) {
			var lat []time.Duration
			var total int64
			for b.Loop() {
				start := time.Now()
				rows, err := pool.Query(ctx, `
					SELECT c.id, count(*) OVER () FROM communities c JOIN search_docs d ON d.kind = 'community' AND d.doc_id = c.id
					WHERE (d.title || ' ' || d.tags || ' ' || d.body) LIKE '%' || $1 || '%' AND c.hidden_at IS NULL
					ORDER BY c.member_count DESC, c.id LIMIT 10`, q)
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
					var id string
					if err := rows.Scan(&id, &total); err != nil {
						b.Fatal(err)
					}
				}
				if rows.Err() != nil {
					b.Fatal(rows.Err())
				}
				lat = append(lat, time.Since(start))
			}
			storetest.ReportLatency(b, lat)
			b.ReportMetric(float64(total), "matches")
		})
	}
}
