package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/search"
)

// CommunityStore implements tsunagari.CommunityStore.
type CommunityStore struct {
	db *DB
}

var _ tsunagari.CommunityStore = (*CommunityStore)(nil)

// communityColumns are the columns of communities, in the order of
// communityValues and scanCommunity.
var communityColumns = []string{"id", "kind", "name", "purpose", "description", "tags", "styles", "prefecture", "online",
	"home_prefecture", "org_id", "job_family", "industry", "monthly_fee", "hours_per_month", "languages", "join_policy",
	"trait_member_run", "trait_purpose_fit", "trait_flexible_intensity", "trait_free_exit", "trait_newcomer_support",
	"member_count", "hidden_at", "hidden_reason", "created_at", "updated_at"}

var communitySelect = `SELECT ` + prefixed("c.", communityColumns)

// traitColumn names the column of a declared trait.
func traitColumn(t tsunagari.Trait) string { return "trait_" + string(t) }

func strs[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

func communityValues(c *tsunagari.Community) []any {
	v := []any{c.ID, string(c.Kind), c.Name, c.Purpose, c.Description, strs(c.Tags), strs(c.Styles), c.Prefecture, c.Online,
		c.HomePrefecture, emptyNull(c.OrgID), c.JobFamily, c.Industry, c.MonthlyFee, c.HoursPerMonth, strs(c.Languages),
		string(c.JoinPolicy)}
	for _, t := range tsunagari.Traits {
		v = append(v, c.Has(t))
	}
	return append(v, c.MemberCount, c.HiddenAt, c.HiddenReason, c.CreatedAt, c.UpdatedAt)
}

// scanCommunity reads one row of communityColumns, then extra columns
// into extra.
func scanCommunity(row scanner, extra ...any) (*tsunagari.Community, error) {
	var (
		c                       tsunagari.Community
		tags, styles, languages []string
		orgID                   *string
		traits                  [5]bool
	)
	if err := row.Scan(append([]any{&c.ID, &c.Kind, &c.Name, &c.Purpose, &c.Description, &tags, &styles, &c.Prefecture, &c.Online,
		&c.HomePrefecture, &orgID, &c.JobFamily, &c.Industry, &c.MonthlyFee, &c.HoursPerMonth, &languages, &c.JoinPolicy,
		&traits[0], &traits[1], &traits[2], &traits[3], &traits[4], &c.MemberCount, &c.HiddenAt, &c.HiddenReason,
		&c.CreatedAt, &c.UpdatedAt}, extra...)...); err != nil {
		return nil, err
	}
	c.Tags, c.Languages = nonNil(tags), nonNil(languages)
	c.Styles = []tsunagari.ActivityStyle{}
	for _, s := range styles {
		c.Styles = append(c.Styles, tsunagari.ActivityStyle(s))
	}
	c.Traits = []tsunagari.Trait{}
	for i, t := range tsunagari.Traits {
		if traits[i] {
			c.Traits = append(c.Traits, t)
		}
	}
	c.OrgID = nullEmpty(orgID)
	c.HiddenAt = utcPtr(c.HiddenAt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// findCommunities returns the communities of query, whose columns are
// communityColumns, with their organisers.
func findCommunities(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.Community, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Community, error) { return scanCommunity(row) })
	if err != nil {
		return nil, err
	}
	if err := fillOrganisers(ctx, q, list); err != nil {
		return nil, err
	}
	return list, nil
}

// fillOrganisers sets the organisers of each community: the organiser
// first, then co-organisers by when they joined.
func fillOrganisers(ctx context.Context, q querier, list []*tsunagari.Community) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[string]*tsunagari.Community, len(list))
	ids := make([]string, len(list))
	for i, c := range list {
		byID[c.ID], ids[i] = c, c.ID
	}
	rows, err := q.Query(ctx, `
		SELECT m.community_id, m.account_id, a.name, m.role
		FROM community_members m JOIN accounts a ON a.id = m.account_id
		WHERE m.community_id = ANY ($1) AND m.role IN ('organiser', 'co_organiser')
		ORDER BY m.community_id, m.role DESC, m.joined_at, m.account_id`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var o tsunagari.Organiser
		if err := rows.Scan(&id, &o.AccountID, &o.Name, &o.Role); err != nil {
			return err
		}
		byID[id].Organisers = append(byID[id].Organisers, o)
	}
	return rows.Err()
}

// CreateCommunity stores c with its organisers and indexes it.
func (s *CommunityStore) CreateCommunity(ctx context.Context, c *tsunagari.Community) error {
	return wrap("create community", s.db.inTx(ctx, func(tx pgx.Tx) error { return s.createCommunity(ctx, tx, c) }))
}

// ImportCommunities creates every community of cs, or none.
func (s *CommunityStore) ImportCommunities(ctx context.Context, cs []*tsunagari.Community) error {
	return wrap("import communities", s.db.inTx(ctx, func(tx pgx.Tx) error {
		for _, c := range cs {
			if err := s.createCommunity(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (s *CommunityStore) createCommunity(ctx context.Context, tx pgx.Tx, c *tsunagari.Community) error {
	if c.ID == "" {
		c.ID = tsunagari.NewID()
	}
	c.CreatedAt = s.db.orNow(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.UpdatedAt, c.HiddenAt = stamp(c.UpdatedAt), stampPtr(c.HiddenAt)
	c.MemberCount = 0
	if _, err := tx.Exec(ctx, insertSQL("communities", communityColumns), communityValues(c)...); err != nil {
		return err
	}
	for _, o := range c.Organisers {
		if !o.Role.Runs() {
			return fmt.Errorf("organiser %s has role %q", o.AccountID, o.Role)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO community_members (community_id, account_id, involvement, role, status, requested_at, joined_at)
			VALUES ($1, $2, 'core', $3, 'active', $4, $4)`,
			c.ID, o.AccountID, string(o.Role), c.CreatedAt); err != nil {
			return err
		}
	}
	if err := countMembers(ctx, tx, c.ID); err != nil {
		return err
	}
	c.MemberCount = len(c.Organisers)
	return indexCommunity(ctx, tx, c)
}

// indexCommunity puts c's text in the search index.
func indexCommunity(ctx context.Context, q querier, c *tsunagari.Community) error {
	var orgName string
	if c.OrgID != "" {
		if err := q.QueryRow(ctx, `SELECT name FROM orgs WHERE id = $1`, c.OrgID).Scan(&orgName); err != nil {
			return translate(err)
		}
	}
	title, tags, body := c.SearchText(orgName)
	if err := indexDoc(ctx, q, docCommunity, c.ID, search.NewDoc(title, tags, body...)); err != nil {
		return err
	}
	return rankCommunity(ctx, q, c.ID)
}

// rankCommunity copies the community's visibility and member count to
// its search document.
func rankCommunity(ctx context.Context, q querier, id string) error {
	var (
		hidden bool
		count  int
	)
	if err := q.QueryRow(ctx, `SELECT hidden_at IS NOT NULL, member_count FROM communities WHERE id = $1`, id).Scan(&hidden, &count); err != nil {
		return translate(err)
	}
	return rankDoc(ctx, q, docCommunity, id, !hidden, count)
}

// countMembers sets the community's member count from its active
// memberships.
func countMembers(ctx context.Context, q querier, id string) error {
	if _, err := q.Exec(ctx, `
		UPDATE communities SET member_count =
			(SELECT count(*) FROM community_members WHERE community_id = $1 AND status = 'active')
		WHERE id = $1`, id); err != nil {
		return err
	}
	return rankCommunity(ctx, q, id)
}

// FindCommunityByID returns ErrNotFound if there is no such community.
func (s *CommunityStore) FindCommunityByID(ctx context.Context, id string) (*tsunagari.Community, error) {
	list, err := findCommunities(ctx, s.db.pool, communitySelect+` FROM communities c WHERE c.id = $1`, id)
	if err != nil {
		return nil, wrap("find community", err)
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

// UpdateCommunity saves c's editable fields and re-indexes it.
func (s *CommunityStore) UpdateCommunity(ctx context.Context, c *tsunagari.Community) error {
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = s.db.now()
	}
	c.UpdatedAt = stamp(c.UpdatedAt)
	return wrap("update community", s.db.inTx(ctx, func(tx pgx.Tx) error {
		v := communityValues(c)
		// Every column of communityValues up to the traits, and updated_at.
		sets := make([]string, 0, 22)
		args := []any{c.ID}
		for i, col := range communityColumns[1:22] {
			args = append(args, v[i+1])
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		args = append(args, c.UpdatedAt)
		sets = append(sets, fmt.Sprintf("updated_at = $%d", len(args)))
		if err := affectedOne(tx.Exec(ctx, `UPDATE communities SET `+strings.Join(sets, ", ")+` WHERE id = $1`, args...)); err != nil {
			return err
		}
		return indexCommunity(ctx, tx, c)
	}))
}

// SetCommunityHidden hides or shows a community.
func (s *CommunityStore) SetCommunityHidden(ctx context.Context, id string, at *time.Time, reason string) error {
	if at == nil {
		reason = ""
	}
	return wrap("hide community", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := affectedOne(tx.Exec(ctx,
			`UPDATE communities SET hidden_at = $2, hidden_reason = $3 WHERE id = $1`, id, stampPtr(at), reason)); err != nil {
			return err
		}
		return rankCommunity(ctx, tx, id)
	}))
}

// communityWhere returns the conditions of f other than its query, on
// communities c, adding their arguments to p.
func communityWhere(p *params, f tsunagari.CommunitySearch) []string {
	var where []string
	if !f.IncludeHidden {
		where = append(where, `c.hidden_at IS NULL`)
	}
	if len(f.Kinds) > 0 {
		where = append(where, `c.kind = ANY (`+p.add(strs(f.Kinds))+`::text[])`)
	}
	if f.Prefecture != "" {
		ph := p.add(f.Prefecture)
		where = append(where, `(c.prefecture = `+ph+` OR c.home_prefecture = `+ph+`)`)
	}
	if f.Online {
		where = append(where, `c.online`)
	}
	if f.MaxFee != nil {
		where = append(where, `c.monthly_fee <= `+p.add(*f.MaxFee))
	}
	if f.MaxHours != nil {
		where = append(where, `c.hours_per_month <= `+p.add(*f.MaxHours))
	}
	for _, t := range f.Traits {
		if t.Valid() {
			where = append(where, `c.`+traitColumn(t))
		}
	}
	if f.MemberID != "" {
		where = append(where, `c.id IN (SELECT community_id FROM community_members WHERE account_id = `+p.add(f.MemberID)+`)`)
	}
	if f.OrganiserID != "" {
		where = append(where, `c.id IN (SELECT community_id FROM community_members WHERE account_id = `+
			p.add(f.OrganiserID)+` AND role IN ('organiser', 'co_organiser'))`)
	}
	return where
}

// SearchCommunities returns one page of matching communities, ranked, and
// the number of matches.
func (s *CommunityStore) SearchCommunities(ctx context.Context, f tsunagari.CommunitySearch) ([]*tsunagari.Community, int, error) {
	q := search.Parse(f.Query)
	var (
		list  []*tsunagari.Community
		total int
	)
	err := s.db.snapshot(ctx, func(tx pgx.Tx) error {
		var p params
		if q.Empty() {
			where := communityWhere(&p, f)
			cond := ""
			if len(where) > 0 {
				cond = ` WHERE ` + strings.Join(where, " AND ")
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM communities c`+cond, p.args...).Scan(&total); err != nil {
				return err
			}
			var err error
			list, err = findCommunities(ctx, tx, communitySelect+` FROM communities c`+cond+
				` ORDER BY c.member_count DESC, c.id`+limitOffset(f.Limit, f.Offset), p.args...)
			return err
		}
		// Rank on IDs, then read the page's rows. Without filters on the
		// communities themselves, the search documents have all it takes;
		// otherwise each match joins its community.
		matched := matchedDocs(&p, docCommunity, q)
		var from, ranked string
		if plainSearch(f) {
			from = ` FROM (` + matched + `) m`
			if !f.IncludeHidden {
				from += ` WHERE m.visible`
			}
			ranked = `SELECT m.doc_id, count(*) OVER ()` + from + ` ORDER BY m.score DESC, m.popularity DESC, m.doc_id`
		} else {
			where := communityWhere(&p, f)
			from = ` FROM communities c JOIN (` + matched + `) m ON m.doc_id = c.id`
			if len(where) > 0 {
				from += ` WHERE ` + strings.Join(where, " AND ")
			}
			ranked = `SELECT c.id, count(*) OVER ()` + from + ` ORDER BY m.score DESC, c.member_count DESC, c.id`
		}
		rows, err := tx.Query(ctx, ranked+limitOffset(f.Limit, f.Offset), p.args...)
		if err != nil {
			return err
		}
		var (
			ids []string
			id  string
			n   int64
		)
		if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error {
			ids = append(ids, id)
			return nil
		}); err != nil {
			return err
		}
		total = int(n)
		if len(ids) == 0 {
			if f.Offset > 0 {
				// Past the last page: the window saw no rows to count.
				return tx.QueryRow(ctx, `SELECT count(*)`+from, p.args...).Scan(&total)
			}
			return nil
		}
		page, err := findCommunities(ctx, tx, communitySelect+` FROM communities c WHERE c.id = ANY ($1)`, ids)
		if err != nil {
			return err
		}
		list = inOrder(page, ids)
		return nil
	})
	return list, total, wrap("search communities", err)
}

// Memberships.

var membershipSelect = `SELECT m.community_id, m.account_id, m.involvement, m.role, m.status, m.requested_at, m.joined_at, a.name
	FROM community_members m JOIN accounts a ON a.id = m.account_id`

func scanMembership(row scanner) (*tsunagari.Membership, error) {
	var (
		m        tsunagari.Membership
		joinedAt *time.Time
	)
	if err := row.Scan(&m.CommunityID, &m.AccountID, &m.Involvement, &m.Role, &m.Status, &m.RequestedAt, &joinedAt, &m.Name); err != nil {
		return nil, err
	}
	m.RequestedAt, m.JoinedAt = m.RequestedAt.UTC(), nullZero(joinedAt)
	return &m, nil
}

// findMemberships returns the memberships matching where: organisers
// first, then co-organisers, then members by when they asked.
func findMemberships(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.Membership, error) {
	rows, err := q.Query(ctx, membershipSelect+` WHERE `+where+`
		ORDER BY CASE m.role WHEN 'organiser' THEN 0 WHEN 'co_organiser' THEN 1 ELSE 2 END, m.requested_at, m.account_id`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Membership, error) { return scanMembership(row) })
}

// lockCommunity locks the community's row until the end of tx, so that
// membership changes of one community run one after another; ErrNotFound
// if there is no such community.
func lockCommunity(ctx context.Context, tx pgx.Tx, id string) error {
	var one int
	if err := tx.QueryRow(ctx, `SELECT 1 FROM communities WHERE id = $1 FOR UPDATE`, id).Scan(&one); err != nil {
		return fmt.Errorf("community: %w", translate(err))
	}
	return nil
}

// CreateMembership stores m and keeps the member count.
func (s *CommunityStore) CreateMembership(ctx context.Context, m *tsunagari.Membership) error {
	m.RequestedAt = s.db.orNow(m.RequestedAt)
	if m.Status == tsunagari.MembershipActive && m.JoinedAt.IsZero() {
		m.JoinedAt = m.RequestedAt
	}
	m.JoinedAt = stamp(m.JoinedAt)
	return wrap("create membership", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCommunity(ctx, tx, m.CommunityID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO community_members (community_id, account_id, involvement, role, status, requested_at, joined_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			m.CommunityID, m.AccountID, string(m.Involvement), string(m.Role), string(m.Status), m.RequestedAt, zeroNull(m.JoinedAt)); err != nil {
			return err
		}
		return countMembers(ctx, tx, m.CommunityID)
	}))
}

// FindMembership returns ErrNotFound if there is no such membership.
func (s *CommunityStore) FindMembership(ctx context.Context, communityID, accountID string) (*tsunagari.Membership, error) {
	m, err := scanMembership(s.db.pool.QueryRow(ctx, membershipSelect+` WHERE m.community_id = $1 AND m.account_id = $2`,
		communityID, accountID))
	return m, wrap("find membership", err)
}

// FindMemberships returns matching memberships, organisers first.
func (s *CommunityStore) FindMemberships(ctx context.Context, f tsunagari.MembershipFilter) ([]*tsunagari.Membership, error) {
	var p params
	where := []string{"true"}
	if f.CommunityID != "" {
		where = append(where, "m.community_id = "+p.add(f.CommunityID))
	}
	if f.AccountID != "" {
		where = append(where, "m.account_id = "+p.add(f.AccountID))
	}
	if f.Status != "" {
		where = append(where, "m.status = "+p.add(string(f.Status)))
	}
	if f.Running {
		where = append(where, "m.role IN ('organiser', 'co_organiser')")
	}
	list, err := findMemberships(ctx, s.db.pool, strings.Join(where, " AND "), p.args...)
	return list, wrap("find memberships", err)
}

// lastOrganiser reports whether removing the organiser role of accountID
// would leave the community without an organiser; ErrNotFound if the
// account has no membership.
func lastOrganiser(ctx context.Context, tx pgx.Tx, communityID, accountID string) (bool, error) {
	var role string
	if err := tx.QueryRow(ctx, `SELECT role FROM community_members WHERE community_id = $1 AND account_id = $2`,
		communityID, accountID).Scan(&role); err != nil {
		return false, translate(err)
	}
	if role != string(tsunagari.CommunityOrganiser) {
		return false, nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM community_members WHERE community_id = $1 AND role = 'organiser'`,
		communityID).Scan(&n)
	return n == 1, err
}

// UpdateMembership saves m's involvement, role, status and JoinedAt.
func (s *CommunityStore) UpdateMembership(ctx context.Context, m *tsunagari.Membership) error {
	m.JoinedAt = stamp(m.JoinedAt)
	return wrap("update membership", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCommunity(ctx, tx, m.CommunityID); err != nil {
			return err
		}
		if m.Role != tsunagari.CommunityOrganiser {
			last, err := lastOrganiser(ctx, tx, m.CommunityID, m.AccountID)
			if err != nil {
				return err
			}
			if last {
				return fmt.Errorf("%w: the last organiser", tsunagari.ErrConflict)
			}
		}
		if err := affectedOne(tx.Exec(ctx, `
			UPDATE community_members SET involvement = $3, role = $4, status = $5, joined_at = $6
			WHERE community_id = $1 AND account_id = $2`,
			m.CommunityID, m.AccountID, string(m.Involvement), string(m.Role), string(m.Status), zeroNull(m.JoinedAt))); err != nil {
			return err
		}
		return countMembers(ctx, tx, m.CommunityID)
	}))
}

// DeleteMembership ends a membership at once.
func (s *CommunityStore) DeleteMembership(ctx context.Context, communityID, accountID string) error {
	return wrap("delete membership", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCommunity(ctx, tx, communityID); err != nil {
			return err
		}
		last, err := lastOrganiser(ctx, tx, communityID, accountID)
		if err != nil {
			return err
		}
		if last {
			return fmt.Errorf("%w: the last organiser", tsunagari.ErrConflict)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM community_members WHERE community_id = $1 AND account_id = $2`,
			communityID, accountID); err != nil {
			return err
		}
		return countMembers(ctx, tx, communityID)
	}))
}

// Trait ratings.

// RateTraits replaces the account's rating of the community's traits.
func (s *CommunityStore) RateTraits(ctx context.Context, r *tsunagari.TraitRating) error {
	r.RatedAt = s.db.orNow(r.RatedAt)
	return wrap("rate traits", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM community_trait_ratings WHERE community_id = $1 AND account_id = $2`,
			r.CommunityID, r.AccountID); err != nil {
			return err
		}
		for _, t := range tsunagari.Traits {
			v, ok := r.Scores[t]
			if !ok {
				continue
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO community_trait_ratings (community_id, account_id, trait, score, rated_at) VALUES ($1, $2, $3, $4, $5)`,
				r.CommunityID, r.AccountID, string(t), v, r.RatedAt); err != nil {
				return err
			}
		}
		return nil
	}))
}

// FindTraitRating returns the account's own rating.
func (s *CommunityStore) FindTraitRating(ctx context.Context, communityID, accountID string) (*tsunagari.TraitRating, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT trait, score, rated_at FROM community_trait_ratings WHERE community_id = $1 AND account_id = $2`,
		communityID, accountID)
	if err != nil {
		return nil, wrap("find trait rating", err)
	}
	defer rows.Close()
	r := &tsunagari.TraitRating{CommunityID: communityID, AccountID: accountID, Scores: map[tsunagari.Trait]int{}}
	for rows.Next() {
		var (
			t       tsunagari.Trait
			v       int
			ratedAt time.Time
		)
		if err := rows.Scan(&t, &v, &ratedAt); err != nil {
			return nil, wrap("find trait rating", err)
		}
		r.Scores[t], r.RatedAt = v, ratedAt.UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("find trait rating", err)
	}
	if len(r.Scores) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return r, nil
}

// TraitScores returns what members say about each trait.
func (s *CommunityStore) TraitScores(ctx context.Context, communityID string) ([]tsunagari.TraitScore, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT trait, count(*), sum(score) FROM community_trait_ratings WHERE community_id = $1 GROUP BY trait`, communityID)
	if err != nil {
		return nil, wrap("trait scores", err)
	}
	defer rows.Close()
	got := map[tsunagari.Trait]tsunagari.TraitScore{}
	for rows.Next() {
		var (
			t        tsunagari.Trait
			n, total int64
		)
		if err := rows.Scan(&t, &n, &total); err != nil {
			return nil, wrap("trait scores", err)
		}
		got[t] = tsunagari.TraitScore{Trait: t, Raters: int(n), Mean: tsunagari.MeanScore(int(total), int(n))}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("trait scores", err)
	}
	out := make([]tsunagari.TraitScore, len(tsunagari.Traits))
	for i, t := range tsunagari.Traits {
		out[i] = got[t]
		out[i].Trait = t
	}
	return out, nil
}

// plainSearch reports whether f filters on nothing but its query and
// visibility, which the search documents answer alone.
func plainSearch(f tsunagari.CommunitySearch) bool {
	return len(f.Kinds) == 0 && f.Prefecture == "" && !f.Online && f.MaxFee == nil && f.MaxHours == nil &&
		len(f.Traits) == 0 && f.MemberID == "" && f.OrganiserID == ""
}

// inOrder returns the communities of list in the order of ids.
func inOrder(list []*tsunagari.Community, ids []string) []*tsunagari.Community {
	byID := make(map[string]*tsunagari.Community, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	out := make([]*tsunagari.Community, 0, len(ids))
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, c)
		}
	}
	return out
}
