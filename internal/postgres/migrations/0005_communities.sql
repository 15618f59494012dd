-- Communities: third communities, memberships, trait ratings and the
-- search index.

-- A third community. The five traits its organisers declare are one
-- column each, so that filters read plainly. member_count is the number of
-- active members, kept by the store in the transaction that changes them.
CREATE TABLE communities (
    id                       text        PRIMARY KEY,
    kind                     text        NOT NULL CHECK (kind IN ('occupational', 'corporate_alumni', 'regional_alumni', 'union', 'npo', 'worker_coop')),
    name                     text        NOT NULL,
    purpose                  text        NOT NULL,
    description              text        NOT NULL DEFAULT '',
    tags                     text[]      NOT NULL DEFAULT '{}',
    styles                   text[]      NOT NULL DEFAULT '{}',
    prefecture               text        NOT NULL DEFAULT '',
    online                   boolean     NOT NULL,
    home_prefecture          text        NOT NULL DEFAULT '',
    org_id                   text        REFERENCES orgs (id) ON DELETE SET NULL,
    job_family               text        NOT NULL DEFAULT '',
    industry                 text        NOT NULL DEFAULT '',
    monthly_fee              integer     NOT NULL CHECK (monthly_fee >= 0),
    hours_per_month          integer     NOT NULL CHECK (hours_per_month >= 0),
    languages                text[]      NOT NULL DEFAULT '{}',
    join_policy              text        NOT NULL CHECK (join_policy IN ('open', 'approval')),
    trait_member_run         boolean     NOT NULL DEFAULT false,
    trait_purpose_fit        boolean     NOT NULL DEFAULT false,
    trait_flexible_intensity boolean     NOT NULL DEFAULT false,
    trait_free_exit          boolean     NOT NULL DEFAULT false,
    trait_newcomer_support   boolean     NOT NULL DEFAULT false,
    member_count             integer     NOT NULL DEFAULT 0,
    hidden_at                timestamptz,
    hidden_reason            text        NOT NULL DEFAULT '',
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    CHECK (prefecture <> '' OR online)
);

CREATE INDEX communities_listing ON communities (member_count DESC, id) WHERE hidden_at IS NULL;
CREATE INDEX communities_kind ON communities (kind);
CREATE INDEX communities_prefecture ON communities (prefecture);
CREATE INDEX communities_home_prefecture ON communities (home_prefecture) WHERE home_prefecture <> '';
CREATE INDEX communities_org ON communities (org_id);

-- A person's place in a community. Pending requests wait for an organiser;
-- joined_at is set when the membership takes effect.
CREATE TABLE community_members (
    community_id text        NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    involvement  text        NOT NULL CHECK (involvement IN ('observer', 'regular', 'core')),
    role         text        NOT NULL CHECK (role IN ('member', 'co_organiser', 'organiser')),
    status       text        NOT NULL CHECK (status IN ('active', 'pending')),
    requested_at timestamptz NOT NULL,
    joined_at    timestamptz,
    PRIMARY KEY (community_id, account_id),
    CHECK ((status = 'active') = (joined_at IS NOT NULL)),
    CHECK (status = 'active' OR role = 'member')
);

CREATE INDEX community_members_account ON community_members (account_id);

-- A member's rating of one trait, 1 to 5. It belongs to the membership and
-- goes when the member leaves.
CREATE TABLE community_trait_ratings (
    community_id text        NOT NULL,
    account_id   text        NOT NULL,
    trait        text        NOT NULL CHECK (trait IN ('member_run', 'purpose_fit', 'flexible_intensity', 'free_exit', 'newcomer_support')),
    score        integer     NOT NULL CHECK (score BETWEEN 1 AND 5),
    rated_at     timestamptz NOT NULL,
    PRIMARY KEY (community_id, account_id, trait),
    FOREIGN KEY (community_id, account_id) REFERENCES community_members (community_id, account_id) ON DELETE CASCADE
);

-- The search index, generic over the kind of document (community, and
-- later events and pro-bono projects). title, tags and body hold the
-- normalised text that results are checked and ranked against (package
-- search); grams holds the document's bigrams and single kanji, found
-- through the GIN index with grams @> the query's grams. visible and
-- popularity (for communities: not hidden, and the member count) are kept
-- with the document's own row in the same transactions, so that a search
-- without other filters ranks its matches from this table alone.
CREATE TABLE search_docs (
    kind       text    NOT NULL,
    doc_id     text    NOT NULL,
    visible    boolean NOT NULL DEFAULT true,
    popularity integer NOT NULL DEFAULT 0,
    title      text    NOT NULL,
    tags       text    NOT NULL,
    body       text    NOT NULL,
    grams      text[]  NOT NULL,
    PRIMARY KEY (kind, doc_id)
);

CREATE INDEX search_docs_grams ON search_docs USING gin (grams);
