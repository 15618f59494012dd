-- Consultant profiles, availability, bookings and the private records of
-- sessions.
--
-- Lists (industries, themes, languages, values scores) are JSON arrays in
-- text, as on SQLite. Notes and reflections are sealed with the server's
-- key (AES-GCM), which is never in the database: the columns hold
-- ciphertext only.

-- A consultant's public profile; its ID is the consultant's account.
-- verified_at is set by the operator who checked the national registration
-- number, and cleared when the number changes.
CREATE TABLE consultants (
    account_id          text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    display_name        text        NOT NULL,
    registration_number text        NOT NULL UNIQUE,
    verified_at         timestamptz,
    verified_by         text        REFERENCES accounts (id) ON DELETE SET NULL,
    years_of_practice   integer     NOT NULL DEFAULT 0,
    industries          text        NOT NULL DEFAULT '[]',
    job_families        text        NOT NULL DEFAULT '[]',
    age_band            text        NOT NULL DEFAULT '',
    gender              text        NOT NULL DEFAULT '',
    themes              text        NOT NULL DEFAULT '[]',
    value_scores        text        NOT NULL DEFAULT '[]',
    message             text        NOT NULL DEFAULT '',
    languages           text        NOT NULL DEFAULT '["ja"]',
    online              boolean     NOT NULL DEFAULT true,
    in_person           boolean     NOT NULL DEFAULT false,
    area                text        NOT NULL DEFAULT '',
    fee_yen             integer     NOT NULL DEFAULT 0,
    employer_paid       boolean     NOT NULL DEFAULT false,
    auto_accept         boolean     NOT NULL DEFAULT true,
    meeting_url         text        NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);

CREATE INDEX consultants_name ON consultants (display_name COLLATE "C", account_id);

-- How a consultant works: session length, buffer after each session and
-- the weekly maximum, in the time zone of the windows below.
CREATE TABLE availabilities (
    consultant_id      text        PRIMARY KEY REFERENCES consultants (account_id) ON DELETE CASCADE,
    time_zone          text        NOT NULL DEFAULT '',
    session_minutes    integer     NOT NULL,
    buffer_minutes     integer     NOT NULL,
    weekly_max         integer     NOT NULL,
    closed_on_holidays boolean     NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- Weekly windows [start_minute, end_minute) of a weekday (0 = Sunday).
CREATE TABLE availability_windows (
    consultant_id text    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    weekday       integer NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute  integer NOT NULL,
    end_minute    integer NOT NULL CHECK (end_minute > start_minute),
    PRIMARY KEY (consultant_id, weekday, start_minute)
);

-- Dates whose windows replace the weekly ones. A date with one row whose
-- start_minute is NULL is a day off.
CREATE TABLE availability_exceptions (
    consultant_id text    NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    date          text    NOT NULL,
    start_minute  integer,
    end_minute    integer
);

CREATE INDEX availability_exceptions_consultant ON availability_exceptions (consultant_id, date);

-- An exclusion constraint compares the consultant by equality and the
-- held time by overlap. Equality on text in a GiST index would need the
-- btree_gist extension (shipped by Debian's postgresql-15), but an
-- extension belongs to a whole database, while tsunagari lives in one
-- schema of it. A range type over the consultant's ID gives GiST equality
-- with the core range operator class instead: the range [id, id] equals
-- only itself.
CREATE TYPE consultant_key AS RANGE (subtype = text, collation = "C");

-- A member's booking of a consultant. While pending or confirmed, it holds
-- the consultant's time [starts_at, blocked_until): the session and the
-- buffer after it. No two active bookings of one consultant overlap: the
-- exclusion constraint guarantees it under any concurrency. Touching
-- bookings (one ends as the next starts) are fine: the ranges are
-- half-open.
--
-- A side that deletes their account leaves the booking: consultant_id is
-- NULL once the consultant has left (the booking stays the member's),
-- member_id NULL once the member has left (it stays only while the
-- consultant's note on it is kept).
CREATE TABLE bookings (
    id               text        PRIMARY KEY,
    consultant_id    text        REFERENCES consultants (account_id) ON DELETE SET NULL,
    member_id        text        REFERENCES accounts (id) ON DELETE CASCADE,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    blocked_until    timestamptz NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'rescheduled')),
    themes           text        NOT NULL DEFAULT '[]',
    confirmed_themes text        NOT NULL DEFAULT '[]',
    meeting_url      text        NOT NULL DEFAULT '',
    idempotency_key  text,
    created_at       timestamptz NOT NULL,
    confirmed_at     timestamptz,
    cancelled_at     timestamptz,
    cancelled_by     text,
    late_cancel      boolean     NOT NULL DEFAULT false,
    rescheduled_from text        REFERENCES bookings (id),
    rescheduled_to   text        REFERENCES bookings (id),
    reminded_at      timestamptz,
    CHECK (ends_at > starts_at AND blocked_until >= ends_at AND blocked_until - starts_at <= interval '1 day'),
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
        consultant_key(consultant_id, consultant_id, '[]') WITH =,
        tstzrange(starts_at, blocked_until, '[)') WITH &&
    ) WHERE (status IN ('pending', 'confirmed') AND consultant_id IS NOT NULL)
);

CREATE UNIQUE INDEX bookings_idempotency ON bookings (member_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX bookings_consultant ON bookings (consultant_id, starts_at);
CREATE INDEX bookings_member ON bookings (member_id, starts_at);
CREATE INDEX bookings_starts ON bookings (starts_at) WHERE status IN ('pending', 'confirmed');
CREATE INDEX bookings_left ON bookings (ends_at) WHERE member_id IS NULL;

-- A consultant's private note on a session: sealed, readable by that
-- consultant only.
CREATE TABLE consultation_notes (
    booking_id    text        PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    consultant_id text        NOT NULL REFERENCES consultants (account_id) ON DELETE CASCADE,
    body          text        NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- A member's private reflection on a session: sealed, readable by that
-- member only. shared lists, in the clear, the items the member lets count
-- in anonymised statistics; share_rating does the same for the rating.
CREATE TABLE consultation_reflections (
    booking_id   text        PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    member_id    text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    body         text        NOT NULL,
    rating       integer     NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    share_rating boolean     NOT NULL DEFAULT false,
    shared       text        NOT NULL DEFAULT '[]',
    updated_at   timestamptz NOT NULL
);
