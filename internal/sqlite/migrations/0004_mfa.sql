-- 0004_mfa: two-step sign-in (ASVS 6.3.3): TOTP authenticators, recovery
-- codes, and sign-ins waiting for their second step.

-- secret is sealed with the server's key (AES-GCM), which is never in the
-- database. confirmed_at is NULL until a first valid code. last_step is the
-- highest RFC 6238 time step a code was accepted for: codes work once.
CREATE TABLE mfa_totp (
    account_id   TEXT    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0
);

-- Single-use recovery codes, by SHA-256 only.
CREATE TABLE mfa_recovery_codes (
    account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (account_id, code_hash)
);

ALTER TABLE sessions ADD COLUMN mfa_pending INTEGER NOT NULL DEFAULT 0;
