package postgres

import (
	"context"
	"fmt"
	"strings"

	"tsunagari/internal/search"
)

// The search index (package search has the rules): search_docs holds each
// document's normalised fields and its grams by kind and ID, with a GIN
// index on the grams. A query finds candidates whose grams include all of
// the query's, then keeps those whose fields really contain every term,
// scoring them as search.Query.Score does.

// Kinds of documents in the index.
const docCommunity = "community"

// indexDoc adds or replaces the document kind/id in the index.
func indexDoc(ctx context.Context, q querier, kind, id string, d search.Doc) error {
	_, err := q.Exec(ctx, `
		INSERT INTO search_docs (kind, doc_id, title, tags, body, grams) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (kind, doc_id) DO UPDATE
		SET title = excluded.title, tags = excluded.tags, body = excluded.body, grams = excluded.grams`,
		kind, id, d.Title, d.Tags, d.Body, d.Grams())
	if err != nil {
		return fmt.Errorf("index %s %s: %w", kind, id, err)
	}
	return nil
}

// params numbers query parameters as they are added.
type params struct{ args []any }

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	p.args = append(p.args, v)
	return fmt.Sprintf("$%d", len(p.args))
}

// matchedDocs returns a subquery over the documents of kind that match q,
// with columns doc_id, visible, popularity and score, adding its
// arguments to p. q must not be empty.
func matchedDocs(p *params, kind string, q search.Query) string {
	var scores, all []string
	for i, t := range q.Terms {
		ph := p.add(t)
		scores = append(scores, fmt.Sprintf(
			`(strpos(d.title, %[1]s) > 0)::int * %[2]d + (strpos(d.tags, %[1]s) > 0)::int * %[3]d + (strpos(d.body, %[1]s) > 0)::int * %[4]d AS s%[5]d`,
			ph, search.WeightTitle, search.WeightTags, search.WeightBody, i))
		all = append(all, fmt.Sprintf("s%d", i))
	}
	return `SELECT doc_id, visible, popularity, ` + strings.Join(all, " + ") + ` AS score FROM (
		SELECT d.doc_id, d.visible, d.popularity, ` + strings.Join(scores, ", ") + `
		FROM search_docs d
		WHERE d.kind = ` + p.add(kind) + ` AND d.grams @> ` + p.add(q.Grams) + `::text[]
	) s WHERE ` + strings.Join(all, " > 0 AND ") + ` > 0`
}

// rankDoc sets what a search without other filters ranks document
// kind/id by: whether it is visible, and its popularity.
func rankDoc(ctx context.Context, q querier, kind, id string, visible bool, popularity int) error {
	_, err := q.Exec(ctx, `UPDATE search_docs SET visible = $3, popularity = $4 WHERE kind = $1 AND doc_id = $2`,
		kind, id, visible, popularity)
	return err
}
