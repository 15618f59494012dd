-- 0010_shortlist: the shortlist of ten and the member's journey.
--
-- The shortlist keeps the operator's weights, each member's bookmarks and
-- ignores, and how many times each consultant was shown per day, so that
-- nobody is proposed more often than their free time can serve. The
-- member's career inventory is sealed with the server's key (AES-GCM),
-- which is never in the database: body holds ciphertext only.

-- The operator's weights: one row, absent until first saved.
CREATE TABLE match_weights (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    values_weight     INTEGER NOT NULL,
    themes_weight     INTEGER NOT NULL,
    background_weight INTEGER NOT NULL,
    experience_weight INTEGER NOT NULL,
    diversity         INTEGER NOT NULL,
    views_per_session INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    updated_by        TEXT    REFERENCES accounts (id) ON DELETE SET NULL
);

-- A member's bookmark or ignore of a consultant; private to the member.
CREATE TABLE consultant_marks (
    member_id     TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    consultant_id TEXT    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    mark          TEXT    NOT NULL CHECK (mark IN ('bookmark', 'ignore')),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (member_id, consultant_id)
);

-- How many times a consultant was shown in shortlists on a UTC day
-- (days since 1970-01-01). Nothing here says to whom.
CREATE TABLE consultant_exposures (
    consultant_id TEXT    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    day           INTEGER NOT NULL,
    shown         INTEGER NOT NULL,
    PRIMARY KEY (consultant_id, day)
);

-- A number the triggers below move on every change that the shortlist's
-- roster depends on: profiles and their verification, availability, and
-- bookings. The shortlist rebuilds its roster when it moves.
CREATE TABLE match_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO match_version (id, version) VALUES (1, 0);

CREATE TRIGGER match_version_consultants_insert AFTER INSERT ON consultants
BEGIN UPDATE match_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER match_version_consultants_update AFTER UPDATE ON consultants
BEGIN UPDATE match_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER match_version_consultants_delete AFTER DELETE ON consultants
BEGIN UPDATE match_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER match_version_availabilities_insert AFTER INSERT ON availabilities
BEGIN UPDATE match_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER match_version_availabilities_update AFTER UPDATE ON availabilities
BEGIN UPDATE match_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER match_version_bookings_insert AFTER INSERT ON bookings
BEGIN UPDATE match_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER match_version_bookings_update AFTER UPDATE OF status, starts_at, blocked_until ON bookings
BEGIN UPDATE match_version SET version = version + 1 WHERE id = 1; END;

-- A member's career inventory, sealed; readable by the member, and by the
-- consultant of a booking the member shared it with.
CREATE TABLE career_inventories (
    member_id  TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- When a member saved their inventory: the timeline shows it. No text.
CREATE TABLE career_inventory_updates (
    member_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    updated_at INTEGER NOT NULL
);

CREATE INDEX career_inventory_updates_member ON career_inventory_updates (member_id, updated_at);

-- A member's explicit share of their inventory with the consultant of one
-- booking; deleting the row takes it back.
CREATE TABLE inventory_shares (
    booking_id    TEXT    PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    member_id     TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    consultant_id TEXT    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    shared_at     INTEGER NOT NULL
);

CREATE INDEX inventory_shares_member ON inventory_shares (member_id, shared_at);
CREATE INDEX inventory_shares_consultant ON inventory_shares (consultant_id, shared_at);
