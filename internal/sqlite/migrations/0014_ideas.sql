-- 0014_ideas: ideas and concerns (問題意識) that members post, the
-- supporters who say "me too", and the community an idea becomes.
--
-- seq is the row's stable integer key for the search index (ideas:
-- 4 * 2^40 + seq). area is a prefecture code or 'online'. An idea
-- converts once: community_id and converted_at are set together. The
-- poster is unlinked (NULL) when they erase their account and the idea
-- has become a community; unconverted ideas go with the account.
CREATE TABLE ideas (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    poster_id       TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    supporter_count INTEGER NOT NULL DEFAULT 0,
    threshold       INTEGER NOT NULL CHECK (threshold BETWEEN 2 AND 50),
    area            TEXT    NOT NULL,
    community_id    TEXT    REFERENCES communities (id) ON DELETE SET NULL,
    converted_at    INTEGER,
    created_at      INTEGER NOT NULL,
    tags            TEXT    NOT NULL DEFAULT '[]',
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX ideas_browse ON ideas (supporter_count DESC, created_at DESC);
CREATE INDEX ideas_poster ON ideas (poster_id);

-- A supporter's "me too", with the role they offer ('' for none).
-- invited_at is set when the idea becomes a community: the supporter is
-- invited to it and joins, or not, by their own act.
CREATE TABLE idea_supports (
    idea_id    TEXT    NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL DEFAULT '' CHECK (role IN ('', 'organise', 'speak', 'venue', 'online_host')),
    created_at INTEGER NOT NULL,
    invited_at INTEGER,
    PRIMARY KEY (idea_id, account_id)
);

CREATE INDEX idea_supports_account ON idea_supports (account_id);
