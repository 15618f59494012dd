-- 0011_recommend: what members tell the community recommender, the
-- weights operators set, and the notifications that keep every process's
-- recommendations fresh.

-- A member's wish (やりたいこと) and the filters every recommendation
-- must pass. NULL max_fee or max_hours means no bound.
CREATE TABLE recommend_preferences (
    account_id text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    wish       text        NOT NULL DEFAULT '',
    max_fee    integer     CHECK (max_fee >= 0),
    max_hours  integer     CHECK (max_hours >= 0),
    online     boolean     NOT NULL DEFAULT false,
    prefecture text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL
);

-- A member's bookmark or dismissal of a community, one per community.
CREATE TABLE community_marks (
    account_id   text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    community_id text        NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    mark         text        NOT NULL CHECK (mark IN ('bookmark', 'dismiss')),
    marked_at    timestamptz NOT NULL,
    PRIMARY KEY (account_id, community_id)
);

CREATE INDEX community_marks_community ON community_marks (community_id);

-- The weights of the recommender, as a JSON object; one row at most.
CREATE TABLE recommend_weights (
    id         integer     PRIMARY KEY CHECK (id = 1),
    weights    jsonb       NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text        REFERENCES accounts (id) ON DELETE SET NULL
);

-- Every process that serves this database listens on the channel
-- tsunagari_recommend. The triggers below notify it of what changed, as
-- "<schema> <what> <community> <account>" ("-" for none); PostgreSQL
-- delivers a notification when, and only if, its transaction commits.
-- A transaction that changes more than 1,000 things sends "<schema> all"
-- instead of the rest, and listeners read everything again.
CREATE FUNCTION recommend_notify(schema_name text, what text, community_id text, account_id text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n integer := coalesce(nullif(current_setting('tsunagari.recommend_notices', true), ''), '0')::integer + 1;
BEGIN
    PERFORM set_config('tsunagari.recommend_notices', n::text, true);
    IF n <= 1000 THEN
        PERFORM pg_notify('tsunagari_recommend',
            concat_ws(' ', schema_name, what, coalesce(community_id, '-'), coalesce(account_id, '-')));
    ELSIF n = 1001 THEN
        PERFORM pg_notify('tsunagari_recommend', concat_ws(' ', schema_name, 'all'));
    END IF;
END
$$;

CREATE FUNCTION recommend_membership_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM recommend_notify(TG_TABLE_SCHEMA, 'membership', OLD.community_id, OLD.account_id);
    ELSE
        PERFORM recommend_notify(TG_TABLE_SCHEMA, 'membership', NEW.community_id, NEW.account_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recommend_membership_changed
    AFTER INSERT OR UPDATE OR DELETE ON community_members
    FOR EACH ROW EXECUTE FUNCTION recommend_membership_changed();

CREATE FUNCTION recommend_community_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM recommend_notify(TG_TABLE_SCHEMA, 'community', OLD.id, NULL);
    ELSE
        PERFORM recommend_notify(TG_TABLE_SCHEMA, 'community', NEW.id, NULL);
    END IF;
    RETURN NULL;
END
$$;

-- Every column but member_count, which the store updates whenever a
-- membership changes, and which the membership trigger reports already.
CREATE TRIGGER recommend_community_changed
    AFTER INSERT OR DELETE OR UPDATE OF
        kind, name, purpose, description, tags, styles, prefecture, online, home_prefecture, org_id, job_family,
        industry, monthly_fee, hours_per_month, languages, join_policy, trait_member_run, trait_purpose_fit,
        trait_flexible_intensity, trait_free_exit, trait_newcomer_support, hidden_at
    ON communities
    FOR EACH ROW EXECUTE FUNCTION recommend_community_changed();

CREATE FUNCTION recommend_rating_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM recommend_notify(TG_TABLE_SCHEMA, 'community', OLD.community_id, NULL);
    ELSE
        PERFORM recommend_notify(TG_TABLE_SCHEMA, 'community', NEW.community_id, NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recommend_rating_changed
    AFTER INSERT OR UPDATE OR DELETE ON community_trait_ratings
    FOR EACH ROW EXECUTE FUNCTION recommend_rating_changed();

CREATE FUNCTION recommend_account_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recommend_notify(TG_TABLE_SCHEMA, 'account', NULL, NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER recommend_account_changed
    AFTER UPDATE OF job_family, industry, age_band, prefecture, home_prefecture ON accounts
    FOR EACH ROW
    WHEN (OLD.job_family IS DISTINCT FROM NEW.job_family OR OLD.industry IS DISTINCT FROM NEW.industry
       OR OLD.age_band IS DISTINCT FROM NEW.age_band OR OLD.prefecture IS DISTINCT FROM NEW.prefecture
       OR OLD.home_prefecture IS DISTINCT FROM NEW.home_prefecture)
    EXECUTE FUNCTION recommend_account_changed();

CREATE FUNCTION recommend_values_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r survey_responses;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM survey_rounds WHERE id = r.round_id AND instrument_id = 'values_diagnosis') THEN
        PERFORM recommend_notify(TG_TABLE_SCHEMA, 'account', NULL, r.account_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recommend_values_changed
    AFTER INSERT OR DELETE ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION recommend_values_changed();

CREATE FUNCTION recommend_weights_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recommend_notify(TG_TABLE_SCHEMA, 'weights', NULL, NULL);
    RETURN NULL;
END
$$;

CREATE TRIGGER recommend_weights_changed
    AFTER INSERT OR UPDATE ON recommend_weights
    FOR EACH ROW EXECUTE FUNCTION recommend_weights_changed();
