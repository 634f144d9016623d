-- Judging: link state, signals, scores and referring domains. Recomputed from backlinks and
-- link_checks by flows/judge.py (each table is replaced as a whole: idempotent).
-- Rules: linkvet/judging/*.py and linkvet/data/score_model.toml; docs/scoring.md.

CREATE TABLE IF NOT EXISTS link_state (
    link_id              VARCHAR PRIMARY KEY,
    status               VARCHAR NOT NULL,      -- live | at_risk | lost | unverified
    first_seen           TIMESTAMP,             -- earliest first-seen date any tool reported
    checks               INTEGER NOT NULL,
    first_checked        TIMESTAMPTZ,
    last_checked         TIMESTAMPTZ,
    last_live            TIMESTAMPTZ,
    last_outcome         VARCHAR,
    consecutive_failures INTEGER NOT NULL,      -- checks since the last live one
    losing_streak        INTEGER NOT NULL,      -- losing checks among them
    lost_at              TIMESTAMPTZ,           -- first check of the losing streak
    lost_reason          VARCHAR,               -- outcome of the latest losing check
    computed_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS link_changes (
    link_id     VARCHAR NOT NULL,
    check_id    VARCHAR NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL,
    field       VARCHAR NOT NULL,               -- rel | anchor_text | placement | link_url | follow
    old_value   VARCHAR,
    new_value   VARCHAR,
    PRIMARY KEY (link_id, check_id, field)
);

-- One row per known link: the signals the score model reads (names = model signals).
-- Derived tables are replaced whole and keyed by backlinks' key: no index to maintain.
CREATE TABLE IF NOT EXISTS link_signals (
    link_id                VARCHAR NOT NULL,
    source_url             VARCHAR NOT NULL,
    source_host            VARCHAR,
    source_domain          VARCHAR NOT NULL,
    target                 VARCHAR NOT NULL,
    target_domain          VARCHAR NOT NULL,
    status                 VARCHAR,
    link_present           BOOLEAN,
    follow                 BOOLEAN,
    nofollow               BOOLEAN,
    sponsored              BOOLEAN,
    ugc                    BOOLEAN,
    placement              VARCHAR,
    hidden                 BOOLEAN,
    js_only                BOOLEAN,
    word_count             INTEGER,
    outbound_links         INTEGER,
    outbound_domains       INTEGER,
    link_density           DOUBLE,
    anchor                 VARCHAR,
    anchor_class           VARCHAR,
    poison_anchor          BOOLEAN,
    target_exact_share     DOUBLE,
    sitewide_pages         INTEGER,
    spammy_tld             BOOLEAN,
    server_ip              VARCHAR,
    same_ip_domains        INTEGER,
    same_subnet_domains    INTEGER,
    near_duplicate_domains INTEGER,
    reciprocal             BOOLEAN,
    imported_authority     DOUBLE,
    pagerank               DOUBLE,
    authority              DOUBLE,
    relevance              DOUBLE,
    third_party_toxicity   DOUBLE,
    computed_at            TIMESTAMPTZ NOT NULL,
    outcome                VARCHAR,               -- the latest check's outcome
    words_per_link         DOUBLE                 -- visible words per link on the page
);
-- files created before these columns existed
ALTER TABLE link_signals ADD COLUMN IF NOT EXISTS outcome VARCHAR;
ALTER TABLE link_signals ADD COLUMN IF NOT EXISTS words_per_link DOUBLE;

-- The rules of every model version that scored something (bit i of reason_bits = rule bit i).
CREATE TABLE IF NOT EXISTS score_rules (
    model_version VARCHAR NOT NULL,
    bit           INTEGER NOT NULL,
    rule_id       VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,             -- reason | marker
    points        DOUBLE NOT NULL,
    text          VARCHAR NOT NULL,
    PRIMARY KEY (model_version, bit)
);

CREATE TABLE IF NOT EXISTS link_scores (
    link_id        VARCHAR NOT NULL,
    score          DOUBLE NOT NULL,             -- 0..100
    tier           VARCHAR NOT NULL,            -- high | medium | low
    toxic          BOOLEAN NOT NULL,
    marker_count   SMALLINT NOT NULL,
    reason_bits    UBIGINT NOT NULL,            -- rules that held; see link_score_reasons
    model_version  VARCHAR NOT NULL,
    scored_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS referring_domains (
    target_domain  VARCHAR NOT NULL,
    source_domain  VARCHAR NOT NULL,
    links          INTEGER NOT NULL,
    live_links     INTEGER NOT NULL,
    lost_links     INTEGER NOT NULL,
    followed_links INTEGER NOT NULL,
    best_score     DOUBLE,
    avg_score      DOUBLE,
    best_tier      VARCHAR,
    toxic_links    INTEGER NOT NULL,
    first_seen     TIMESTAMP,
    last_live      TIMESTAMPTZ,
    computed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (target_domain, source_domain)
);

-- Every rule that held for a link, with its points and text, under the model that scored it.
CREATE OR REPLACE VIEW link_score_reasons AS
SELECT s.link_id, r.bit, r.rule_id, r.kind, r.points, r.text, s.model_version
FROM link_scores s
JOIN score_rules r
  ON r.model_version = s.model_version AND (s.reason_bits >> r.bit::UBIGINT) & 1::UBIGINT = 1;

-- Scores with their reasons and markers as lists (for reports and BI).
CREATE OR REPLACE VIEW link_scores_explained AS
SELECT s.link_id, s.score, s.tier, s.toxic, s.model_version, s.scored_at,
       coalesce(list(r.rule_id ORDER BY r.bit) FILTER (WHERE r.kind = 'marker'), [])
           AS markers,
       coalesce(list({'rule': r.rule_id, 'points': r.points, 'text': r.text}
                     ORDER BY abs(r.points) DESC, r.bit)
                FILTER (WHERE r.rule_id IS NOT NULL), []) AS reasons
FROM link_scores s
LEFT JOIN link_score_reasons r ON r.link_id = s.link_id
GROUP BY ALL;
