-- 0013_outbox_claims: several servers may send the outbox. A server claims
-- a message before it sends it, until claimed_until; no other server takes
-- it meanwhile. A claim that lapses (its server stopped mid-send) frees the
-- message again. outbox_unsent serves the claim's scan, read backwards.
ALTER TABLE outbox ADD COLUMN claimed_until timestamptz;
