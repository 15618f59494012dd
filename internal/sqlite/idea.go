package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/search"
)

// ideaStore implements tsunagari.IdeaStore.
type ideaStore struct{ db *DB }

var _ tsunagari.IdeaStore = (*ideaStore)(nil)

const ideaColumns = `i.id, i.poster_id, i.title, i.description, i.tags, i.area, i.threshold, i.supporter_count,
	i.community_id, i.converted_at, i.created_at`

func findIdeas(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.Idea, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.Idea
	for rows.Next() {
		var (
			i                 tsunagari.Idea
			poster, community sql.NullString
			tags              string
			converted         sql.NullInt64
			createdAt         int64
		)
		if err := rows.Scan(&i.ID, &poster, &i.Title, &i.Description, &tags, &i.Area, &i.Threshold, &i.SupporterCount,
			&community, &converted, &createdAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(tags), &i.Tags); err != nil {
			return nil, fmt.Errorf("read idea %s: %w", i.ID, err)
		}
		i.PosterID, i.CommunityID = poster.String, community.String
		i.ConvertedAt, i.CreatedAt = timePtr(converted), unixTime(createdAt)
		list = append(list, &i)
	}
	return list, rows.Err()
}

func indexIdea(ctx context.Context, q querier, i *tsunagari.Idea) error {
	title, tags, body := i.SearchText()
	if err := indexDoc(ctx, q, docIdea, i.ID, search.NewDoc(title, tags, body...)); err != nil {
		return err
	}
	return rankDoc(ctx, q, docIdea, i.ID, true, i.SupporterCount)
}

func (s *ideaStore) CreateIdea(ctx context.Context, i *tsunagari.Idea) error {
	if i.ID == "" {
		i.ID = tsunagari.NewID()
	}
	i.CreatedAt = s.db.orNow(i.CreatedAt)
	i.SupporterCount, i.CommunityID, i.ConvertedAt = 0, "", nil
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO ideas (id, poster_id, title, description, tags, area, threshold, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			i.ID, nullString(i.PosterID), i.Title, i.Description, jsonList(i.Tags), i.Area, i.Threshold, i.CreatedAt.Unix()); err != nil {
			return err
		}
		return indexIdea(ctx, tx, i)
	})
}

func (s *ideaStore) FindIdeaByID(ctx context.Context, id string) (*tsunagari.Idea, error) {
	list, err := findIdeas(ctx, s.db.read, `SELECT `+ideaColumns+` FROM ideas i WHERE i.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

func (s *ideaStore) FindIdeas(ctx context.Context, f tsunagari.IdeaFilter) ([]*tsunagari.Idea, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.PosterID != "" {
		where, args = append(where, `i.poster_id = ?`), append(args, f.PosterID)
	}
	if f.SupporterID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM idea_supports x WHERE x.idea_id = i.id AND x.account_id = ?)`)
		args = append(args, f.SupporterID)
	}
	if f.Converted != nil {
		if *f.Converted {
			where = append(where, `i.converted_at IS NOT NULL`)
		} else {
			where = append(where, `i.converted_at IS NULL`)
		}
	}
	cond := ` WHERE ` + strings.Join(where, " AND ")
	q := search.Parse(f.Query)
	if q.Empty() {
		return findIdeas(ctx, s.db.read, `SELECT `+ideaColumns+` FROM ideas i`+cond+
			` ORDER BY i.supporter_count DESC, i.created_at DESC, i.id`+limitClause(f.Limit, 0), args...)
	}
	matched, margs := matchedDocs(ideaBase, q)
	return findIdeas(ctx, s.db.read, `SELECT `+ideaColumns+` FROM ideas i JOIN (`+matched+`) m ON i.seq = m.r - ?`+cond+
		` ORDER BY m.score DESC, i.supporter_count DESC, i.created_at DESC, i.id`+limitClause(f.Limit, 0),
		append(append(margs, ideaBase), args...)...)
}

// countSupporters keeps the idea's supporter count and its rank.
func countSupporters(ctx context.Context, q querier, id string) error {
	if _, err := q.ExecContext(ctx, `UPDATE ideas SET supporter_count = (SELECT count(*) FROM idea_supports WHERE idea_id = ?)
		WHERE id = ?`, id, id); err != nil {
		return err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT supporter_count FROM ideas WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	return rankDoc(ctx, q, docIdea, id, true, n)
}

// ideaOpen returns ErrNotFound if there is no such idea and ErrConflict
// if it is converted.
func ideaOpen(ctx context.Context, q querier, id string) error {
	var converted sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT converted_at FROM ideas WHERE id = ?`, id).Scan(&converted); err != nil {
		return err
	}
	if converted.Valid {
		return tsunagari.ErrConflict
	}
	return nil
}

func (s *ideaStore) AddSupport(ctx context.Context, x *tsunagari.IdeaSupport) error {
	x.CreatedAt, x.InvitedAt = s.db.orNow(x.CreatedAt), nil
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := ideaOpen(ctx, tx, x.IdeaID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO idea_supports (idea_id, account_id, role, created_at) VALUES (?, ?, ?, ?)`,
			x.IdeaID, x.AccountID, string(x.Role), x.CreatedAt.Unix()); err != nil {
			return err
		}
		return countSupporters(ctx, tx, x.IdeaID)
	})
}

func (s *ideaStore) RemoveSupport(ctx context.Context, ideaID, accountID string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := ideaOpen(ctx, tx, ideaID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM idea_supports WHERE idea_id = ? AND account_id = ?`, ideaID, accountID)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		return countSupporters(ctx, tx, ideaID)
	})
}

func findSupports(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.IdeaSupport, error) {
	rows, err := q.QueryContext(ctx, `SELECT x.idea_id, x.account_id, x.role, x.created_at, x.invited_at, a.name, a.email, a.locale
		FROM idea_supports x JOIN accounts a ON a.id = x.account_id WHERE `+where+` ORDER BY x.created_at, x.account_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.IdeaSupport
	for rows.Next() {
		var (
			x         tsunagari.IdeaSupport
			createdAt int64
			invited   sql.NullInt64
		)
		if err := rows.Scan(&x.IdeaID, &x.AccountID, &x.Role, &createdAt, &invited, &x.Name, &x.Email, &x.Locale); err != nil {
			return nil, err
		}
		x.CreatedAt, x.InvitedAt = unixTime(createdAt), timePtr(invited)
		list = append(list, &x)
	}
	return list, rows.Err()
}

func (s *ideaStore) FindSupport(ctx context.Context, ideaID, accountID string) (*tsunagari.IdeaSupport, error) {
	list, err := findSupports(ctx, s.db.read, `x.idea_id = ? AND x.account_id = ?`, ideaID, accountID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

func (s *ideaStore) FindSupports(ctx context.Context, ideaID string) ([]*tsunagari.IdeaSupport, error) {
	return findSupports(ctx, s.db.read, `x.idea_id = ?`, ideaID)
}

func (s *ideaStore) ConvertIdea(ctx context.Context, ideaID string, c *tsunagari.Community, at time.Time, invite tsunagari.IdeaInvite) error {
	at = stamp(at)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var (
			converted        sql.NullInt64
			count, threshold int
		)
		if err := tx.QueryRowContext(ctx, `SELECT converted_at, supporter_count, threshold FROM ideas WHERE id = ?`, ideaID).
			Scan(&converted, &count, &threshold); err != nil {
			return err
		}
		if converted.Valid || count < threshold {
			return tsunagari.ErrConflict
		}
		if err := (&communityStore{s.db}).createCommunity(ctx, tx, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ideas SET community_id = ?, converted_at = ? WHERE id = ?`,
			c.ID, at.Unix(), ideaID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE idea_supports SET invited_at = ? WHERE idea_id = ?`, at.Unix(), ideaID); err != nil {
			return err
		}
		return s.invite(ctx, tx, ideaID, c, invite)
	})
}

// invite stores the invitation mail of every supporter of the idea.
func (s *ideaStore) invite(ctx context.Context, tx *sql.Tx, ideaID string, c *tsunagari.Community, invite tsunagari.IdeaInvite) error {
	if invite == nil {
		return nil
	}
	list, err := findIdeas(ctx, tx, `SELECT `+ideaColumns+` FROM ideas i WHERE i.id = ?`, ideaID)
	if err != nil || len(list) == 0 {
		return err
	}
	sups, err := findSupports(ctx, tx, `x.idea_id = ?`, ideaID)
	if err != nil {
		return err
	}
	for _, x := range sups {
		if m := invite(list[0], c, x); m != nil {
			m.CreatedAt = *list[0].ConvertedAt
			if err := s.db.enqueueMail(ctx, tx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Personal data. The person's supports go; their ideas go unless they
// became a community, which keeps its idea without the poster.

func (s *ideaStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalIdea, `
				SELECT id, title, description, tags, area, threshold, supporter_count AS supporterCount,
				       community_id AS communityId, converted_at AS convertedAt, created_at AS createdAt
				FROM ideas WHERE poster_id = ? ORDER BY created_at, id`, id)
			if err != nil {
				return nil, err
			}
			return recs, decodeJSONFields(recs, "tags")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalIdeaSupport, `
				SELECT x.idea_id AS ideaId, i.title AS ideaTitle, x.role, x.created_at AS createdAt, x.invited_at AS invitedAt
				FROM idea_supports x JOIN ideas i ON i.id = x.idea_id
				WHERE x.account_id = ? ORDER BY x.created_at, x.idea_id`, id)
		})
}

func (s *ideaStore) erasePersonal(ctx context.Context, e *eraser) error {
	// Supports first, so that the counts of others' ideas can be kept.
	ideas, err := columnStrings(ctx, e.tx, `SELECT idea_id FROM idea_supports WHERE account_id = ?`, e.accountID)
	if err != nil {
		return err
	}
	if err := e.exec(ctx, `DELETE FROM idea_supports WHERE account_id = ?`); err != nil {
		return err
	}
	for _, id := range ideas {
		if err := countSupporters(ctx, e.tx, id); err != nil {
			return err
		}
	}
	own, err := columnStrings(ctx, e.tx, `SELECT id FROM ideas WHERE poster_id = ? AND converted_at IS NULL`, e.accountID)
	if err != nil {
		return err
	}
	for _, id := range own {
		if err := unindexDoc(ctx, e.tx, docIdea, id); err != nil {
			return err
		}
		e.changed["search_docs"] = true
	}
	return e.exec(ctx,
		`DELETE FROM ideas WHERE poster_id = ? AND converted_at IS NULL`,
		`UPDATE ideas SET poster_id = NULL WHERE poster_id = ?`)
}

// ExportPersonalData returns the account's ideas and supports.
func (s *ideaStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the account's supports and unconverted ideas
// and unlinks it from the ideas that became communities.
func (s *ideaStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}
