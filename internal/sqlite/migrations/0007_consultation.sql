-- 0007_consultation: consultant profiles, availability, bookings and the
-- private records of sessions.
--
-- Lists (industries, themes, languages, values scores) are JSON arrays in
-- TEXT. Notes and reflections are sealed with the server's key (AES-GCM),
-- which is never in the database: the columns hold ciphertext only.

-- A consultant's public profile; its ID is the consultant's account.
-- verified_at is set by the operator who checked the national registration
-- number, and cleared when the number changes.
CREATE TABLE consultants (
    account_id          TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    display_name        TEXT    NOT NULL,
    registration_number TEXT    NOT NULL UNIQUE,
    verified_at         INTEGER,
    verified_by         TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    years_of_practice   INTEGER NOT NULL DEFAULT 0,
    industries          TEXT    NOT NULL DEFAULT '[]',
    job_families        TEXT    NOT NULL DEFAULT '[]',
    age_band            TEXT    NOT NULL DEFAULT '',
    gender              TEXT    NOT NULL DEFAULT '',
    themes              TEXT    NOT NULL DEFAULT '[]',
    value_scores        TEXT    NOT NULL DEFAULT '[]',
    message             TEXT    NOT NULL DEFAULT '',
    languages           TEXT    NOT NULL DEFAULT '["ja"]',
    online              INTEGER NOT NULL DEFAULT 1,
    in_person           INTEGER NOT NULL DEFAULT 0,
    area                TEXT    NOT NULL DEFAULT '',
    fee_yen             INTEGER NOT NULL DEFAULT 0,
    employer_paid       INTEGER NOT NULL DEFAULT 0,
    auto_accept         INTEGER NOT NULL DEFAULT 1,
    meeting_url         TEXT    NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE INDEX consultants_name ON consultants (display_name, account_id);

-- How a consultant works: session length, buffer after each session and
-- the weekly maximum, in the time zone of the windows below.
CREATE TABLE availabilities (
    consultant_id      TEXT    PRIMARY KEY REFERENCES consultants (account_id) ON DELETE CASCADE,
    time_zone          TEXT    NOT NULL DEFAULT '',
    session_minutes    INTEGER NOT NULL,
    buffer_minutes     INTEGER NOT NULL,
    weekly_max         INTEGER NOT NULL,
    closed_on_holidays INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- Weekly windows [start_minute, end_minute) of a weekday (0 = Sunday).
CREATE TABLE availability_windows (
    consultant_id TEXT    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute  INTEGER NOT NULL,
    end_minute    INTEGER NOT NULL CHECK (end_minute > start_minute),
    PRIMARY KEY (consultant_id, weekday, start_minute)
);

-- Dates whose windows replace the weekly ones. A date with one row whose
-- start_minute is NULL is a day off.
CREATE TABLE availability_exceptions (
    consultant_id TEXT    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    date          TEXT    NOT NULL,
    start_minute  INTEGER,
    end_minute    INTEGER
);

CREATE INDEX availability_exceptions_consultant ON availability_exceptions (consultant_id, date);

-- A member's booking of a consultant. While pending or confirmed, it holds
-- the consultant's time [starts_at, blocked_until): the session and the
-- buffer after it. The trigger below keeps active bookings of one
-- consultant from overlapping; writes run as BEGIN IMMEDIATE, one at a
-- time. Touching bookings (one ends as the next starts) are fine.
--
-- A side that deletes their account leaves the booking: consultant_id is
-- NULL once the consultant has left (the booking stays the member's),
-- member_id NULL once the member has left (it stays only while the
-- consultant's note on it is kept).
CREATE TABLE bookings (
    id               TEXT    PRIMARY KEY,
    consultant_id    TEXT    REFERENCES consultants (account_id) ON DELETE SET NULL,
    member_id        TEXT    REFERENCES accounts (id) ON DELETE CASCADE,
    starts_at        INTEGER NOT NULL,
    ends_at          INTEGER NOT NULL,
    blocked_until    INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'rescheduled')),
    themes           TEXT    NOT NULL DEFAULT '[]',
    confirmed_themes TEXT    NOT NULL DEFAULT '[]',
    meeting_url      TEXT    NOT NULL DEFAULT '',
    idempotency_key  TEXT,
    created_at       INTEGER NOT NULL,
    confirmed_at     INTEGER,
    cancelled_at     INTEGER,
    cancelled_by     TEXT,
    late_cancel      INTEGER NOT NULL DEFAULT 0,
    rescheduled_from TEXT    REFERENCES bookings (id),
    rescheduled_to   TEXT    REFERENCES bookings (id),
    reminded_at      INTEGER,
    -- A booking holds at most a day, so that the overlap check below
    -- looks only at bookings that start less than a day earlier.
    CHECK (ends_at > starts_at AND blocked_until >= ends_at AND blocked_until - starts_at <= 86400)
);

CREATE UNIQUE INDEX bookings_idempotency ON bookings (member_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX bookings_consultant ON bookings (consultant_id, starts_at);
CREATE INDEX bookings_member ON bookings (member_id, starts_at);
CREATE INDEX bookings_starts ON bookings (starts_at) WHERE status IN ('pending', 'confirmed');
CREATE INDEX bookings_left ON bookings (ends_at) WHERE member_id IS NULL;

CREATE TRIGGER bookings_no_overlap_insert
BEFORE INSERT ON bookings
WHEN NEW.status IN ('pending', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'booking overlaps another')
    WHERE EXISTS (
        SELECT 1 FROM bookings
        WHERE consultant_id = NEW.consultant_id
          AND status IN ('pending', 'confirmed')
          AND starts_at > NEW.starts_at - 86400
          AND starts_at < NEW.blocked_until
          AND NEW.starts_at < blocked_until
    );
END;

CREATE TRIGGER bookings_no_overlap_update
BEFORE UPDATE OF status, starts_at, blocked_until, consultant_id ON bookings
WHEN NEW.status IN ('pending', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'booking overlaps another')
    WHERE EXISTS (
        SELECT 1 FROM bookings
        WHERE consultant_id = NEW.consultant_id
          AND id <> NEW.id
          AND status IN ('pending', 'confirmed')
          AND starts_at > NEW.starts_at - 86400
          AND starts_at < NEW.blocked_until
          AND NEW.starts_at < blocked_until
    );
END;

-- A consultant's private note on a session: sealed, readable by that
-- consultant only.
CREATE TABLE consultation_notes (
    booking_id    TEXT    PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    consultant_id TEXT    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    body          TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- A member's private reflection on a session: sealed, readable by that
-- member only. shared lists, in the clear, the items the member lets count
-- in anonymised statistics; share_rating does the same for the rating.
CREATE TABLE consultation_reflections (
    booking_id   TEXT    PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    member_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    body         TEXT    NOT NULL,
    rating       INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    share_rating INTEGER NOT NULL DEFAULT 0,
    shared       TEXT    NOT NULL DEFAULT '[]',
    updated_at   INTEGER NOT NULL
);
