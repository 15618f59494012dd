-- Surveys: versioned instruments, rounds sent to an audience, and
-- responses.
--
-- Privacy by construction. Personal answers live in survey_responses with
-- the respondent's account. Attributed and anonymous answers live in
-- survey_pooled_answers, which has no account, no time and a random key;
-- who took part is in survey_participation, which holds no answer. The
-- two tables share nothing but the round.

-- A version of a questionnaire. Versions never change.
CREATE TABLE survey_instruments (
    id         text        NOT NULL,
    version    integer     NOT NULL CHECK (version > 0),
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, version)
);

-- An instrument version sent to an audience (an org's employees, or every
-- member when org_id is NULL) for a time. A standing round is the
-- always-open personal round of a self-service instrument.
CREATE TABLE survey_rounds (
    id                 text        PRIMARY KEY,
    instrument_id      text        NOT NULL,
    instrument_version integer     NOT NULL,
    mode               text        NOT NULL CHECK (mode IN ('personal', 'attributed', 'anonymous')),
    standing           boolean     NOT NULL DEFAULT false,
    org_id             text        REFERENCES orgs (id) ON DELETE CASCADE,
    opens_at           timestamptz NOT NULL,
    closes_at          timestamptz,
    created_by         text        REFERENCES accounts (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL,
    FOREIGN KEY (instrument_id, instrument_version) REFERENCES survey_instruments (id, version),
    CHECK (NOT standing OR mode = 'personal')
);

CREATE UNIQUE INDEX survey_rounds_standing ON survey_rounds (instrument_id, instrument_version) WHERE standing;
CREATE INDEX survey_rounds_instrument ON survey_rounds (instrument_id, instrument_version);
CREATE INDEX survey_rounds_org ON survey_rounds (org_id);
CREATE INDEX survey_rounds_created_by ON survey_rounds (created_by);

-- Personal answers: only the respondent ever reads them.
CREATE TABLE survey_responses (
    id           text        PRIMARY KEY,
    round_id     text        NOT NULL REFERENCES survey_rounds (id) ON DELETE CASCADE,
    account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    submitted_at timestamptz NOT NULL,
    answers      jsonb       NOT NULL,
    scores       jsonb       NOT NULL
);

CREATE INDEX survey_responses_account ON survey_responses (account_id, submitted_at);
CREATE INDEX survey_responses_round ON survey_responses (round_id);

-- Who has answered an attributed or anonymous round, so that nobody
-- answers twice. No answers, no time.
CREATE TABLE survey_participation (
    round_id   text NOT NULL REFERENCES survey_rounds (id) ON DELETE CASCADE,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, account_id)
);

CREATE INDEX survey_participation_account ON survey_participation (account_id);

-- Answers of attributed and anonymous rounds, under a random key. The
-- segment columns are filled for attributed rounds only.
CREATE TABLE survey_pooled_answers (
    round_id      text  NOT NULL REFERENCES survey_rounds (id) ON DELETE CASCADE,
    id            text  NOT NULL,
    size_band     text  NOT NULL DEFAULT '',
    industry      text  NOT NULL DEFAULT '',
    department_id text  NOT NULL DEFAULT '',
    age_band      text  NOT NULL DEFAULT '',
    job_family    text  NOT NULL DEFAULT '',
    answers       jsonb NOT NULL,
    scores        jsonb NOT NULL,
    PRIMARY KEY (round_id, id)
);
