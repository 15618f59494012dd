package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tsunagari"
)

// RecommendStore implements tsunagari.RecommendStore.
type RecommendStore struct {
	db *DB
}

var _ tsunagari.RecommendStore = (*RecommendStore)(nil)

// changeChannel is the channel the triggers of migration 0011 notify.
const changeChannel = "tsunagari_recommend"

// maxChangeBatch bounds the notifications gathered into one batch.
const maxChangeBatch = 5000

// idsCond returns a condition on column that keeps the IDs in ids as
// parameter $n, or no condition when ids is nil.
func idsCond(column string, ids []string, n int) (string, []any) {
	if ids == nil {
		return "", nil
	}
	return fmt.Sprintf(` AND %s = ANY ($%d)`, column, n), []any{ids}
}

// EachCommunitySignals reads the communities, their members, their
// ratings and the members' values in one repeatable-read snapshot.
func (s *RecommendStore) EachCommunitySignals(ctx context.Context, ids []string, fn func(*tsunagari.CommunitySignals) error) error {
	tx, err := s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return wrap("read signals", err)
	}
	defer tx.Rollback(context.Background())

	values, err := latestValues(ctx, tx, ids)
	if err != nil {
		return wrap("read values diagnoses", err)
	}
	ratings, err := ratingSums(ctx, tx, ids)
	if err != nil {
		return wrap("read trait ratings", err)
	}
	cond, args := idsCond("c.id", ids, 1)
	rows, err := tx.Query(ctx, communitySelect+`,
			coalesce(m.ids, '{}'), coalesce(m.jobs, '{}'), coalesce(m.industries, '{}'), coalesce(m.ages, '{}'),
			coalesce(m.prefectures, '{}'), coalesce(m.homes, '{}')
		FROM communities c
		LEFT JOIN LATERAL (
			SELECT array_agg(a.id) AS ids, array_agg(a.job_family) AS jobs, array_agg(a.industry) AS industries,
				array_agg(a.age_band) AS ages, array_agg(a.prefecture) AS prefectures, array_agg(a.home_prefecture) AS homes
			FROM community_members cm JOIN accounts a ON a.id = cm.account_id
			WHERE cm.community_id = c.id AND cm.status = 'active'
		) m ON true
		WHERE c.hidden_at IS NULL`+cond+`
		ORDER BY c.id`, args...)
	if err != nil {
		return wrap("read communities", err)
	}
	defer rows.Close()
	for rows.Next() {
		var accs, jobs, industries, ages, prefs, homes []string
		c, err := scanCommunity(rows, &accs, &jobs, &industries, &ages, &prefs, &homes)
		if err != nil {
			return wrap("read communities", err)
		}
		sig := &tsunagari.CommunitySignals{Community: c, Ratings: traitScores(ratings[c.ID]),
			Members: make([]tsunagari.MemberSignals, len(accs))}
		for i, id := range accs {
			sig.Members[i] = tsunagari.MemberSignals{JobFamily: jobs[i], Industry: industries[i], AgeBand: ages[i],
				Prefecture: prefs[i], HomePrefecture: homes[i], Values: values[id]}
		}
		if err := fn(sig); err != nil {
			return err
		}
	}
	return wrap("read communities", rows.Err())
}

// latestValues returns the scores of the latest values diagnosis of each
// active member of the communities in ids (of any if ids is nil).
func latestValues(ctx context.Context, q querier, ids []string) (map[string][]tsunagari.Score, error) {
	cond, args := idsCond("community_id", ids, 1)
	rows, err := q.Query(ctx, `
		SELECT DISTINCT ON (r.account_id) r.account_id, r.scores
		FROM survey_responses r JOIN survey_rounds ro ON ro.id = r.round_id
		WHERE ro.instrument_id = 'values_diagnosis'
		  AND r.account_id IN (SELECT account_id FROM community_members WHERE status = 'active'`+cond+`)
		ORDER BY r.account_id, r.submitted_at DESC, r.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]tsunagari.Score{}
	for rows.Next() {
		var (
			id     string
			scores []tsunagari.Score
		)
		if err := rows.Scan(&id, &scores); err != nil {
			return nil, err
		}
		out[id] = scores
	}
	return out, rows.Err()
}

// ratingSum is how many members rated a trait and the sum of their scores.
type ratingSum struct{ n, total int }

// ratingSums returns the trait ratings of the communities in ids (all if
// nil), by community and trait.
func ratingSums(ctx context.Context, q querier, ids []string) (map[string]map[tsunagari.Trait]ratingSum, error) {
	cond, args := idsCond("community_id", ids, 1)
	rows, err := q.Query(ctx, `
		SELECT community_id, trait, count(*), sum(score) FROM community_trait_ratings
		WHERE true`+cond+`
		GROUP BY community_id, trait`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[tsunagari.Trait]ratingSum{}
	for rows.Next() {
		var (
			id       string
			t        tsunagari.Trait
			n, total int64
		)
		if err := rows.Scan(&id, &t, &n, &total); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[tsunagari.Trait]ratingSum{}
		}
		out[id][t] = ratingSum{int(n), int(total)}
	}
	return out, rows.Err()
}

// traitScores lays sums out as TraitScores in the order of the traits.
func traitScores(sums map[tsunagari.Trait]ratingSum) []tsunagari.TraitScore {
	out := make([]tsunagari.TraitScore, len(tsunagari.Traits))
	for i, t := range tsunagari.Traits {
		r := sums[t]
		out[i] = tsunagari.TraitScore{Trait: t, Raters: r.n, Mean: tsunagari.MeanScore(r.total, r.n)}
	}
	return out
}

// AccountCommunities returns the communities the accounts are active
// members of.
func (s *RecommendStore) AccountCommunities(ctx context.Context, accountIDs []string) ([]string, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT DISTINCT community_id FROM community_members WHERE status = 'active' AND account_id = ANY ($1)
		ORDER BY community_id`, accountIDs)
	if err != nil {
		return nil, wrap("account communities", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, wrap("account communities", err)
}

// WatchRecommendChanges listens on its own connection for the
// notifications of migration 0011's triggers, which PostgreSQL delivers
// when the changes commit, to every process listening. Notifications of
// other schemas of the database are left aside. If the connection is
// lost, it returns: whatever happened meanwhile was not heard, and the
// caller's next watch starts with {All: true}.
func (s *RecommendStore) WatchRecommendChanges(ctx context.Context, fn func([]tsunagari.RecommendChange) error) error {
	failed := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return wrap("watch changes", err)
	}
	conn, err := pgx.ConnectConfig(ctx, s.db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return failed(err)
	}
	defer conn.Close(context.Background())
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return failed(err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+changeChannel); err != nil {
		return failed(err)
	}
	if err := fn([]tsunagari.RecommendChange{{All: true}}); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return failed(err)
		}
		batch := []*pgconn.Notification{n}
		// Gather what arrives with it, so that a transaction of many
		// changes is read once.
		for len(batch) < maxChangeBatch {
			wait, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			n, err := conn.WaitForNotification(wait)
			cancel()
			if err != nil {
				if ctx.Err() == nil && (pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded)) {
					break
				}
				return failed(err)
			}
			batch = append(batch, n)
		}
		if changes := parseChanges(batch, schema); len(changes) > 0 {
			if err := fn(changes); err != nil {
				return err
			}
		}
	}
}

// parseChanges reads the notifications of schema: "<schema> <what>
// <community> <account>", with "-" for none, or "<schema> all".
func parseChanges(batch []*pgconn.Notification, schema string) []tsunagari.RecommendChange {
	var out []tsunagari.RecommendChange
	for _, n := range batch {
		f := strings.Fields(n.Payload)
		if len(f) < 2 || f[0] != schema {
			continue
		}
		field := func(i int) string {
			if i < len(f) && f[i] != "-" {
				return f[i]
			}
			return ""
		}
		switch f[1] {
		case "all":
			return []tsunagari.RecommendChange{{All: true}}
		case "weights":
			out = append(out, tsunagari.RecommendChange{Weights: true})
		case "community":
			out = append(out, tsunagari.RecommendChange{CommunityID: field(2)})
		case "account":
			out = append(out, tsunagari.RecommendChange{AccountID: field(3)})
		case "membership":
			out = append(out, tsunagari.RecommendChange{CommunityID: field(2), AccountID: field(3)})
		}
	}
	if len(batch) >= maxChangeBatch {
		// More may be queued behind; reading everything is cheaper than
		// reading them one batch at a time.
		return []tsunagari.RecommendChange{{All: true}}
	}
	return out
}

// FindRecommendPrefs returns the account's preferences.
func (s *RecommendStore) FindRecommendPrefs(ctx context.Context, accountID string) (*tsunagari.RecommendPrefs, error) {
	p := &tsunagari.RecommendPrefs{AccountID: accountID}
	err := s.db.pool.QueryRow(ctx, `
		SELECT wish, max_fee, max_hours, online, prefecture, updated_at FROM recommend_preferences WHERE account_id = $1`,
		accountID).Scan(&p.Wish, &p.MaxFee, &p.MaxHours, &p.Online, &p.Prefecture, &p.UpdatedAt)
	if err != nil {
		return nil, wrap("find preferences", err)
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, nil
}

// SaveRecommendPrefs stores p.
func (s *RecommendStore) SaveRecommendPrefs(ctx context.Context, p *tsunagari.RecommendPrefs) error {
	p.UpdatedAt = s.db.orNow(p.UpdatedAt)
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO recommend_preferences (account_id, wish, max_fee, max_hours, online, prefecture, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (account_id) DO UPDATE SET wish = excluded.wish, max_fee = excluded.max_fee,
			max_hours = excluded.max_hours, online = excluded.online, prefecture = excluded.prefecture,
			updated_at = excluded.updated_at`,
		p.AccountID, p.Wish, p.MaxFee, p.MaxHours, p.Online, p.Prefecture, p.UpdatedAt)
	return wrap("save preferences", err)
}

// SetCommunityMark stores m in place of any earlier mark.
func (s *RecommendStore) SetCommunityMark(ctx context.Context, m *tsunagari.CommunityMark) error {
	m.MarkedAt = s.db.orNow(m.MarkedAt)
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO community_marks (account_id, community_id, mark, marked_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, community_id) DO UPDATE SET mark = excluded.mark, marked_at = excluded.marked_at`,
		m.AccountID, m.CommunityID, string(m.Mark), m.MarkedAt)
	return wrap("mark community", err)
}

// DeleteCommunityMark removes a mark.
func (s *RecommendStore) DeleteCommunityMark(ctx context.Context, accountID, communityID string) error {
	return wrap("unmark community", affectedOne(s.db.pool.Exec(ctx,
		`DELETE FROM community_marks WHERE account_id = $1 AND community_id = $2`, accountID, communityID)))
}

// FindCommunityMarks returns the account's marks, newest first.
func (s *RecommendStore) FindCommunityMarks(ctx context.Context, accountID string) ([]*tsunagari.CommunityMark, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT community_id, mark, marked_at FROM community_marks WHERE account_id = $1
		ORDER BY marked_at DESC, community_id`, accountID)
	if err != nil {
		return nil, wrap("find marks", err)
	}
	marks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.CommunityMark, error) {
		m := &tsunagari.CommunityMark{AccountID: accountID}
		if err := row.Scan(&m.CommunityID, &m.Mark, &m.MarkedAt); err != nil {
			return nil, err
		}
		m.MarkedAt = m.MarkedAt.UTC()
		return m, nil
	})
	return marks, wrap("find marks", err)
}

// FindRecommendWeights returns the saved weights.
func (s *RecommendStore) FindRecommendWeights(ctx context.Context) (*tsunagari.RecommendWeights, error) {
	var (
		body []byte
		w    tsunagari.RecommendWeights
		by   *string
	)
	err := s.db.pool.QueryRow(ctx, `SELECT weights, updated_at, updated_by FROM recommend_weights WHERE id = 1`).
		Scan(&body, &w.UpdatedAt, &by)
	if err != nil {
		return nil, wrap("find weights", err)
	}
	updatedAt := w.UpdatedAt.UTC()
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("read weights: %w", err)
	}
	w.UpdatedAt, w.UpdatedBy = updatedAt, nullEmpty(by)
	return &w, nil
}

// SaveRecommendWeights stores w.
func (s *RecommendStore) SaveRecommendWeights(ctx context.Context, w *tsunagari.RecommendWeights) error {
	w.UpdatedAt = s.db.orNow(w.UpdatedAt)
	c := *w
	c.UpdatedAt = time.Time{} // the time has a column of its own
	body, err := json.Marshal(&c)
	if err != nil {
		return err
	}
	_, err = s.db.pool.Exec(ctx, `
		INSERT INTO recommend_weights (id, weights, updated_at, updated_by) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET weights = excluded.weights, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by`,
		string(body), w.UpdatedAt, emptyNull(w.UpdatedBy))
	return wrap("save weights", err)
}
