-- 0006_events: events with their occurrences and RSVPs, calendar feeds,
-- and pro-bono projects with their applications.

-- An event of a community: once, or repeating by recurrence (a canonical
-- RRULE; '' for a one-off event) except on the dates in exceptions (a
-- JSON array of YYYY-MM-DD). starts_at and ends_at are the first
-- occurrence; last_ends_at is the end of the last one, NULL for a rule
-- without end. lottery_hours > 0 draws the seats that many hours before
-- each occurrence. seq is the row's integer key, by which the search
-- index reaches it (see search_docs in 0005).
CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    community_id   TEXT    NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER NOT NULL,
    recurrence     TEXT    NOT NULL DEFAULT '',
    exceptions     TEXT    NOT NULL DEFAULT '[]',
    last_ends_at   INTEGER,
    online         INTEGER NOT NULL CHECK (online IN (0, 1)),
    venue          TEXT    NOT NULL DEFAULT '',
    prefecture     TEXT    NOT NULL DEFAULT '',
    online_url     TEXT    NOT NULL DEFAULT '',
    capacity       INTEGER NOT NULL CHECK (capacity >= 0),
    waitlist       INTEGER NOT NULL CHECK (waitlist IN (0, 1)),
    lottery_hours  INTEGER NOT NULL DEFAULT 0 CHECK (lottery_hours >= 0),
    approval       INTEGER NOT NULL CHECK (approval IN (0, 1)),
    trial_welcome  INTEGER NOT NULL CHECK (trial_welcome IN (0, 1)),
    created_by     TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    cancelled_at   INTEGER,
    cancel_reason  TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (online = 1 OR venue <> ''),
    CHECK (lottery_hours = 0 OR (capacity > 0 AND approval = 0))
);

CREATE INDEX events_community ON events (community_id, starts_at);
CREATE INDEX events_upcoming ON events (last_ends_at) WHERE cancelled_at IS NULL;

-- One occurrence of an event, stored once someone asks for a seat or an
-- organiser cancels it. capacity is the event's at that moment; the
-- database itself refuses more confirmed seats than it. next_seq numbers
-- the requests in order of arrival. A drawn lottery keeps its seed (hex).
CREATE TABLE event_occurrences (
    event_id         TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    starts_at        INTEGER NOT NULL,
    capacity         INTEGER NOT NULL CHECK (capacity >= 0),
    confirmed        INTEGER NOT NULL DEFAULT 0,
    next_seq         INTEGER NOT NULL DEFAULT 0,
    cancelled_at     INTEGER,
    cancel_reason    TEXT    NOT NULL DEFAULT '',
    lottery_drawn_at INTEGER,
    lottery_seed     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, starts_at),
    CHECK (confirmed >= 0 AND (capacity = 0 OR confirmed <= capacity))
);

-- A person's request for a seat at one occurrence. seq is its place in
-- the occurrence's queue: seats and waitlist places go by it alone.
CREATE TABLE event_rsvps (
    id            TEXT    PRIMARY KEY,
    event_id      TEXT    NOT NULL,
    starts_at     INTEGER NOT NULL,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'pending', 'entered', 'not_selected', 'declined', 'cancelled')),
    seq           INTEGER NOT NULL,
    trial         INTEGER NOT NULL CHECK (trial IN (0, 1)),
    requested_at  INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    checked_in_at INTEGER,
    FOREIGN KEY (event_id, starts_at) REFERENCES event_occurrences (event_id, starts_at) ON DELETE CASCADE,
    UNIQUE (event_id, starts_at, account_id),
    CHECK (checked_in_at IS NULL OR status = 'confirmed')
);

CREATE INDEX event_rsvps_queue ON event_rsvps (event_id, starts_at, status, seq);
CREATE INDEX event_rsvps_account ON event_rsvps (account_id, starts_at);

-- A member's calendar feed: the hash of the secret in its address.
CREATE TABLE calendar_feeds (
    account_id TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- A pro-bono project of an NPO or worker cooperative. roles is a JSON
-- array of {name, skills}; starts_on a YYYY-MM-DD date in Japan, and
-- starts_at and ends_at the instants the work begins and ends. seq is the
-- row's integer key, by which the search index reaches it.
CREATE TABLE probono_projects (
    seq               INTEGER PRIMARY KEY,
    id                TEXT    NOT NULL UNIQUE,
    community_id      TEXT    NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    title             TEXT    NOT NULL,
    deliverable       TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    roles             TEXT    NOT NULL,
    team_size         INTEGER NOT NULL CHECK (team_size BETWEEN 2 AND 6),
    hours_per_week    INTEGER NOT NULL CHECK (hours_per_week > 0),
    duration_months   INTEGER NOT NULL CHECK (duration_months BETWEEN 1 AND 6),
    starts_on         TEXT    NOT NULL,
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER NOT NULL,
    answer_by         INTEGER NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('recruiting', 'team_confirmed', 'closed')),
    created_by        TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    team_confirmed_at INTEGER,
    CHECK ((status = 'team_confirmed') = (team_confirmed_at IS NOT NULL))
);

CREATE INDEX probono_projects_community ON probono_projects (community_id);
CREATE INDEX probono_projects_due ON probono_projects (answer_by) WHERE status = 'recruiting';

-- A volunteer's application. skills is a JSON array; role is the role
-- taken in a confirmed team. automatic marks an answer given at the
-- deadline.
CREATE TABLE probono_applications (
    id             TEXT    PRIMARY KEY,
    project_id     TEXT    NOT NULL REFERENCES probono_projects (id) ON DELETE CASCADE,
    account_id     TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    skills         TEXT    NOT NULL,
    hours_per_week INTEGER NOT NULL CHECK (hours_per_week > 0),
    motivation     TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL CHECK (status IN ('applied', 'accepted', 'not_selected')),
    role           TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    answered_at    INTEGER,
    automatic      INTEGER NOT NULL DEFAULT 0 CHECK (automatic IN (0, 1)),
    UNIQUE (project_id, account_id),
    CHECK ((status = 'applied') = (answered_at IS NULL))
);

CREATE INDEX probono_applications_account ON probono_applications (account_id);
