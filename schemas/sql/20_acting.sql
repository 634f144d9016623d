-- Acting: alerts, daily trend snapshots, review decisions and outreach. Written by flows/act.py
-- and the CLI (linkvet review / outreach / alerts). Rules: linkvet/acting/*.py; docs/alerts.md.

-- One row per alert, keyed by a stable id of (kind, subject, evidence_day): re-running never
-- raises an alert twice and keeps its status.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id         VARCHAR PRIMARY KEY,
    kind             VARCHAR NOT NULL,       -- see linkvet.acting.alerts.ALERT_KINDS
    severity         VARCHAR NOT NULL,       -- critical | warning | info
    subject          VARCHAR NOT NULL,       -- link id, 'domain:x', 'subnet:a.b.c.0/24', ...
    target           VARCHAR NOT NULL,       -- target registrable domain
    evidence_day     DATE NOT NULL,
    evidence         JSON NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    status           VARCHAR NOT NULL DEFAULT 'open',   -- open | acknowledged
    acknowledged_at  TIMESTAMPTZ,
    acknowledged_by  VARCHAR
);

-- The tier of each link when it was last seen live: "a high-quality link was lost" compares
-- against it (the current score of a lost link describes the page without the link).
CREATE TABLE IF NOT EXISTS link_tier_memory (
    link_id      VARCHAR PRIMARY KEY,
    tier         VARCHAR NOT NULL,
    score        DOUBLE NOT NULL,
    toxic        BOOLEAN NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);

-- Trend snapshot per target and day, recomputed from link_checks for every day (idempotent).
-- A link's state on a day is the outcome of its latest non-neutral check on or before that day.
CREATE TABLE IF NOT EXISTS daily_metrics (
    target                       VARCHAR NOT NULL,
    day                          DATE NOT NULL,
    referring_domains            INTEGER NOT NULL,
    live_links                   INTEGER NOT NULL,
    new_links                    INTEGER NOT NULL,
    lost_links                   INTEGER NOT NULL,
    new_referring_domains        INTEGER NOT NULL,
    lost_referring_domains       INTEGER NOT NULL,
    new_relevant_domains         INTEGER NOT NULL,   -- new domains with relevance >= 0.2
    high_links                   INTEGER NOT NULL,   -- quality mix of live links (current tier)
    medium_links                 INTEGER NOT NULL,
    low_links                    INTEGER NOT NULL,
    toxic_links                  INTEGER NOT NULL,
    followed_links               INTEGER NOT NULL,
    nofollow_links               INTEGER NOT NULL,
    anchor_mix                   MAP(VARCHAR, INTEGER) NOT NULL,  -- anchor class -> live links
    exact_anchor_share           DOUBLE,
    link_velocity_7d             INTEGER,            -- live_links minus live_links 7 days before
    domain_velocity_7d           INTEGER,
    referral_traffic             DOUBLE,             -- sum of imported metric, when imported
    conversions                  DOUBLE,
    computed_at                  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (target, day)
);

-- Review decisions; history kept, the latest per subject wins (see current_decisions).
CREATE TABLE IF NOT EXISTS decisions (
    subject     VARCHAR NOT NULL,        -- a link id or 'domain:example.com'
    action      VARCHAR NOT NULL,        -- keep | whitelist | remove | disavow
    who         VARCHAR NOT NULL,
    why         VARCHAR NOT NULL,
    decided_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject, decided_at)
);

CREATE OR REPLACE VIEW current_decisions AS
SELECT * FROM decisions
QUALIFY row_number() OVER (PARTITION BY subject ORDER BY decided_at DESC) = 1;

CREATE TABLE IF NOT EXISTS outreach_log (
    subject  VARCHAR NOT NULL,           -- a link id or 'domain:example.com'
    status   VARCHAR NOT NULL,           -- contacted | replied | removed | refused | no_answer
    "at"     TIMESTAMPTZ NOT NULL,      -- quoted: AT is a keyword in DuckDB
    note     VARCHAR,
    who      VARCHAR NOT NULL,
    PRIMARY KEY (subject, "at")
);
