-- 0002_surveys: instruments, rounds and responses.
--
-- Privacy by construction. Personal answers live in survey_responses with
-- the respondent's account. Attributed and anonymous answers live in
-- survey_pooled_answers, which has no account, no time and a random key;
-- who took part is in survey_participation, which holds no answer. Both
-- are WITHOUT ROWID tables, ordered by their keys, so that not even the
-- hidden row order tells which participation came with which answers.

-- A version of a questionnaire, as JSON. Versions never change.
CREATE TABLE survey_instruments (
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    definition TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);

-- An instrument version sent to an audience (an org's employees, or every
-- member when org_id is NULL) for a time. A standing round is the
-- always-open personal round of a self-service instrument.
CREATE TABLE survey_rounds (
    id                 TEXT    PRIMARY KEY,
    instrument_id      TEXT    NOT NULL,
    instrument_version INTEGER NOT NULL,
    mode               TEXT    NOT NULL CHECK (mode IN ('personal', 'attributed', 'anonymous')),
    standing           INTEGER NOT NULL DEFAULT 0 CHECK (standing IN (0, 1)),
    org_id             TEXT    REFERENCES orgs (id) ON DELETE CASCADE,
    opens_at           INTEGER NOT NULL,
    closes_at          INTEGER,
    created_by         TEXT    REFERENCES accounts (id) ON DELETE SET NULL,
    created_at         INTEGER NOT NULL,
    FOREIGN KEY (instrument_id, instrument_version) REFERENCES survey_instruments (id, version),
    CHECK (standing = 0 OR mode = 'personal')
);

CREATE UNIQUE INDEX survey_rounds_standing ON survey_rounds (instrument_id, instrument_version) WHERE standing = 1;
CREATE INDEX survey_rounds_instrument ON survey_rounds (instrument_id, instrument_version);
CREATE INDEX survey_rounds_org ON survey_rounds (org_id);
CREATE INDEX survey_rounds_created_by ON survey_rounds (created_by);

-- Personal answers: only the respondent ever reads them.
CREATE TABLE survey_responses (
    id           TEXT    PRIMARY KEY,
    round_id     TEXT    NOT NULL REFERENCES survey_rounds (id) ON DELETE CASCADE,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    submitted_at INTEGER NOT NULL,
    answers      TEXT    NOT NULL,
    scores       TEXT    NOT NULL
);

CREATE INDEX survey_responses_account ON survey_responses (account_id, submitted_at);
CREATE INDEX survey_responses_round ON survey_responses (round_id);

-- Who has answered an attributed or anonymous round, so that nobody
-- answers twice. No answers, no time.
CREATE TABLE survey_participation (
    round_id   TEXT NOT NULL REFERENCES survey_rounds (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, account_id)
) WITHOUT ROWID;

CREATE INDEX survey_participation_account ON survey_participation (account_id);

-- Answers of attributed and anonymous rounds, under a random key. The
-- segment columns are filled for attributed rounds only.
CREATE TABLE survey_pooled_answers (
    round_id      TEXT NOT NULL REFERENCES survey_rounds (id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    size_band     TEXT NOT NULL DEFAULT '',
    industry      TEXT NOT NULL DEFAULT '',
    department_id TEXT NOT NULL DEFAULT '',
    age_band      TEXT NOT NULL DEFAULT '',
    job_family    TEXT NOT NULL DEFAULT '',
    answers       TEXT NOT NULL,
    scores        TEXT NOT NULL,
    PRIMARY KEY (round_id, id)
) WITHOUT ROWID;
