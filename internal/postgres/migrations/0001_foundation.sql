-- Foundation: organisations and their department trees, accounts with
-- roles and employment, sign-in (sessions, API tokens, password resets),
-- invitations and the mail outbox.
--
-- Every time is a timestamptz holding whole seconds. Tables are created
-- unqualified, in the first schema of the search path.

CREATE TABLE orgs (
    id                 text        PRIMARY KEY,
    name               text        NOT NULL,
    industry           text        NOT NULL DEFAULT '',
    declared_employees integer     NOT NULL,
    min_group_size     integer     NOT NULL,
    created_at         timestamptz NOT NULL
);

-- A department belongs to one org; its parent, if any, belongs to the same
-- org, which the composite foreign key guarantees.
CREATE TABLE departments (
    id         text        PRIMARY KEY,
    org_id     text        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    parent_id  text,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, parent_id) REFERENCES departments (org_id, id) ON DELETE CASCADE
);

-- Siblings have distinct names; top-level departments (no parent) are
-- siblings of one another.
CREATE UNIQUE INDEX departments_sibling_name ON departments (org_id, parent_id, name) NULLS NOT DISTINCT;

CREATE TABLE accounts (
    id                  text        PRIMARY KEY,
    email               text        NOT NULL UNIQUE,
    name                text        NOT NULL,
    password_hash       text        NOT NULL DEFAULT '',
    locale              text        NOT NULL DEFAULT '',
    time_zone           text        NOT NULL DEFAULT '',
    job_family          text        NOT NULL DEFAULT '',
    industry            text        NOT NULL DEFAULT '',
    prefecture          text        NOT NULL DEFAULT '',
    home_prefecture     text        NOT NULL DEFAULT '',
    age_band            text        NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL,
    password_changed_at timestamptz,
    disabled_at         timestamptz
);

CREATE TABLE account_roles (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       text NOT NULL,
    PRIMARY KEY (account_id, role)
);

CREATE INDEX account_roles_role ON account_roles (role, account_id);

-- Employment history. A person has at most one current employment (one
-- without an end); past ones are kept. The department, if any, is one of
-- the employer's; removing it leaves the employment without a department.
CREATE TABLE employments (
    id            text        PRIMARY KEY,
    account_id    text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    org_id        text        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    department_id text,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    FOREIGN KEY (org_id, department_id) REFERENCES departments (org_id, id)
        ON DELETE SET NULL (department_id)
);

CREATE UNIQUE INDEX employments_current ON employments (account_id) WHERE ended_at IS NULL;
CREATE INDEX employments_org_current ON employments (org_id) WHERE ended_at IS NULL;
CREATE INDEX employments_account ON employments (account_id);

-- Sessions are keyed by the SHA-256 of their token; the token itself is
-- never stored.
CREATE TABLE sessions (
    token_hash           text        PRIMARY KEY,
    account_id           text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at           timestamptz NOT NULL,
    last_seen_at         timestamptz NOT NULL,
    expires_at           timestamptz NOT NULL,
    idle_timeout_seconds integer     NOT NULL,
    user_agent           text        NOT NULL DEFAULT '',
    ip                   text        NOT NULL DEFAULT ''
);

CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id           text        PRIMARY KEY,
    account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    token_hash   text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at);

CREATE TABLE password_resets (
    token_hash text        PRIMARY KEY,
    account_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX password_resets_account ON password_resets (account_id);

-- Invitations to join an org, keyed for acceptance by the hash of their
-- token. seq orders invitations created in the same second.
CREATE TABLE invitations (
    id            text        PRIMARY KEY,
    seq           bigint      GENERATED ALWAYS AS IDENTITY,
    org_id        text        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    department_id text,
    email         text        NOT NULL,
    role          text        NOT NULL,
    token_hash    text        NOT NULL UNIQUE,
    invited_by    text        REFERENCES accounts (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    accepted_at   timestamptz,
    accepted_by   text        REFERENCES accounts (id) ON DELETE SET NULL,
    FOREIGN KEY (org_id, department_id) REFERENCES departments (org_id, id)
        ON DELETE SET NULL (department_id)
);

CREATE INDEX invitations_org_created ON invitations (org_id, created_at DESC, seq DESC);
CREATE INDEX invitations_org_email ON invitations (org_id, email) WHERE accepted_at IS NULL;

-- Outgoing mail. The body is erased once the message is sent. seq orders
-- messages enqueued in the same second.
CREATE TABLE outbox (
    id         text        PRIMARY KEY,
    seq        bigint      GENERATED ALWAYS AS IDENTITY,
    recipient  text        NOT NULL,
    subject    text        NOT NULL,
    body       text        NOT NULL,
    kind       text        NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at    timestamptz,
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text        NOT NULL DEFAULT ''
);

CREATE INDEX outbox_created ON outbox (created_at DESC, seq DESC);
CREATE INDEX outbox_unsent ON outbox (created_at DESC, seq DESC) WHERE sent_at IS NULL;
CREATE INDEX outbox_recipient ON outbox (recipient, created_at DESC, seq DESC);
