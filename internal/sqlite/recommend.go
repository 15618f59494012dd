package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"tsunagari"
)

// recommendStore implements tsunagari.RecommendStore.
type recommendStore struct{ db *DB }

var _ tsunagari.RecommendStore = (*recommendStore)(nil)

// ChangePollInterval is how often WatchRecommendChanges looks for changes
// made by this or another process.
const ChangePollInterval = 250 * time.Millisecond

// maxChangeBatch bounds the changes read per poll.
const maxChangeBatch = 5000

// idsFilter returns a condition on column that keeps the IDs in ids, as
// one JSON argument, or no condition when ids is nil.
func idsFilter(column string, ids []string) (string, []any) {
	if ids == nil {
		return "", nil
	}
	b, _ := json.Marshal(ids) // strings always encode
	return ` AND ` + column + ` IN (SELECT value FROM json_each(?))`, []any{string(b)}
}

func (s *recommendStore) EachCommunitySignals(ctx context.Context, ids []string, fn func(*tsunagari.CommunitySignals) error) error {
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()

	values, err := latestValues(ctx, tx, ids)
	if err != nil {
		return fmt.Errorf("read values diagnoses: %w", err)
	}
	ratings, err := ratingSums(ctx, tx, ids)
	if err != nil {
		return fmt.Errorf("read trait ratings: %w", err)
	}

	cond, args := idsFilter("c.id", ids)
	rows, err := tx.QueryContext(ctx, `
		SELECT `+communityColumns+`,
			(SELECT json_group_array(json_array(a.id, a.job_family, a.industry, a.age_band, a.prefecture, a.home_prefecture))
			 FROM community_members m JOIN accounts a ON a.id = m.account_id
			 WHERE m.community_id = c.id AND m.status = 'active')
		FROM communities c
		WHERE c.hidden_at IS NULL`+cond+`
		ORDER BY c.id`, args...)
	if err != nil {
		return fmt.Errorf("read communities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var members string
		c, err := scanCommunity(rows, &members)
		if err != nil {
			return err
		}
		var list [][6]string
		if err := json.Unmarshal([]byte(members), &list); err != nil {
			return fmt.Errorf("read members of %s: %w", c.ID, err)
		}
		sig := &tsunagari.CommunitySignals{Community: c, Ratings: traitScores(ratings[c.ID]),
			Members: make([]tsunagari.MemberSignals, len(list))}
		for i, m := range list {
			sig.Members[i] = tsunagari.MemberSignals{JobFamily: m[1], Industry: m[2], AgeBand: m[3],
				Prefecture: m[4], HomePrefecture: m[5], Values: values[m[0]]}
		}
		if err := fn(sig); err != nil {
			return err
		}
	}
	return rows.Err()
}

// latestValues returns the scores of the latest values diagnosis of each
// active member of the communities in ids (of any community if ids is
// nil), by account.
func latestValues(ctx context.Context, q querier, ids []string) (map[string][]tsunagari.Score, error) {
	cond, args := idsFilter("community_id", ids)
	rows, err := q.QueryContext(ctx, `
		SELECT r.account_id, r.scores
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
		var id, scores string
		if err := rows.Scan(&id, &scores); err != nil {
			return nil, err
		}
		if _, seen := out[id]; seen {
			continue
		}
		var list []tsunagari.Score
		if err := json.Unmarshal([]byte(scores), &list); err != nil {
			return nil, fmt.Errorf("scores of %s: %w", id, err)
		}
		out[id] = list
	}
	return out, rows.Err()
}

// ratingSum is how many members rated a trait and the sum of their scores.
type ratingSum struct{ n, total int }

// ratingSums returns the trait ratings of the communities in ids (all if
// nil), by community and trait.
func ratingSums(ctx context.Context, q querier, ids []string) (map[string]map[tsunagari.Trait]ratingSum, error) {
	cond, args := idsFilter("community_id", ids)
	rows, err := q.QueryContext(ctx, `
		SELECT community_id, trait, count(*), sum(score) FROM community_trait_ratings
		WHERE 1 = 1`+cond+`
		GROUP BY community_id, trait`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[tsunagari.Trait]ratingSum{}
	for rows.Next() {
		var (
			id string
			t  tsunagari.Trait
			r  ratingSum
		)
		if err := rows.Scan(&id, &t, &r.n, &r.total); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[tsunagari.Trait]ratingSum{}
		}
		out[id][t] = r
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

func (s *recommendStore) AccountCommunities(ctx context.Context, accountIDs []string) ([]string, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	cond, args := idsFilter("account_id", accountIDs)
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT DISTINCT community_id FROM community_members WHERE status = 'active'`+cond+` ORDER BY community_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// WatchRecommendChanges polls recommend_changes, which triggers fill in
// commit order, every ChangePollInterval. Its sequence numbers have no
// holes, so a first row that does not follow the last one seen means rows
// were pruned unseen.
func (s *recommendStore) WatchRecommendChanges(ctx context.Context, fn func([]tsunagari.RecommendChange) error) error {
	last, err := s.lastChange(ctx)
	if err != nil {
		return err
	}
	if err := fn([]tsunagari.RecommendChange{{All: true}}); err != nil {
		return err
	}
	tick := time.NewTicker(ChangePollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		for {
			changes, next, gap, err := s.changesAfter(ctx, last)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("watch changes: %w", err)
			}
			if gap {
				// Read everything, from the latest change on.
				if last, err = s.lastChange(ctx); err != nil {
					return err
				}
				if err := fn([]tsunagari.RecommendChange{{All: true}}); err != nil {
					return err
				}
				break
			}
			if len(changes) > 0 {
				if err := fn(changes); err != nil {
					return err
				}
			}
			read := next - last
			last = next
			if read < maxChangeBatch {
				break
			}
		}
	}
}

// lastChange returns the sequence number of the latest change, 0 if none.
func (s *recommendStore) lastChange(ctx context.Context) (int64, error) {
	var last int64
	if err := s.db.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM recommend_changes`).Scan(&last); err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("watch changes: %w", err)
	}
	return last, nil
}

// changesAfter returns the changes after seq last and the last seq read;
// gap is true if changes were pruned before they could be read.
func (s *recommendStore) changesAfter(ctx context.Context, last int64) (changes []tsunagari.RecommendChange, next int64, gap bool, err error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT seq, what, community_id, account_id FROM recommend_changes WHERE seq > ? ORDER BY seq LIMIT ?`,
		last, maxChangeBatch)
	if err != nil {
		return nil, last, false, err
	}
	defer rows.Close()
	next = last
	for rows.Next() {
		var (
			seq                    int64
			what, community, accID string
		)
		if err := rows.Scan(&seq, &what, &community, &accID); err != nil {
			return nil, last, false, err
		}
		if seq != next+1 {
			gap = true
		}
		next = seq
		c := tsunagari.RecommendChange{CommunityID: community, AccountID: accID}
		switch what {
		case "weights":
			c.Weights = true
		case "community":
			c.AccountID = ""
		case "account":
			c.CommunityID = ""
		}
		changes = append(changes, c)
	}
	return changes, next, gap, rows.Err()
}

// Preferences.

func (s *recommendStore) FindRecommendPrefs(ctx context.Context, accountID string) (*tsunagari.RecommendPrefs, error) {
	p := &tsunagari.RecommendPrefs{AccountID: accountID}
	var (
		maxFee, maxHours sql.NullInt64
		updatedAt        int64
	)
	err := s.db.read.QueryRowContext(ctx, `
		SELECT wish, max_fee, max_hours, online, prefecture, updated_at FROM recommend_preferences WHERE account_id = ?`,
		accountID).Scan(&p.Wish, &maxFee, &maxHours, &p.Online, &p.Prefecture, &updatedAt)
	if err != nil {
		return nil, translate(err)
	}
	p.MaxFee, p.MaxHours = intPtr(maxFee), intPtr(maxHours)
	p.UpdatedAt = unixTime(updatedAt)
	return p, nil
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullInt(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}

func (s *recommendStore) SaveRecommendPrefs(ctx context.Context, p *tsunagari.RecommendPrefs) error {
	p.UpdatedAt = s.db.orNow(p.UpdatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO recommend_preferences (account_id, wish, max_fee, max_hours, online, prefecture, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET wish = excluded.wish, max_fee = excluded.max_fee,
				max_hours = excluded.max_hours, online = excluded.online, prefecture = excluded.prefecture,
				updated_at = excluded.updated_at`,
			p.AccountID, p.Wish, nullInt(p.MaxFee), nullInt(p.MaxHours), p.Online, p.Prefecture, p.UpdatedAt.Unix())
		return err
	})
}

// Marks.

func (s *recommendStore) SetCommunityMark(ctx context.Context, m *tsunagari.CommunityMark) error {
	m.MarkedAt = s.db.orNow(m.MarkedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO community_marks (account_id, community_id, mark, marked_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, community_id) DO UPDATE SET mark = excluded.mark, marked_at = excluded.marked_at`,
			m.AccountID, m.CommunityID, string(m.Mark), m.MarkedAt.Unix())
		return err
	})
}

func (s *recommendStore) DeleteCommunityMark(ctx context.Context, accountID, communityID string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM community_marks WHERE account_id = ? AND community_id = ?`,
			accountID, communityID)
		if err != nil {
			return err
		}
		return checkAffected(res)
	})
}

func (s *recommendStore) FindCommunityMarks(ctx context.Context, accountID string) ([]*tsunagari.CommunityMark, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT community_id, mark, marked_at FROM community_marks WHERE account_id = ?
		ORDER BY marked_at DESC, community_id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.CommunityMark
	for rows.Next() {
		m := &tsunagari.CommunityMark{AccountID: accountID}
		var at int64
		if err := rows.Scan(&m.CommunityID, &m.Mark, &at); err != nil {
			return nil, err
		}
		m.MarkedAt = unixTime(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Weights.

func (s *recommendStore) FindRecommendWeights(ctx context.Context) (*tsunagari.RecommendWeights, error) {
	var (
		body      string
		updatedAt int64
		by        sql.NullString
	)
	err := s.db.read.QueryRowContext(ctx, `SELECT weights, updated_at, updated_by FROM recommend_weights WHERE id = 1`).
		Scan(&body, &updatedAt, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tsunagari.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var w tsunagari.RecommendWeights
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		return nil, fmt.Errorf("read weights: %w", err)
	}
	w.UpdatedAt, w.UpdatedBy = unixTime(updatedAt), by.String
	return &w, nil
}

func (s *recommendStore) SaveRecommendWeights(ctx context.Context, w *tsunagari.RecommendWeights) error {
	w.UpdatedAt = s.db.orNow(w.UpdatedAt)
	body, err := weightsJSON(w)
	if err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO recommend_weights (id, weights, updated_at, updated_by) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET weights = excluded.weights, updated_at = excluded.updated_at,
				updated_by = excluded.updated_by`,
			body, w.UpdatedAt.Unix(), nullString(w.UpdatedBy))
		return err
	})
}

// weightsJSON encodes the weights without their time, which has a column
// of its own.
func weightsJSON(w *tsunagari.RecommendWeights) (string, error) {
	c := *w
	c.UpdatedAt = time.Time{}
	b, err := json.Marshal(&c)
	return string(b), err
}
