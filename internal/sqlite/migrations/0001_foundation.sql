-- 0001_foundation: organisations, accounts, sign-in and the outbox.
--
-- Times are UTC Unix seconds (INTEGER). IDs are 26-character random TEXT.
-- Optional references are NULL, never ''.

-- An employer: a tenant of the platform.
CREATE TABLE orgs (
    id                 TEXT    PRIMARY KEY,
    name               TEXT    NOT NULL,
    industry           TEXT    NOT NULL DEFAULT '',
    declared_employees INTEGER NOT NULL,
    min_group_size     INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);

-- A node of an org's department tree. A parent belongs to the same org:
-- the composite foreign key enforces it, and the store checks it first so
-- that it can say "not found".
CREATE TABLE departments (
    id         TEXT    PRIMARY KEY,
    org_id     TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    parent_id  TEXT,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (id, org_id),
    FOREIGN KEY (parent_id, org_id) REFERENCES departments (id, org_id) ON DELETE CASCADE
);

-- Siblings have distinct names; top-level departments (parent_id NULL) are
-- siblings of each other.
CREATE UNIQUE INDEX departments_sibling_name ON departments (org_id, ifnull(parent_id, ''), name);
CREATE INDEX departments_parent ON departments (parent_id);

-- A person's sign-in and the attributes they give about themselves.
CREATE TABLE accounts (
    id                  TEXT    PRIMARY KEY,
    email               TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL DEFAULT '',
    locale              TEXT    NOT NULL DEFAULT '',
    time_zone           TEXT    NOT NULL DEFAULT '',
    job_family          TEXT    NOT NULL DEFAULT '',
    industry            TEXT    NOT NULL DEFAULT '',
    prefecture          TEXT    NOT NULL DEFAULT '',
    home_prefecture     TEXT    NOT NULL DEFAULT '',
    age_band            TEXT    NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER,
    disabled_at         INTEGER
);

CREATE TABLE account_roles (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);

CREATE INDEX account_roles_role ON account_roles (role, account_id);

-- Employment history. A person has at most one current employment
-- (ended_at IS NULL); its department, if any, belongs to the same org.
CREATE TABLE employments (
    id            TEXT    PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    org_id        TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    department_id TEXT,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    FOREIGN KEY (department_id, org_id) REFERENCES departments (id, org_id)
);

CREATE UNIQUE INDEX employments_current ON employments (account_id) WHERE ended_at IS NULL;
CREATE INDEX employments_org_current ON employments (org_id) WHERE ended_at IS NULL;
CREATE INDEX employments_department ON employments (department_id);

-- Signed-in browsers. Only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    token_hash           TEXT    PRIMARY KEY,
    account_id           TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at           INTEGER NOT NULL,
    last_seen_at         INTEGER NOT NULL,
    expires_at           INTEGER NOT NULL,
    idle_timeout_seconds INTEGER NOT NULL,
    user_agent           TEXT    NOT NULL DEFAULT '',
    ip                   TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_idle ON sessions (last_seen_at + idle_timeout_seconds);

-- Personal tokens for scripts calling the API.
CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER NOT NULL
);

CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at);

-- Single-use emailed tokens that let a person set a new password.
CREATE TABLE password_resets (
    token_hash TEXT    PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE INDEX password_resets_account ON password_resets (account_id);

-- Invitations to join an org as an employee, by email.
CREATE TABLE invitations (
    id            TEXT    PRIMARY KEY,
    org_id        TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    department_id TEXT,
    email         TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    invited_by    TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    accepted_at   INTEGER,
    accepted_by   TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    FOREIGN KEY (department_id, org_id) REFERENCES departments (id, org_id)
);

CREATE INDEX invitations_org_created ON invitations (org_id, created_at);
CREATE INDEX invitations_org_email ON invitations (org_id, email);
CREATE INDEX invitations_invited_by ON invitations (invited_by);
CREATE INDEX invitations_accepted_by ON invitations (accepted_by);

-- Outgoing mail. The body is erased once the message is sent.
CREATE TABLE outbox (
    id         TEXT    PRIMARY KEY,
    to_address TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_to ON outbox (to_address, created_at);
