-- 0012_insights: the employer's side. Programmes and who enrolled, the
-- disclosure settings of orgs, the release ledger of anonymised reports,
-- and the tenure band of attributed answers.

-- The tenure band (在籍年数) of the respondent when they answered, beside
-- the other segments of an attributed answer; '' for anonymous ones.
ALTER TABLE survey_pooled_answers ADD COLUMN tenure_band TEXT NOT NULL DEFAULT '';

-- An employer's programme: career training, paid external consultations
-- or learning support, between two dates (midnight, Asia/Tokyo).
CREATE TABLE programmes (
    id          TEXT    PRIMARY KEY,
    org_id      TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('training', 'consultation', 'learning')),
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    sessions    INTEGER NOT NULL DEFAULT 0,
    starts_on   INTEGER NOT NULL,
    ends_on     INTEGER NOT NULL CHECK (ends_on >= starts_on),
    created_by  TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (id, org_id)
);

CREATE INDEX programmes_org ON programmes (org_id, starts_on);
CREATE INDEX programmes_created_by ON programmes (created_by);

-- The departments a programme is open to; none: the whole org. The
-- composite keys keep them in the programme's org.
CREATE TABLE programme_departments (
    programme_id  TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    department_id TEXT NOT NULL,
    PRIMARY KEY (programme_id, department_id),
    FOREIGN KEY (programme_id, org_id) REFERENCES programmes (id, org_id) ON DELETE CASCADE,
    FOREIGN KEY (department_id, org_id) REFERENCES departments (id, org_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX programme_departments_department ON programme_departments (department_id);

-- Who enrolled in a programme. The store only ever answers whether one
-- given person did; HR never sees who.
CREATE TABLE programme_enrolments (
    programme_id TEXT    NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    enrolled_at  INTEGER NOT NULL,
    PRIMARY KEY (programme_id, account_id)
) WITHOUT ROWID;

CREATE INDEX programme_enrolments_account ON programme_enrolments (account_id);

-- An org's choices about its reports beside min_group_size: k_text, and
-- optional noise (0 and 0: none).
CREATE TABLE disclosure_settings (
    org_id              TEXT    PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    min_text_group_size INTEGER NOT NULL DEFAULT 0,
    noise_epsilon       REAL    NOT NULL DEFAULT 0,
    epsilon_budget      REAL    NOT NULL DEFAULT 0,
    updated_at          INTEGER NOT NULL
);

-- The release ledger: what an org's HR may see of a closed pulse round, a
-- quarter or a programme, computed once and frozen. The body is kept as
-- the exact bytes published; a release is never changed.
CREATE TABLE releases (
    id           TEXT    PRIMARY KEY,
    org_id       TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('pulse', 'period', 'programme')),
    subject      TEXT    NOT NULL,
    published_at INTEGER NOT NULL,
    k            INTEGER NOT NULL,
    epsilon      REAL    NOT NULL DEFAULT 0,
    body         BLOB    NOT NULL,
    UNIQUE (org_id, kind, subject)
);

CREATE TRIGGER releases_frozen
BEFORE UPDATE ON releases
BEGIN
    SELECT RAISE(ABORT, 'releases are frozen');
END;

-- The private side of a release: exact group sizes, which feed the next
-- release of the same kind and never leave the server.
CREATE TABLE release_audits (
    release_id TEXT PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
    audit      BLOB NOT NULL
);
