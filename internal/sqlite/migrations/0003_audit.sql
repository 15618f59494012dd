-- 0003_audit: the audit trail (TRUST.md §4, ASVS 16.x).
--
-- Append-only and hash-chained: seq numbers the entries from 1 without
-- gaps, and each hash covers the entry and the hash before it (see
-- tsunagari.AuditEvent.ChainHash). The triggers refuse changes and
-- deletions; `tsunagari audit verify` detects them if the triggers are
-- dropped. There are no foreign keys: entries outlive the accounts, orgs
-- and objects they name.

CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY CHECK (seq > 0),
    at          INTEGER NOT NULL,
    actor_id    TEXT,
    action      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    target_type TEXT,
    target_id   TEXT,
    org_id      TEXT,
    ip          TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL UNIQUE
);

CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
