-- 0008_survey_authoring: instruments authored for an org, rounds for HR
-- departments, and before/after pairs.

-- The owner of an authored instrument: an org for instruments its HR
-- administrators wrote, NULL for the platform's own. Every version of an
-- ID has the same owner.
ALTER TABLE survey_instruments ADD COLUMN org_id TEXT REFERENCES orgs (id) ON DELETE CASCADE;
ALTER TABLE survey_instruments ADD COLUMN created_by TEXT REFERENCES accounts (id) ON DELETE SET NULL;

CREATE INDEX survey_instruments_org ON survey_instruments (org_id);
CREATE INDEX survey_instruments_created_by ON survey_instruments (created_by);

-- Who among the addressed may answer: everyone (''), or only HR
-- administrators. A round about a subject (a consultation, an event, a
-- programme) is its before or after survey; a subject has one of each.
ALTER TABLE survey_rounds ADD COLUMN audience TEXT NOT NULL DEFAULT '' CHECK (audience IN ('', 'hr_admin'));
ALTER TABLE survey_rounds ADD COLUMN subject_kind TEXT CHECK (subject_kind IN ('consultation', 'event', 'programme'));
ALTER TABLE survey_rounds ADD COLUMN subject_id TEXT;
ALTER TABLE survey_rounds ADD COLUMN phase TEXT CHECK (phase IN ('pre_survey', 'post_survey'));

CREATE UNIQUE INDEX survey_rounds_subject ON survey_rounds (subject_kind, subject_id, phase) WHERE subject_kind IS NOT NULL;

-- The key that pairs one person's before and after answers: a keyed hash
-- of the subject and the person, which nothing stored turns back into
-- the person. '' for answers outside a pair.
ALTER TABLE survey_pooled_answers ADD COLUMN pair_key TEXT NOT NULL DEFAULT '';

CREATE INDEX survey_pooled_answers_pair ON survey_pooled_answers (round_id, pair_key) WHERE pair_key <> '';
