package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/search"
)

// IdeaStore implements tsunagari.IdeaStore. Writes about an idea lock its
// row, so that a support and a conversion never cross: an idea converts
// once, with exactly the supporters it had.
type IdeaStore struct {
	db *DB
}

var _ tsunagari.IdeaStore = (*IdeaStore)(nil)

const docIdea = "idea"

const ideaSelect = `SELECT i.id, i.poster_id, i.title, i.description, i.tags, i.area, i.threshold, i.supporter_count,
	i.community_id, i.converted_at, i.created_at FROM ideas i`

func findIdeas(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.Idea, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Idea, error) {
		var (
			i                 tsunagari.Idea
			poster, community *string
		)
		if err := row.Scan(&i.ID, &poster, &i.Title, &i.Description, &i.Tags, &i.Area, &i.Threshold, &i.SupporterCount,
			&community, &i.ConvertedAt, &i.CreatedAt); err != nil {
			return nil, err
		}
		i.PosterID, i.CommunityID = nullEmpty(poster), nullEmpty(community)
		i.Tags, i.CreatedAt, i.ConvertedAt = nonNil(i.Tags), i.CreatedAt.UTC(), utcPtr(i.ConvertedAt)
		return &i, nil
	})
}

func indexIdea(ctx context.Context, q querier, i *tsunagari.Idea) error {
	title, tags, body := i.SearchText()
	if err := indexDoc(ctx, q, docIdea, i.ID, search.NewDoc(title, tags, body...)); err != nil {
		return err
	}
	return rankDoc(ctx, q, docIdea, i.ID, true, i.SupporterCount)
}

// CreateIdea stores i and indexes it.
func (s *IdeaStore) CreateIdea(ctx context.Context, i *tsunagari.Idea) error {
	if i.ID == "" {
		i.ID = tsunagari.NewID()
	}
	i.CreatedAt = s.db.orNow(i.CreatedAt)
	i.SupporterCount, i.CommunityID, i.ConvertedAt = 0, "", nil
	return wrap("create idea", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO ideas (id, poster_id, title, description, tags, area, threshold, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			i.ID, emptyNull(i.PosterID), i.Title, i.Description, nonNil(i.Tags), i.Area, i.Threshold, i.CreatedAt); err != nil {
			return err
		}
		return indexIdea(ctx, tx, i)
	}))
}

// FindIdeaByID returns ErrNotFound if there is no such idea.
func (s *IdeaStore) FindIdeaByID(ctx context.Context, id string) (*tsunagari.Idea, error) {
	list, err := findIdeas(ctx, s.db.pool, ideaSelect+` WHERE i.id = $1`, id)
	if err != nil {
		return nil, wrap("find idea", err)
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

// FindIdeas returns matching ideas.
func (s *IdeaStore) FindIdeas(ctx context.Context, f tsunagari.IdeaFilter) ([]*tsunagari.Idea, error) {
	var p params
	from, order := ideaSelect, ` ORDER BY i.supporter_count DESC, i.created_at DESC, i.id`
	if q := search.Parse(f.Query); !q.Empty() {
		from += ` JOIN (` + matchedDocs(&p, docIdea, q) + `) m ON m.doc_id = i.id`
		order = ` ORDER BY m.score DESC, i.supporter_count DESC, i.created_at DESC, i.id`
	}
	where := []string{"true"}
	if f.PosterID != "" {
		where = append(where, `i.poster_id = `+p.add(f.PosterID))
	}
	if f.SupporterID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM idea_supports x WHERE x.idea_id = i.id AND x.account_id = `+p.add(f.SupporterID)+`)`)
	}
	if f.Converted != nil {
		if *f.Converted {
			where = append(where, `i.converted_at IS NOT NULL`)
		} else {
			where = append(where, `i.converted_at IS NULL`)
		}
	}
	list, err := findIdeas(ctx, s.db.pool, from+` WHERE `+strings.Join(where, " AND ")+order+limitOffset(f.Limit, 0), p.args...)
	return list, wrap("find ideas", err)
}

// countSupporters keeps the idea's supporter count and its rank.
func countSupporters(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRow(ctx, `UPDATE ideas SET supporter_count = (SELECT count(*) FROM idea_supports WHERE idea_id = $1)
		WHERE id = $1 RETURNING supporter_count`, id).Scan(&n); err != nil {
		return err
	}
	return rankDoc(ctx, q, docIdea, id, true, n)
}

// lockOpenIdea locks the idea's row; ErrNotFound if there is none and
// ErrConflict if it is converted.
func lockOpenIdea(ctx context.Context, tx pgx.Tx, id string) error {
	var converted *time.Time
	if err := tx.QueryRow(ctx, `SELECT converted_at FROM ideas WHERE id = $1 FOR UPDATE`, id).Scan(&converted); err != nil {
		return err
	}
	if converted != nil {
		return tsunagari.ErrConflict
	}
	return nil
}

// AddSupport stores a supporter's "me too".
func (s *IdeaStore) AddSupport(ctx context.Context, x *tsunagari.IdeaSupport) error {
	x.CreatedAt, x.InvitedAt = s.db.orNow(x.CreatedAt), nil
	return wrap("add support", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockOpenIdea(ctx, tx, x.IdeaID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO idea_supports (idea_id, account_id, role, created_at) VALUES ($1, $2, $3, $4)`,
			x.IdeaID, x.AccountID, string(x.Role), x.CreatedAt); err != nil {
			return err
		}
		return countSupporters(ctx, tx, x.IdeaID)
	}))
}

// RemoveSupport takes a supporter's "me too" back.
func (s *IdeaStore) RemoveSupport(ctx context.Context, ideaID, accountID string) error {
	return wrap("remove support", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockOpenIdea(ctx, tx, ideaID); err != nil {
			return err
		}
		if err := affectedOne(tx.Exec(ctx, `DELETE FROM idea_supports WHERE idea_id = $1 AND account_id = $2`, ideaID, accountID)); err != nil {
			return err
		}
		return countSupporters(ctx, tx, ideaID)
	}))
}

func findSupports(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.IdeaSupport, error) {
	rows, err := q.Query(ctx, `SELECT x.idea_id, x.account_id, x.role, x.created_at, x.invited_at, a.name, a.email, a.locale
		FROM idea_supports x JOIN accounts a ON a.id = x.account_id WHERE `+where+` ORDER BY x.created_at, x.account_id COLLATE "C"`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.IdeaSupport, error) {
		var x tsunagari.IdeaSupport
		if err := row.Scan(&x.IdeaID, &x.AccountID, &x.Role, &x.CreatedAt, &x.InvitedAt, &x.Name, &x.Email, &x.Locale); err != nil {
			return nil, err
		}
		x.CreatedAt, x.InvitedAt = x.CreatedAt.UTC(), utcPtr(x.InvitedAt)
		return &x, nil
	})
}

// FindSupport returns ErrNotFound if the account does not support the
// idea.
func (s *IdeaStore) FindSupport(ctx context.Context, ideaID, accountID string) (*tsunagari.IdeaSupport, error) {
	list, err := findSupports(ctx, s.db.pool, `x.idea_id = $1 AND x.account_id = $2`, ideaID, accountID)
	if err != nil {
		return nil, wrap("find support", err)
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

// FindSupports returns the idea's supports, in order of arrival.
func (s *IdeaStore) FindSupports(ctx context.Context, ideaID string) ([]*tsunagari.IdeaSupport, error) {
	list, err := findSupports(ctx, s.db.pool, `x.idea_id = $1`, ideaID)
	return list, wrap("find supports", err)
}

// ConvertIdea creates the community, links the idea to it and invites
// the supporters, in one transaction.
func (s *IdeaStore) ConvertIdea(ctx context.Context, ideaID string, c *tsunagari.Community, at time.Time, invite tsunagari.IdeaInvite) error {
	at = stamp(at)
	return wrap("convert idea", s.db.inTx(ctx, func(tx pgx.Tx) error {
		var (
			converted        *time.Time
			count, threshold int
		)
		if err := tx.QueryRow(ctx, `SELECT converted_at, supporter_count, threshold FROM ideas WHERE id = $1 FOR UPDATE`, ideaID).
			Scan(&converted, &count, &threshold); err != nil {
			return err
		}
		if converted != nil || count < threshold {
			return tsunagari.ErrConflict
		}
		if err := (&CommunityStore{db: s.db}).createCommunity(ctx, tx, c); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ideas SET community_id = $1, converted_at = $2 WHERE id = $3`, c.ID, at, ideaID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE idea_supports SET invited_at = $1 WHERE idea_id = $2`, at, ideaID); err != nil {
			return err
		}
		return s.invite(ctx, tx, ideaID, c, invite)
	}))
}

// invite stores the invitation mail of every supporter of the idea.
func (s *IdeaStore) invite(ctx context.Context, tx pgx.Tx, ideaID string, c *tsunagari.Community, invite tsunagari.IdeaInvite) error {
	if invite == nil {
		return nil
	}
	list, err := findIdeas(ctx, tx, ideaSelect+` WHERE i.id = $1`, ideaID)
	if err != nil || len(list) == 0 {
		return err
	}
	sups, err := findSupports(ctx, tx, `x.idea_id = $1`, ideaID)
	if err != nil {
		return err
	}
	for _, x := range sups {
		if m := invite(list[0], c, x); m != nil {
			m.CreatedAt = *list[0].ConvertedAt
			if err := s.db.insertMail(ctx, tx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Personal data. The person's supports go; their ideas go unless they
// became a community, which keeps its idea without the poster.

func (s *IdeaStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalIdea, `
				SELECT id, title, description, tags, area, threshold, supporter_count AS "supporterCount",
				       community_id AS "communityId", converted_at AS "convertedAt", created_at AS "createdAt"
				FROM ideas WHERE poster_id = $1 ORDER BY created_at, id COLLATE "C"`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalIdeaSupport, `
				SELECT x.idea_id AS "ideaId", i.title AS "ideaTitle", x.role, x.created_at AS "createdAt", x.invited_at AS "invitedAt"
				FROM idea_supports x JOIN ideas i ON i.id = x.idea_id
				WHERE x.account_id = $1 ORDER BY x.created_at, x.idea_id COLLATE "C"`, id)
		})
}

func (s *IdeaStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	ideas, err := columnStrings(ctx, tx, `DELETE FROM idea_supports WHERE account_id = $1 RETURNING idea_id`, id)
	if err != nil {
		return err
	}
	for _, idea := range ideas {
		if err := countSupporters(ctx, tx, idea); err != nil {
			return err
		}
	}
	return execAll(ctx, tx, id,
		`DELETE FROM search_docs WHERE kind = 'idea' AND doc_id IN (SELECT id FROM ideas WHERE poster_id = $1 AND converted_at IS NULL)`,
		`DELETE FROM ideas WHERE poster_id = $1 AND converted_at IS NULL`,
		`UPDATE ideas SET poster_id = NULL WHERE poster_id = $1`)
}

// ExportPersonalData returns the account's ideas and supports.
func (s *IdeaStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the account's supports and unconverted ideas
// and unlinks it from the ideas that became communities.
func (s *IdeaStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}
