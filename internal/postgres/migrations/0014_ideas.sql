-- 0014_ideas: ideas and concerns (問題意識) that members post, the
-- supporters who say "me too", and the community an idea becomes.
--
-- area is a prefecture code or 'online'. An idea converts once:
-- community_id and converted_at are set together. The poster is unlinked
-- (NULL) when they erase their account and the idea has become a
-- community; unconverted ideas go with the account.
CREATE TABLE ideas (
    id              text        PRIMARY KEY,
    poster_id       text        REFERENCES accounts (id) ON DELETE SET NULL,
    title           text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    tags            text[]      NOT NULL DEFAULT '{}',
    area            text        NOT NULL,
    threshold       integer     NOT NULL CHECK (threshold BETWEEN 2 AND 50),
    supporter_count integer     NOT NULL DEFAULT 0,
    community_id    text        REFERENCES communities (id) ON DELETE SET NULL,
    converted_at    timestamptz,
    created_at      timestamptz NOT NULL
);

CREATE INDEX ideas_browse ON ideas (supporter_count DESC, created_at DESC);
CREATE INDEX ideas_poster ON ideas (poster_id);

-- A supporter's "me too", with the role they offer ('' for none).
-- invited_at is set when the idea becomes a community: the supporter is
-- invited to it and joins, or not, by their own act.
CREATE TABLE idea_supports (
    idea_id    text        NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       text        NOT NULL DEFAULT '' CHECK (role IN ('', 'organise', 'speak', 'venue', 'online_host')),
    created_at timestamptz NOT NULL,
    invited_at timestamptz,
    PRIMARY KEY (idea_id, account_id)
);

CREATE INDEX idea_supports_account ON idea_supports (account_id);
