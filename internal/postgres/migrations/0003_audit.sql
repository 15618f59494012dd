-- The audit trail (TRUST.md §4, ASVS 16.x).
--
-- Append-only and hash-chained: seq numbers the entries from 1 without
-- gaps, and each hash covers the entry and the hash before it (see
-- tsunagari.AuditEvent.ChainHash). Appends take a table lock so that
-- concurrent ones form one chain. The trigger refuses changes, deletions
-- and truncation; `tsunagari audit verify` detects them if it is dropped.
-- There are no foreign keys: entries outlive what they name.

CREATE TABLE audit_events (
    seq         bigint      PRIMARY KEY CHECK (seq > 0),
    at          timestamptz NOT NULL,
    actor_id    text,
    action      text        NOT NULL,
    outcome     text        NOT NULL,
    target_type text,
    target_id   text,
    org_id      text,
    ip          text        NOT NULL DEFAULT '',
    detail      text        NOT NULL DEFAULT '',
    prev_hash   text        NOT NULL,
    hash        text        NOT NULL UNIQUE
);

CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
