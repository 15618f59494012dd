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

// communityStore implements tsunagari.CommunityStore.
type communityStore struct{ db *DB }

var _ tsunagari.CommunityStore = (*communityStore)(nil)

const communityColumns = `c.id, c.kind, c.name, c.purpose, c.description, c.tags, c.styles, c.prefecture, c.online,
	c.home_prefecture, c.org_id, c.job_family, c.industry, c.monthly_fee, c.hours_per_month, c.languages,
	c.join_policy, c.trait_member_run, c.trait_purpose_fit, c.trait_flexible_intensity, c.trait_free_exit,
	c.trait_newcomer_support, c.member_count, c.hidden_at, c.hidden_reason, c.created_at, c.updated_at`

// traitColumn names the column of a declared trait.
func traitColumn(t tsunagari.Trait) string { return "trait_" + string(t) }

func jsonList[T ~string](list []T) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a list of strings always encodes
	return string(b)
}

// scanCommunity reads one row of communityColumns, then extra columns
// into extra.
func scanCommunity(rows *sql.Rows, extra ...any) (*tsunagari.Community, error) {
	var (
		c                       tsunagari.Community
		tags, styles, languages string
		orgID                   sql.NullString
		traits                  [5]bool
		hiddenAt                sql.NullInt64
		createdAt, updatedAt    int64
	)
	if err := rows.Scan(append([]any{&c.ID, &c.Kind, &c.Name, &c.Purpose, &c.Description, &tags, &styles, &c.Prefecture, &c.Online,
		&c.HomePrefecture, &orgID, &c.JobFamily, &c.Industry, &c.MonthlyFee, &c.HoursPerMonth, &languages,
		&c.JoinPolicy, &traits[0], &traits[1], &traits[2], &traits[3], &traits[4], &c.MemberCount,
		&hiddenAt, &c.HiddenReason, &createdAt, &updatedAt}, extra...)...); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		s   string
		dst any
	}{{tags, &c.Tags}, {styles, &c.Styles}, {languages, &c.Languages}} {
		if err := json.Unmarshal([]byte(l.s), l.dst); err != nil {
			return nil, fmt.Errorf("read community %s: %w", c.ID, err)
		}
	}
	c.Traits = []tsunagari.Trait{}
	for i, t := range tsunagari.Traits {
		if traits[i] {
			c.Traits = append(c.Traits, t)
		}
	}
	c.OrgID = orgID.String
	c.HiddenAt = timePtr(hiddenAt)
	c.CreatedAt, c.UpdatedAt = unixTime(createdAt), unixTime(updatedAt)
	return &c, nil
}

// findCommunities returns the communities of query, whose columns are
// communityColumns, with their organisers.
func findCommunities(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.Community, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var list []*tsunagari.Community
	for rows.Next() {
		c, err := scanCommunity(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
	args := make([]any, len(list))
	for i, c := range list {
		byID[c.ID] = c
		args[i] = c.ID
	}
	rows, err := q.QueryContext(ctx, `
		SELECT m.community_id, m.account_id, a.name, m.role
		FROM community_members m JOIN accounts a ON a.id = m.account_id
		WHERE m.community_id IN (`+placeholders(len(list))+`) AND m.role IN ('organiser', 'co_organiser')
		ORDER BY m.community_id, m.role DESC, m.joined_at, m.account_id`, args...)
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

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// communityArgs returns the stored values of c's columns after id, in the
// order of communityColumns, up to and including the traits.
func communityArgs(c *tsunagari.Community) []any {
	args := []any{string(c.Kind), c.Name, c.Purpose, c.Description, jsonList(c.Tags), jsonList(c.Styles), c.Prefecture, c.Online,
		c.HomePrefecture, nullString(c.OrgID), c.JobFamily, c.Industry, c.MonthlyFee, c.HoursPerMonth, jsonList(c.Languages),
		string(c.JoinPolicy)}
	for _, t := range tsunagari.Traits {
		args = append(args, c.Has(t))
	}
	return args
}

func (s *communityStore) CreateCommunity(ctx context.Context, c *tsunagari.Community) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error { return s.createCommunity(ctx, tx, c) })
}

func (s *communityStore) ImportCommunities(ctx context.Context, cs []*tsunagari.Community) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range cs {
			if err := s.createCommunity(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *communityStore) createCommunity(ctx context.Context, tx *sql.Tx, c *tsunagari.Community) error {
	if c.ID == "" {
		c.ID = tsunagari.NewID()
	}
	c.CreatedAt = s.db.orNow(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.UpdatedAt = stamp(c.UpdatedAt)
	c.HiddenAt = stampPtr(c.HiddenAt)
	args := append([]any{c.ID}, communityArgs(c)...)
	args = append(args, nullUnix(c.HiddenAt), c.HiddenReason, c.CreatedAt.Unix(), c.UpdatedAt.Unix())
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO communities (id, kind, name, purpose, description, tags, styles, prefecture, online,
			home_prefecture, org_id, job_family, industry, monthly_fee, hours_per_month, languages, join_policy,
			trait_member_run, trait_purpose_fit, trait_flexible_intensity, trait_free_exit, trait_newcomer_support,
			hidden_at, hidden_reason, created_at, updated_at)
		VALUES (`+placeholders(26)+`)`, args...); err != nil {
		return err
	}
	for i := range c.Organisers {
		o := &c.Organisers[i]
		if !o.Role.Runs() {
			return fmt.Errorf("create community: organiser %s has role %q", o.AccountID, o.Role)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO community_members (community_id, account_id, involvement, role, status, requested_at, joined_at)
			VALUES (?, ?, 'core', ?, 'active', ?, ?)`,
			c.ID, o.AccountID, string(o.Role), c.CreatedAt.Unix(), c.CreatedAt.Unix()); err != nil {
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
		if err := q.QueryRowContext(ctx, `SELECT name FROM orgs WHERE id = ?`, c.OrgID).Scan(&orgName); err != nil {
			return err // ErrNotFound for an unknown org
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
	if err := q.QueryRowContext(ctx, `SELECT hidden_at IS NOT NULL, member_count FROM communities WHERE id = ?`, id).Scan(&hidden, &count); err != nil {
		return err
	}
	return rankDoc(ctx, q, docCommunity, id, !hidden, count)
}

// countMembers sets the community's member count from its active
// memberships.
func countMembers(ctx context.Context, q querier, id string) error {
	if _, err := q.ExecContext(ctx, `
		UPDATE communities SET member_count =
			(SELECT count(*) FROM community_members WHERE community_id = ? AND status = 'active')
		WHERE id = ?`, id, id); err != nil {
		return err
	}
	return rankCommunity(ctx, q, id)
}

func (s *communityStore) FindCommunityByID(ctx context.Context, id string) (*tsunagari.Community, error) {
	list, err := findCommunities(ctx, s.db.read, `SELECT `+communityColumns+` FROM communities c WHERE c.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

func (s *communityStore) UpdateCommunity(ctx context.Context, c *tsunagari.Community) error {
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = s.db.now()
	}
	c.UpdatedAt = stamp(c.UpdatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		args := append(communityArgs(c), c.UpdatedAt.Unix(), c.ID)
		res, err := tx.ExecContext(ctx, `
			UPDATE communities SET kind = ?, name = ?, purpose = ?, description = ?, tags = ?, styles = ?,
				prefecture = ?, online = ?, home_prefecture = ?, org_id = ?, job_family = ?, industry = ?,
				monthly_fee = ?, hours_per_month = ?, languages = ?, join_policy = ?,
				trait_member_run = ?, trait_purpose_fit = ?, trait_flexible_intensity = ?, trait_free_exit = ?,
				trait_newcomer_support = ?, updated_at = ?
			WHERE id = ?`, args...)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		return indexCommunity(ctx, tx, c)
	})
}

func (s *communityStore) SetCommunityHidden(ctx context.Context, id string, at *time.Time, reason string) error {
	if at == nil {
		reason = ""
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE communities SET hidden_at = ?, hidden_reason = ? WHERE id = ?`,
			nullUnix(stampPtr(at)), reason, id)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		return rankCommunity(ctx, tx, id)
	})
}

// communityWhere returns the conditions of f other than its query, on
// communities c, and their arguments.
func communityWhere(f tsunagari.CommunitySearch) ([]string, []any) {
	var where []string
	var args []any
	if !f.IncludeHidden {
		where = append(where, `c.hidden_at IS NULL`)
	}
	if len(f.Kinds) > 0 {
		where = append(where, `c.kind IN (`+placeholders(len(f.Kinds))+`)`)
		for _, k := range f.Kinds {
			args = append(args, string(k))
		}
	}
	if f.Prefecture != "" {
		where = append(where, `(c.prefecture = ? OR c.home_prefecture = ?)`)
		args = append(args, f.Prefecture, f.Prefecture)
	}
	if f.Online {
		where = append(where, `c.online = 1`)
	}
	if f.MaxFee != nil {
		where = append(where, `c.monthly_fee <= ?`)
		args = append(args, *f.MaxFee)
	}
	if f.MaxHours != nil {
		where = append(where, `c.hours_per_month <= ?`)
		args = append(args, *f.MaxHours)
	}
	for _, t := range f.Traits {
		if t.Valid() {
			where = append(where, `c.`+traitColumn(t)+` = 1`)
		}
	}
	if f.MemberID != "" {
		where = append(where, `c.id IN (SELECT community_id FROM community_members WHERE account_id = ?)`)
		args = append(args, f.MemberID)
	}
	if f.OrganiserID != "" {
		where = append(where, `c.id IN (SELECT community_id FROM community_members WHERE account_id = ? AND role IN ('organiser', 'co_organiser'))`)
		args = append(args, f.OrganiserID)
	}
	return where, args
}

func (s *communityStore) SearchCommunities(ctx context.Context, f tsunagari.CommunitySearch) ([]*tsunagari.Community, int, error) {
	where, args := communityWhere(f)
	q := search.Parse(f.Query)
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, " AND ")
	}
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()

	if q.Empty() {
		var total int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM communities c`+cond, args...).Scan(&total); err != nil {
			return nil, 0, err
		}
		list, err := findCommunities(ctx, tx, `SELECT `+communityColumns+` FROM communities c`+cond+
			` ORDER BY c.member_count DESC, c.id`+limitClause(f.Limit, f.Offset), args...)
		return list, total, err
	}

	// Rank on IDs alone, then read the page's rows: the sorter then holds
	// a few narrow columns per match, not whole communities. Without
	// filters on the communities themselves, the search documents have
	// all it takes; otherwise each match joins its community by seq.
	matched, margs := matchedDocs(communityBase, q)
	var from, ranked string
	if plainSearch(f) {
		from = ` FROM (` + matched + `) m`
		if !f.IncludeHidden {
			from += ` WHERE m.visible = 1`
		}
		ranked = `SELECT m.doc_id, count(*) OVER ()` + from + ` ORDER BY m.score DESC, m.popularity DESC, m.doc_id`
		args = margs
	} else {
		from = ` FROM (` + matched + `) m JOIN communities c ON c.seq = m.r - ?` + cond
		ranked = `SELECT c.id, count(*) OVER ()` + from + ` ORDER BY m.score DESC, c.member_count DESC, c.id`
		args = append(append(margs, communityBase), args...)
	}
	rows, err := tx.QueryContext(ctx, ranked+limitClause(f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search communities: %w", err)
	}
	var (
		ids   []any
		total int
	)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &total); err != nil {
			rows.Close()
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search communities: %w", err)
	}
	if len(ids) == 0 {
		if f.Offset > 0 {
			// Past the last page: the window saw no rows to count.
			if err := tx.QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
				return nil, 0, fmt.Errorf("search communities: %w", err)
			}
		}
		return nil, total, nil
	}
	list, err := findCommunities(ctx, tx, `SELECT `+communityColumns+` FROM communities c WHERE c.id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, 0, err
	}
	return inOrder(list, ids), total, nil
}

// inOrder returns the communities of list in the order of ids.
func inOrder(list []*tsunagari.Community, ids []any) []*tsunagari.Community {
	byID := make(map[string]*tsunagari.Community, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	out := make([]*tsunagari.Community, 0, len(ids))
	for _, id := range ids {
		if c := byID[id.(string)]; c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Memberships.

const membershipColumns = `m.community_id, m.account_id, m.involvement, m.role, m.status, m.requested_at, m.joined_at, a.name`

func scanMembership(rows *sql.Rows) (*tsunagari.Membership, error) {
	var (
		m           tsunagari.Membership
		requestedAt int64
		joinedAt    sql.NullInt64
	)
	if err := rows.Scan(&m.CommunityID, &m.AccountID, &m.Involvement, &m.Role, &m.Status, &requestedAt, &joinedAt, &m.Name); err != nil {
		return nil, err
	}
	m.RequestedAt, m.JoinedAt = unixTime(requestedAt), timeOrZero(joinedAt)
	return &m, nil
}

// findMemberships returns the memberships matching where: organisers
// first, then co-organisers, then members by when they asked.
func findMemberships(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.Membership, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT `+membershipColumns+` FROM community_members m JOIN accounts a ON a.id = m.account_id
		WHERE `+where+`
		ORDER BY CASE m.role WHEN 'organiser' THEN 0 WHEN 'co_organiser' THEN 1 ELSE 2 END, m.requested_at, m.account_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.Membership
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

func (s *communityStore) CreateMembership(ctx context.Context, m *tsunagari.Membership) error {
	m.RequestedAt = s.db.orNow(m.RequestedAt)
	if m.Status == tsunagari.MembershipActive && m.JoinedAt.IsZero() {
		m.JoinedAt = m.RequestedAt
	}
	m.JoinedAt = stamp(m.JoinedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := communityExists(ctx, tx, m.CommunityID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO community_members (community_id, account_id, involvement, role, status, requested_at, joined_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.CommunityID, m.AccountID, string(m.Involvement), string(m.Role), string(m.Status),
			m.RequestedAt.Unix(), zeroNullUnix(m.JoinedAt)); err != nil {
			return err
		}
		return countMembers(ctx, tx, m.CommunityID)
	})
}

// communityExists returns ErrNotFound if there is no community id.
func communityExists(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM communities WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("community: %w", tsunagari.ErrNotFound)
	}
	return nil
}

func (s *communityStore) FindMembership(ctx context.Context, communityID, accountID string) (*tsunagari.Membership, error) {
	list, err := findMemberships(ctx, s.db.read, `m.community_id = ? AND m.account_id = ?`, communityID, accountID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

func (s *communityStore) FindMemberships(ctx context.Context, f tsunagari.MembershipFilter) ([]*tsunagari.Membership, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.CommunityID != "" {
		where, args = append(where, "m.community_id = ?"), append(args, f.CommunityID)
	}
	if f.AccountID != "" {
		where, args = append(where, "m.account_id = ?"), append(args, f.AccountID)
	}
	if f.Status != "" {
		where, args = append(where, "m.status = ?"), append(args, string(f.Status))
	}
	if f.Running {
		where = append(where, "m.role IN ('organiser', 'co_organiser')")
	}
	return findMemberships(ctx, s.db.read, strings.Join(where, " AND "), args...)
}

// lastOrganiser reports whether removing the organiser role of accountID
// would leave the community without an organiser.
func lastOrganiser(ctx context.Context, q querier, communityID, accountID string) (bool, error) {
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM community_members WHERE community_id = ? AND account_id = ?`,
		communityID, accountID).Scan(&role)
	if err != nil {
		return false, err
	}
	if role != string(tsunagari.CommunityOrganiser) {
		return false, nil
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM community_members WHERE community_id = ? AND role = 'organiser'`,
		communityID).Scan(&n)
	return n == 1, err
}

func (s *communityStore) UpdateMembership(ctx context.Context, m *tsunagari.Membership) error {
	m.JoinedAt = stamp(m.JoinedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if m.Role != tsunagari.CommunityOrganiser {
			last, err := lastOrganiser(ctx, tx, m.CommunityID, m.AccountID)
			if err != nil {
				return err
			}
			if last {
				return fmt.Errorf("%w: the last organiser", tsunagari.ErrConflict)
			}
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE community_members SET involvement = ?, role = ?, status = ?, joined_at = ?
			WHERE community_id = ? AND account_id = ?`,
			string(m.Involvement), string(m.Role), string(m.Status), zeroNullUnix(m.JoinedAt), m.CommunityID, m.AccountID)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		return countMembers(ctx, tx, m.CommunityID)
	})
}

func (s *communityStore) DeleteMembership(ctx context.Context, communityID, accountID string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		last, err := lastOrganiser(ctx, tx, communityID, accountID)
		if err != nil {
			return err
		}
		if last {
			return fmt.Errorf("%w: the last organiser", tsunagari.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM community_members WHERE community_id = ? AND account_id = ?`,
			communityID, accountID); err != nil {
			return err
		}
		return countMembers(ctx, tx, communityID)
	})
}

// Trait ratings.

func (s *communityStore) RateTraits(ctx context.Context, r *tsunagari.TraitRating) error {
	r.RatedAt = s.db.orNow(r.RatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM community_trait_ratings WHERE community_id = ? AND account_id = ?`,
			r.CommunityID, r.AccountID); err != nil {
			return err
		}
		for _, t := range tsunagari.Traits {
			v, ok := r.Scores[t]
			if !ok {
				continue
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO community_trait_ratings (community_id, account_id, trait, score, rated_at) VALUES (?, ?, ?, ?, ?)`,
				r.CommunityID, r.AccountID, string(t), v, r.RatedAt.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *communityStore) FindTraitRating(ctx context.Context, communityID, accountID string) (*tsunagari.TraitRating, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT trait, score, rated_at FROM community_trait_ratings WHERE community_id = ? AND account_id = ?`,
		communityID, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r := &tsunagari.TraitRating{CommunityID: communityID, AccountID: accountID, Scores: map[tsunagari.Trait]int{}}
	for rows.Next() {
		var (
			t       tsunagari.Trait
			v       int
			ratedAt int64
		)
		if err := rows.Scan(&t, &v, &ratedAt); err != nil {
			return nil, err
		}
		r.Scores[t], r.RatedAt = v, unixTime(ratedAt)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(r.Scores) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return r, nil
}

func (s *communityStore) TraitScores(ctx context.Context, communityID string) ([]tsunagari.TraitScore, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT trait, count(*), sum(score) FROM community_trait_ratings WHERE community_id = ? GROUP BY trait`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[tsunagari.Trait]tsunagari.TraitScore{}
	for rows.Next() {
		var (
			t        tsunagari.Trait
			n, total int
		)
		if err := rows.Scan(&t, &n, &total); err != nil {
			return nil, err
		}
		got[t] = tsunagari.TraitScore{Trait: t, Raters: n, Mean: tsunagari.MeanScore(total, n)}
	}
	if err := rows.Err(); err != nil {
		return nil, err
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
