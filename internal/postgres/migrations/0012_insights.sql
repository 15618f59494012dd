-- 0012_insights: the employer's side. Programmes and who enrolled, the
-- disclosure settings of orgs, the release ledger of anonymised reports,
-- the tenure band of attributed answers, and the database role that HR
-- reports are read under.

-- The tenure band (在籍年数) of the respondent when they answered, beside
-- the other segments of an attributed answer; '' for anonymous ones.
ALTER TABLE survey_pooled_answers ADD COLUMN tenure_band text NOT NULL DEFAULT '';

-- An employer's programme: career training, paid external consultations
-- or learning support, between two dates (midnight, Asia/Tokyo).
CREATE TABLE programmes (
    id          text        PRIMARY KEY,
    org_id      text        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('training', 'consultation', 'learning')),
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    sessions    integer     NOT NULL DEFAULT 0,
    starts_on   timestamptz NOT NULL,
    ends_on     timestamptz NOT NULL CHECK (ends_on >= starts_on),
    created_by  text        REFERENCES accounts (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (id, org_id)
);

CREATE INDEX programmes_org ON programmes (org_id, starts_on);
CREATE INDEX programmes_created_by ON programmes (created_by);

-- The departments a programme is open to; none: the whole org. The
-- composite keys keep them in the programme's org.
CREATE TABLE programme_departments (
    programme_id  text NOT NULL,
    org_id        text NOT NULL,
    department_id text NOT NULL,
    PRIMARY KEY (programme_id, department_id),
    FOREIGN KEY (programme_id, org_id) REFERENCES programmes (id, org_id) ON DELETE CASCADE,
    FOREIGN KEY (department_id, org_id) REFERENCES departments (id, org_id) ON DELETE CASCADE
);

CREATE INDEX programme_departments_department ON programme_departments (department_id);

-- Who enrolled in a programme. The store only ever answers whether one
-- given person did; HR never sees who.
CREATE TABLE programme_enrolments (
    programme_id text        NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    enrolled_at  timestamptz NOT NULL,
    PRIMARY KEY (programme_id, account_id)
);

CREATE INDEX programme_enrolments_account ON programme_enrolments (account_id);

-- An org's choices about its reports beside min_group_size: k_text, and
-- optional noise (0 and 0: none).
CREATE TABLE disclosure_settings (
    org_id              text             PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    min_text_group_size integer          NOT NULL DEFAULT 0,
    noise_epsilon       double precision NOT NULL DEFAULT 0,
    epsilon_budget      double precision NOT NULL DEFAULT 0,
    updated_at          timestamptz      NOT NULL
);

-- The release ledger: what an org's HR may see of a closed pulse round, a
-- quarter or a programme, computed once and frozen. The body is kept as
-- the exact bytes published; a release is never changed.
CREATE TABLE releases (
    id           text             PRIMARY KEY,
    org_id       text             NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind         text             NOT NULL CHECK (kind IN ('pulse', 'period', 'programme')),
    subject      text             NOT NULL,
    published_at timestamptz      NOT NULL,
    k            integer          NOT NULL,
    epsilon      double precision NOT NULL DEFAULT 0,
    body         bytea            NOT NULL,
    UNIQUE (org_id, kind, subject)
);

CREATE FUNCTION releases_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'releases are frozen';
END;
$$;

CREATE TRIGGER releases_frozen BEFORE UPDATE ON releases
    FOR EACH ROW EXECUTE FUNCTION releases_frozen();

-- The private side of a release: exact group sizes, which feed the next
-- release of the same kind and never leave the server.
CREATE TABLE release_audits (
    release_id text  PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
    audit      bytea NOT NULL
);

-- HR reports are read under the role tsunagari_report, which may read the
-- release ledger and nothing else: not answers, notes, bookings nor even
-- the audits. Roles belong to the whole cluster, so it is created only if
-- missing (several schemas may migrate at once), and the connecting user
-- is made a member so that it can SET ROLE to it. A user without the
-- right to create roles needs an administrator to run, once:
--   CREATE ROLE tsunagari_report NOLOGIN; GRANT tsunagari_report TO <user>;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tsunagari_report') THEN
        BEGIN
            CREATE ROLE tsunagari_report NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'tsunagari_report', 'MEMBER') THEN
        EXECUTE format('GRANT tsunagari_report TO %I', current_user);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO tsunagari_report', current_schema());
END
$$;

GRANT SELECT ON releases TO tsunagari_report;
