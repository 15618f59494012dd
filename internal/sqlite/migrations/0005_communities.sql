-- 0005_communities: third communities, memberships, trait ratings and the
-- search index.

-- A third community. Lists (tags, styles, languages) are JSON arrays of
-- strings. The five traits its organisers declare are one column each, so
-- that filters read plainly. member_count is the number of active members,
-- kept by the store in the transaction that changes them.
--
-- seq is the row's stable integer key, which the search index uses to
-- reach a community without a second lookup (see search_docs). The
-- columns that searches filter and sort on come first and the long texts
-- last, so that a search reads little of each row.
CREATE TABLE communities (
    seq                      INTEGER PRIMARY KEY,
    id                       TEXT    NOT NULL UNIQUE,
    kind                     TEXT    NOT NULL CHECK (kind IN ('occupational', 'corporate_alumni', 'regional_alumni', 'union', 'npo', 'worker_coop')),
    member_count             INTEGER NOT NULL DEFAULT 0,
    hidden_at                INTEGER,
    prefecture               TEXT    NOT NULL DEFAULT '',
    home_prefecture          TEXT    NOT NULL DEFAULT '',
    online                   INTEGER NOT NULL CHECK (online IN (0, 1)),
    monthly_fee              INTEGER NOT NULL CHECK (monthly_fee >= 0),
    hours_per_month          INTEGER NOT NULL CHECK (hours_per_month >= 0),
    trait_member_run         INTEGER NOT NULL DEFAULT 0 CHECK (trait_member_run IN (0, 1)),
    trait_purpose_fit        INTEGER NOT NULL DEFAULT 0 CHECK (trait_purpose_fit IN (0, 1)),
    trait_flexible_intensity INTEGER NOT NULL DEFAULT 0 CHECK (trait_flexible_intensity IN (0, 1)),
    trait_free_exit          INTEGER NOT NULL DEFAULT 0 CHECK (trait_free_exit IN (0, 1)),
    trait_newcomer_support   INTEGER NOT NULL DEFAULT 0 CHECK (trait_newcomer_support IN (0, 1)),
    join_policy              TEXT    NOT NULL CHECK (join_policy IN ('open', 'approval')),
    org_id                   TEXT    REFERENCES orgs (id) ON DELETE SET NULL,
    job_family               TEXT    NOT NULL DEFAULT '',
    industry                 TEXT    NOT NULL DEFAULT '',
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    hidden_reason            TEXT    NOT NULL DEFAULT '',
    languages                TEXT    NOT NULL DEFAULT '[]',
    styles                   TEXT    NOT NULL DEFAULT '[]',
    tags                     TEXT    NOT NULL DEFAULT '[]',
    name                     TEXT    NOT NULL,
    purpose                  TEXT    NOT NULL,
    description              TEXT    NOT NULL DEFAULT '',
    CHECK (prefecture <> '' OR online = 1)
);

-- Browsing without a query lists by number of members and counts the
-- matches of the filters, both from this index without reading the rows.
CREATE INDEX communities_browse ON communities (member_count DESC, id, hidden_at, kind, prefecture, home_prefecture,
    online, monthly_fee, hours_per_month, trait_member_run, trait_purpose_fit, trait_flexible_intensity,
    trait_free_exit, trait_newcomer_support);
CREATE INDEX communities_home_prefecture ON communities (home_prefecture) WHERE home_prefecture <> '';
CREATE INDEX communities_org ON communities (org_id);

-- A person's place in a community. Pending requests wait for an organiser;
-- joined_at is set when the membership takes effect.
CREATE TABLE community_members (
    community_id TEXT    NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    involvement  TEXT    NOT NULL CHECK (involvement IN ('observer', 'regular', 'core')),
    role         TEXT    NOT NULL CHECK (role IN ('member', 'co_organiser', 'organiser')),
    status       TEXT    NOT NULL CHECK (status IN ('active', 'pending')),
    requested_at INTEGER NOT NULL,
    joined_at    INTEGER,
    PRIMARY KEY (community_id, account_id),
    CHECK ((status = 'active') = (joined_at IS NOT NULL)),
    CHECK (status = 'active' OR role = 'member')
);

CREATE INDEX community_members_account ON community_members (account_id);

-- A member's rating of one trait, 1 to 5. It belongs to the membership and
-- goes when the member leaves.
CREATE TABLE community_trait_ratings (
    community_id TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    trait        TEXT    NOT NULL CHECK (trait IN ('member_run', 'purpose_fit', 'flexible_intensity', 'free_exit', 'newcomer_support')),
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    rated_at     INTEGER NOT NULL,
    PRIMARY KEY (community_id, account_id, trait),
    FOREIGN KEY (community_id, account_id) REFERENCES community_members (community_id, account_id) ON DELETE CASCADE
);

-- The search index, generic over the kind of document (community, and
-- later events and pro-bono projects); package search has the rules.
--
-- search_docs holds each document's kind, ID and normalised fields, which
-- confirm and rank matches that the grams alone cannot decide. Its rowid
-- is the document's kind base plus the seq of the document's own row
-- (communities: 2^40 + seq), so a match in search_grams reaches the
-- document's row directly. visible and popularity (for communities: not
-- hidden, and the member count) are kept with the document's own row in
-- the same transactions, so that a search without other filters ranks
-- its matches from this table alone.
CREATE TABLE search_docs (
    rowid      INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    doc_id     TEXT    NOT NULL,
    visible    INTEGER NOT NULL DEFAULT 1 CHECK (visible IN (0, 1)),
    popularity INTEGER NOT NULL DEFAULT 0,
    title      TEXT    NOT NULL,
    tags       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    UNIQUE (kind, doc_id)
);

-- search_grams holds, under the same rowid, each field's bigrams in text
-- order (search.Stream, runs apart by a token no gram equals), so that a
-- term is a phrase of its bigrams, and each field's kanji, for one-kanji
-- terms. It is contentless: the grams are not stored twice. The ascii
-- tokenizer splits only at ASCII spaces and punctuation, which no gram
-- contains, so each gram is one token.
CREATE VIRTUAL TABLE search_grams USING fts5 (
    title, tags, body, title_kanji, tags_kanji, body_kanji,
    content = '', contentless_delete = 1, tokenize = 'ascii'
);
