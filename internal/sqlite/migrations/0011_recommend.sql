-- 0011_recommend: what members tell the community recommender, the
-- weights operators set, and the change log that keeps every process's
-- recommendations fresh.

-- A member's wish (やりたいこと) and the filters every recommendation
-- must pass. NULL max_fee or max_hours means no bound.
CREATE TABLE recommend_preferences (
    account_id TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    wish       TEXT    NOT NULL DEFAULT '',
    max_fee    INTEGER CHECK (max_fee >= 0),
    max_hours  INTEGER CHECK (max_hours >= 0),
    online     INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
    prefecture TEXT    NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);

-- A member's bookmark or dismissal of a community, one per community.
CREATE TABLE community_marks (
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    community_id TEXT    NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    mark         TEXT    NOT NULL CHECK (mark IN ('bookmark', 'dismiss')),
    marked_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, community_id)
);

CREATE INDEX community_marks_community ON community_marks (community_id);

-- The weights of the recommender, as a JSON object; one row at most.
CREATE TABLE recommend_weights (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    weights    TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    REFERENCES accounts (id) ON DELETE SET NULL
);

-- What changed that bears on recommendations, in commit order (SQLite
-- has one writer at a time). The triggers below write it; every process
-- polls it for rows past the last one it saw. Only the latest 10,000 rows
-- are kept: a process that falls further behind reads everything again.
CREATE TABLE recommend_changes (
    seq          INTEGER PRIMARY KEY,
    what         TEXT    NOT NULL CHECK (what IN ('membership', 'community', 'account', 'weights')),
    community_id TEXT    NOT NULL DEFAULT '',
    account_id   TEXT    NOT NULL DEFAULT ''
);

CREATE TRIGGER recommend_changes_prune AFTER INSERT ON recommend_changes
BEGIN
    DELETE FROM recommend_changes WHERE seq <= NEW.seq - 10000;
END;

CREATE TRIGGER recommend_membership_inserted AFTER INSERT ON community_members
BEGIN
    INSERT INTO recommend_changes (what, community_id, account_id) VALUES ('membership', NEW.community_id, NEW.account_id);
END;

CREATE TRIGGER recommend_membership_updated AFTER UPDATE ON community_members
BEGIN
    INSERT INTO recommend_changes (what, community_id, account_id) VALUES ('membership', NEW.community_id, NEW.account_id);
END;

-- A membership that ends is a change to its community; the row does not
-- name the person, who may be leaving tsunagari altogether.
CREATE TRIGGER recommend_membership_deleted AFTER DELETE ON community_members
BEGIN
    INSERT INTO recommend_changes (what, community_id) VALUES ('membership', OLD.community_id);
END;

CREATE TRIGGER recommend_community_inserted AFTER INSERT ON communities
BEGIN
    INSERT INTO recommend_changes (what, community_id) VALUES ('community', NEW.id);
END;

-- Every column but member_count, which the store updates whenever a
-- membership changes, and which the membership triggers report already.
CREATE TRIGGER recommend_community_updated AFTER UPDATE OF
    kind, name, purpose, description, tags, styles, prefecture, online, home_prefecture, org_id, job_family,
    industry, monthly_fee, hours_per_month, languages, join_policy, trait_member_run, trait_purpose_fit,
    trait_flexible_intensity, trait_free_exit, trait_newcomer_support, hidden_at
    ON communities
BEGIN
    INSERT INTO recommend_changes (what, community_id) VALUES ('community', NEW.id);
END;

CREATE TRIGGER recommend_community_deleted AFTER DELETE ON communities
BEGIN
    INSERT INTO recommend_changes (what, community_id) VALUES ('community', OLD.id);
END;

CREATE TRIGGER recommend_rating_inserted AFTER INSERT ON community_trait_ratings
BEGIN
    INSERT INTO recommend_changes (what, community_id) VALUES ('community', NEW.community_id);
END;

CREATE TRIGGER recommend_rating_deleted AFTER DELETE ON community_trait_ratings
BEGIN
    INSERT INTO recommend_changes (what, community_id) VALUES ('community', OLD.community_id);
END;

CREATE TRIGGER recommend_account_updated AFTER UPDATE OF job_family, industry, age_band, prefecture, home_prefecture ON accounts
    WHEN OLD.job_family IS NOT NEW.job_family OR OLD.industry IS NOT NEW.industry OR OLD.age_band IS NOT NEW.age_band
      OR OLD.prefecture IS NOT NEW.prefecture OR OLD.home_prefecture IS NOT NEW.home_prefecture
BEGIN
    INSERT INTO recommend_changes (what, account_id) VALUES ('account', NEW.id);
END;

CREATE TRIGGER recommend_values_inserted AFTER INSERT ON survey_responses
    WHEN (SELECT instrument_id FROM survey_rounds WHERE id = NEW.round_id) = 'values_diagnosis'
BEGIN
    INSERT INTO recommend_changes (what, account_id) VALUES ('account', NEW.account_id);
END;

-- A diagnosis that goes changes the communities of its member, named
-- without the member.
CREATE TRIGGER recommend_values_deleted AFTER DELETE ON survey_responses
    WHEN (SELECT instrument_id FROM survey_rounds WHERE id = OLD.round_id) = 'values_diagnosis'
BEGIN
    INSERT INTO recommend_changes (what, community_id)
        SELECT 'community', community_id FROM community_members WHERE account_id = OLD.account_id;
END;

CREATE TRIGGER recommend_weights_inserted AFTER INSERT ON recommend_weights
BEGIN
    INSERT INTO recommend_changes (what) VALUES ('weights');
END;

CREATE TRIGGER recommend_weights_updated AFTER UPDATE ON recommend_weights
BEGIN
    INSERT INTO recommend_changes (what) VALUES ('weights');
END;
