-- Events with their occurrences and RSVPs, calendar feeds, and pro-bono
-- projects with their applications.

-- An event of a community: once, or repeating by recurrence (a canonical
-- RRULE; '' for a one-off event) except on the dates in exceptions
-- (YYYY-MM-DD). starts_at and ends_at are the first occurrence;
-- last_ends_at is the end of the last one, NULL for a rule without end.
-- lottery_hours > 0 draws the seats that many hours before each
-- occurrence.
CREATE TABLE events (
    id            text        PRIMARY KEY,
    community_id  text        NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    title         text        NOT NULL,
    description   text        NOT NULL DEFAULT '',
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    recurrence    text        NOT NULL DEFAULT '',
    exceptions    text[]      NOT NULL DEFAULT '{}',
    last_ends_at  timestamptz,
    online        boolean     NOT NULL,
    venue         text        NOT NULL DEFAULT '',
    prefecture    text        NOT NULL DEFAULT '',
    online_url    text        NOT NULL DEFAULT '',
    capacity      integer     NOT NULL CHECK (capacity >= 0),
    waitlist      boolean     NOT NULL,
    lottery_hours integer     NOT NULL DEFAULT 0 CHECK (lottery_hours >= 0),
    approval      boolean     NOT NULL,
    trial_welcome boolean     NOT NULL,
    created_by    text        REFERENCES accounts (id) ON DELETE SET NULL,
    cancelled_at  timestamptz,
    cancel_reason text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (online OR venue <> ''),
    CHECK (lottery_hours = 0 OR (capacity > 0 AND NOT approval))
);

CREATE INDEX events_community ON events (community_id, starts_at);
CREATE INDEX events_upcoming ON events (last_ends_at) WHERE cancelled_at IS NULL;

-- One occurrence of an event, stored once someone asks for a seat or an
-- organiser cancels it. Writes about its seats lock this row, so they
-- happen one at a time; capacity is the event's at that moment, and the
-- database itself refuses more confirmed seats than it. next_seq numbers
-- the requests in order of arrival. A drawn lottery keeps its seed (hex).
CREATE TABLE event_occurrences (
    event_id         text        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    starts_at        timestamptz NOT NULL,
    capacity         integer     NOT NULL CHECK (capacity >= 0),
    confirmed        integer     NOT NULL DEFAULT 0,
    next_seq         integer     NOT NULL DEFAULT 0,
    cancelled_at     timestamptz,
    cancel_reason    text        NOT NULL DEFAULT '',
    lottery_drawn_at timestamptz,
    lottery_seed     text        NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, starts_at),
    CHECK (confirmed >= 0 AND (capacity = 0 OR confirmed <= capacity))
);

-- A person's request for a seat at one occurrence. seq is its place in
-- the occurrence's queue: seats and waitlist places go by it alone.
CREATE TABLE event_rsvps (
    id            text        PRIMARY KEY,
    event_id      text        NOT NULL,
    starts_at     timestamptz NOT NULL,
    account_id    text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status        text        NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'pending', 'entered', 'not_selected', 'declined', 'cancelled')),
    seq           integer     NOT NULL,
    trial         boolean     NOT NULL,
    requested_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    checked_in_at timestamptz,
    FOREIGN KEY (event_id, starts_at) REFERENCES event_occurrences (event_id, starts_at) ON DELETE CASCADE,
    UNIQUE (event_id, starts_at, account_id),
    CHECK (checked_in_at IS NULL OR status = 'confirmed')
);

CREATE INDEX event_rsvps_queue ON event_rsvps (event_id, starts_at, status, seq);
CREATE INDEX event_rsvps_account ON event_rsvps (account_id, starts_at);

-- A member's calendar feed: the hash of the secret in its address.
CREATE TABLE calendar_feeds (
    account_id text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- A pro-bono project of an NPO or worker cooperative. roles is a JSON
-- array of {name, skills}; starts_on a YYYY-MM-DD date in Japan, and
-- starts_at and ends_at the instants the work begins and ends.
CREATE TABLE probono_projects (
    id                text        PRIMARY KEY,
    community_id      text        NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    title             text        NOT NULL,
    deliverable       text        NOT NULL,
    description       text        NOT NULL DEFAULT '',
    roles             jsonb       NOT NULL,
    team_size         integer     NOT NULL CHECK (team_size BETWEEN 2 AND 6),
    hours_per_week    integer     NOT NULL CHECK (hours_per_week > 0),
    duration_months   integer     NOT NULL CHECK (duration_months BETWEEN 1 AND 6),
    starts_on         text        NOT NULL,
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    answer_by         timestamptz NOT NULL,
    status            text        NOT NULL CHECK (status IN ('recruiting', 'team_confirmed', 'closed')),
    created_by        text        REFERENCES accounts (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL,
    team_confirmed_at timestamptz,
    CHECK ((status = 'team_confirmed') = (team_confirmed_at IS NOT NULL))
);

CREATE INDEX probono_projects_community ON probono_projects (community_id);
CREATE INDEX probono_projects_due ON probono_projects (answer_by) WHERE status = 'recruiting';

-- A volunteer's application. role is the role taken in a confirmed team;
-- automatic marks an answer given at the deadline.
CREATE TABLE probono_applications (
    id             text        PRIMARY KEY,
    project_id     text        NOT NULL REFERENCES probono_projects (id) ON DELETE CASCADE,
    account_id     text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    skills         text[]      NOT NULL,
    hours_per_week integer     NOT NULL CHECK (hours_per_week > 0),
    motivation     text        NOT NULL DEFAULT '',
    status         text        NOT NULL CHECK (status IN ('applied', 'accepted', 'not_selected')),
    role           text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    answered_at    timestamptz,
    automatic      boolean     NOT NULL DEFAULT false,
    UNIQUE (project_id, account_id),
    CHECK ((status = 'applied') = (answered_at IS NULL))
);

CREATE INDEX probono_applications_account ON probono_applications (account_id);
