-- 0013_outbox_claims: the sender claims a message before it sends it,
-- until claimed_until (Unix seconds), as on PostgreSQL where several
-- servers share the outbox. A claim that lapses frees the message again.
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
