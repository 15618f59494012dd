package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"tsunagari/internal/search"
)

// The search index (package search has the rules, the migration the
// tables). search_docs holds each document's normalised fields under a
// rowid made of its kind's base and the seq of its own row; search_grams,
// an FTS5 table, holds under the same rowid each field's bigrams in order
// and its kanji. A query takes its candidates from search_grams (see
// ftsMatch), confirms and scores them against search_docs as
// search.Query.Score does, and reaches the documents' rows by seq.
//
// Another kind of document joins the index by giving its table a seq
// INTEGER PRIMARY KEY, a base in docRowid, and a search method like
// SearchCommunities.

// Kinds of documents in the index, and the base of their rowids.
const (
	docCommunity = "community"

	communityBase = int64(1) << 40
	kindSpan      = int64(1) << 40
)

// The events and pro-bono projects in the index.
const (
	docEvent   = "event"
	docProject = "probono_project"

	eventBase   = 2 * kindSpan
	projectBase = 3 * kindSpan
)

// Ideas in the index.
const (
	docIdea  = "idea"
	ideaBase = 4 * kindSpan
)

// docRowid returns the rowid of document kind/id in the index: its kind's
// base plus the seq of its row.
func docRowid(ctx context.Context, q querier, kind, id string) (int64, error) {
	var table string
	var base int64
	switch kind {
	case docCommunity:
		table, base = "communities", communityBase
	case docEvent:
		table, base = "events", eventBase
	case docProject:
		table, base = "probono_projects", projectBase
	case docIdea:
		table, base = "ideas", ideaBase
	default:
		return 0, fmt.Errorf("index: unknown kind of document %q", kind)
	}
	var seq int64
	if err := q.QueryRowContext(ctx, `SELECT seq FROM `+table+` WHERE id = ?`, id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("index %s %s: %w", kind, id, translate(err))
	}
	return base + seq, nil
}

// indexDoc adds or replaces the document kind/id in the index.
func indexDoc(ctx context.Context, q querier, kind, id string, d search.Doc) error {
	rowid, err := docRowid(ctx, q, kind, id)
	if err != nil {
		return err
	}
	if err := unindexDoc(ctx, q, kind, id); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO search_docs (rowid, kind, doc_id, title, tags, body) VALUES (?, ?, ?, ?, ?, ?)`,
		rowid, kind, id, d.Title, d.Tags, d.Body); err != nil {
		return fmt.Errorf("index %s %s: %w", kind, id, err)
	}
	cols := []any{rowid}
	var kanji []any
	for _, field := range []string{d.Title, d.Tags, d.Body} {
		bigrams, k := search.Stream(field)
		cols = append(cols, strings.Join(bigrams, " "))
		kanji = append(kanji, strings.Join(k, " "))
	}
	if _, err := q.ExecContext(ctx, `
		INSERT INTO search_grams (rowid, title, tags, body, title_kanji, tags_kanji, body_kanji) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		append(cols, kanji...)...); err != nil {
		return fmt.Errorf("index %s %s: %w", kind, id, err)
	}
	return nil
}

// unindexDoc removes the document kind/id from the index, if it is there.
func unindexDoc(ctx context.Context, q querier, kind, id string) error {
	var rowid int64
	err := q.QueryRowContext(ctx, `SELECT rowid FROM search_docs WHERE kind = ? AND doc_id = ?`, kind, id).Scan(&rowid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM search_grams WHERE rowid = ?`, rowid); err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `DELETE FROM search_docs WHERE rowid = ?`, rowid)
	return err
}

// ftsMatch returns the FTS5 query that finds the candidates for q. When
// every term has a search.Sequence, each term is a phrase of its bigrams
// (or its kanji) in any field, which matches exactly where a field
// contains the term; otherwise the candidates are the documents with every
// gram of the query. Either way matchedDocs confirms them.
func ftsMatch(q search.Query) string {
	var phrases []string
	for _, t := range q.Terms {
		grams, kanji, ok := search.Sequence(t)
		if !ok {
			phrases = nil
			break
		}
		cols := "{title tags body}"
		if kanji {
			cols = "{title_kanji tags_kanji body_kanji}"
		}
		phrases = append(phrases, cols+` : "`+strings.Join(grams, " ")+`"`)
	}
	if phrases != nil {
		return strings.Join(phrases, " AND ")
	}
	quoted := make([]string, len(q.Grams))
	for i, g := range q.Grams {
		quoted[i] = `"` + g + `"`
	}
	return strings.Join(quoted, " ")
}

// matchedDocs returns a subquery over the documents of kind, whose rowids
// start at base, that match q, with columns r (the rowid), doc_id,
// visible, popularity and score, and its arguments. q must not be empty. Candidates from search_grams are
// confirmed and scored against their fields in search_docs, as
// search.Query.Score does.
func matchedDocs(base int64, q search.Query) (string, []any) {
	var scores, all []string
	args := []any{}
	for i, t := range q.Terms {
		scores = append(scores, fmt.Sprintf(`(instr(d.title, ?) > 0) * %d + (instr(d.tags, ?) > 0) * %d + (instr(d.body, ?) > 0) * %d AS s%d`,
			search.WeightTitle, search.WeightTags, search.WeightBody, i))
		args = append(args, t, t, t)
		all = append(all, fmt.Sprintf("s%d", i))
	}
	args = append(args, ftsMatch(q), base, base+kindSpan)
	sql := `SELECT r, doc_id, visible, popularity, ` + strings.Join(all, " + ") + ` AS score FROM (
		SELECT d.rowid AS r, d.doc_id, d.visible, d.popularity, ` + strings.Join(scores, ", ") + `
		FROM search_grams JOIN search_docs d ON d.rowid = search_grams.rowid
		WHERE search_grams MATCH ? AND search_grams.rowid > ? AND search_grams.rowid < ?
	) WHERE ` + strings.Join(all, " > 0 AND ") + ` > 0`
	return sql, args
}

// rankDoc sets what a search without other filters ranks document
// kind/id by: whether it is visible, and its popularity.
func rankDoc(ctx context.Context, q querier, kind, id string, visible bool, popularity int) error {
	_, err := q.ExecContext(ctx, `UPDATE search_docs SET visible = ?, popularity = ? WHERE kind = ? AND doc_id = ?`,
		visible, popularity, kind, id)
	return err
}
