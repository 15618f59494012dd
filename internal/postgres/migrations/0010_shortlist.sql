-- The shortlist of ten and the member's journey.
--
-- The shortlist keeps the operator's weights, each member's bookmarks and
-- ignores, and how many times each consultant was shown per day, so that
-- nobody is proposed more often than their free time can serve. The
-- member's career inventory is sealed with the server's key (AES-GCM),
-- which is never in the database: body holds ciphertext only.

-- The operator's weights: one row, absent until first saved.
CREATE TABLE match_weights (
    id                integer     PRIMARY KEY CHECK (id = 1),
    values_weight     integer     NOT NULL,
    themes_weight     integer     NOT NULL,
    background_weight integer     NOT NULL,
    experience_weight integer     NOT NULL,
    diversity         integer     NOT NULL,
    views_per_session integer     NOT NULL,
    updated_at        timestamptz NOT NULL,
    updated_by        text        REFERENCES accounts (id) ON DELETE SET NULL
);

-- A member's bookmark or ignore of a consultant; private to the member.
CREATE TABLE consultant_marks (
    member_id     text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    consultant_id text        NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    mark          text        NOT NULL CHECK (mark IN ('bookmark', 'ignore')),
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (member_id, consultant_id)
);

-- How many times a consultant was shown in shortlists on a UTC day
-- (days since 1970-01-01). Nothing here says to whom.
CREATE TABLE consultant_exposures (
    consultant_id text    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    day           integer NOT NULL,
    shown         integer NOT NULL,
    PRIMARY KEY (consultant_id, day)
);

-- A number that moves on every change the shortlist's roster depends on:
-- profiles and their verification, availability, and bookings. A sequence
-- is never locked by a transaction, so the statement triggers below add
-- no contention to concurrent bookings.
CREATE SEQUENCE match_version;

CREATE FUNCTION match_version_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('match_version');
    RETURN NULL;
END
$$;

CREATE TRIGGER match_version_consultants AFTER INSERT OR UPDATE OR DELETE ON consultants
    FOR EACH STATEMENT EXECUTE FUNCTION match_version_touch();
CREATE TRIGGER match_version_availabilities AFTER INSERT OR UPDATE ON availabilities
    FOR EACH STATEMENT EXECUTE FUNCTION match_version_touch();
CREATE TRIGGER match_version_bookings AFTER INSERT OR UPDATE OF status, starts_at, blocked_until ON bookings
    FOR EACH STATEMENT EXECUTE FUNCTION match_version_touch();

-- A member's career inventory, sealed; readable by the member, and by the
-- consultant of a booking the member shared it with.
CREATE TABLE career_inventories (
    member_id  text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- When a member saved their inventory: the timeline shows it. No text.
CREATE TABLE career_inventory_updates (
    member_id  text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    updated_at timestamptz NOT NULL
);

CREATE INDEX career_inventory_updates_member ON career_inventory_updates (member_id, updated_at);

-- A member's explicit share of their inventory with the consultant of one
-- booking; deleting the row takes it back.
CREATE TABLE inventory_shares (
    booking_id    text        PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    member_id     text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    consultant_id text        NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    shared_at     timestamptz NOT NULL
);

CREATE INDEX inventory_shares_member ON inventory_shares (member_id, shared_at);
CREATE INDEX inventory_shares_consultant ON inventory_shares (consultant_id, shared_at);
