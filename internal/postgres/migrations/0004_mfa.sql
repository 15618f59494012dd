-- Two-step sign-in (ASVS 6.3.3): TOTP authenticators, recovery codes, and
-- sign-ins waiting for their second step.

-- secret is sealed with the server's key (AES-GCM), which is never in the
-- database. confirmed_at is NULL until a first valid code. last_step is the
-- highest RFC 6238 time step a code was accepted for: codes work once.
CREATE TABLE mfa_totp (
    account_id   text        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint      NOT NULL DEFAULT 0
);

-- Single-use recovery codes, by SHA-256 only.
CREATE TABLE mfa_recovery_codes (
    account_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  text        NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (account_id, code_hash)
);

ALTER TABLE sessions ADD COLUMN mfa_pending boolean NOT NULL DEFAULT false;
